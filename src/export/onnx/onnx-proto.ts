/**
 * The ONNX messages an exported model uses, typed, and their encoding. Field numbers are those
 * of onnx/onnx.proto (proto2):
 *
 *   ModelProto          ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7,
 *                       opset_import 8, metadata_props 14
 *   OperatorSetIdProto  domain 1, version 2
 *   GraphProto          node 1, name 2, initializer 5, doc_string 10, input 11, output 12
 *   NodeProto           input 1, output 2, name 3, op_type 4, attribute 5, doc_string 6
 *   AttributeProto      name 1, f 2, i 3, s 4, t 5, floats 7, ints 8, type 20
 *   TensorProto         dims 1, data_type 2, name 8, raw_data 9
 *   ValueInfoProto      name 1, type 2, doc_string 3
 *   TypeProto           tensor_type 1 → { elem_type 1, shape 2 → { dim 1 → { dim_value 1 | dim_param 2 } } }
 *   StringStringEntry   key 1, value 2
 */
import { ProtoWriter } from './protobuf.js';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, DOUBLE: 11 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values used here. */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

/** A constant tensor: little-endian element bytes (raw_data) of `dims`, row-major. */
export interface TensorProto {
  name: string;
  dataType: DataTypeCode;
  dims: readonly number[];
  raw: Uint8Array;
}

/**
 * An attribute value: a number is an INT when whole and `float` is not asked for, so floats
 * are tagged explicitly ({ float: x }); lists likewise ({ floats: [...] }).
 */
export type AttributeValue = number | string | readonly number[] | { float: number } | { floats: readonly number[] } | TensorProto;

export interface NodeProto {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name: string;
  attributes: Readonly<Record<string, AttributeValue>>;
}

/** A dimension: a fixed size, or a name for a size given at run time ('batch', 'time'). */
export type Dim = number | string;

export interface ValueInfo {
  name: string;
  dataType: DataTypeCode;
  dims: readonly Dim[];
  doc?: string;
}

export interface GraphProto {
  name: string;
  nodes: readonly NodeProto[];
  initializers: readonly TensorProto[];
  inputs: readonly ValueInfo[];
  outputs: readonly ValueInfo[];
  doc?: string;
}

export interface ModelProto {
  irVersion: number;
  opset: number;
  producer: string;
  producerVersion: string;
  graph: GraphProto;
  doc?: string;
  metadata: Readonly<Record<string, string>>;
}

function writeTensor(w: ProtoWriter, t: TensorProto): void {
  w.packedVarints(1, t.dims);
  w.varint(2, t.dataType);
  w.string(8, t.name);
  w.bytes(9, t.raw);
}

function isTensor(v: AttributeValue): v is TensorProto {
  return typeof v === 'object' && 'raw' in v;
}

function writeAttribute(w: ProtoWriter, name: string, v: AttributeValue): void {
  w.string(1, name);
  if (typeof v === 'number') {
    w.varint(3, v);
    w.varint(20, AttrType.INT);
  } else if (typeof v === 'string') {
    w.string(4, v);
    w.varint(20, AttrType.STRING);
  } else if (Array.isArray(v)) {
    w.packedVarints(8, v as number[]);
    w.varint(20, AttrType.INTS);
  } else if (isTensor(v)) {
    w.message(5, (t) => writeTensor(t, v));
    w.varint(20, AttrType.TENSOR);
  } else if ('float' in v) {
    w.float(2, v.float);
    w.varint(20, AttrType.FLOAT);
  } else if ('floats' in v) {
    w.packedFloats(7, v.floats);
    w.varint(20, AttrType.FLOATS);
  } else {
    throw new Error(`internal error: attribute ${name} has no ONNX type`);
  }
}

function writeNode(w: ProtoWriter, n: NodeProto): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.op);
  for (const [name, v] of Object.entries(n.attributes)) w.message(5, (a) => writeAttribute(a, name, v));
}

function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) => type.message(1, (tensor) => {
    tensor.varint(1, v.dataType);
    tensor.message(2, (shape) => {
      for (const d of v.dims) {
        shape.message(1, (dim) => (typeof d === 'number' ? dim.varint(1, d) : dim.string(2, d)));
      }
    });
  }));
  if (v.doc) w.string(3, v.doc);
}

function writeGraph(w: ProtoWriter, g: GraphProto): void {
  for (const n of g.nodes) w.message(1, (m) => writeNode(m, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (m) => writeTensor(m, t));
  if (g.doc) w.string(10, g.doc);
  for (const v of g.inputs) w.message(11, (m) => writeValueInfo(m, v));
  for (const v of g.outputs) w.message(12, (m) => writeValueInfo(m, v));
}

/** A whole model as the bytes of an .onnx file. */
export function encodeModel(m: ModelProto): Uint8Array {
  const w = new ProtoWriter();
  w.varint(1, m.irVersion);
  w.string(2, m.producer);
  w.string(3, m.producerVersion);
  if (m.doc) w.string(6, m.doc);
  w.message(7, (g) => writeGraph(g, m.graph));
  w.message(8, (o) => {
    o.string(1, '');
    o.varint(2, m.opset);
  });
  for (const [key, value] of Object.entries(m.metadata)) {
    w.message(14, (e) => {
      e.string(1, key);
      e.string(2, value);
    });
  }
  return w.finish();
}

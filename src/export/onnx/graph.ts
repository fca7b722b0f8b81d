/**
 * A small builder for an ONNX graph: values are names (strings), each op call appends one node
 * and returns its output's name, and constants become initializers. The exporters in this
 * folder read like the models' forward passes, one line per op, with the shape of each value.
 *
 * Weights go in as seqlab holds them (PyTorch layouts); `linear` stores Wᵀ once so the graph
 * runs x·Wᵀ + b as MatMul + Add, which onnxruntime fuses into one GEMM.
 */
import {
  type AttributeValue, DataType, type DataTypeCode, type Dim, encodeModel, type NodeProto, type TensorProto, type ValueInfo,
} from './onnx-proto.js';

/** The opset the graphs are written against: LayerNormalization (17) and Shape's start/end (15). */
export const OPSET = 17;
/** IR version 8 goes with opset 17. */
export const IR_VERSION = 8;

/** Whether this machine stores numbers little-endian, as ONNX's raw_data does (every usual one). */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** A float32 array as little-endian bytes. */
function floatBytes(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  data.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return out;
}

function int64Bytes(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
  return out;
}

function doubleBytes(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat64(8 * i, v, true));
  return out;
}

/** A Slice end meaning "to the end" (ONNX clamps ends to the axis). */
export const TO_END = Number.MAX_SAFE_INTEGER;

/** Weights as seqlab holds them: contiguous row-major data and a shape (a Tensor is one). */
export interface Weights {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/**
 * A graph being written: inputs, nodes in topological order (each appended after its inputs
 * exist), initializers and outputs. Value names are unique; weights keep their PyTorch names.
 */
export class OnnxGraph {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly used = new Set<string>();
  private readonly constants = new Map<string, string>();

  /** A name not used yet, built from `hint`. */
  fresh(hint: string): string {
    let name = hint;
    for (let i = 1; this.used.has(name); i++) name = `${hint}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Declares a graph input; returns its name. */
  input(name: string, dataType: DataTypeCode, dims: readonly Dim[], doc?: string): string {
    this.inputs.push({ name: this.claim(name), dataType, dims, doc });
    return name;
  }

  /** Declares `value` as a graph output called `name` (through an Identity, which onnxruntime drops). */
  output(value: string, name: string, dataType: DataTypeCode, dims: readonly Dim[], doc?: string): void {
    this.nodes.push({ op: 'Identity', inputs: [value], outputs: [this.claim(name)], name: `output_${name}`, attributes: {} });
    this.outputs.push({ name, dataType, dims, doc });
  }

  private claim(name: string): string {
    if (this.used.has(name)) throw new Error(`internal error: ONNX value '${name}' is defined twice`);
    this.used.add(name);
    return name;
  }

  /** One node with `count` outputs; returns their names. Optional inputs absent are ''. */
  ops(op: string, inputs: readonly string[], count: number, attributes: Record<string, AttributeValue> = {}, hint = op): string[] {
    const outputs = Array.from({ length: count }, (_, i) => this.fresh(count === 1 ? hint : `${hint}_out${i}`));
    this.nodes.push({ op, inputs, outputs, name: this.fresh(`node_${hint}`), attributes });
    return outputs;
  }

  /** One node with one output; returns its name. */
  op(op: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}, hint = op): string {
    return this.ops(op, inputs, 1, attributes, hint)[0];
  }

  /**
   * A float32 initializer called `name` (a weight's PyTorch name, so the file reads like the
   * checkpoint). A name already given returns the same initializer: a network written twice
   * into one graph (both DNA strands) shares its weights; `make` runs only the first time.
   */
  weight(name: string, dims: readonly number[], make: () => Float32Array): string {
    const key = `w:${name}`;
    let n = this.constants.get(key);
    if (!n) {
      n = this.fresh(name);
      this.initializers.push({ name: n, dataType: DataType.FLOAT, dims, raw: floatBytes(make()) });
      this.constants.set(key, n);
    }
    return n;
  }

  /** A parameter as an initializer under its own name (shared as `weight`). */
  param(name: string, t: Weights): string {
    return this.weight(name, t.shape, () => t.data);
  }

  /** A constant int64 vector (shared between the nodes that use the same values). */
  ints(values: readonly number[]): string {
    return this.shared(`i64:${values.join(',')}`, () => ({ dataType: DataType.INT64, dims: [values.length], raw: int64Bytes(values) }), 'ints');
  }

  /** A constant float32 scalar (shared). */
  scalar(value: number): string {
    return this.shared(`f32:${value}`, () => ({ dataType: DataType.FLOAT, dims: [], raw: floatBytes(Float32Array.of(value)) }), 'const');
  }

  /** A constant float64 vector (shared). */
  doubles(values: readonly number[]): string {
    return this.shared(`f64:${values.join(',')}`, () => ({ dataType: DataType.DOUBLE, dims: [values.length], raw: doubleBytes(values) }), 'doubles');
  }

  private shared(key: string, make: () => Omit<TensorProto, 'name'>, hint: string): string {
    let name = this.constants.get(key);
    if (!name) {
      name = this.fresh(hint);
      this.initializers.push({ name, ...make() });
      this.constants.set(key, name);
    }
    return name;
  }

  /** y = x·Wᵀ + b: x [..., In], W [Out, In] (stored transposed, [In, Out]), b [Out] → [..., Out]. */
  linear(x: string, weight: Weights, bias: Weights | null, name: string): string {
    const [out, inp] = weight.shape;
    const wt = this.weight(`${name}.weight_t`, [inp, out], () => {
      const t = new Float32Array(out * inp);
      for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) t[i * out + o] = weight.data[o * inp + i];
      return t;
    });
    const y = this.op('MatMul', [x, wt], {}, name);
    return bias ? this.op('Add', [y, this.param(`${name}.bias`, bias)], {}, name) : y;
  }

  /** Axes of x permuted: output axis i is input axis perm[i]. */
  transpose(x: string, perm: readonly number[]): string {
    return this.op('Transpose', [x], { perm });
  }

  /** Reshape to `dims` (0 copies that axis of x, −1 is inferred: ONNX's rules). */
  reshape(x: string, dims: readonly number[]): string {
    return this.op('Reshape', [x, this.ints(dims)]);
  }

  /** Moves output `name` to the front of the outputs (the main result first, state after it). */
  outputFirst(name: string): void {
    const i = this.outputs.findIndex((o) => o.name === name);
    if (i > 0) this.outputs.unshift(...this.outputs.splice(i, 1));
  }

  /** The model's bytes: nodes in the order they were added, which is a topological order. */
  encode(meta: { name: string; doc: string; producerVersion: string; metadata: Record<string, string> }): Uint8Array {
    return encodeModel({
      irVersion: IR_VERSION, opset: OPSET, producer: 'seqlab', producerVersion: meta.producerVersion, doc: meta.doc,
      metadata: meta.metadata,
      graph: { name: meta.name, nodes: this.nodes, initializers: this.initializers, inputs: this.inputs, outputs: this.outputs },
    });
  }
}

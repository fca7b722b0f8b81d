import { backend, type BinaryOp } from '../backend/index.js';
import { record } from '../tensor/autograd.js';
import { broadcastShapes, broadcastStrides, numel, sameShape, type Shape } from '../tensor/shape.js';
import { scalar, Tensor } from '../tensor/tensor.js';
import { sumTo } from './reduce.js';
import { log, neg } from './unary.js';

/** A tensor or a plain number (treated as a scalar tensor). */
export type TensorLike = Tensor | number;

export function asTensor(x: TensorLike): Tensor {
  return typeof x === 'number' ? scalar(x) : x;
}

/** Runs a broadcasting binary kernel; returns the data and the broadcast shape. */
function binaryData(op: BinaryOp, a: Tensor, b: Tensor): [Float32Array, number[]] {
  const shape = broadcastShapes(a.shape, b.shape, op);
  const out = backend().alloc(numel(shape));
  backend().binary(op, a.data, broadcastStrides(a.shape, shape), b.data, broadcastStrides(b.shape, shape), out, shape);
  return [out, shape];
}

/** a + b, broadcasting. Backward: g, summed back to each input's shape. */
export function add(x: TensorLike, y: TensorLike): Tensor {
  const a = asTensor(x);
  const b = asTensor(y);
  const [data, shape] = binaryData('add', a, b);
  return record(data, shape, 'add', [a, b], (g) => [sumTo(g, a.shape), sumTo(g, b.shape)]);
}

/** a − b, broadcasting. Backward: g and −g. */
export function sub(x: TensorLike, y: TensorLike): Tensor {
  const a = asTensor(x);
  const b = asTensor(y);
  const [data, shape] = binaryData('sub', a, b);
  return record(data, shape, 'sub', [a, b], (g) => [sumTo(g, a.shape), b.requiresGrad ? sumTo(neg(g), b.shape) : null]);
}

/** a · b elementwise, broadcasting. Backward: g·b and g·a. */
export function mul(x: TensorLike, y: TensorLike): Tensor {
  const a = asTensor(x);
  const b = asTensor(y);
  const [data, shape] = binaryData('mul', a, b);
  return record(data, shape, 'mul', [a, b], (g) => [
    a.requiresGrad ? sumTo(mul(g, b), a.shape) : null,
    b.requiresGrad ? sumTo(mul(g, a), b.shape) : null,
  ]);
}

/** a / b, broadcasting. Backward: g/b and −g·a/b². */
export function div(x: TensorLike, y: TensorLike): Tensor {
  const a = asTensor(x);
  const b = asTensor(y);
  const [data, shape] = binaryData('div', a, b);
  return record(data, shape, 'div', [a, b], (g) => [
    a.requiresGrad ? sumTo(div(g, b), a.shape) : null,
    b.requiresGrad ? sumTo(neg(div(mul(g, new Tensor(data, shape)), b)), b.shape) : null,
  ]);
}

/** a^b, broadcasting. Backward: g·b·a^(b−1) and g·a^b·ln a (the latter only when b needs it). */
export function pow(x: TensorLike, y: TensorLike): Tensor {
  const a = asTensor(x);
  const b = asTensor(y);
  const [data, shape] = binaryData('pow', a, b);
  return record(data, shape, 'pow', [a, b], (g) => [
    a.requiresGrad ? sumTo(mul(g, mul(b, pow(a, sub(b, 1)))), a.shape) : null,
    b.requiresGrad ? sumTo(mul(g, mul(new Tensor(data, shape), log(a))), b.shape) : null,
  ]);
}


/** Comparisons give 0/1 tensors with no gradient: masks for `where`. */
export function eq(a: TensorLike, b: TensorLike): Tensor {
  return compare('eq', a, b);
}

export function gt(a: TensorLike, b: TensorLike): Tensor {
  return compare('gt', a, b);
}

export function lt(a: TensorLike, b: TensorLike): Tensor {
  return compare('lt', a, b);
}

function compare(op: 'eq' | 'gt' | 'lt', x: TensorLike, y: TensorLike): Tensor {
  const [data, shape] = binaryData(op, asTensor(x), asTensor(y));
  return new Tensor(data, shape, { op });
}

/** Copies x broadcast to `shape` (no gradient; used inside backward functions). */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const out = backend().alloc(numel(shape));
  const zero = new Float32Array(1);
  backend().binary('add', x.data, broadcastStrides(x.shape, shape), zero, shape.map(() => 0), out, shape);
  return new Tensor(out, shape);
}

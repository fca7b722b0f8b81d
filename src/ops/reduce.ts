import { backend } from '../backend/index.js';
import { SeqlabError } from '../errors.js';
import { record } from '../tensor/autograd.js';
import { normAxis, numel, type Shape, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastTo } from './elementwise.js';
import { reshape } from './shape-ops.js';

function axesOf(x: Tensor, axes: number | readonly number[] | undefined): number[] {
  if (axes === undefined) return x.shape.map((_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  return [...new Set(list.map((a) => normAxis(a, x.rank)))].sort((a, b) => a - b);
}

function reducedShape(shape: Shape, axes: number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdim) out.push(1);
  });
  return out;
}

/** Reduces one axis at a time, viewing x as [outer, n, inner]; returns flat data. */
function reduceData(op: 'sum' | 'max', x: Tensor, axes: number[]): Float32Array {
  let data = x.data;
  const shape = [...x.shape];
  for (const ax of axes) {
    const outer = numel(shape.slice(0, ax));
    const inner = numel(shape.slice(ax + 1));
    const out = backend().alloc(outer * inner);
    backend().reduce(op, data, outer, shape[ax], inner, out);
    data = out;
    shape[ax] = 1;
  }
  return axes.length === 0 ? Float32Array.from(data) : data;
}

/**
 * Sum over `axes` (all axes by default). Shape: the input's with those axes removed, or kept as
 * size 1 with `keepdim`. Backward: the gradient is broadcast back over the summed axes.
 */
export function sum(x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor {
  const ax = axesOf(x, axes);
  const shape = reducedShape(x.shape, ax, keepdim);
  const kept = reducedShape(x.shape, ax, true);
  return record(reduceData('sum', x, ax), shape, 'sum', [x],
    (g) => [broadcastTo(reshape(g, kept), x.shape)]);
}

/** Mean over `axes` (all by default): sum / count. */
export function mean(x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor {
  const ax = axesOf(x, axes);
  const count = ax.reduce((p, a) => p * x.shape[a], 1);
  const shape = reducedShape(x.shape, ax, keepdim);
  const kept = reducedShape(x.shape, ax, true);
  const data = reduceData('sum', x, ax);
  for (let i = 0; i < data.length; i++) data[i] /= count;
  return record(data, shape, 'mean', [x], (g) => {
    const gb = broadcastTo(reshape(g, kept), x.shape);
    const d = gb.data.map((v) => v / count);
    return [new Tensor(d, x.shape)];
  });
}

/**
 * Maximum over `axes`. Backward: the gradient goes to the positions that hold the maximum,
 * shared equally between ties (as PyTorch's amax does).
 */
export function max(x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor {
  const ax = axesOf(x, axes);
  if (ax.some((a) => x.shape[a] === 0)) throw new SeqlabError(`max over an empty axis of ${shapeStr(x.shape)}`);
  const shape = reducedShape(x.shape, ax, keepdim);
  const kept = reducedShape(x.shape, ax, true);
  const data = reduceData('max', x, ax);
  return record(data, shape, 'max', [x], (g) => [new Tensor(maxGrad(x, data, g.data, kept), x.shape)]);
}

/**
 * max's backward in one pass: each element's output index from its coordinates (the reduced
 * axes have size 1 in `kept`), ties counted per output, then g/ties where x holds the maximum.
 */
function maxGrad(x: Tensor, y: Float32Array, g: Float32Array, kept: readonly number[]): Float32Array {
  const rank = x.rank;
  const outStride = new Array<number>(rank).fill(0);
  for (let d = rank - 1, s = 1; d >= 0; d--) {
    outStride[d] = kept[d] === 1 ? 0 : s;
    s *= kept[d];
  }
  const index = new Int32Array(x.size);
  const coord = new Array<number>(rank).fill(0);
  for (let i = 0, o = 0; i < x.size; i++) {
    index[i] = o;
    for (let d = rank - 1; d >= 0; d--) { // advance the coordinate counter, keeping o in step
      coord[d]++;
      o += outStride[d];
      if (coord[d] < x.shape[d]) break;
      o -= outStride[d] * coord[d];
      coord[d] = 0;
    }
  }
  const ties = new Float32Array(y.length);
  for (let i = 0; i < x.size; i++) if (x.data[i] === y[index[i]]) ties[index[i]]++;
  const dx = backend().alloc(x.size);
  for (let i = 0; i < x.size; i++) {
    const o = index[i];
    dx[i] = x.data[i] === y[o] ? g[o] / ties[o] : 0;
  }
  return dx;
}

/**
 * Sums a broadcast gradient back down to `shape` (the inverse of broadcasting): used by every
 * broadcasting op's backward.
 */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (g.rank === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const summed = reduceData('sum', g, axes);
  return new Tensor(summed, shape);
}

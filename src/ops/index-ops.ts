import { backend } from '../backend/index.js';
import { SeqlabError } from '../errors.js';
import { record } from '../tensor/autograd.js';
import { broadcastShapes, broadcastStrides, normAxis, numel, type Shape, shapeStr } from '../tensor/shape.js';
import { Tensor, zeros } from '../tensor/tensor.js';
import { asTensor, type TensorLike } from './elementwise.js';
import { sumTo } from './reduce.js';

/** Integer indices: token ids, targets, positions. */
export type Indices = Int32Array | readonly number[];

function checkedIndices(index: Indices, size: number, what: string): Int32Array {
  const out = Int32Array.from(index);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isInteger(index[i]) || out[i] < 0 || out[i] >= size) {
      throw new SeqlabError(`${what}: index ${index[i]} at position ${i} is out of range [0, ${size})`);
    }
  }
  return out;
}

/**
 * Picks entries of x along `axis`: out has x's shape with that axis replaced by
 * `indexShape` (default: the number of indices). Backward: scatter-add into zeros, so repeated
 * indices accumulate.
 */
export function indexSelect(x: Tensor, axis: number, index: Indices, indexShape?: Shape): Tensor {
  const a = normAxis(axis, x.rank);
  const idx = checkedIndices(index, x.shape[a], 'indexSelect');
  const ishape = indexShape ?? [idx.length];
  if (numel(ishape) !== idx.length) throw new SeqlabError(`indexSelect: index shape ${shapeStr(ishape)} does not hold ${idx.length} indices`);
  const outer = numel(x.shape.slice(0, a));
  const inner = numel(x.shape.slice(a + 1));
  const shape = [...x.shape.slice(0, a), ...ishape, ...x.shape.slice(a + 1)];
  const out = backend().alloc(numel(shape));
  backend().gatherRows(x.data, x.shape[a], idx, out, outer, inner, false);
  return record(out, shape, 'indexSelect', [x], (g) => {
    const dx = zeros(x.shape);
    backend().gatherRows(dx.data, x.shape[a], idx, g.data, outer, inner, true);
    return [dx];
  });
}

/**
 * Embedding lookup: weight [vocab, dim], ids of shape S → [...S, dim]. Rows at `paddingIdx`
 * get no gradient (as PyTorch's padding_idx).
 */
export function embedding(weight: Tensor, ids: Indices, idsShape: Shape, paddingIdx?: number): Tensor {
  if (weight.rank !== 2) throw new SeqlabError(`embedding: weight must be [vocab, dim], got ${shapeStr(weight.shape)}`);
  const idx = checkedIndices(ids, weight.shape[0], 'embedding');
  const out = indexSelect(weight, 0, idx, idsShape);
  if (paddingIdx === undefined || !out.requiresGrad) return out;
  const dim = weight.shape[1];
  return record(out.data, out.shape, 'embedding', [weight], (g) => {
    const dw = zeros(weight.shape);
    const masked = new Float32Array(g.data);
    for (let i = 0; i < idx.length; i++) if (idx[i] === paddingIdx) masked.fill(0, i * dim, (i + 1) * dim);
    backend().gatherRows(dw.data, weight.shape[0], idx, masked, 1, dim, true);
    return [dw];
  });
}

/**
 * cond ≠ 0 ? a : b elementwise, broadcasting all three. `cond` is a 0/1 tensor and gets no
 * gradient. Backward: g goes to a where cond holds, to b elsewhere.
 */
export function where(cond: Tensor, x: TensorLike, y: TensorLike): Tensor {
  const a = asTensor(x);
  const b = asTensor(y);
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, 'where'), b.shape, 'where');
  const out = backend().alloc(numel(shape));
  const st = (s: Shape): number[] => broadcastStrides(s, shape);
  backend().where(cond.data, st(cond.shape), a.data, st(a.shape), b.data, st(b.shape), out, shape);
  return record(out, shape, 'where', [a, b], (g) => {
    const zero = new Float32Array(1);
    const pick = (takeA: boolean, target: Tensor): Tensor => {
      const d = backend().alloc(g.size);
      const gs = st(shape);
      if (takeA) backend().where(cond.data, st(cond.shape), g.data, gs, zero, shape.map(() => 0), d, shape);
      else backend().where(cond.data, st(cond.shape), zero, shape.map(() => 0), g.data, gs, d, shape);
      return sumTo(new Tensor(d, shape), target.shape);
    };
    return [a.requiresGrad ? pick(true, a) : null, b.requiresGrad ? pick(false, b) : null];
  });
}

/** x with `value` wherever mask ≠ 0 (mask broadcasts; true = fill, as PyTorch's masked_fill). */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  return where(mask, value, x);
}

/** One-hot rows: ids of shape S → [...S, classes] of 0/1, no gradient. */
export function oneHot(ids: Indices, idsShape: Shape, classes: number): Tensor {
  const idx = checkedIndices(ids, classes, 'oneHot');
  const out = zeros([...idsShape, classes]);
  if (numel(idsShape) !== idx.length) throw new SeqlabError(`oneHot: shape ${shapeStr(idsShape)} does not hold ${idx.length} ids`);
  for (let i = 0; i < idx.length; i++) out.data[i * classes + idx[i]] = 1;
  return out;
}

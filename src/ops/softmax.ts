import { backend, type SoftmaxMask } from '../backend/index.js';
import { SeqlabError } from '../errors.js';
import { record } from '../tensor/autograd.js';
import { broadcastShapes, broadcastStrides, numel, sameShape, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * Scaled softmax along the last axis as one primitive (the fused path of F.softmax and
 * F.scaledSoftmax; the compositions F.softmaxExplicit(mul(x, scale)) are the definition, and
 * a test holds the two equal): with z = scale·x,
 *   y = exp(z − m) / Σ exp(z − m) per row, m the row's largest unmasked value,
 * where `mask` (broadcastable to x, nonzero = masked) gives weight exactly 0, and a row with
 * every position masked is all zeros, not NaN. Backward: dx = scale·y ⊙ (g − Σ g ⊙ y) per row.
 * x [..., n] → [..., n]; no intermediate tensor is kept but y.
 */
export function softmaxLast(x: Tensor, mask: Tensor | null = null, scale = 1): Tensor {
  if (x.rank === 0) throw new SeqlabError('softmax: a scalar has no axis to normalise');
  const n = x.shape[x.rank - 1];
  const rows = numel(x.shape.slice(0, -1));
  const table = mask ? maskTable(mask, x.shape) : null;
  const y = backend().alloc(x.size);
  backend().softmax(x.data, rows, n, scale, table, y);
  return record(y, x.shape, 'softmax', [x], (g) => {
    const dx = backend().alloc(x.size);
    backend().softmaxGrad(y, g.data, rows, n, scale, dx);
    return [new Tensor(dx, x.shape)];
  });
}

/** Whether `mask` broadcasts to exactly `shape` (so the fused softmax can take it). */
export function maskFitsShape(mask: Tensor, shape: readonly number[]): boolean {
  try {
    return sameShape(broadcastShapes(mask.shape, shape), shape);
  } catch {
    return false;
  }
}

/** The mask read as x's shape: each row's start in mask.data, and its step along the row. */
function maskTable(mask: Tensor, shape: readonly number[]): SoftmaxMask {
  if (!maskFitsShape(mask, shape)) {
    throw new SeqlabError(`softmax: mask ${shapeStr(mask.shape)} does not broadcast to the input ${shapeStr(shape)}`);
  }
  const strides = broadcastStrides(mask.shape, shape);
  const lead = shape.slice(0, -1);
  const rowOffsets = new Int32Array(numel(lead));
  const index = new Array<number>(lead.length).fill(0);
  for (let r = 0, offset = 0; r < rowOffsets.length; r++) {
    rowOffsets[r] = offset;
    for (let ax = lead.length - 1; ax >= 0; ax--) { // row-major odometer over the leading axes
      index[ax]++;
      offset += strides[ax];
      if (index[ax] < lead[ax]) break;
      offset -= strides[ax] * lead[ax];
      index[ax] = 0;
    }
  }
  return { data: mask.data, rowOffsets, stride: strides[shape.length - 1] === 0 ? 0 : 1 };
}

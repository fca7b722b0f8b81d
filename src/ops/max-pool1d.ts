import { backend } from '../backend/index.js';
import { SeqlabError } from '../errors.js';
import { record } from '../tensor/autograd.js';
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * 1-D max pooling over [batch, channels, length], as PyTorch's max_pool1d:
 *   x [B, C, L] → [B, C, Lout],  Lout = ⌊(L + 2·padding − kernel) / stride⌋ + 1,
 *   y[b, c, t] = max over q < kernel of x[b, c, t·stride − padding + q],
 * where positions outside [0, L) count as −∞ (padding never wins), and a NaN wins its window.
 * Backward: each output's gradient goes to the position that held its maximum, the first one
 * on ties (PyTorch's argmax); overlapping windows (stride < kernel) add up.
 */
export function maxPool1d(x: Tensor, kernel: number, stride = kernel, padding = 0): Tensor {
  if (x.rank !== 3) throw new SeqlabError(`maxPool1d: input ${shapeStr(x.shape)} should be [batch, channels, length]`);
  checkMaxPool1dArgs(kernel, stride, padding);
  const [batch, channels, len] = x.shape;
  const lenOut = Math.floor((len + 2 * padding - kernel) / stride) + 1;
  if (lenOut <= 0) throw new SeqlabError(`maxPool1d: input length ${len} is too short for kernel ${kernel} with padding ${padding}`);
  const rows = batch * channels;
  const out = backend().alloc(rows * lenOut, true); // [B, C, Lout]
  const argmax = new Int32Array(rows * lenOut); // where each maximum came from, as an index into x
  const xs = x.data;
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < lenOut; t++) {
      // padding ≤ kernel/2, so every window holds at least one real position
      const start = t * stride - padding;
      const lo = Math.max(start, 0);
      const hi = Math.min(start + kernel, len);
      let at = r * len + lo;
      let best = xs[at];
      for (let i = at + 1; i < r * len + hi; i++) {
        if (xs[i] > best || Number.isNaN(xs[i])) { // PyTorch's test: a NaN wins
          best = xs[i];
          at = i;
        }
      }
      out[r * lenOut + t] = best;
      argmax[r * lenOut + t] = at;
    }
  }
  return record(out, [batch, channels, lenOut], 'max_pool1d', [x], (g) => {
    const dx = backend().alloc(x.size); // zeroed
    for (let o = 0; o < argmax.length; o++) dx[argmax[o]] += g.data[o];
    return [new Tensor(dx, x.shape)];
  });
}

/** PyTorch's rules: kernel and stride positive integers, 0 ≤ padding ≤ kernel/2; `where` names the caller. */
export function checkMaxPool1dArgs(kernel: number, stride: number, padding: number, where = 'maxPool1d'): void {
  if (!Number.isInteger(kernel) || kernel < 1) throw new SeqlabError(`${where}: kernel must be a positive integer, got ${kernel}`);
  if (!Number.isInteger(stride) || stride < 1) throw new SeqlabError(`${where}: stride must be a positive integer, got ${stride}`);
  if (!Number.isInteger(padding) || padding < 0 || padding > kernel / 2) {
    throw new SeqlabError(`${where}: padding must be an integer from 0 to kernel/2 = ${kernel / 2}, got ${padding}`);
  }
}

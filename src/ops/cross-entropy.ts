import { backend } from '../backend/index.js';
import { SeqlabError } from '../errors.js';
import { record } from '../tensor/autograd.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * Label-smoothed cross-entropy over rows as one primitive (the fused path of F.crossEntropy; the
 * composition F.crossEntropyExplicit is the definition, and a test holds the two equal).
 * logits [N, C], targets [N] (−1: the row is ignored), ε = `smoothing`:
 *
 *   p = softmax(x) per row, lse = log Σ_c exp(x_c) = max_c x_c − log max_c p_c
 *   ℓ_r = (1 − ε)·(lse − x_t) + ε·(lse − Σ_c x_c / C)
 *   loss = Σ over kept rows of ℓ_r, divided by their count for 'mean'
 *   ∂loss/∂x_rc = w_r·(p_rc − ε/C − (1 − ε)·[c = t_r]),  w_r = g (÷ count) on kept rows, 0 else
 *
 * lse comes from the row maxima of x and p (max p ≥ 1/C, so its log is exact to float32's
 * precision); nothing of size N·C is kept but p, and the backward pass makes one N·C tensor,
 * where the composition keeps log p and makes about ten. That was most of a translation step's
 * memory and a third of its time (an 8,000-token vocabulary, 2,000 target tokens: 670 MB).
 */
export function crossEntropyRows(logits: Tensor, targets: Int32Array, smoothing: number, reduction: 'mean' | 'sum'): Tensor {
  if (logits.rank !== 2) throw new SeqlabError(`crossEntropyRows: logits must be [N, C], got rank ${logits.rank}`);
  const [rows, classes] = logits.shape;
  if (targets.length !== rows) throw new SeqlabError(`crossEntropyRows: ${targets.length} targets for ${rows} rows`);
  const b = backend();
  const x = logits.data;
  const p = b.alloc(rows * classes, true);
  b.softmax(x, rows, classes, 1, null, p);
  const xMax = b.alloc(rows, true);
  const pMax = b.alloc(rows, true);
  const xSum = b.alloc(rows, true);
  b.reduce('max', x, rows, classes, 1, xMax);
  b.reduce('max', p, rows, classes, 1, pMax);
  b.reduce('sum', x, rows, classes, 1, xSum);
  let total = 0;
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const t = targets[r];
    if (t < 0) continue;
    const lse = xMax[r] - Math.log(pMax[r]);
    total += (1 - smoothing) * (lse - x[r * classes + t]) + smoothing * (lse - xSum[r] / classes);
    count++;
  }
  const divisor = reduction === 'mean' ? Math.max(count, 1) : 1;
  const loss = new Float32Array([count === 0 ? 0 : total / divisor]);
  return record(loss, [], 'cross_entropy', [logits], (g) => {
    const w = new Float32Array(rows);
    const scale = g.data[0] / divisor;
    for (let r = 0; r < rows; r++) w[r] = targets[r] < 0 ? 0 : scale;
    const dx = b.alloc(rows * classes, true);
    const shape = [rows, classes];
    if (smoothing > 0) {
      b.binary('sub', p, [classes, 1], new Float32Array([smoothing / classes]), [0, 0], dx, shape);
      b.binary('mul', dx, [classes, 1], w, [1, 0], dx, shape);
    } else {
      b.binary('mul', p, [classes, 1], w, [1, 0], dx, shape);
    }
    for (let r = 0; r < rows; r++) if (targets[r] >= 0) dx[r * classes + targets[r]] -= (1 - smoothing) * w[r];
    return [new Tensor(dx, shape)];
  });
}

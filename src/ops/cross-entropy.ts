import { backend } from '../backend/index.js';
import { SeqlabError } from '../errors.js';
import { record } from '../tensor/autograd.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * Label-smoothed, class-weighted cross-entropy over rows as one primitive (the fused path of
 * F.crossEntropy; the composition F.crossEntropyExplicit is the definition, and a test holds the
 * two equal). logits [N, C], targets [N] (−1: the row is ignored), ε = `smoothing`, class
 * weights w [C] (`classWeight`; all 1 when null), W = Σ_c w_c:
 *
 *   p = softmax(x) per row, lse = log Σ_c exp(x_c) = max_c x_c − log max_c p_c
 *   ℓ_r = (1 − ε)·w_t·(lse − x_t) + (ε/C)·Σ_c w_c·(lse − x_c)      (t = t_r)
 *   loss = Σ over kept rows of ℓ_r, divided by their Σ w_t for 'mean' (their count when unweighted)
 *   ∂loss/∂x_rc = g_r·(a_r·p_rc − (ε/C)·w_c − (1 − ε)·w_t·[c = t]),  a_r = (1 − ε)·w_t + ε·W/C,
 *   g_r = g (÷ Σ w_t for 'mean') on kept rows, 0 else
 *
 * These are PyTorch's semantics for `weight` with `label_smoothing`. A mean over a divisor of 0
 * (no kept rows, or only targets of weight 0) is 0 with zero gradient (PyTorch: NaN).
 * lse comes from the row maxima of x and p (max p ≥ 1/C, so its log is exact to float32's
 * precision); nothing of size N·C is kept but p, and the backward pass makes one N·C tensor,
 * where the composition keeps log p and makes about ten. That was most of a translation step's
 * memory and a third of its time (an 8,000-token vocabulary, 2,000 target tokens: 670 MB).
 */
export function crossEntropyRows(logits: Tensor, targets: Int32Array, smoothing: number, reduction: 'mean' | 'sum',
  classWeight: Float32Array | null = null): Tensor {
  if (logits.rank !== 2) throw new SeqlabError(`crossEntropyRows: logits must be [N, C], got rank ${logits.rank}`);
  const [rows, classes] = logits.shape;
  if (targets.length !== rows) throw new SeqlabError(`crossEntropyRows: ${targets.length} targets for ${rows} rows`);
  if (classWeight && classWeight.length !== classes) {
    throw new SeqlabError(`crossEntropyRows: ${classWeight.length} class weights for ${classes} classes`);
  }
  const b = backend();
  const x = logits.data;
  const p = b.alloc(rows * classes, true);
  b.softmax(x, rows, classes, 1, null, p);
  const xMax = b.alloc(rows, true);
  const pMax = b.alloc(rows, true);
  b.reduce('max', x, rows, classes, 1, xMax);
  b.reduce('max', p, rows, classes, 1, pMax);
  const weightOf = (c: number): number => (classWeight ? classWeight[c] : 1);
  const weightSum = classWeight ? classWeight.reduce((s, v) => s + v, 0) : classes; // W
  const xWeighted = smoothing > 0 ? weightedRowSums(x, rows, classes, classWeight) : null; // [N]: Σ_c w_c·x_c
  let total = 0;
  let divisor = 0; // Σ w_t over kept rows
  for (let r = 0; r < rows; r++) {
    const t = targets[r];
    if (t < 0) continue;
    const lse = xMax[r] - Math.log(pMax[r]);
    total += (1 - smoothing) * weightOf(t) * (lse - x[r * classes + t]);
    if (xWeighted) total += (smoothing / classes) * (weightSum * lse - xWeighted[r]);
    divisor += weightOf(t);
  }
  if (reduction === 'sum') divisor = 1;
  const loss = new Float32Array([divisor === 0 ? 0 : total / divisor]);
  return record(loss, [], 'cross_entropy', [logits], (g) => {
    const rowGrad = new Float32Array(rows); // g_r
    const rowScale = new Float32Array(rows); // a_r
    const scale = divisor === 0 ? 0 : g.data[0] / divisor;
    for (let r = 0; r < rows; r++) {
      if (targets[r] < 0) continue;
      rowGrad[r] = scale;
      rowScale[r] = (1 - smoothing) * weightOf(targets[r]) + (smoothing * weightSum) / classes;
    }
    const dx = b.alloc(rows * classes, true);
    const shape = [rows, classes];
    let src = p; // unweighted, a_r = 1
    if (classWeight) {
      b.binary('mul', p, [classes, 1], rowScale, [1, 0], dx, shape);
      src = dx;
    }
    if (smoothing > 0) { // − (ε/C)·w_c
      const spread = classWeight ? classWeight.map((w) => (w * smoothing) / classes) : new Float32Array([smoothing / classes]);
      b.binary('sub', src, [classes, 1], spread, classWeight ? [0, 1] : [0, 0], dx, shape);
      src = dx;
    }
    b.binary('mul', src, [classes, 1], rowGrad, [1, 0], dx, shape);
    for (let r = 0; r < rows; r++) {
      const t = targets[r];
      if (t >= 0) dx[r * classes + t] -= (1 - smoothing) * weightOf(t) * rowGrad[r];
    }
    return [new Tensor(dx, shape)];
  });
}

/** Σ_c w_c·x_rc for each row of x [N, C]: the plain row sums when `weight` is null. */
function weightedRowSums(x: Float32Array, rows: number, classes: number, weight: Float32Array | null): Float32Array {
  const out = backend().alloc(rows, true);
  if (!weight) {
    backend().reduce('sum', x, rows, classes, 1, out);
    return out;
  }
  backend().gemm({ batch: 1, m: rows, n: 1, k: classes, a: x, b: weight, c: out, transA: false, transB: false,
    strideA: 0, strideB: 0, strideC: 0, accumulate: false }); // [N, C]·[C, 1]
  return out;
}

/**
 * Compositions of the primitives: no new gradients are written here. Each becomes a fused
 * kernel only where a benchmark shows the need. Where one did (linear, softmax, layer norm: the
 * GPT and batch-1 generation profiles), the composition stays here as `xExplicit`, the readable
 * definition a test holds the fused primitive of src/ops/ to, and `x` makes the choice once
 * (the definition always inside `explicit(fn)`, so a whole model can be run by its definitions).
 */
import { SeqlabError } from '../errors.js';
import { add, div, eq, mul, sub, type TensorLike } from '../ops/elementwise.js';
import { indexSelect, type Indices, where } from '../ops/index-ops.js';
import { layerNormLast } from '../ops/layer-norm.js';
import { crossEntropyRows } from '../ops/cross-entropy.js';
import { linear as fusedLinear } from '../ops/linear.js';
import { matmul } from '../ops/matmul.js';
import { max, mean, sum } from '../ops/reduce.js';
import { reshape } from '../ops/shape-ops.js';
import { maskFitsShape, softmaxLast } from '../ops/softmax.js';
import { abs, exp, log, relu, sqrt } from '../ops/unary.js';
import { isExplicit } from '../tensor/autograd.js';
import { normAxis, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** y = x·Wᵀ + b: x [..., in], weight [out, in] (PyTorch's layout), bias [out] → [..., out]. */
export function linearExplicit(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const y = matmul(x, weight, true);
  return bias ? add(y, bias) : y;
}

/**
 * `linearExplicit` as one fused primitive (ops/linear.ts: the GEMM accumulates onto the bias),
 * which every layer uses: it saves an intermediate and a broadcast add per call, which is most
 * of a batch-1 generation step's overhead. Tests hold it equal to the composition.
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (isExplicit()) return linearExplicit(x, weight, bias);
  return fusedLinear(x, weight, bias);
}

/** The row maximum as a constant shift; an all −∞ row shifts by 0 so it stays finite. */
function stableShift(x: Tensor, axis: number): Tensor {
  const m = max(x.detach(), axis, true);
  return where(eq(m, -Infinity), 0, m);
}

/**
 * softmax(x)ᵢ = exp(xᵢ − m) / Σⱼ exp(xⱼ − m) along `axis`, m the row max. Positions where
 * `mask` ≠ 0 get weight 0. A row with every position masked gives all zeros, not NaN (PyTorch
 * gives NaN there): nothing to attend to contributes nothing.
 */
export function softmaxExplicit(x: Tensor, axis = -1, mask?: Tensor): Tensor {
  const a = normAxis(axis, x.rank);
  const z = mask ? where(mask, -Infinity, x) : x;
  const e = exp(sub(z, stableShift(z, a)));
  const s = sum(e, a, true);
  return div(e, where(eq(s, 0), 1, s));
}

/**
 * `softmaxExplicit`, run as the fused primitive (ops/softmax.ts: one pass per row, no
 * intermediates) along the last axis with a mask that broadcasts to x: attention's case. Any
 * other axis, or a mask that would broadcast x itself, takes the composition.
 */
export function softmax(x: Tensor, axis = -1, mask?: Tensor): Tensor {
  const last = normAxis(axis, x.rank) === x.rank - 1;
  if (!isExplicit() && last && (!mask || maskFitsShape(mask, x.shape))) return softmaxLast(x, mask ?? null);
  return softmaxExplicit(x, axis, mask);
}

/**
 * softmax(scale·x) along the last axis, masked: attention's weights from raw scores, with the
 * 1/√d scaling inside the fused kernel instead of a full-size multiply before it (and after it,
 * in the backward pass). Composition: `softmax(mul(x, scale), -1, mask)`.
 */
export function scaledSoftmax(x: Tensor, scale: number, mask?: Tensor): Tensor {
  if (!isExplicit() && x.rank > 0 && (!mask || maskFitsShape(mask, x.shape))) return softmaxLast(x, mask ?? null, scale);
  return softmaxExplicit(mul(x, scale), -1, mask);
}

/** log Σ exp(x) along `axis`, shifted by the row max for stability. */
export function logsumexp(x: Tensor, axis = -1, keepdim = false): Tensor {
  const a = normAxis(axis, x.rank);
  const m = stableShift(x, a);
  const out = add(log(sum(exp(sub(x, m)), a, true)), m);
  return keepdim ? out : reshape(out, x.shape.filter((_, i) => i !== a));
}

/** log softmax(x) = x − logsumexp(x) along `axis`. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return sub(x, logsumexp(x, axis, true));
}

/**
 * Layer normalisation over the last axis, run as the fused primitive (ops/layer-norm.ts) when
 * weight and bias are [n] vectors or absent (LayerNorm's case), else as `layerNormExplicit`.
 */
export function layerNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps = 1e-5): Tensor {
  const n = x.shape[x.rank - 1];
  const vector = (p: Tensor | null): boolean => !p || (p.rank === 1 && p.shape[0] === n);
  if (!isExplicit() && x.rank > 0 && vector(weight) && vector(bias)) return layerNormLast(x, weight, bias, eps);
  return layerNormExplicit(x, weight, bias, eps);
}

/**
 * Layer normalisation over the last axis: y = (x − μ) / √(σ² + eps) · weight + bias, with the
 * biased variance, as PyTorch's LayerNorm.
 */
export function layerNormExplicit(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps = 1e-5): Tensor {
  const mu = mean(x, -1, true);
  const xc = sub(x, mu);
  const variance = mean(mul(xc, xc), -1, true);
  let y = div(xc, sqrt(add(variance, eps)));
  if (weight) y = mul(y, weight);
  if (bias) y = add(y, bias);
  return y;
}

/** Options of `crossEntropy` beyond PyTorch's positional ones. */
export interface CrossEntropyOptions {
  /**
   * ε in [0, 1]: the target distribution is (1 − ε)·onehot(t) + ε/C, as PyTorch's
   * `label_smoothing` (the smoothed mass goes to every class, the target's included). Default 0.
   */
  labelSmoothing?: number;
  /**
   * One finite, non-negative weight per class, as PyTorch's `weight`: a row's loss is scaled by
   * its target's weight, and 'mean' divides by the summed weights of the counted targets rather
   * than their number. Default: every class weighs 1.
   */
  weight?: ArrayLike<number>;
}

/**
 * Cross-entropy from logits [..., C] and integer targets (one per row), p = softmax(x), class
 * weights w (`weight`, default all 1), ε = `labelSmoothing` (default 0):
 *   ℓᵢ = (1 − ε)·w[tᵢ]·(−log p[tᵢ]) + (ε/C)·Σ_c w[c]·(−log p[c]),
 * summed over the rows whose target is not `ignoreIndex`, and for 'mean' divided by Σᵢ w[tᵢ]
 * over those rows (their count when unweighted), as PyTorch. Ignored rows count for nothing, in
 * the sum and in the divisor. With every row ignored (or a divisor of 0) the mean is 0 with zero
 * gradient (PyTorch gives NaN).
 */
export function crossEntropy(logits: Tensor, targets: Indices, ignoreIndex = -100,
  reduction: 'mean' | 'sum' = 'mean', options: CrossEntropyOptions = {}): Tensor {
  if (isExplicit()) return crossEntropyExplicit(logits, targets, ignoreIndex, reduction, options);
  const { eps, rows, classes, kept, weight } = checkCrossEntropy(logits, targets, ignoreIndex, options);
  return crossEntropyRows(reshape(logits, [rows, classes]), kept, eps, reduction, weight);
}

/** The checked smoothing and class weights, the rows and classes, and each row's target (−1 where ignored). */
function checkCrossEntropy(logits: Tensor, targets: Indices, ignoreIndex: number, options: CrossEntropyOptions):
  { eps: number; rows: number; classes: number; kept: Int32Array; weight: Float32Array | null } {
  const eps = options.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new SeqlabError(`crossEntropy: labelSmoothing must be in [0, 1], got ${eps}`);
  const classes = logits.shape[logits.rank - 1];
  const rows = logits.size / classes;
  if (targets.length !== rows) {
    throw new SeqlabError(`crossEntropy: ${targets.length} targets for logits ${shapeStr(logits.shape)} (${rows} rows)`);
  }
  const weight = options.weight ? Float32Array.from(options.weight) : null;
  if (weight && weight.length !== classes) {
    throw new SeqlabError(`crossEntropy: weight has ${weight.length} values for ${classes} classes (logits ${shapeStr(logits.shape)})`);
  }
  const bad = weight ? weight.findIndex((w) => !(w >= 0 && w < Infinity)) : -1;
  if (bad >= 0) throw new SeqlabError(`crossEntropy: weight[${bad}] must be finite and non-negative, got ${weight![bad]}`);
  const kept = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const t = targets[i];
    kept[i] = -1;
    if (t === ignoreIndex) continue;
    if (!Number.isInteger(t) || t < 0 || t >= classes) {
      throw new SeqlabError(`crossEntropy: target ${t} at row ${i} is out of range [0, ${classes})`);
    }
    kept[i] = t;
  }
  return { eps, rows, classes, kept, weight };
}

/** `crossEntropy` composed from log-softmax, a gather and sums: the definition the fused primitive is held to. */
export function crossEntropyExplicit(logits: Tensor, targets: Indices, ignoreIndex = -100,
  reduction: 'mean' | 'sum' = 'mean', options: CrossEntropyOptions = {}): Tensor {
  const { eps, rows, classes, kept, weight } = checkCrossEntropy(logits, targets, ignoreIndex, options);
  const flat = new Int32Array(rows);
  const keep = new Float32Array(rows); // 1 on counted rows
  const targetWeight = new Float32Array(rows); // w[tᵢ] on counted rows
  let divisor = 0;
  for (let i = 0; i < rows; i++) {
    if (kept[i] < 0) continue;
    flat[i] = i * classes + kept[i];
    keep[i] = 1;
    targetWeight[i] = weight ? weight[kept[i]] : 1;
    divisor += targetWeight[i];
  }
  const logp = logSoftmax(reshape(logits, [rows, classes]), -1); // [N, C]
  const counted = new Tensor(keep, [rows]);
  const picked = mul(indexSelect(reshape(logp, [rows * classes]), 0, flat), new Tensor(targetWeight, [rows])); // [N]
  let total = mul(sum(picked), -1);
  if (eps > 0) {
    const weighted = weight ? mul(logp, new Tensor(weight, [classes])) : logp; // [N, C]
    const uniform = mul(sum(mul(sum(weighted, -1), counted)), -1 / classes); // Σ over counted rows of mean_c(−w[c]·log p[c])
    total = add(mul(total, 1 - eps), mul(uniform, eps));
  }
  if (reduction === 'sum') return total;
  return divisor === 0 ? mul(total, 0) : div(total, divisor);
}

/**
 * Binary cross-entropy on logits, mean over all values:
 *   ℓ = max(x, 0) − x·t + log(1 + e^(−|x|)), stable for any x.
 */
export function bceWithLogits(logits: Tensor, target: TensorLike): Tensor {
  const loss = add(sub(relu(logits), mul(logits, target)), log(add(exp(mul(abs(logits), -1)), 1)));
  return mean(loss);
}

/** Mean squared error. */
export function mseLoss(pred: Tensor, target: TensorLike): Tensor {
  const d = sub(pred, target);
  return mean(mul(d, d));
}

import { backend } from '../backend/index.js';
import { SeqlabError } from '../errors.js';
import { record } from '../tensor/autograd.js';
import { numel, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * Layer normalisation over the last axis as one primitive (the fused path of F.layerNorm; the
 * composition F.layerNormExplicit is the definition, and a test holds the two equal):
 *   y = (x − μ) / √(σ² + eps) · weight + bias, σ² the biased variance (PyTorch's LayerNorm),
 * x [..., n], weight and bias [n] or null → [..., n]. It keeps μ and 1/√(σ² + eps) per row
 * ([rows] each) instead of the composition's five full-size intermediates. Backward, with
 * x̂ = (x − μ)·r and ĝ = g ⊙ weight: dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ ⊙ x̂)),
 * dweight = Σ g ⊙ x̂, dbias = Σ g over rows.
 */
export function layerNormLast(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps = 1e-5): Tensor {
  const n = x.rank > 0 ? x.shape[x.rank - 1] : 0;
  for (const [what, p] of [['weight', weight], ['bias', bias]] as const) {
    if (p && (p.rank !== 1 || p.shape[0] !== n)) {
      throw new SeqlabError(`layerNorm: ${what} ${shapeStr(p.shape)} should be [${n}] for an input ${shapeStr(x.shape)}`);
    }
  }
  if (x.rank === 0) throw new SeqlabError('layerNorm: a scalar has no axis to normalise');
  const rows = numel(x.shape.slice(0, -1));
  const y = backend().alloc(x.size);
  const mean = backend().alloc(rows);
  const rstd = backend().alloc(rows);
  backend().layerNorm(x.data, rows, n, weight?.data ?? null, bias?.data ?? null, eps, y, mean, rstd);
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return record(y, x.shape, 'layer_norm', inputs, (g) => {
    const dx = backend().alloc(x.size);
    const dw = weight?.requiresGrad ? backend().alloc(n) : null;
    const db = bias?.requiresGrad ? backend().alloc(n) : null;
    backend().layerNormGrad(x.data, g.data, rows, n, weight?.data ?? null, mean, rstd, dx, dw, db);
    const grads: (Tensor | null)[] = [new Tensor(dx, x.shape)];
    if (weight) grads.push(dw ? new Tensor(dw, weight.shape) : null);
    if (bias) grads.push(db ? new Tensor(db, bias.shape) : null);
    return grads;
  });
}

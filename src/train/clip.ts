import { SeqlabError } from '../errors.js';
import { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';

/** Options of `clipGradNorm`, PyTorch's defaults. */
export interface ClipOptions {
  /** Throw when the total norm is NaN or infinite instead of scaling by it (default false). */
  errorIfNonfinite?: boolean;
}

/**
 * Global gradient-norm clipping, as torch.nn.utils.clip_grad_norm_ with the L2 norm: over every
 * gradient of `params` (those without one are skipped),
 *
 *   n = √(Σ g²)            (accumulated in float64)
 *   c = maxNorm / (n + 1e-6)
 *   g ← g · c              when c < 1
 *
 * The gradients are scaled in place. Returns n, the norm before clipping.
 */
export function clipGradNorm(params: Module | readonly Tensor[], maxNorm: number, options: ClipOptions = {}): number {
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) {
    throw new SeqlabError(`clipGradNorm: maxNorm must be a positive number, got ${maxNorm}`);
  }
  const list = params instanceof Module ? params.parameters() : params;
  const grads: Float32Array[] = [];
  for (const p of list) if (p.grad) grads.push(p.grad.data);
  let sumSq = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sumSq += g[i] * g[i];
  const norm = Math.sqrt(sumSq);
  if (!Number.isFinite(norm) && options.errorIfNonfinite) {
    throw new SeqlabError(`clipGradNorm: the total gradient norm is ${norm}`);
  }
  const coef = maxNorm / (norm + 1e-6);
  // A NaN coefficient fails `coef < 1`, but PyTorch multiplies anyway and spreads the NaN.
  if (coef < 1 || Number.isNaN(coef)) {
    for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= coef;
  }
  return norm;
}

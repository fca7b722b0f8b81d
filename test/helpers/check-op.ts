import { expect } from 'vitest';
import { backward, noGrad, Rng, type Tensor, tensor } from '../../src/tensor/index.js';

export interface GradCheckOptions {
  /** Finite-difference step. Float32 forward passes want a step near 1e-2. */
  eps?: number;
  atol?: number;
  rtol?: number;
  seed?: number;
}

/**
 * Compares autograd gradients of L = Σ f(inputs) · w (w random, fixed) against central finite
 * differences: ∂L/∂xᵢ ≈ (L(xᵢ + ε) − L(xᵢ − ε)) / 2ε. L is accumulated in float64 so the only
 * rounding is the float32 forward itself.
 */
export function gradCheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options: GradCheckOptions = {}): void {
  const { eps = 1e-2, atol = 2e-3, rtol = 2e-2, seed = 7 } = options;
  const rng = new Rng(seed);
  for (const x of inputs) {
    x.requiresGrad = true;
    x.grad = null;
  }
  const out = fn(...inputs);
  const weights = Float64Array.from({ length: out.size }, () => rng.uniform(-1, 1));
  const lossOf = (t: Tensor): number => t.data.reduce((s, v, i) => s + v * weights[i], 0);
  backward(out, tensor(Float32Array.from(weights), out.shape));
  inputs.forEach((x, which) => {
    const analytic = x.grad?.data ?? new Float32Array(x.size);
    for (let i = 0; i < x.size; i++) {
      const keep = x.data[i];
      x.data[i] = keep + eps;
      const plus = noGrad(() => lossOf(fn(...inputs)));
      x.data[i] = keep - eps;
      const minus = noGrad(() => lossOf(fn(...inputs)));
      x.data[i] = keep;
      const numeric = (plus - minus) / (2 * eps);
      const err = Math.abs(analytic[i] - numeric);
      if (err > atol + rtol * Math.abs(numeric)) {
        expect.fail(`input ${which} element ${i}: autograd ${analytic[i]} vs finite difference ${numeric}`);
      }
    }
  });
}

/**
 * The one-line op test: the forward equals hand-computed `expected` values (when given), and
 * the gradient matches finite differences.
 */
export function checkOp(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], expected?: ArrayLike<number>,
  options: GradCheckOptions = {}): void {
  if (expected) {
    const out = noGrad(() => fn(...inputs));
    expect(out.size).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) expect(out.data[i]).toBeCloseTo(expected[i], 5);
  }
  gradCheck(fn, inputs, options);
}

/** A tensor of uniform values in [lo, hi), seeded. */
export function rand(shape: number[], seed = 1, lo = -1, hi = 1): Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((p, d) => p * d, 1);
  return tensor(Float32Array.from({ length: n }, () => rng.uniform(lo, hi)), shape);
}

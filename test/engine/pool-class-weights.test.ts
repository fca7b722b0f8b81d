import { describe, expect, it } from 'vitest';
import { referenceBackend, wasmBackend, withBackend } from '../../src/backend/index.js';
import { SeqlabError } from '../../src/errors.js';
import { crossEntropy, crossEntropyExplicit } from '../../src/nn/functional.js';
import { MaxPool1d } from '../../src/nn/layers.js';
import { maxPool1d } from '../../src/ops/max-pool1d.js';
import { backward, explicit, Rng, type Tensor, tensor } from '../../src/tensor/index.js';
import { checkOp, gradCheck, rand } from '../helpers/check-op.js';

/** Distinct values 0.1 apart in a random order: a finite-difference step of 1e-2 never moves a window's maximum. */
function spaced(shape: number[], seed: number): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const order = new Rng(seed).permutation(n);
  return tensor(Float32Array.from(order, (k) => 0.1 * (k - n / 2)), shape);
}

describe('maxPool1d', () => {
  it('hand-computed: overlapping windows, padding that never wins, Lout = ⌊(L + 2p − k)/s⌋ + 1', () => {
    // x = [1, 3, 2, 5, 4], kernel 2, stride 1, padding 1: windows [−1, 0] … [4, 5]
    checkOp((x) => maxPool1d(x, 2, 1, 1), [tensor([1, 3, 2, 5, 4], [1, 1, 5])], [1, 3, 3, 5, 5, 4]);
    // all-negative values: −∞ padding still loses; kernel 3, stride 2, padding 1 → ⌊(6 + 2 − 3)/2⌋ + 1 = 3
    const y = maxPool1d(tensor([-5, -1, -3, -2, -6, -4], [1, 1, 6]), 3, 2, 1);
    expect(y.shape).toEqual([1, 1, 3]);
    expect([...y.data]).toEqual([-1, -1, -2]);
    expect(maxPool1d(rand([2, 3, 8]), 3).shape).toEqual([2, 3, 2]); // stride defaults to the kernel
  });

  it('sends the gradient to the first maximum on ties, and adds it up where windows overlap', () => {
    const x = tensor([2, 2, 2, 7, 1], [1, 1, 5], true);
    backward(maxPool1d(x, 3, 1), tensor([1, 10, 100], [1, 1, 3])); // windows [0, 3) [1, 4) [2, 5)
    expect([...x.grad!.data]).toEqual([1, 0, 0, 110, 0]);
  });

  it('passes a finite-difference gradient check with stride < kernel and padding, on both backends', () => {
    for (const b of [referenceBackend, wasmBackend]) {
      withBackend(b, () => {
        gradCheck((x) => maxPool1d(x, 4, 2, 2), [spaced([2, 3, 11], 1)]);
        gradCheck((x) => maxPool1d(x, 3, 1, 1), [spaced([1, 2, 7], 2)]);
      });
    }
  });

  it('rejects what PyTorch rejects, naming the argument', () => {
    const x = rand([1, 2, 6]);
    expect(() => maxPool1d(x, 4, 1, 3)).toThrow(/padding must be an integer from 0 to kernel\/2 = 2, got 3/);
    expect(() => maxPool1d(x, 0)).toThrow(/kernel must be a positive integer, got 0/);
    expect(() => maxPool1d(x, 2, 0)).toThrow(/stride must be a positive integer, got 0/);
    expect(() => maxPool1d(rand([2, 6]), 2)).toThrow(/should be \[batch, channels, length\]/);
    expect(() => maxPool1d(x, 9, 1, 1)).toThrow(SeqlabError);
    expect(() => maxPool1d(x, 9, 1, 1)).toThrow(/input length 6 is too short for kernel 9 with padding 1/);
    expect(() => new MaxPool1d(3, 1, 2)).toThrow(/MaxPool1d: padding/);
  });

  it('MaxPool1d has no parameters and pools as the op does', () => {
    const pool = new MaxPool1d(4, 2, 1);
    expect(pool.parameters()).toEqual([]);
    const x = rand([2, 3, 10], 3);
    expect([...pool.forward(x).data]).toEqual([...maxPool1d(x, 4, 2, 1).data]);
  });
});

/** PyTorch's definition in float64: Σ (1 − ε)·w[t]·nll[t] + (ε/C)·Σ_c w[c]·nll[c], over counted rows, ÷ Σ w[t] for the mean. */
function reference(logits: ArrayLike<number>, classes: number, targets: number[], weight: number[], eps: number,
  reduction: 'mean' | 'sum'): number {
  let total = 0;
  let divisor = 0;
  targets.forEach((t, i) => {
    if (t === -100) return;
    const row = Array.from({ length: classes }, (_, c) => logits[i * classes + c]);
    const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
    const nll = row.map((v) => lse - v);
    total += (1 - eps) * weight[t] * nll[t] + (eps / classes) * nll.reduce((s, v, c) => s + weight[c] * v, 0);
    divisor += weight[t];
  });
  return reduction === 'sum' ? total : total / divisor;
}

describe('crossEntropy with class weights', () => {
  const weight = [0.5, 2, 1, 0.25, 3];
  const targets = [1, -100, 4, 0, 3, 1];

  it('matches the float64 definition, mean and sum, with and without label smoothing, on both backends', () => {
    const x = rand([6, 5], 11, -2, 2);
    for (const b of [referenceBackend, wasmBackend]) {
      withBackend(b, () => {
        for (const reduction of ['mean', 'sum'] as const) {
          for (const eps of [0, 0.1, 1]) {
            const expected = reference(x.data, 5, targets, weight, eps, reduction);
            const options = { weight, labelSmoothing: eps };
            expect(crossEntropy(x, targets, -100, reduction, options).item()).toBeCloseTo(expected, 5);
            expect(crossEntropyExplicit(x, targets, -100, reduction, options).item()).toBeCloseTo(expected, 5);
          }
        }
      });
    }
  });

  it('weights of 1 change nothing; a row of weight 0 counts for nothing, in the sum and in the divisor', () => {
    const x = rand([6, 5], 12, -2, 2);
    expect(crossEntropy(x, targets, -100, 'mean', { weight: [1, 1, 1, 1, 1] }).item())
      .toBeCloseTo(crossEntropy(x, targets).item(), 6);
    const zeroed = crossEntropy(x, targets, -100, 'mean', { weight: [1, 1, 1, 0, 1] }).item(); // row 4 (target 3)
    expect(zeroed).toBeCloseTo(crossEntropy(x, [1, -100, 4, 0, -100, 1]).item(), 6);
  });

  it('fused and composed paths agree in value and gradient, and pass finite differences', () => {
    for (const eps of [0, 0.2]) {
      const options = { weight, labelSmoothing: eps };
      const fused = rand([6, 5], 13, -2, 2);
      const composed = tensor(Float32Array.from(fused.data), [6, 5], true);
      fused.requiresGrad = true;
      backward(crossEntropy(fused, targets, -100, 'mean', options));
      backward(explicit(() => crossEntropy(composed, targets, -100, 'mean', options)));
      fused.grad!.data.forEach((g, i) => expect(g).toBeCloseTo(composed.grad!.data[i], 6));
      checkOp((a) => crossEntropy(a, targets, -100, 'mean', options), [rand([6, 5], 14)]);
      checkOp((a) => crossEntropyExplicit(a, targets, -100, 'sum', options), [rand([6, 5], 15)]);
    }
  });

  it('rejects a weight of the wrong length, or a negative or non-finite one', () => {
    const x = rand([2, 3]);
    expect(() => crossEntropy(x, [0, 1], -100, 'mean', { weight: [1, 2] }))
      .toThrow(/weight has 2 values for 3 classes/);
    expect(() => crossEntropy(x, [0, 1], -100, 'mean', { weight: [1, -2, 1] }))
      .toThrow(/weight\[1\] must be finite and non-negative, got -2/);
    expect(() => crossEntropyExplicit(x, [0, 1], -100, 'mean', { weight: [1, 1, NaN] })).toThrow(/weight\[2\]/);
  });
});

import { describe, expect, it } from 'vitest';
import { Linear } from '../../src/nn/layers.js';
import { Rng, type Tensor, tensor } from '../../src/tensor/index.js';
import { clipGradNorm } from '../../src/train/clip.js';

function withGrad(grad: number[] | null): Tensor {
  const p = tensor(new Float32Array(grad?.length ?? 1), [grad?.length ?? 1], true);
  if (grad) p.grad = tensor(grad, [grad.length]);
  return p;
}

describe('clipGradNorm', () => {
  it('returns the global L2 norm and scales every gradient by maxNorm / (norm + 1e-6)', () => {
    const a = withGrad([3, 4]);
    const b = withGrad([12]);
    const norm = clipGradNorm([a, b], 1);
    expect(norm).toBe(13); // √(9 + 16 + 144)
    const c = 1 / (13 + 1e-6);
    expect(Array.from(a.grad!.data)).toEqual([Math.fround(3 * c), Math.fround(4 * c)]);
    expect(Array.from(b.grad!.data)).toEqual([Math.fround(12 * c)]);
  });

  it('leaves gradients under the limit untouched and skips parameters without one', () => {
    const a = withGrad([0.3, 0.4]);
    const none = withGrad(null);
    expect(clipGradNorm([a, none], 1)).toBeCloseTo(0.5, 7);
    expect(Array.from(a.grad!.data)).toEqual([Math.fround(0.3), Math.fround(0.4)]);
    expect(none.grad).toBeNull();
  });

  it('accepts a Module and clips all of its parameters together', () => {
    const model = new Linear(2, 1, new Rng(3));
    model.weight.grad = tensor([6, 0], [1, 2]);
    model.bias!.grad = tensor([8], [1]);
    expect(clipGradNorm(model, 5)).toBe(10);
    expect(model.weight.grad.data[0]).toBeCloseTo(3, 5);
    expect(model.bias!.grad.data[0]).toBeCloseTo(4, 5);
  });

  it('spreads a non-finite norm as PyTorch does, or throws when asked', () => {
    const a = withGrad([NaN, 1]);
    expect(clipGradNorm([a], 1)).toBeNaN();
    expect(Number.isNaN(a.grad!.data[1])).toBe(true);
    expect(() => clipGradNorm([withGrad([Infinity])], 1, { errorIfNonfinite: true })).toThrow(/total gradient norm is Infinity/);
    expect(() => clipGradNorm([a], 0)).toThrow(/maxNorm must be a positive number/);
  });
});

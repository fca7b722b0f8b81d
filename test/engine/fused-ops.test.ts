import { describe, expect, it } from 'vitest';
import { crossEntropy, crossEntropyExplicit, layerNorm, layerNormExplicit, linear, linearExplicit, scaledSoftmax,
  softmax, softmaxExplicit } from '../../src/nn/functional.js';
import { mul } from '../../src/ops/elementwise.js';
import { layerNormLast } from '../../src/ops/layer-norm.js';
import { softmaxLast } from '../../src/ops/softmax.js';
import { backward, noGrad, Rng, type Tensor, tensor } from '../../src/tensor/index.js';
import { gradCheck, rand } from '../helpers/check-op.js';

/**
 * Each fused primitive against the composition it replaces (the readable definition): the
 * values and every input's gradient, on random shapes, plus finite differences.
 */

/** Runs f forward and backward (with a fixed random upstream gradient); returns output then grads. */
function valuesAndGrads(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], seed = 3): Float32Array[] {
  for (const x of inputs) { x.requiresGrad = true; x.grad = null; }
  const y = f(...inputs);
  const rng = new Rng(seed);
  backward(y, tensor(Float32Array.from({ length: y.size }, () => rng.uniform(-1, 1)), y.shape));
  return [Float32Array.from(y.data), ...inputs.map((x) => Float32Array.from(x.grad?.data ?? new Float32Array(x.size)))];
}

/** |a − b| ≤ atol + rtol·|b| everywhere; NaN nowhere. */
export function expectNear(a: ArrayLike<number>, b: ArrayLike<number>, what: string, atol = 1e-6, rtol = 1e-5): void {
  expect(a.length, what).toBe(b.length);
  for (let i = 0; i < b.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i]))) expect.fail(`${what}[${i}]: fused ${a[i]}, composition ${b[i]}`);
  }
}

/** The fused and explicit paths give the same values and gradients on copies of `inputs`. */
function expectSamePaths(fused: (...xs: Tensor[]) => Tensor, explicit: (...xs: Tensor[]) => Tensor, inputs: Tensor[],
  what: string, atol = 1e-6, rtol = 1e-5): void {
  const copy = (): Tensor[] => inputs.map((x) => tensor(Float32Array.from(x.data), [...x.shape]));
  const a = valuesAndGrads(fused, copy());
  const b = valuesAndGrads(explicit, copy());
  a.forEach((v, i) => expectNear(v, b[i], `${what} ${i === 0 ? 'value' : `grad ${i - 1}`}`, atol, rtol));
}

describe('fused linear equals matmul + add', () => {
  it('on random shapes, with and without a bias, rank 2 and 3 inputs', () => {
    const rng = new Rng(1);
    for (let n = 0; n < 30; n++) {
      const inF = 1 + rng.int(40);
      const outF = 1 + rng.int(40);
      const lead = [[1 + rng.int(5)], [1 + rng.int(3), 1 + rng.int(6)]][rng.int(2)];
      const withBias = rng.uniform() < 0.7;
      const inputs = [rand([...lead, inF], 10 + n), rand([outF, inF], 50 + n), ...(withBias ? [rand([outF], 90 + n)] : [])];
      expectSamePaths((x, w, b) => linear(x, w, b ?? null), (x, w, b) => linearExplicit(x, w, b ?? null), inputs,
        `linear [${lead}, ${inF}] → ${outF}${withBias ? ' + b' : ''}`);
    }
  });

  it('gradients match finite differences', () => {
    gradCheck((x, w, b) => linear(x, w, b), [rand([2, 3, 5], 1), rand([4, 5], 2), rand([4], 3)]);
  });

  it('one row without a graph is a GEMV onto the bias', () => {
    const [x, w, b] = [rand([1, 1, 300], 4), rand([70, 300], 5), rand([70], 6)];
    const fused = noGrad(() => linear(x, w, b));
    expectNear(fused.data, noGrad(() => linearExplicit(x, w, b)).data, 'gemv', 1e-5);
    expect(fused.shape).toEqual([1, 1, 70]);
  });

  it('rejects a weight or bias that does not fit', () => {
    expect(() => linear(rand([2, 3]), rand([4, 5]), null)).toThrow(/linear: input \[2, 3\], weight \[4, 5\]/);
    expect(() => linear(rand([2, 5]), rand([4, 5]), rand([3]))).toThrow(/bias \[3\]/);
  });
});

/** A 0/1 mask of `shape` with about `density` of its entries set, seeded. */
function randomMask(shape: number[], density: number, seed: number): Tensor {
  const rng = new Rng(seed);
  return tensor(Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => (rng.uniform() < density ? 1 : 0)), shape);
}

describe('fused softmax equals the masked composition', () => {
  const [B, H, Tq, Tk] = [2, 3, 4, 5];
  const masks: [string, () => Tensor | undefined][] = [
    ['no mask', () => undefined],
    ['causal [Tq, Tk]', () => tensor(Float32Array.from({ length: Tq * Tk }, (_, i) => (i % Tk > Math.floor(i / Tk) ? 1 : 0)), [Tq, Tk])],
    ['key padding [B, 1, 1, Tk]', () => randomMask([B, 1, 1, Tk], 0.4, 1)],
    ['combined [B, 1, Tq, Tk]', () => randomMask([B, 1, Tq, Tk], 0.5, 2)],
    ['per element [B, H, Tq, Tk], dense', () => randomMask([B, H, Tq, Tk], 0.9, 3)],
    ['constant along the row [B, H, Tq, 1]', () => randomMask([B, H, Tq, 1], 0.3, 4)],
  ];
  for (const [name, mask] of masks) {
    it(`${name}: values and gradients`, () => {
      const m = mask();
      expectSamePaths((x) => softmaxLast(x, m ?? null), (x) => softmaxExplicit(x, -1, m), [rand([B, H, Tq, Tk], 5, -4, 4)],
        `softmax ${name}`, 1e-6, 2e-5);
    });
  }

  it('a fully masked row is all zeros with zero gradient, and masked positions get exactly 0', () => {
    const mask = tensor([1, 1, 1, 0, 1, 0], [2, 3]);
    const x = rand([2, 3], 6);
    x.requiresGrad = true;
    const y = softmaxLast(x, mask);
    expect(Array.from(y.data.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(y.data[4]).toBe(0);
    backward(y, rand([2, 3], 7));
    expect(Array.from(x.grad!.data.subarray(0, 3), Math.abs)).toEqual([0, 0, 0]);
    expect([...y.data, ...x.grad!.data].some(Number.isNaN)).toBe(false);
  });

  it('gradients match finite differences, with a mask', () => {
    const mask = randomMask([3, 1, 6], 0.3, 8);
    gradCheck((x) => softmaxLast(x, mask), [rand([3, 2, 6], 9)]);
    gradCheck((x) => softmaxLast(x, mask, 0.35), [rand([3, 2, 6], 9)]);
  });

  it('scaled: equals softmax of the scaled scores, masked (attention\'s 1/√d)', () => {
    const mask = tensor(Float32Array.from({ length: 16 }, (_, i) => (i % 4 > Math.floor(i / 4) ? 1 : 0)), [4, 4]);
    expectSamePaths((x) => scaledSoftmax(x, 0.125, mask), (x) => softmaxExplicit(mul(x, 0.125), -1, mask),
      [rand([2, 3, 4, 4], 13, -8, 8)], 'scaled softmax', 1e-6, 2e-5);
  });

  it('F.softmax takes the fused path on the last axis and the composition elsewhere, with equal results', () => {
    const x = rand([3, 4, 5], 10);
    expect(noGrad(() => softmax(x, -1)).op).toBe('softmax');
    expectNear(noGrad(() => softmax(x, 1)).data, noGrad(() => softmaxExplicit(x, 1)).data, 'axis 1');
    // A mask that would broadcast x itself ([4, 5] against [3, 1, 5]) takes the composition.
    const small = rand([3, 1, 5], 11);
    expect(noGrad(() => softmax(small, -1, randomMask([4, 5], 0.3, 12))).shape).toEqual([3, 4, 5]);
  });
});

describe('fused layer norm equals the composition', () => {
  for (const [weight, bias] of [[true, true], [true, false], [false, true], [false, false]] as const) {
    it(`weight ${weight}, bias ${bias}: values and gradients on random shapes`, () => {
      const rng = new Rng(20);
      for (let k = 0; k < 8; k++) {
        const n = [1, 2, 3, 5, 8, 17, 64][rng.int(7)];
        const lead = [[1 + rng.int(4)], [1 + rng.int(3), 1 + rng.int(5)]][rng.int(2)];
        const offset = [0, 5][rng.int(2)];
        const inputs = [rand([...lead, n], 30 + k, offset - 2, offset + 2), ...(weight ? [rand([n], 40 + k)] : []),
          ...(bias ? [rand([n], 50 + k)] : [])];
        const split = (xs: Tensor[]): [Tensor, Tensor | null, Tensor | null] =>
          [xs[0], weight ? xs[1] : null, bias ? xs[weight ? 2 : 1] : null];
        // n = 1 normalises to exactly 0, where the composition's gradient is 0/0-free too.
        expectSamePaths((...xs) => layerNormLast(...split(xs)), (...xs) => layerNormExplicit(...split(xs)), inputs,
          `layerNorm [${lead}, ${n}]`, 2e-5, 1e-4);
      }
    });
  }

  it('gradients match finite differences', () => {
    gradCheck((x, w, b) => layerNormLast(x, w, b), [rand([3, 7], 60), rand([7], 61), rand([7], 62)]);
  });

  it('F.layerNorm takes the fused path for [n] parameters and the composition for others', () => {
    const x = rand([2, 3, 4], 63);
    expect(noGrad(() => layerNorm(x, rand([4], 64), null)).op).toBe('layer_norm');
    const w = rand([3, 4], 65); // broadcast weight: the composition
    expectNear(noGrad(() => layerNorm(x, w, null)).data, noGrad(() => layerNormExplicit(x, w, null)).data, 'broadcast weight');
  });
});

describe('fused cross-entropy equals the log-softmax composition', () => {
  for (const reduction of ['mean', 'sum'] as const) {
    for (const smoothing of [0, 0.1, 1]) {
      it(`${reduction}, label smoothing ${smoothing}: loss and gradient with ignored rows, on random shapes`, () => {
        const rng = new Rng(70);
        for (let k = 0; k < 8; k++) {
          const classes = [1, 2, 3, 7, 33, 500][rng.int(6)];
          const lead = [[1 + rng.int(9)], [1 + rng.int(3), 1 + rng.int(5)]][rng.int(2)];
          const rows = lead.reduce((p, d) => p * d, 1);
          // Large logits too: the row's log-sum-exp must not come from a probability that underflows.
          const spread = [1, 30][rng.int(2)];
          const targets = Array.from({ length: rows }, () => (rng.uniform() < 0.2 ? -100 : rng.int(classes)));
          const options = { labelSmoothing: smoothing };
          expectSamePaths((x) => crossEntropy(x, targets, -100, reduction, options),
            (x) => crossEntropyExplicit(x, targets, -100, reduction, options), [rand([...lead, classes], 80 + k, -spread, spread)],
            `crossEntropy [${lead}, ${classes}]`, 2e-5, 1e-4);
        }
      });
    }
  }

  it('gradients match finite differences, and every row ignored gives 0 with zero gradient', () => {
    gradCheck((x) => crossEntropy(x, [2, -100, 0], -100, 'mean', { labelSmoothing: 0.2 }), [rand([3, 4], 90)]);
    const x = rand([2, 3], 91);
    x.requiresGrad = true;
    const loss = crossEntropy(x, [-100, -100]);
    expect(loss.item()).toBe(0);
    backward(loss);
    expect([...x.grad!.data].every((g) => g === 0)).toBe(true);
  });

  it('a NaN logit makes the loss NaN (so a trainer sees it), and F.crossEntropy takes the fused path', () => {
    const x = rand([2, 5], 92);
    x.data[3] = NaN;
    expect(crossEntropy(x, [1, 2]).item()).toBeNaN();
    expect(noGrad(() => crossEntropy(rand([2, 5], 93), [1, 2])).op).toBe('cross_entropy');
  });
});

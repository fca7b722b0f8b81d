import { describe, expect, it } from 'vitest';
import { referenceBackend, wasmBackend, withBackend } from '../../src/backend/index.js';
import { scaledSoftmax } from '../../src/nn/functional.js';
import { attention, type HeadView, headMajorView, interleaved } from '../../src/ops/attention.js';
import { add } from '../../src/ops/elementwise.js';
import { matmul } from '../../src/ops/matmul.js';
import { concat, permute, reshape, slice } from '../../src/ops/shape-ops.js';
import { backward, Rng, type Tensor, tensor } from '../../src/tensor/index.js';
import { gradCheck, rand } from '../helpers/check-op.js';

/**
 * The fused attention primitive against its definition, the composition of matmul, the masked
 * scaled softmax and matmul over heads permuted out of [B, T, H·Dh]: values and gradients
 * (through the output and through the weights), causal and padded, on both backends; and
 * finite differences.
 */

interface Case {
  B: number;
  H: number;
  Dh: number;
  Tq: number;
  Tk: number;
  causal: boolean;
  /** [B, Tk] of 0/1, or null. */
  pad: number[] | null;
  /** Self-attention from one packed [B, T, 3E] projection, or separate q, k, v. */
  packed: boolean;
  /** k and v as a head-major cache [B, H, Tk, Dh] (separate only). */
  cache: boolean;
}

const mask = (c: Case): Tensor | null => (c.pad ? tensor(c.pad, [c.B, c.Tk]) : null);

/** [B, T, H·Dh] → [B, H, T, Dh]. */
const split = (x: Tensor, c: Case): Tensor => permute(reshape(x, [c.B, x.shape[1], c.H, c.Dh]), [0, 2, 1, 3]);

/** The composition: output and weights, flattened and joined, so one check covers both. */
function composed(c: Case, xs: Tensor[]): Tensor {
  const E = c.H * c.Dh;
  const [q, k, v] = c.packed ? [0, 1, 2].map((b) => slice(xs[0], 2, b * E, (b + 1) * E)) : xs;
  const [kh, vh] = c.cache ? [k, v] : [split(k, c), split(v, c)];
  let m: Tensor | undefined;
  if (c.causal) {
    m = tensor(Array.from({ length: c.Tq * c.Tk }, (_, n) => (n % c.Tk > Math.floor(n / c.Tk) + c.Tk - c.Tq ? 1 : 0)), [c.Tq, c.Tk]);
  }
  const pad = mask(c);
  if (pad) {
    const p = reshape(pad, [c.B, 1, 1, c.Tk]);
    m = m ? add(m, p) : p;
  }
  const weights = scaledSoftmax(matmul(split(q, c), kh, true), 1 / Math.sqrt(c.Dh), m); // [B, H, Tq, Tk]
  const out = reshape(permute(matmul(weights, vh), [0, 2, 1, 3]), [c.B, c.Tq, E]);
  return concat([reshape(out, [-1]), reshape(weights, [-1])], 0);
}

function fused(c: Case, xs: Tensor[]): Tensor {
  const E = c.H * c.Dh;
  let views: HeadView[];
  if (c.packed) views = [0, 1, 2].map((b) => interleaved(xs[0], c.H, c.Dh, b * E));
  else if (c.cache) views = [interleaved(xs[0], c.H, c.Dh), headMajorView(xs[1]), headMajorView(xs[2])];
  else views = xs.map((x) => interleaved(x, c.H, c.Dh));
  const { output, weights } = attention(views[0], views[1], views[2], { causal: c.causal, keyPadding: mask(c) });
  return concat([reshape(output, [-1]), reshape(weights, [-1])], 0);
}

function inputs(c: Case, seed: number): Tensor[] {
  const E = c.H * c.Dh;
  if (c.packed) return [rand([c.B, c.Tq, 3 * E], seed, -2, 2)];
  const kv = c.cache ? [c.B, c.H, c.Tk, c.Dh] : [c.B, c.Tk, E];
  return [rand([c.B, c.Tq, E], seed, -2, 2), rand(kv, seed + 1, -2, 2), rand(kv, seed + 2, -2, 2)];
}

/** Values, then each input's gradient, of f under a fixed random upstream gradient. */
function run(f: (c: Case, xs: Tensor[]) => Tensor, c: Case, xs: Tensor[]): Float32Array[] {
  const copies = xs.map((x) => tensor(Float32Array.from(x.data), [...x.shape]));
  for (const x of copies) x.requiresGrad = true;
  const y = f(c, copies);
  const rng = new Rng(5);
  backward(y, tensor(Float32Array.from({ length: y.size }, () => rng.uniform(-1, 1)), y.shape));
  return [Float32Array.from(y.data), ...copies.map((x) => Float32Array.from(x.grad!.data))];
}

function randomCase(rng: Rng): Case {
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)];
  const packed = rng.uniform() < 0.3;
  const B = pick([1, 2, 3]);
  const Tq = pick([1, 3, 4, 6]);
  const Tk = packed ? Tq : pick([1, 2, 5, 7]);
  const density = pick([0.3, 1]); // 1: whole batch entries are padding
  const pad = rng.uniform() < 0.5 ? Array.from({ length: B * Tk }, () => (rng.uniform() < density ? 1 : 0)) : null;
  return { B, H: pick([1, 2, 3]), Dh: pick([1, 2, 4, 5, 8]), Tq, Tk, causal: rng.uniform() < 0.6, pad, packed,
    cache: !packed && rng.uniform() < 0.3 };
}

const label = (c: Case): string => JSON.stringify(c);

/** |a − b| ≤ atol + rtol·|b| everywhere; NaN nowhere. */
function expectNear(a: ArrayLike<number>, b: ArrayLike<number>, what: string, atol: number, rtol: number): void {
  expect(a.length, what).toBe(b.length);
  for (let i = 0; i < b.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i]))) expect.fail(`${what}[${i}]: fused ${a[i]}, composition ${b[i]}`);
  }
}

describe.each([['reference', referenceBackend], ['wasm', wasmBackend]] as const)('fused attention on the %s backend', (_, b) => {
  it('equals the composition in values and gradients, causal and padded, every packing', () => {
    withBackend(b, () => {
      const rng = new Rng(21);
      for (let n = 0; n < 40; n++) {
        const c = randomCase(rng);
        const xs = inputs(c, 100 + n);
        const want = run(composed, c, xs);
        const got = run(fused, c, xs);
        got.forEach((g, i) => expectNear(g, want[i], `${label(c)} ${i === 0 ? 'values' : `grad ${i - 1}`}`, 2e-6, 2e-5));
      }
    });
  });

  it('matches finite differences through the output and the weights', () => {
    withBackend(b, () => {
      const c: Case = { B: 2, H: 2, Dh: 3, Tq: 3, Tk: 4, causal: true, pad: [0, 0, 1, 0, 0, 1, 0, 0], packed: false, cache: false };
      gradCheck((...xs) => fused(c, xs), inputs(c, 7));
      const self: Case = { ...c, Tk: 3, pad: [1, 0, 0, 0, 0, 1], packed: true };
      gradCheck((...xs) => fused(self, xs), inputs(self, 8));
    });
  });

  it('gives a query that sees no key zero weights, output and gradients, not NaN', () => {
    withBackend(b, () => {
      // Entry 0 is all padding; causal with Tk < Tq leaves query 0 of entry 1 blind.
      const c: Case = { B: 2, H: 2, Dh: 4, Tq: 3, Tk: 2, causal: true, pad: [1, 1, 0, 0], packed: false, cache: false };
      const [values, dq, dk, dv] = run(fused, c, inputs(c, 9));
      expect(values.every(Number.isFinite)).toBe(true);
      const E = c.H * c.Dh;
      expect(values.subarray(0, c.Tq * E + E).every((x) => x === 0)).toBe(true); // outputs: entry 0, entry 1 query 0
      expect(dq.subarray(0, c.Tq * E + E).every((x) => x === 0)).toBe(true);
      expect(dk.subarray(0, c.Tk * E).every((x) => x === 0)).toBe(true);
      expect(dv.subarray(0, c.Tk * E).every((x) => x === 0)).toBe(true);
    });
  });
});

describe('fused attention checks its operands', () => {
  it('names the shapes that do not fit', () => {
    const q = rand([2, 3, 8]);
    expect(() => attention(interleaved(q, 2, 4), interleaved(rand([2, 5, 8]), 2, 4), interleaved(rand([2, 4, 8]), 2, 4)))
      .toThrow(/do not fit/);
    expect(() => attention(interleaved(q, 2, 4), interleaved(q, 2, 4), interleaved(q, 2, 4), { keyPadding: rand([2, 4]) }))
      .toThrow(/key padding \[2, 4\] should be \[2, 3\]/);
    expect(() => interleaved(q, 2, 4, 4)).toThrow(/no columns 4..12/);
  });
});

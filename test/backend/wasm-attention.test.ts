import { describe, expect, it } from 'vitest';
import { type AttentionCall, type HeadLayout, headMajor, interleavedHeads } from '../../src/backend/attention.js';
import { referenceBackend as reference } from '../../src/backend/reference.js';
import { backendFor, expectClose, filled, type Placement, Rng, variants } from './helpers.js';

/**
 * The fused attention kernel of the WebAssembly backend against its reference twin, on both
 * SIMD builds: random sizes with odd extents (Tq ≠ Tk, Dh not a multiple of 4, B = 1), q, k
 * and v separate, packed into one projection or head-major as a cache keeps them, causal
 * and/or key padding with fully masked rows, gradients from the output and from the weights,
 * and operands in the heap and in plain arrays (staged).
 */

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

type Packing = 'separate' | 'packed' | 'cache';

/** q, k, v and their layouts for one packing. */
function operands(rng: Rng, alloc: (n: number) => Float32Array, packing: Packing, B: number, H: number, Tq: number,
  Tk: number, Dh: number): Pick<AttentionCall, 'q' | 'qAt' | 'k' | 'kAt' | 'v' | 'vAt'> {
  const E = H * Dh;
  if (packing === 'packed') { // self-attention: one [B, T, 3E] projection
    const qkv = alloc(B * Tq * 3 * E);
    return { q: qkv, qAt: interleavedHeads(Tq, 3 * E, Dh, 0), k: qkv, kAt: interleavedHeads(Tq, 3 * E, Dh, E), v: qkv,
      vAt: interleavedHeads(Tq, 3 * E, Dh, 2 * E) };
  }
  const q = alloc(B * Tq * E);
  const at = (): HeadLayout => (packing === 'cache' ? headMajor(H, Tk, Dh) : interleavedHeads(Tk, E, Dh));
  return { q, qAt: interleavedHeads(Tq, E, Dh), k: alloc(B * Tk * E), kAt: at(), v: alloc(B * Tk * E), vAt: at() };
}

describe.each(variants)('wasm fused attention, %s build', (variant) => {
  const w = backendFor(variant);

  it('forward and backward equal the reference on random shapes, layouts and masks', () => {
    const rng = new Rng(11);
    for (let t = 0; t < 120; t++) {
      const packing = pick(rng, ['separate', 'packed', 'cache'] as const);
      const B = pick(rng, [1, 2, 3]);
      const H = pick(rng, [1, 2, 3, 4]);
      const Dh = pick(rng, [1, 3, 4, 5, 8, 16, 17, 32]);
      const Tq = pick(rng, [1, 2, 5, 7, 16]);
      const Tk = packing === 'packed' ? Tq : pick(rng, [1, 3, 4, 6, 9, 17]);
      const causal = rng.uniform() < 0.5;
      const placement: Placement = rng.uniform() < 0.8 ? 'heap' : 'plain';
      const fill = (n: number): Float32Array => filled(w, n, placement, () => rng.normal());
      const ops = operands(rng, fill, packing, B, H, Tq, Tk, Dh);
      // Padding with some rows fully masked (density 1) and some batch entries unmasked.
      const density = pick(rng, [0, 0.3, 1]);
      const keyPadding = rng.uniform() < 0.5 ? filled(w, B * Tk, placement, () => (rng.uniform() < density ? 1 : 0)) : null;
      const call: AttentionCall = { batch: B, heads: H, queries: Tq, keys: Tk, headDim: Dh, ...ops,
        scale: 1 / Math.sqrt(Dh), causal, keyPadding, weights: filled(w, B * H * Tq * Tk, placement, () => Number.NaN) };
      const out = filled(w, B * Tq * H * Dh, placement, () => Number.NaN);
      const ref = { ...call, weights: new Float32Array(B * H * Tq * Tk), out: new Float32Array(B * Tq * H * Dh) };
      w.attention({ ...call, out });
      reference.attention(ref);
      const label = `${packing} B${B} H${H} Tq${Tq} Tk${Tk} Dh${Dh} causal ${causal} pad ${keyPadding ? density : 'none'} ${placement}`;
      expectClose(call.weights, ref.weights, () => 2e-6 * Math.sqrt(Dh) + 1e-6, `${label} weights`);
      expectClose(out, ref.out, () => 4e-6 * Math.sqrt(Dh) + 1e-6, `${label} out`);

      // Gradients are added: start them from the same random values on both sides.
      const fromOut = rng.uniform() < 0.85;
      const fromWeights = !fromOut || rng.uniform() < 0.3;
      const dOut = fromOut ? fill(B * Tq * H * Dh) : null;
      const dWeights = fromWeights ? fill(B * H * Tq * Tk) : null;
      const start = (a: Float32Array): Float32Array => filled(w, a.length, placement, () => rng.uniform(-1, 1));
      const packed = packing === 'packed'; // then dq, dk and dv are blocks of one gradient
      const dq = start(ops.q);
      const [dk, dv] = packed ? [dq, dq] : [start(ops.k), start(ops.v)];
      const dqRef = Float32Array.from(dq);
      const [dkRef, dvRef] = packed ? [dqRef, dqRef] : [Float32Array.from(dk), Float32Array.from(dv)];
      const grad = { ...call, weights: ref.weights, dOut, dWeights };
      w.attentionGrad({ ...grad, dq, dk, dv: fromOut ? dv : null });
      reference.attentionGrad({ ...grad, dq: dqRef, dk: dkRef, dv: fromOut ? dvRef : null });
      const bound = (): number => 2e-5 * Math.sqrt(Dh * Math.max(Tq, Tk)) + 1e-6;
      expectClose(dq, dqRef, bound, `${label} dq (out ${fromOut}, weights ${fromWeights})`);
      if (!packed) {
        expectClose(dk, dkRef, bound, `${label} dk`);
        expectClose(dv, dvRef, bound, `${label} dv`);
      }
    }
  });

  it('gives zero weights, outputs and gradients to a query that sees no key', () => {
    // Batch entry 0 all padding; causal with Tk < Tq leaves the first query of entry 1 blind.
    const [B, H, Tq, Tk, Dh] = [2, 2, 3, 2, 4];
    const rng = new Rng(12);
    const ops = operands(rng, (n) => filled(w, n, 'heap', () => rng.normal()), 'separate', B, H, Tq, Tk, Dh);
    const call: AttentionCall = { batch: B, heads: H, queries: Tq, keys: Tk, headDim: Dh, ...ops, scale: 0.5,
      causal: true, keyPadding: Float32Array.from([1, 1, 0, 0]), weights: w.alloc(B * H * Tq * Tk) };
    const out = w.alloc(B * Tq * H * Dh);
    w.attention({ ...call, out });
    const rows = (a: Float32Array, width: number): number[][] => Array.from({ length: a.length / width },
      (_, r) => Array.from(a.subarray(r * width, (r + 1) * width)));
    const wRows = rows(call.weights, Tk);
    for (let r = 0; r < H * Tq; r++) expect(wRows[r]).toEqual([0, 0]); // entry 0
    expect(wRows[H * Tq]).toEqual([0, 0]); // entry 1, head 0, query 0
    expect(wRows[H * Tq + 1][0]).toBe(1); // query 1 sees only key 0
    const oRows = rows(out, H * Dh);
    for (const r of [0, 1, 2, 3]) expect(oRows[r].every((x) => x === 0)).toBe(true);
    expect(out.every(Number.isFinite)).toBe(true);
    const [dq, dk, dv] = [w.alloc(ops.q.length), w.alloc(ops.k.length), w.alloc(ops.v.length)];
    w.attentionGrad({ ...call, dOut: filled(w, out.length, 'heap', () => 1), dWeights: null, dq, dk, dv });
    expect(Array.from(dq.subarray(0, Tq * H * Dh + H * Dh)).every((x) => x === 0)).toBe(true);
    expect(Array.from(dk.subarray(0, Tk * H * Dh)).every((x) => x === 0)).toBe(true);
    expect(Array.from(dv.subarray(0, Tk * H * Dh)).every((x) => x === 0)).toBe(true);
    expect([...dq, ...dk, ...dv].every(Number.isFinite)).toBe(true);
  });

  it('hands operands shorter than their layouts to the reference', () => {
    const ops = { q: new Float32Array(8), k: new Float32Array(8), v: new Float32Array(7) };
    const at = interleavedHeads(2, 4, 2);
    const call: AttentionCall = { batch: 1, heads: 2, queries: 2, keys: 2, headDim: 2, ...ops, qAt: at, kAt: at, vAt: at,
      scale: 1, causal: false, keyPadding: null, weights: new Float32Array(8) };
    const out = new Float32Array(8);
    w.attention({ ...call, out });
    expect(out.some(Number.isNaN)).toBe(true); // the reference read undefined past v's end
  });
});

import { describe, expect, it } from 'vitest';
import type { AdamStep, SoftmaxMask } from '../../src/backend/backend.js';
import { referenceBackend as reference } from '../../src/backend/reference.js';
import { backendFor, expectClose, expectSame, filled, type Placement, Rng, variants } from './helpers.js';

/**
 * The fused kernels (softmax, layer norm, Adam) of the WebAssembly backend against the
 * reference backend, on random shapes with odd sizes and tails, masks of every broadcast kind,
 * special values, and operands in the heap and in plain arrays (staged).
 */

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];
const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 16, 31, 64, 65];

describe.each(variants)('wasm fused kernels, %s build', (variant) => {
  const w = backendFor(variant);

  it('softmax and its gradient: random rows, masks (per row, broadcast, constant along the row), special values', () => {
    const rng = new Rng(1);
    for (let t = 0; t < 150; t++) {
      const rows = pick(rng, [1, 2, 3, 6, 17]);
      const n = pick(rng, SIZES);
      const placement: Placement = rng.uniform() < 0.8 ? 'heap' : 'plain';
      const spread = pick(rng, [1, 10, 200]);
      const x = filled(w, rows * n, placement, () => {
        const u = rng.uniform();
        return u < 0.03 ? -Infinity : u < 0.04 && t % 10 === 0 ? Number.NaN : spread * rng.normal();
      });
      let mask: SoftmaxMask | null = null;
      if (rng.uniform() < 0.7) {
        // A table of mask rows, shared by several x rows (as a broadcast [Tq, Tk] or [B, 1, 1, Tk] mask is).
        const maskRows = 1 + rng.int(4);
        const stride = rng.uniform() < 0.85 ? 1 : 0;
        const width = stride ? n : 1;
        const density = pick(rng, [0, 0.3, 0.7, 1]);
        const data = filled(w, maskRows * width, placement, () => (rng.uniform() < density ? 1 : 0));
        const rowOffsets = Int32Array.from({ length: rows }, () => rng.int(maskRows) * width);
        mask = { data, rowOffsets, stride };
      }
      const y = filled(w, rows * n, placement, () => Number.NaN);
      const yRef = new Float32Array(rows * n);
      const scale = pick(rng, [1, 1, 0.125, 0.35355339, 3]);
      w.softmax(x, rows, n, scale, mask, y);
      reference.softmax(x, rows, n, scale, mask, yRef);
      const label = `softmax ${rows}×${n} scale ${scale} ${placement} mask ${mask ? `stride ${mask.stride}` : 'none'}`;
      expectClose(y, yRef, (i) => 1e-6 + 4e-6 * Math.abs(yRef[i]), label);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < n; j++) {
          // Masked positions are exactly 0, unless an unmasked NaN made the whole row NaN.
          const masked = mask && mask.data[mask.rowOffsets[r] + j * mask.stride] !== 0;
          if (masked && !Number.isNaN(yRef[r * n + j])) expect(y[r * n + j], label).toBe(0);
        }
      }
      const g = filled(w, rows * n, placement, () => rng.uniform(-1, 1));
      const dx = filled(w, rows * n, placement, () => Number.NaN);
      const dxRef = new Float32Array(rows * n);
      w.softmaxGrad(yRef, g, rows, n, scale, dx);
      reference.softmaxGrad(yRef, g, rows, n, scale, dxRef);
      expectClose(dx, dxRef, (i) => 1e-6 + 1e-5 * Math.abs(dxRef[i]), `${label} grad`);
    }
  });

  it('softmax: a row with every position masked, or every value −∞, is all zeros', () => {
    const x = w.alloc(8);
    x.set([1, 2, 3, 4, -Infinity, -Infinity, -Infinity, -Infinity]);
    const mask: SoftmaxMask = { data: Float32Array.from([1, 1, 1, 1]), rowOffsets: Int32Array.from([0, 0]), stride: 1 };
    const y = w.alloc(8);
    w.softmax(x, 2, 4, 1, mask, y);
    expectSame(y, new Float32Array(8), 'fully masked');
    w.softmax(x, 2, 4, 1, null, y);
    expect(Array.from(y.subarray(4))).toEqual([0, 0, 0, 0]);
    expect(y.subarray(0, 4).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
  });

  it('softmax hands a mask whose offsets leave its data to the reference', () => {
    const x = w.alloc(4);
    const mask: SoftmaxMask = { data: new Float32Array(3), rowOffsets: Int32Array.from([1]), stride: 1 };
    const [y, yRef] = [w.alloc(4), new Float32Array(4)];
    w.softmax(x, 1, 4, 1, mask, y);
    reference.softmax(x, 1, 4, 1, mask, yRef);
    expectSame(y, yRef, 'out-of-range mask');
  });

  it('layer norm forward and backward, with and without weight and bias', () => {
    const rng = new Rng(2);
    for (let t = 0; t < 80; t++) {
      const rows = pick(rng, [1, 2, 3, 6, 17]);
      const n = pick(rng, SIZES);
      const placement: Placement = rng.uniform() < 0.8 ? 'heap' : 'plain';
      const offset = pick(rng, [0, 3, 100]);
      const x = filled(w, rows * n, placement, () => offset + pick(rng, [0.01, 1, 30]) * rng.normal());
      const weight = rng.uniform() < 0.7 ? filled(w, n, placement, () => rng.uniform(-2, 2)) : null;
      const bias = rng.uniform() < 0.7 ? filled(w, n, placement, () => rng.uniform(-2, 2)) : null;
      const eps = pick(rng, [1e-5, 1e-3]);
      const [y, mean, rstd] = [filled(w, rows * n, placement, () => Number.NaN), w.alloc(rows), w.alloc(rows)];
      const [yRef, meanRef, rstdRef] = [new Float32Array(rows * n), new Float32Array(rows), new Float32Array(rows)];
      w.layerNorm(x, rows, n, weight, bias, eps, y, mean, rstd);
      reference.layerNorm(x, rows, n, weight, bias, eps, yRef, meanRef, rstdRef);
      const label = `layerNorm ${rows}×${n} ${placement} w ${!!weight} b ${!!bias}`;
      // The normalised value carries the rounding of x − μ relative to the row's spread.
      expectClose(y, yRef, () => 2e-5 * (1 + offset * rstdRef[0]) * 3, label);
      expectClose(mean, meanRef, (i) => 1e-6 * (1 + Math.abs(meanRef[i])), `${label} mean`);
      expectClose(rstd, rstdRef, (i) => 1e-6 * Math.abs(rstdRef[i]), `${label} rstd`);
      const g = filled(w, rows * n, placement, () => rng.uniform(-1, 1));
      const wantW = rng.uniform() < 0.7;
      const wantB = rng.uniform() < 0.7;
      const dx = filled(w, rows * n, placement, () => Number.NaN);
      const dw = wantW ? filled(w, n, placement, () => Number.NaN) : null;
      const db = wantB ? filled(w, n, placement, () => Number.NaN) : null;
      const [dxRef, dwRef, dbRef] = [new Float32Array(rows * n), new Float32Array(n), new Float32Array(n)];
      w.layerNormGrad(x, g, rows, n, weight, meanRef, rstdRef, dx, dw, db);
      reference.layerNormGrad(x, g, rows, n, weight, meanRef, rstdRef, dxRef, dwRef, dbRef);
      const scale = Math.max(...Array.from(rstdRef)) * (1 + offset * Math.max(...Array.from(rstdRef)));
      expectClose(dx, dxRef, () => 2e-5 * scale * 3 * n ** 0.5, `${label} dx`);
      if (dw) expectClose(dw, dwRef, () => 1e-5 * rows * (1 + offset * Math.max(...Array.from(rstdRef))), `${label} dw`);
      if (db) expectClose(db, dbRef, () => 1e-5 * rows, `${label} db`);
    }
  });

  it('adam and adamw updates are bitwise the reference (float64 maths, same order)', () => {
    const rng = new Rng(3);
    for (let t = 0; t < 40; t++) {
      const n = pick(rng, [1, 3, 4, 5, 33, 1000]);
      const placement: Placement = rng.uniform() < 0.5 ? 'heap' : 'plain';
      const decoupled = rng.uniform() < 0.5;
      const lr = pick(rng, [1e-3, 0.1]);
      const wd = pick(rng, [0, 1e-2]);
      const stepNo = 1 + rng.int(50);
      const step: AdamStep = {
        beta1: 0.9, beta2: pick(rng, [0.999, 0.98]), eps: 1e-8, stepSize: lr / (1 - 0.9 ** stepNo),
        bc2Sqrt: Math.sqrt(1 - 0.999 ** stepNo), decay: decoupled ? 1 - lr * wd : 1, l2: decoupled ? 0 : wd,
      };
      const p = filled(w, n, placement, () => rng.normal());
      const g = filled(w, n, placement, () => (rng.uniform() < 0.1 ? 0 : rng.normal() * 1e-2));
      const m = filled(w, n, placement, () => rng.normal() * 1e-2);
      const v = filled(w, n, placement, () => rng.uniform() * 1e-4);
      const [pr, mr, vr] = [Float32Array.from(p), Float32Array.from(m), Float32Array.from(v)];
      w.adamStep(p, g, m, v, step);
      reference.adamStep(pr, g, mr, vr, step);
      expectSame(p, pr, `adam p n=${n}`);
      expectSame(m, mr, `adam m n=${n}`);
      expectSame(v, vr, `adam v n=${n}`);
    }
  });
});

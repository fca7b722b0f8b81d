import { describe, expect, it } from 'vitest';
import type { CellKind, RecurrenceGradArgs } from '../../src/backend/backend.js';
import { referenceBackend as reference } from '../../src/backend/reference.js';
import type { WasmBackend } from '../../src/backend/wasm/index.js';
import { backendFor, expectClose, type RecurrenceCase, recurrenceArgs, Rng, variants } from './helpers.js';

/**
 * The whole-sequence recurrent kernels of assembly/recurrence.ts against the reference
 * orchestration (src/backend/recurrence.ts), forward and backpropagation through time, for every
 * cell kind and SIMD build: random shapes (batch 1 runs GEMVs, hidden sizes that are not a
 * multiple of 4 run vector tails), lengths, reverse, optional operands absent, operands in plain
 * arrays (staged), no `saved` (inference), and gate inputs far outside the vector sigmoid's
 * domain.
 */

const KINDS: CellKind[] = ['rnn_tanh', 'rnn_relu', 'gru', 'lstm'];

/** A deep copy into plain arrays, for the reference run. */
function copyArgs(c: RecurrenceGradArgs): RecurrenceGradArgs {
  const copy = { ...c } as Record<string, unknown>;
  for (const [key, value] of Object.entries(c)) if (value instanceof Float32Array) copy[key] = Float32Array.from(value);
  return copy as unknown as RecurrenceGradArgs;
}

const OUTPUTS = ['out', 'states', 'saved', 'dxProj', 'dwHh', 'dbHh', 'dh0', 'dc0'] as const;

function check(w: WasmBackend, rng: Rng, kind: CellKind, c: RecurrenceCase): void {
  const mine = recurrenceArgs(w, rng, kind, c);
  const theirs = copyArgs(mine);
  const inference = { ...copyArgs(mine), saved: null };
  w.recurrenceForward(mine);
  reference.recurrenceForward(theirs);
  // Without `saved` (inference) the kernel keeps the gates in scratch: the same outputs, bitwise.
  w.recurrenceForward(inference);
  expect(Array.from(inference.out)).toEqual(Array.from(mine.out));
  expect(Array.from(inference.states)).toEqual(Array.from(mine.states));
  const referenceInference = { ...copyArgs(theirs), saved: null };
  referenceInference.states.fill(Number.NaN);
  reference.recurrenceForward(referenceInference);
  expect(Array.from(referenceInference.states)).toEqual(Array.from(theirs.states));
  w.recurrenceBackward(mine);
  reference.recurrenceBackward(theirs);
  // Float32 gate maths against the reference's float64: a few ulps per step, summed over B·T
  // steps in dW_hh.
  const label = `${kind} ${JSON.stringify({ ...c, lengths: c.lengths?.join(',') })}`;
  for (const key of OUTPUTS) {
    const [a, b] = [mine[key], theirs[key]];
    expect(a === null, `${label} ${key} given`).toBe(b === null);
    if (a && b) expectClose(a, b, (i) => 2e-5 * Math.max(1, Math.abs(b[i])), `${label} ${key}`);
  }
}

function randomCase(rng: Rng): RecurrenceCase {
  const batch = [1, 1, 2, 3, 5, 8][rng.int(6)];
  const steps = 1 + rng.int(7);
  const hidden = [1, 2, 3, 4, 5, 7, 8, 13, 16][rng.int(9)];
  const lengths = rng.uniform() < 0.5 ? Array.from({ length: batch }, () => rng.int(steps + 1)) : null;
  return {
    batch, steps, hidden, lengths, reverse: rng.uniform() < 0.5, scale: rng.uniform() < 0.2 ? 120 : 2,
    optional: rng.uniform() < 0.7, placement: rng.uniform() < 0.8 ? 'heap' : 'plain',
  };
}

describe.each(variants)('wasm recurrence kernels, %s build', (variant) => {
  const w = backendFor(variant);

  for (const kind of KINDS) {
    it(`${kind}: forward and BPTT equal the reference on random shapes, lengths, reverse and placements`, () => {
      const rng = new Rng(110 + KINDS.indexOf(kind));
      for (let n = 0; n < 40; n++) check(w, rng, kind, randomCase(rng));
    });

    it(`${kind}: sizes past the GEMM blocks (depth over 256, more than 64 rows)`, () => {
      const rng = new Rng(210 + KINDS.indexOf(kind));
      check(w, rng, kind, { batch: 6, steps: 12, hidden: 90, lengths: [12, 3, 0, 12, 7, 1], reverse: true, scale: 2,
        optional: true, placement: 'heap' });
      check(w, rng, kind, { batch: 1, steps: 3, hidden: 70, lengths: null, reverse: false, scale: 2, optional: true,
        placement: 'heap' });
    });
  }

  it('batch 1: one call over T steps (W_hh packed for the call) equals T one-step calls (W_hh read in place), bitwise', () => {
    for (const kind of KINDS) {
      for (const hidden of [13, 16]) {
        const rng = new Rng(310 + hidden);
        const whole = recurrenceArgs(w, rng, kind, { batch: 1, steps: 6, hidden, lengths: null, reverse: false, scale: 2,
          optional: true, placement: 'heap' });
        w.recurrenceForward({ ...whole, saved: null });
        const S = kind === 'lstm' ? 2 : 1;
        const GH = whole.wHh.length / hidden;
        let h0 = whole.h0;
        let c0 = whole.c0;
        for (let t = 0; t < 6; t++) {
          const one = { ...whole, steps: 1, xProj: whole.xProj.slice(t * GH, (t + 1) * GH), h0, c0, saved: null,
            out: new Float32Array(hidden), states: new Float32Array(S * hidden) };
          w.recurrenceForward(one);
          const label = `${kind} hidden ${hidden} step ${t}`;
          expect(Array.from(one.out), label).toEqual(Array.from(whole.out.subarray(t * hidden, (t + 1) * hidden)));
          expect(Array.from(one.states), label).toEqual(Array.from(whole.states.subarray(t * S * hidden, (t + 1) * S * hidden)));
          h0 = one.states.slice(0, hidden);
          c0 = S > 1 ? one.states.slice(hidden, 2 * hidden) : null;
        }
      }
    }
  });

  it('hands calls with too-short operands to the reference, which writes nothing past their end', () => {
    const rng = new Rng(5);
    const args = recurrenceArgs(w, rng, 'lstm', { batch: 2, steps: 3, hidden: 5, lengths: null, reverse: false, scale: 1,
      optional: true, placement: 'heap' });
    const end = args.saved.length - 1;
    args.saved[end] = 12345;
    const short = { ...args, saved: args.saved.subarray(0, end) };
    const expected = copyArgs(short);
    w.recurrenceForward(short);
    reference.recurrenceForward(expected);
    expect(args.saved[end]).toBe(12345);
    expect(Array.from(short.states)).toEqual(Array.from(expected.states));
  });
});

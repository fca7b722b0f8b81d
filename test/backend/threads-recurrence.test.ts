import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import type { CellKind, RecurrenceGradArgs } from '../../src/backend/backend.js';
import { gateCount, savedWidth, stateCount } from '../../src/backend/recurrence.js';
import type { WasmBackend } from '../../src/backend/wasm/index.js';
import { recurrenceParts } from '../../src/backend/wasm/recurrence.js';
import { PathChooser, WasmThreads } from '../../src/backend/wasm/threads.js';
import {
  backendFor, expectSame, filled, type Placement, type RecurrenceCase, recurrenceArgs, Rng, variants,
} from './helpers.js';

/**
 * The whole-sequence recurrences split by hidden units across threads
 * (assembly/recurrence-parallel.ts): forward, inference (no `saved`) and BPTT give bitwise the
 * one-thread kernel's results at 2 and 3 threads, for every cell kind, with packed sequences,
 * reverse, optional operands absent, saturated gates, uneven splits (5 panels of 8 units on 2
 * and 3 threads) and sizes past the GEMM blocks. Shapes the split cannot take (hidden not a
 * multiple of 8, batch 1) stay on one thread. PathChooser is told to pick the pool every time,
 * so each call here really runs split.
 */

const KINDS: CellKind[] = ['rnn_tanh', 'rnn_relu', 'gru', 'lstm'];

const SPLIT: RecurrenceCase[] = [
  { batch: 5, steps: 7, hidden: 40, lengths: [7, 3, 0, 7, 1], reverse: false, optional: true, scale: 2,
    placement: 'heap' },
  { batch: 3, steps: 6, hidden: 24, lengths: null, reverse: true, optional: false, scale: 2, placement: 'heap' },
  { batch: 2, steps: 4, hidden: 32, lengths: [4, 2], reverse: true, optional: true, scale: 120, placement: 'plain' },
  // More than 64 rows, G·H past the 256-deep blocks of the step products, B·T past them in dW_hh.
  { batch: 67, steps: 5, hidden: 72, lengths: null, reverse: false, optional: true, scale: 2, placement: 'heap' },
];

const ONE_THREAD: RecurrenceCase[] = [
  { batch: 4, steps: 5, hidden: 12, lengths: null, reverse: false, optional: true, scale: 2, placement: 'heap' },
  { batch: 1, steps: 5, hidden: 16, lengths: null, reverse: true, optional: true, scale: 2, placement: 'heap' },
];

const OUTPUTS = ['out', 'states', 'saved', 'dxProj', 'dwHh', 'dbHh', 'dh0', 'dc0'] as const;
type Results = Partial<Record<(typeof OUTPUTS)[number] | 'inferenceOut', Float32Array>>;

/** Forward, forward without `saved`, then BPTT over fresh outputs (NaN: every value must be written). */
function run(w: WasmBackend, x: RecurrenceGradArgs, placement: Placement): Results {
  const { batch: B, steps: T, hidden: H } = x;
  const [G, S, W] = [gateCount(x.kind), stateCount(x.kind), savedWidth(x.kind)];
  const nan = (n: number): Float32Array => filled(w, n, placement, () => Number.NaN);
  const lstm = x.kind === 'lstm';
  const a: RecurrenceGradArgs = {
    ...x, out: nan(B * T * H), states: nan(B * T * S * H), saved: nan(B * T * W * H), dxProj: nan(B * T * G * H),
    dwHh: nan(G * H * H), dbHh: x.bHh ? nan(G * H) : null, dh0: nan(B * H), dc0: lstm && x.c0 ? nan(B * H) : null,
  };
  const inference = { ...a, out: nan(B * T * H), states: nan(B * T * S * H), saved: null };
  w.recurrenceForward(a);
  w.recurrenceForward(inference);
  w.recurrenceBackward(a);
  const results: Results = { inferenceOut: Float32Array.from(inference.out) };
  for (const key of OUTPUTS) if (a[key]) results[key] = Float32Array.from(a[key]);
  return results;
}

describe('recurrenceParts', () => {
  it('splits when every thread gets whole panels of 8 units and the batch has rows to share', () => {
    expect(recurrenceParts(2, 32, 256)).toBe(2);
    expect(recurrenceParts(3, 5, 40)).toBe(3); // 5 panels: 1, 2 and 2
    expect(recurrenceParts(1, 32, 256)).toBe(1);
    expect(recurrenceParts(2, 1, 256)).toBe(1); // generation: matrix-vector products
    expect(recurrenceParts(2, 32, 12)).toBe(1);
    expect(recurrenceParts(3, 32, 16)).toBe(1); // 2 panels for 3 threads
  });
});

describe.each(variants)('%s build, recurrences across threads', (variant) => {
  const w = backendFor(variant);
  let together: MockInstance<WasmThreads['together']>;
  beforeAll(() => {
    vi.spyOn(PathChooser.prototype, 'useParallel').mockReturnValue(true);
    together = vi.spyOn(WasmThreads.prototype, 'together');
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await w.setThreads(1);
  });

  const parts = (): number => together.mock.calls.filter(([name]) => name.startsWith('recurrence')).length;

  for (const kind of KINDS) {
    it(`${kind}: bitwise the one-thread results at 2 and 3 threads`, async () => {
      const rng = new Rng(300 + KINDS.indexOf(kind));
      const cases = [...SPLIT, ...ONE_THREAD].map((c) => ({ c, inputs: recurrenceArgs(w, rng, kind, c) }));
      expect(await w.setThreads(1)).toBe(1);
      const single = cases.map(({ c, inputs }) => run(w, inputs, c.placement));
      for (const threads of [2, 3]) {
        expect(await w.setThreads(threads)).toBe(threads);
        cases.forEach(({ c, inputs }, i) => {
          const before = parts();
          const split = run(w, inputs, c.placement);
          const label = `${kind} ${JSON.stringify({ ...c, lengths: c.lengths?.join(',') })}, ${threads} threads`;
          expect(parts() - before, `${label}: calls run split`).toBe(ONE_THREAD.includes(c) ? 0 : 3);
          for (const [key, expected] of Object.entries(single[i])) {
            expectSame(split[key as keyof Results]!, expected, `${label} ${key}`);
          }
        });
      }
    });
  }
});

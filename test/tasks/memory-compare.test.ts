import { describe, expect, it } from 'vitest';
import { LM_ARCHS } from '../../src/models/lm-config.js';
import { chanceAccuracy, compareMemory, compareTable, type CompareRow, sizeForBudget } from '../../src/tasks/memory/compare.js';
import { IGNORE, memoryBatch, problemShape } from '../../src/tasks/memory/problems.js';
import { Rng } from '../../src/tensor/random.js';

const without = (rows: CompareRow[]): Omit<CompareRow, 'seconds'>[] => rows.map(({ seconds: _s, ...rest }) => rest);

describe('compare memory: equal budgets', () => {
  it('sizes every family to within 1% of the budget, on every problem and lag', () => {
    for (const kind of ['echo', 'adding', 'brackets'] as const) {
      for (const lag of [3, 50]) {
        for (const model of LM_ARCHS) {
          const { parameters } = sizeForBudget(kind, lag, model, 20_000, 8);
          expect(Math.abs(parameters - 20_000) / 20_000, `${kind} ${lag} ${model}: ${parameters}`).toBeLessThan(0.01);
        }
      }
    }
  });

  it('keeps the ffn window as given, and grows the width with the budget', () => {
    const small = sizeForBudget('echo', 10, 'gru', 5_000, 8);
    const large = sizeForBudget('echo', 10, 'gru', 20_000, 8);
    expect(large.settings.hiddenSize).toBeGreaterThan(small.settings.hiddenSize);
    expect(sizeForBudget('echo', 10, 'ffn', 20_000, 3).settings.window).toBe(3);
  });

  it('states chance as the best constant answer: 1/8 for echo, 1/10 for adding (a sum of 9), 1/2 for brackets', () => {
    const b = memoryBatch('adding', 6, problemShape('adding', 6, 8), 20_000, new Rng(4));
    const counts = new Map<number, number>();
    for (const t of b.targets) if (t !== IGNORE) counts.set(t, (counts.get(t) ?? 0) + 1);
    const best = Math.max(...counts.values()) / 20_000;
    expect(best).toBeCloseTo(chanceAccuracy('adding'), 1);
    expect(chanceAccuracy('echo')).toBe(1 / 8);
    expect(chanceAccuracy('brackets')).toBe(0.5);
  });
});

describe('compare memory: the grid, trained in memory', () => {
  it('a gru echoes lag 2; an ffn that sees only the current token stays at chance on lag 4', async () => {
    const gru = await compareMemory({ lags: [2], models: ['gru'], steps: 300, budget: 5_000, evalSize: 300 });
    const ffn = await compareMemory({ lags: [4], models: ['ffn'], steps: 150, budget: 5_000, window: 1, evalSize: 300 });
    expect(gru[0]).toMatchObject({ kind: 'echo', lag: 2, model: 'gru', steps: 300 });
    expect(gru[0].accuracy).toBeGreaterThan(0.9);
    expect(ffn[0].accuracy).toBeLessThan(0.2); // chance is 0.125
  }, 120_000);

  it('returns one row per cell, kinds × lags × models in order; the same seed gives the same rows', async () => {
    const grid = { kinds: ['echo', 'brackets'] as const, lags: [2, 3], models: ['rnn', 'transformer'] as const,
      steps: 8, budget: 3_000, validSize: 16, evalSize: 32, evaluations: 2 };
    const events: string[] = [];
    const a = await compareMemory({ ...grid, kinds: [...grid.kinds], models: [...grid.models] },
      { onStart: (c) => events.push(`${c.index}/${c.total}`) });
    const b = await compareMemory({ ...grid, kinds: [...grid.kinds], models: [...grid.models] });
    expect(a.map((r) => `${r.kind} ${r.lag} ${r.model}`)).toEqual([
      'echo 2 rnn', 'echo 2 transformer', 'echo 3 rnn', 'echo 3 transformer',
      'brackets 2 rnn', 'brackets 2 transformer', 'brackets 3 rnn', 'brackets 3 transformer',
    ]);
    expect(events).toEqual(['0/8', '1/8', '2/8', '3/8', '4/8', '5/8', '6/8', '7/8']);
    expect(without(b)).toEqual(without(a));
    const c = await compareMemory({ ...grid, kinds: ['echo'], lags: [2], models: ['rnn'], seed: 2 });
    expect(c[0].accuracy).not.toBe(a[0].accuracy);
  }, 120_000);

  it('rejects unknown kinds and models, and lags that are not positive whole numbers, before training', async () => {
    await expect(compareMemory({ kinds: ['copy' as never] })).rejects.toThrow(/compare\.kinds: unknown kind 'copy'/);
    await expect(compareMemory({ models: ['cnn' as never] })).rejects.toThrow(/compare\.models: unknown model 'cnn'/);
    await expect(compareMemory({ lags: [0] })).rejects.toThrow(/compare\.lags/);
    await expect(compareMemory({ lags: [2.5] })).rejects.toThrow(/compare\.lags/);
  });
});

describe('compareTable', () => {
  it('lays out one line per model and one column per lag, per kind, with chance in the heading', () => {
    const row = (model: 'ffn' | 'gru', lag: number, accuracy: number, parameters = 20_000): CompareRow =>
      ({ kind: 'echo', lag, model, parameters, accuracy, steps: 10, seconds: 1 });
    const table = compareTable([row('ffn', 5, 1), row('ffn', 10, 0.125), row('gru', 5, 0.99, 20_100), row('gru', 10, 0.5, 20_152)]);
    expect(table.split('\n').slice(0, 6)).toEqual([
      '### echo (chance 0.125)',
      '',
      '| model | parameters | lag 5 | lag 10 |',
      '|---|---:|---:|---:|',
      '| ffn | 20000 | 1.000 | 0.125 |',
      '| gru | 20100–20152 | 0.990 | 0.500 |',
    ]);
  });
});

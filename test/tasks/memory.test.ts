import { describe, expect, it } from 'vitest';
import { MemorySource, MemoryStore } from '../../src/store/store.js';
import { loadCheckpoint, getTask } from '../../src/tasks/registry.js';
import { runTraining } from '../../src/tasks/run-training.js';
import { IGNORE, isBalanced, memoryBatch, problemShape } from '../../src/tasks/memory/problems.js';
import { Rng } from '../../src/tensor/random.js';

const none = new MemorySource({});

describe('memory problems', () => {
  it('echo asks, at every position from the lag on, for the symbol lag steps back', () => {
    const shape = problemShape('echo', 3, 5);
    const b = memoryBatch('echo', 3, shape, 4, new Rng(1));
    for (let i = 0; i < b.inputs.length; i++) {
      const t = i % b.time;
      expect(b.targets[i]).toBe(t < 3 ? IGNORE : b.inputs[i - 3]);
    }
  });

  it('adding asks, at the end, for the sum of the two marked digits, the first at least lag steps back', () => {
    const lag = 12;
    const shape = problemShape('adding', lag, 0);
    const b = memoryBatch('adding', lag, shape, 50, new Rng(2));
    for (let s = 0; s < 50; s++) {
      const row = b.inputs.subarray(s * b.time, (s + 1) * b.time);
      const marks = [...row.keys()].filter((t) => row[t] >= 10);
      expect(marks).toHaveLength(2);
      expect(b.time - 1 - marks[0]).toBeGreaterThanOrEqual(lag);
      expect(b.targets[(s + 1) * b.time - 1]).toBe((row[marks[0]] - 10) + (row[marks[1]] - 10));
      expect([...b.targets.subarray(s * b.time, (s + 1) * b.time - 1)].every((t) => t === IGNORE)).toBe(true);
    }
  });

  it('brackets labels each sequence by whether it is balanced, about half of each, with equal-count negatives', () => {
    const shape = problemShape('brackets', 10, 0);
    const b = memoryBatch('brackets', 10, shape, 400, new Rng(3));
    let balanced = 0;
    let equalCountNegatives = 0;
    for (let s = 0; s < 400; s++) {
      const row = b.inputs.subarray(s * 10, (s + 1) * 10);
      const label = b.targets[(s + 1) * 10 - 1];
      expect(label).toBe(isBalanced(row) ? 1 : 0);
      balanced += label;
      if (label === 0 && row.reduce((a, v) => a + v, 0) === 5) equalCountNegatives++;
    }
    expect(balanced).toBeGreaterThan(160);
    expect(balanced).toBeLessThan(240);
    expect(equalCountNegatives).toBeGreaterThan(40);
  });

  it('the same seed gives the same data', () => {
    const shape = problemShape('brackets', 8, 0);
    expect(memoryBatch('brackets', 8, shape, 8, new Rng(9)).inputs).toEqual(memoryBatch('brackets', 8, shape, 8, new Rng(9)).inputs);
  });
});

describe('seqlab train memory, through the registry and a store in memory', () => {
  const task = getTask('memory');
  const request = (arch: string, settings: Record<string, unknown>) => ({ train: [], valid: null, arch, settings, seed: 1 });

  it('an LSTM learns to echo the token 5 steps back; the window model (k = 4) cannot', async () => {
    const results: Record<string, number> = {};
    for (const arch of ['lstm', 'ffn']) {
      const store = new MemoryStore(arch);
      await runTraining(task, request(arch, { kind: 'echo', lag: 5, validSize: 128, evalSize: 512 }), none, store, { trainer: { steps: 400 } });
      results[arch] = loadCheckpoint(store).evaluate({ test: null, settings: {} }, none).accuracy as number;
    }
    expect(results.lstm).toBeGreaterThan(0.9);
    expect(results.ffn).toBeLessThan(0.2); // chance is 1/8
  }, 60_000);

  it('resumes in memory with the same numbers as one run, and keeps the best model by validation', async () => {
    const settings = { kind: 'brackets', lag: 6, validSize: 64, hiddenSize: 16 };
    const once = new MemoryStore('once');
    await runTraining(task, request('gru', settings), none, once, { trainer: { steps: 40, evalEvery: 10 } });
    const twice = new MemoryStore('twice');
    await runTraining(task, request('gru', settings), none, twice, { trainer: { steps: 20, evalEvery: 10 } });
    await runTraining(task, request('gru', settings), none, twice, { trainer: { steps: 40, evalEvery: 10 }, resume: true });
    expect(twice.read('last.safetensors')).toEqual(once.read('last.safetensors'));
    expect(twice.readText('metrics.jsonl').split('\n').filter(Boolean)).toHaveLength(4);
    expect(once.list()).toEqual(['config.json', 'last.safetensors', 'metrics.jsonl', 'model.safetensors', 'optimizer.safetensors', 'trainer-state.json']);
  }, 60_000);

  it('names config keys in its errors, never flags', async () => {
    await expect(runTraining(task, request('lstm', { kind: 'copy' }), none, new MemoryStore(), { trainer: {} }))
      .rejects.toThrow(/memory\.kind: must be one of echo, adding, brackets/);
    await expect(runTraining(task, request('lstm', { lagg: 3 }), none, new MemoryStore(), { trainer: {} }))
      .rejects.toThrow(/memory\.lagg: unknown setting/);
    await expect(runTraining(task, request('cnn', {}), none, new MemoryStore(), { trainer: {} })).rejects.toThrow(/memory\.arch/);
  });
});

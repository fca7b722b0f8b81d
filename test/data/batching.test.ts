import { describe, expect, it } from 'vitest';
import { bucketBatches, padBatch, randomWindows, sequentialWindows } from '../../src/data/batching.js';
import { Rng } from '../../src/tensor/index.js';

const stream = Int32Array.from({ length: 23 }, (_, i) => i);

describe('LM windows', () => {
  it('random windows: targets are inputs shifted by one, reproducible from the seed', () => {
    const a = randomWindows(stream, 4, 5, new Rng(1));
    for (let b = 0; b < 4; b++) {
      for (let t = 0; t < 5; t++) expect(a.targets[b * 5 + t]).toBe(a.inputs[b * 5 + t] + 1);
    }
    expect(randomWindows(stream, 4, 5, new Rng(1)).inputs).toEqual(a.inputs);
  });
  it('sequential windows predict every token after the first exactly once', () => {
    const seen: number[] = [];
    for (const w of sequentialWindows(stream, 2, 5)) {
      for (const t of w.targets) if (t !== -100) seen.push(t);
    }
    expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
  });
  it('a stream shorter than the context is an error', () => {
    expect(() => randomWindows(stream.subarray(0, 3), 1, 5, new Rng(1))).toThrow(/too few/);
  });
});

describe('padding and bucketing', () => {
  it('pads with a mask and lengths', () => {
    const p = padBatch([[5, 6, 7], [8]], 0);
    expect([...p.ids]).toEqual([5, 6, 7, 8, 0, 0]);
    expect([...p.mask]).toEqual([1, 1, 1, 1, 0, 0]);
    expect(p.lengths).toEqual([3, 1]);
  });
  it('buckets cover every example once, group similar lengths, and are seeded', () => {
    const lengths = Array.from({ length: 200 }, (_, i) => (i * 37) % 50);
    const batches = bucketBatches(lengths, 10, new Rng(3));
    expect(batches.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    const spread = batches.map((b) => Math.max(...b.map((i) => lengths[i])) - Math.min(...b.map((i) => lengths[i])));
    expect(Math.max(...spread)).toBeLessThan(10);
    expect(bucketBatches(lengths, 10, new Rng(3))).toEqual(batches);
  });
});

import { describe, expect, it } from 'vitest';
import { drawFrom, samplingDistribution } from '../../src/decode/sampling.js';
import { Rng } from '../../src/tensor/index.js';

const logits = [Math.log(0.5), Math.log(0.25), Math.log(0.15), Math.log(0.1)];

describe('sampling distributions on a fixed logit vector', () => {
  it('plain softmax at temperature 1', () => {
    const p = samplingDistribution(logits, { temperature: 1, topK: 0, topP: 1 });
    [0.5, 0.25, 0.15, 0.1].forEach((v, i) => expect(p[i]).toBeCloseTo(v, 12));
  });
  it('top-k keeps the k most likely, renormalised', () => {
    const p = samplingDistribution(logits, { temperature: 1, topK: 2, topP: 1 });
    [2 / 3, 1 / 3, 0, 0].forEach((v, i) => expect(p[i]).toBeCloseTo(v, 12));
  });
  it('top-p keeps the smallest nucleus reaching p', () => {
    const p = samplingDistribution(logits, { temperature: 1, topK: 0, topP: 0.8 });
    [0.5 / 0.9, 0.25 / 0.9, 0.15 / 0.9, 0].forEach((v, i) => expect(p[i]).toBeCloseTo(v, 12));
  });
  it('temperature 2 flattens as p^(1/2)', () => {
    const p = samplingDistribution(logits, { temperature: 2, topK: 0, topP: 1 });
    const s = [0.5, 0.25, 0.15, 0.1].map(Math.sqrt);
    const z = s.reduce((a, b) => a + b, 0);
    s.forEach((v, i) => expect(p[i]).toBeCloseTo(v / z, 12));
  });
  it('temperature 0 is greedy', () => {
    expect([...samplingDistribution(logits, { temperature: 0, topK: 0, topP: 1 })]).toEqual([1, 0, 0, 0]);
  });
  it('draws match the distribution and are seeded', () => {
    const p = samplingDistribution(logits, { temperature: 1, topK: 3, topP: 1 });
    const rng = new Rng(9);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 20000; i++) counts[drawFrom(p, rng)]++;
    expect(counts[3]).toBe(0);
    counts.slice(0, 3).forEach((c, i) => expect(c / 20000).toBeCloseTo(p[i], 1));
    const a = Array.from({ length: 10 }, (_, i) => drawFrom(p, new Rng(i)));
    expect(Array.from({ length: 10 }, (_, i) => drawFrom(p, new Rng(i)))).toEqual(a);
  });
  it('rejects bad settings', () => {
    expect(() => samplingDistribution(logits, { temperature: -1, topK: 0, topP: 1 })).toThrow(/temperature/);
    expect(() => samplingDistribution(logits, { temperature: 1, topK: 0, topP: 0 })).toThrow(/topP/);
  });
});

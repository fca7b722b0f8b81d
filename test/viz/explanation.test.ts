import { describe, expect, it } from 'vitest';
import type { Explanation } from '../../src/inspect/explanation.js';
import { MemorySource, MemoryStore } from '../../src/store/store.js';
import { getTask, loadCheckpoint } from '../../src/tasks/registry.js';
import { runTraining } from '../../src/tasks/run-training.js';
import { Rng } from '../../src/tensor/random.js';
import { explanationDiagrams } from '../../src/viz/index.js';

/** The target is the source reversed, letter by letter (as in test/tasks/translate.test.ts). */
function reversal(n: number, seed: number): string {
  const rng = new Rng(seed);
  return `${Array.from({ length: n }, () => {
    const words = Array.from({ length: 3 + rng.int(4) }, () => 'abcdefg'[rng.int(7)]);
    return `${words.join(' ')}\t${[...words].reverse().join(' ')}`;
  }).join('\n')}\n`;
}

const argmax = (xs: readonly number[]): number => xs.indexOf(Math.max(...xs));

describe('explain on tiny trained models', () => {
  it('lm (gru, char): tokens, r/z/n gates per step, top-5 next tokens, JSON round trip, diagrams', async () => {
    const data = new MemorySource({ 'train.txt': 'the cat sat on the mat. '.repeat(60) });
    const store = new MemoryStore('lm');
    await runTraining(getTask('lm'), { train: ['train.txt'], valid: null, arch: 'gru', tokenizer: 'char', seed: 1, batch: 8,
      settings: { embedDim: 8, hiddenSize: 12, context: 16 } }, data, store, { trainer: { steps: 60, evalEvery: 60, lr: 0.02 } });
    const e = loadCheckpoint(store, 'explain').explain!('the cat');
    expect(e.tokens).toEqual([...'the cat']);
    expect(e.recurrent).toHaveLength(1);
    const [gru] = e.recurrent;
    expect(gru).toMatchObject({ module: 'rnn.l0', kind: 'gru', layer: 0, direction: 'forward' });
    expect(Object.keys(gru.gates)).toEqual(['r', 'z', 'n']);
    expect(gru.states.h).toHaveLength(7);
    expect(gru.states.h[0]).toHaveLength(12);
    const items = e.prediction!.items;
    expect(items).toHaveLength(5);
    expect(items[0].prob).toBeGreaterThanOrEqual(items[4].prob);
    expect(items[0].text).toBe(' '); // after "the cat" comes a space
    const copy = JSON.parse(JSON.stringify(e)) as Explanation;
    expect(copy).toEqual(e);
    expect(explanationDiagrams(copy).map((d) => d.id)).toEqual(['model', 'unrolled-rnn-l0', 'gates-rnn-l0']);
  }, 120_000);

  it('translate (rnn-attention): both encoder directions, decoder cells, and an alignment that reverses', async () => {
    const data = new MemorySource({ 'train.tsv': reversal(3000, 1), 'valid.tsv': reversal(50, 2) });
    const store = new MemoryStore('rnn');
    await runTraining(getTask('translate'), { train: ['train.tsv'], valid: ['valid.tsv'], arch: 'rnn-attention', seed: 1,
      settings: { vocabSize: 256 + 40, batchTokens: 600, evalSentences: 0, labelSmoothing: 0, embedDim: 32, hiddenSize: 64, dropout: 0 } },
    data, store, { trainer: { steps: 300, evalEvery: 300, lr: 0.01 } });
    const e = loadCheckpoint(store, 'explain').explain!('a b c d e');
    expect(e.target!.join('')).toBe('e d c b a');
    const directions = e.recurrent.filter((r) => r.module.startsWith('encoder')).map((r) => r.direction);
    expect(directions).toEqual(['forward', 'backward']);
    expect(e.recurrent.find((r) => r.direction === 'backward')!.tokens).toEqual(e.tokens);
    expect(e.recurrent.some((r) => r.module.startsWith('decoder'))).toBe(true);
    const cross = e.attention.filter((a) => a.kind === 'cross');
    expect(cross).toHaveLength(1);
    const [w] = cross[0].heads; // [T + 1][S]
    expect(w).toHaveLength(e.target!.length + 1);
    for (const row of w) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    // Target letter j is source letter S−1−j: the alignment's strongest weights run against the diagonal.
    const hits = e.target!.map((t, j) => (t.trim() && e.tokens[argmax(w[j])].trim() === t.trim() ? 1 : 0) as number).reduce((a, b) => a + b, 0);
    expect(hits).toBeGreaterThanOrEqual(3);
    const ids = explanationDiagrams(e).map((d) => d.id);
    expect(ids).toContain('align-decoder-attn');
    expect(ids.filter((id) => id.startsWith('unrolled-'))).toHaveLength(2); // bidirectional encoder (one drawing) + decoder
  }, 180_000);
});

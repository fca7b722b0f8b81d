import { describe, expect, it } from 'vitest';
import { MemorySource, MemoryStore } from '../../src/store/store.js';
import { getTask, loadCheckpoint } from '../../src/tasks/registry.js';
import { runTraining } from '../../src/tasks/run-training.js';
import { Rng } from '../../src/tensor/random.js';
import { bleuByLength } from '../../src/tasks/translate/task.js';
import { corpusBleu } from '../../src/metrics/bleu.js';

/**
 * A toy language pair: the target is the source reversed, letter by letter (words are single
 * letters separated by spaces, so BPE keeps them whole). Each architecture must learn it to a
 * stated exact-match accuracy in seconds.
 */
function reversal(n: number, seed: number): string {
  const rng = new Rng(seed);
  const letters = 'abcdefg';
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = 3 + rng.int(4);
    const words = Array.from({ length: len }, () => letters[rng.int(letters.length)]);
    lines.push(`${words.join(' ')}\t${[...words].reverse().join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

const data = new MemorySource({ 'train.tsv': reversal(3000, 1), 'valid.tsv': reversal(100, 2), 'test.tsv': reversal(100, 3) });
const task = getTask('translate');

async function trained(arch: string, settings: Record<string, unknown>, steps: number, lr: number): Promise<MemoryStore> {
  const store = new MemoryStore(arch);
  await runTraining(task, { train: ['train.tsv'], valid: ['valid.tsv'], arch, seed: 1,
    settings: { vocabSize: 256 + 40, batchTokens: 600, evalSentences: 0, labelSmoothing: 0, ...settings } }, data, store,
  { trainer: { steps, evalEvery: steps, lr, ...(arch === 'transformer' ? { warmupSteps: 50 } : {}) } });
  return store;
}

function exactMatch(store: MemoryStore, beam: number): number {
  const model = loadCheckpoint(store, 'translate');
  const lines = data.readText('test.tsv').trim().split('\n').map((l) => l.split('\t'));
  const out = model.translate!(lines.map((l) => l[0]), { beam, nbest: 1, alignments: false });
  return out.filter((r, i) => r.translation === lines[i][1]).length / lines.length;
}

describe('translate learns a toy language pair', () => {
  it('rnn-attention reverses strings: exact match >= 0.9, greedy and beam', async () => {
    const store = await trained('rnn-attention', { embedDim: 32, hiddenSize: 64, dropout: 0 }, 300, 0.01);
    expect(exactMatch(store, 1)).toBeGreaterThanOrEqual(0.9);
    expect(exactMatch(store, 4)).toBeGreaterThanOrEqual(0.9);
  }, 120_000);

  it('transformer reverses strings: exact match >= 0.9; batched decoding equals one sentence at a time', async () => {
    const store = await trained('transformer', { dModel: 32, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 64, dropout: 0 }, 400, 0.01);
    expect(exactMatch(store, 1)).toBeGreaterThanOrEqual(0.9);
    const model = loadCheckpoint(store, 'translate');
    const sources = ['a b c', 'g', '', 'a b c d e f', 'd d e'];
    for (const beam of [1, 3]) {
      const request = { beam, nbest: beam, alignments: true };
      const together = model.translate!(sources, request);
      const alone = sources.map((s) => model.translate!([s], request)[0]);
      // The same translations; scores equal up to float32 rounding (padding changes the products' shapes).
      expect(together.map((r) => r.nbest.map((n) => n.translation))).toEqual(alone.map((r) => r.nbest.map((n) => n.translation)));
      together.forEach((r, i) => {
        r.nbest.forEach((n, j) => expect(n.score).toBeCloseTo(alone[i].nbest[j].score, 4));
        if (sources[i] === '') expect(r.translation).toBe('');
        else expect(r.alignment!.weights).toHaveLength(r.alignment!.target.length);
      });
    }
  }, 120_000);
});

describe('BLEU by source length', () => {
  it('scores each bucket as its own corpus, and leaves empty buckets out', () => {
    const short = 'a b c d';
    const long = Array.from({ length: 12 }, (_, i) => `w${i}`).join(' ');
    const refs = ['the cat sat on the mat', 'a dog ran in the park today'];
    const out = bleuByLength([short, long], [refs[0], 'a cat ran'], refs);
    expect(out).toEqual({
      bleu_src_words_1_10: corpusBleu([refs[0]], [[refs[0]]]).score,
      sentences_src_words_1_10: 1,
      bleu_src_words_11_15: corpusBleu(['a cat ran'], [[refs[1]]]).score,
      sentences_src_words_11_15: 1,
    });
    expect(out.bleu_src_words_1_10).toBeCloseTo(100, 6);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStore } from '../../src/store/file-store.js';
import { loadCheckpoint } from '../../src/tasks/registry.js';
import { lmLoss } from '../../src/tasks/lm/loss.js';
import { loadLmParts } from '../../src/tasks/lm/setup.js';
import { readConfig } from '../../src/store/checkpoint.js';
import type { SamplingConfig } from '../../src/decode/sampling.js';
import { root } from '../cli/helpers.js';

/**
 * The bundled demo model predicts exactly what it did before the task core was reshaped: the
 * fixture was written by the earlier code (one LanguageModel class, the LM-only CLI) on these
 * inputs, and every number must come back bitwise.
 */
interface Snapshot {
  suggest: { text: string; suggestions: { word: string; prob: number }[] }[];
  generate: { prompt: string; length: number; sampling: SamplingConfig; seed: number; text: string }[];
  eval: { chars: number; loss: number; tokens: number };
}

const snapshot = JSON.parse(readFileSync(join(root, 'test/fixtures/bundled-lm-outputs.json'), 'utf8')) as Snapshot;
const store = new FileStore(join(root, 'models/shakespeare-char-lstm'));

describe('the bundled shakespeare-char-lstm', () => {
  const model = loadCheckpoint(store);

  it('suggests exactly as before', () => {
    for (const s of snapshot.suggest) expect(model.suggest!(s.text, 3), s.text).toEqual(s.suggestions);
  });

  it('generates exactly as before', () => {
    for (const g of snapshot.generate) {
      let text = '';
      model.generate!({ prompt: g.prompt, length: g.length, sampling: g.sampling, seed: g.seed }, (piece) => { text += piece; });
      expect(text).toBe(g.text);
    }
  });

  it('scores text exactly as before', () => {
    const parts = loadLmParts(readConfig(store), store);
    const text = readFileSync(join(root, 'test/fixtures/shakespeare-20k.txt'), 'utf8').slice(0, snapshot.eval.chars);
    const { loss, tokens } = lmLoss(parts.neural!, Int32Array.from(parts.tokenizer.encode(text)), 32);
    expect(tokens).toBe(snapshot.eval.tokens);
    expect(loss).toBe(snapshot.eval.loss);
  });
});

import { describe, expect, it } from 'vitest';
import { LmPredictor } from '../../src/decode/lm-predictor.js';
import { buildCausalLm } from '../../src/models/causal-lm.js';
import { resolveLmConfig } from '../../src/models/lm-config.js';
import { RECURRENT_CONTEXT_CAP } from '../../src/models/recurrent-lm.js';
import { noGrad, Rng } from '../../src/tensor/index.js';

const longText = Array.from({ length: 5000 }, (_, i) => 1 + ((i * 7) % 9));

describe('LmPredictor reads at most the context a model can use', () => {
  it('a recurrent model reads the last RECURRENT_CONTEXT_CAP tokens, whatever came before', () => {
    const model = buildCausalLm(resolveLmConfig('gru', 10, { embedDim: 4, hiddenSize: 8 }), new Rng(1));
    const p = new LmPredictor(model);
    const state = p.start(longText);
    expect(state.tokens).toHaveLength(RECURRENT_CONTEXT_CAP);
    expect(p.logProbs(state)).toEqual(p.logProbs(p.start(longText.slice(-RECURRENT_CONTEXT_CAP))));
  });

  it('a transformer reads its positions less a quarter (at most 32) of headroom; a window model its window', () => {
    const gpt = new LmPredictor(buildCausalLm(resolveLmConfig('transformer', 10, { embedDim: 8, nhead: 2, context: 48 }), new Rng(1)));
    expect(gpt.start(longText).tokens).toHaveLength(36);
    const ffn = new LmPredictor(buildCausalLm(resolveLmConfig('ffn', 10, { embedDim: 4, window: 3 }), new Rng(1)));
    const s = ffn.start(longText);
    expect(s.tokens).toHaveLength(3);
    expect(ffn.logProbs(s)).toEqual(ffn.logProbs(ffn.start([1, 2, 3, 4, 5, ...longText.slice(-3)])));
  });
});

describe('a weight edited in place through the write API', () => {
  for (const arch of ['lstm', 'transformer'] as const) {
    it(`${arch}: the next prediction sees it`, () => {
      const model = buildCausalLm(resolveLmConfig(arch, 10, { embedDim: 8, hiddenSize: 8, nhead: 2, context: 16 }), new Rng(2));
      const p = new LmPredictor(model);
      let state = p.start([1, 2, 3]);
      state = p.step(state, 4); // the fast step has built its caches (packed W_hh, token table)
      const before = p.logProbs(p.step(p.start([1, 2, 3, 4]), 5));
      model.namedParameters().find(([n]) => n === 'embedding.weight')![1].write((d) => { d.fill(0.5, 5 * 8, 6 * 8); });
      const after = p.logProbs(p.step(state, 5));
      const fresh = noGrad(() => model.forward([1, 2, 3, 4, 5], 1, 5).logits.data.slice(4 * 10, 5 * 10));
      const expected = new LmPredictor(model).logProbs({ model: undefined, logits: fresh, tokens: [] });
      after.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
      expect(after).not.toEqual(before);
    });
  }
});

import { describe, expect, it } from 'vitest';
import { buildCausalLm } from '../../src/models/causal-lm.js';
import { LM_ARCHS } from '../../src/models/lm-config.js';
import { resolveLmConfig } from '../../src/models/lm-config.js';
import { noGrad, Rng } from '../../src/tensor/index.js';

describe('language models carry their state step by step', () => {
  for (const arch of LM_ARCHS) {
    it(`${arch}: feeding tokens one at a time with the state equals one full pass`, () => {
      const config = resolveLmConfig(arch, 11, { embedDim: 8, hiddenSize: 12, numLayers: 2, nhead: 2, context: 16, window: 3 });
      const model = buildCausalLm(config, new Rng(3)).eval();
      const ids = [1, 4, 2, 9, 3, 3, 7];
      noGrad(() => {
        const full = model.forward(ids, 1, ids.length).logits.data;
        // A prefix first, then one token at a time: the KV cache, recurrent state or window history.
        let { logits, state } = model.forward(ids.slice(0, 3), 1, 3);
        const pieces = [...logits.data];
        for (const id of ids.slice(3)) {
          ({ logits, state } = model.forward([id], 1, 1, state));
          pieces.push(...logits.data);
        }
        expect(pieces.length).toBe(full.length);
        pieces.forEach((v, i) => expect(v).toBeCloseTo(full[i], 4));
      });
    });
  }

  it('tied weights share the embedding and add no output matrix', () => {
    const tied = buildCausalLm(resolveLmConfig('lstm', 20, { embedDim: 8, hiddenSize: 8, tieWeights: true }), new Rng(1));
    const untied = buildCausalLm(resolveLmConfig('lstm', 20, { embedDim: 8, hiddenSize: 8 }), new Rng(1));
    expect(untied.parameterCount() - tied.parameterCount()).toBe(20 * 8 + 20);
    expect(tied.namedParameters().map(([n]) => n)).not.toContain('head.weight');
  });

  it('the transformer refuses more positions than its context', () => {
    const model = buildCausalLm(resolveLmConfig('transformer', 5, { embedDim: 8, nhead: 2, context: 4 }), new Rng(1));
    expect(() => model.forward([1, 2, 3, 4, 1], 1, 5)).toThrow(/exceed the context of 4/);
  });

  it('config keys are checked', () => {
    expect(() => resolveLmConfig('lstm', 5, { hiddenSize: 0 })).toThrow(/hiddenSize/);
    expect(() => resolveLmConfig('lstm', 5, { bogus: 1 } as never)).toThrow(/model\.bogus: unknown key/);
  });
});

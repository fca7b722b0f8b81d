import { describe, expect, it } from 'vitest';
import { buildCausalLm } from '../../src/models/causal-lm.js';
import type { LmArch } from '../../src/models/lm-config.js';
import { KneserNey } from '../../src/models/ngram.js';
import { resolveLmConfig } from '../../src/models/lm-config.js';
import { LmPredictor } from '../../src/decode/lm-predictor.js';
import { NgramPredictor } from '../../src/decode/ngram-predictor.js';
import type { Predictor } from '../../src/decode/predictor.js';
import { Rng } from '../../src/tensor/index.js';

/**
 * `step` (generation's loop, which gives its state up and lets it be reused) must predict exactly
 * what `advance` (which keeps every state intact, for beams) predicts, token after token.
 */
function stepMatchesAdvance<S>(p: Predictor<S>, context: number[], tokens: number[]): void {
  let kept = p.start(context);
  let given = p.start(context);
  for (const t of tokens) {
    [kept] = p.advance([kept], [t]);
    given = p.step(given, t);
    expect(Array.from(p.logProbs(given))).toEqual(Array.from(p.logProbs(kept)));
  }
}

describe('Predictor.step equals advance', () => {
  const archs: LmArch[] = ['lstm', 'gru', 'rnn', 'transformer'];
  for (const arch of archs) {
    it(`${arch}: the same log-probabilities over ten tokens`, () => {
      const config = resolveLmConfig(arch, 9, { embedDim: 8, hiddenSize: 12, context: 6, ...(arch === 'transformer' ? { nhead: 2 } : {}) });
      const model = buildCausalLm(config, new Rng(4));
      // Past the transformer's context, so its re-reading path runs too.
      stepMatchesAdvance(new LmPredictor(model), [1, 2, 3], [4, 0, 8, 5, 5, 1, 7, 2, 3, 6]);
    });
  }

  it('Kneser-Ney: the same log-probabilities', () => {
    const model = new KneserNey({ order: 3, discount: 0.75 }, 5).fit([0, 1, 2, 0, 1, 3, 0, 1, 2, 4]);
    stepMatchesAdvance(new NgramPredictor(model), [0], [1, 2, 0, 1, 4]);
  });
});

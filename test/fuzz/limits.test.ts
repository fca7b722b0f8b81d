/**
 * The parameter-count estimates that guard config.json (src/config/limits.ts) are upper bounds:
 * for random small configs of every family, the model built has no more parameters than the
 * estimate, so a config within MAX_PARAMETERS by the estimate is within it in fact.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALPHABETS } from '../../src/data/alphabet.js';
import { buildCausalLm } from '../../src/models/causal-lm.js';
import { LM_ARCHS, resolveLmConfig } from '../../src/models/lm-config.js';
import { BIO_ARCHS, SequenceNet } from '../../src/models/sequence-net.js';
import { Rng } from '../../src/tensor/random.js';
import { resolveNetConfig } from '../../src/tasks/bio/setup.js';
import { netParameterTerms } from '../../src/tasks/bio/config.js';
import { lmParameterTerms } from '../../src/tasks/lm/config.js';
import { seq2seqParameterTerms, TRANSLATE_ARCHS } from '../../src/tasks/translate/config.js';
import { buildSeq2Seq, resolveSeq2SeqModel } from '../../src/tasks/translate/setup.js';
import { params } from './helpers.js';

const total = (terms: readonly { count: number }[]): number => terms.reduce((a, t) => a + t.count, 0);
const size = fc.integer({ min: 1, max: 12 });

describe('parameter-count estimates are upper bounds', () => {
  it('language models of every family', () => {
    fc.assert(fc.property(fc.constantFrom(...LM_ARCHS), fc.integer({ min: 2, max: 30 }), size, size, fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 6 }), fc.boolean(), fc.integer({ min: 0, max: 9 }), (arch, vocab, e, hidden, layers, window, tie, out) => {
        const nhead = arch === 'transformer' ? 2 : 1;
        const c = resolveLmConfig(arch, vocab, { embedDim: 2 * e, hiddenSize: hidden, numLayers: layers, nhead, window, context: 8,
          tieWeights: tie && out === 0, outputSize: out === 0 ? 0 : out + 1 });
        expect(buildCausalLm(c, new Rng(1)).parameterCount()).toBeLessThanOrEqual(total(lmParameterTerms(c)));
      }), params(120));
  });

  it('translation models of every family', () => {
    fc.assert(fc.property(fc.constantFrom(...TRANSLATE_ARCHS), fc.integer({ min: 4, max: 30 }), fc.integer({ min: 4, max: 30 }), size, size,
      fc.integer({ min: 1, max: 2 }), fc.constantFrom('gru', 'lstm'), fc.constantFrom('additive', 'dot', 'general', 'none'),
      (arch, sv, tv, e, h, layers, cell, attention) => {
        const model = arch === 'transformer'
          ? { sourceVocab: sv, targetVocab: tv, dModel: 2 * e, nhead: 2, numEncoderLayers: layers, numDecoderLayers: layers, dimFeedforward: h, maxLength: 16, padId: 1 }
          : { sourceVocab: sv, targetVocab: tv, embedDim: e, hiddenSize: attention === 'dot' ? e : h, numLayers: layers, cell, attention, padId: 1 };
        const resolved = resolveSeq2SeqModel(arch, model);
        expect(buildSeq2Seq(arch, resolved, new Rng(1)).parameterCount()).toBeLessThanOrEqual(total(seq2seqParameterTerms(arch, resolved)));
      }), params(80));
  });

  it('biology networks of every family, classifiers and taggers', () => {
    fc.assert(fc.property(fc.constantFrom(...BIO_ARCHS), fc.constantFrom('classify' as const, 'tag' as const), fc.constantFrom('dna' as const, 'protein' as const),
      fc.record({ channels: size, hiddenSize: size, fc: fc.integer({ min: 0, max: 9 }), convLayers: fc.integer({ min: 1, max: 3 }), lstmLayers: fc.integer({ min: 1, max: 2 }),
        numLayers: fc.integer({ min: 1, max: 2 }), dimFeedforward: size, kernel: fc.constantFrom(1, 3, 5), head: fc.constantFrom('pool', 'flatten', 'both'),
        length: fc.integer({ min: 1, max: 40 }), input: fc.constantFrom('onehot', 'embed'), pool: fc.integer({ min: 1, max: 4 }) }),
      fc.integer({ min: 2, max: 6 }), (arch, task, alphabet, settings, classes) => {
        const c = resolveNetConfig(task, arch, { ...settings, dModel: 8, nhead: 2 }, ALPHABETS[alphabet], classes, {});
        expect(new SequenceNet(c, new Rng(1)).parameterCount()).toBeLessThanOrEqual(total(netParameterTerms(c)));
      }), params(150));
  });
});

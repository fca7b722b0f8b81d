/**
 * The translation task: sentence pairs in, an encoder-decoder out (`rnn-attention`, `rnn` or
 * `transformer`), evaluated with BLEU, chrF and chrF++ as sacreBLEU computes them.
 */
import { tokenizerFromJson } from '../../data/tokenizers.js';
import { corpusBleu } from '../../metrics/bleu.js';
import { corpusChrf } from '../../metrics/chrf.js';
import { BOS, EOS, PAD, type Tokenizer, type TokenizerJson } from '../../data/tokenizer.js';
import { checkConfigKeys, checkVocabFile, configSection, inFile, loadWeights, type StoredConfig } from '../../store/checkpoint.js';
import { type CheckpointStore, type DataSource, FILES } from '../../store/store.js';
import { Rng } from '../../tensor/random.js';
import { ConfigError, jsonText, resolveConfig } from '../../config/resolve.js';
import { SeqlabError } from '../../errors.js';
import type { EvalRequest, LoadedModel, Task, TranslateRequest, TranslationResult } from '../task.js';
import { defaultTranslateTokenizer, TRANSLATE_ARCHS, type TranslateArch } from './config.js';
import { readPairs } from './pairs.js';
import { buildSeq2Seq, resolveSeq2SeqModel, resolveTranslateSettings, setupTranslate } from './setup.js';
import { translateTexts, type TranslatorContext } from './translator.js';
import { explainTranslation } from './explain.js';

/** Beam width `eval` decodes with unless told. */
const EVAL_BEAM = 5;

/** config.json of a translation model checked: keys, tokenizers (with the reserved tokens decoding needs), settings and sizes. */
function checkConfig(stored: StoredConfig): { arch: TranslateArch; source: Tokenizer; target: Tokenizer; model: Record<string, unknown> } {
  const raw = stored as Record<string, unknown>;
  checkConfigKeys(raw, ['arch', 'source', 'target', 'model'], ['tokenizer', 'translate', 'train']);
  if (!(TRANSLATE_ARCHS as readonly unknown[]).includes(raw.arch)) {
    throw new SeqlabError(`"arch": unknown translation architecture ${jsonText(raw.arch)} (expected ${TRANSLATE_ARCHS.join(', ')})`);
  }
  const arch = raw.arch as TranslateArch;
  const source = tokenizerFromJson(raw.source as TokenizerJson, 'source');
  const target = tokenizerFromJson(raw.target as TokenizerJson, 'target');
  if (source.vocab.pad === null) throw new SeqlabError(`source.vocab: has no ${PAD} token, which a translation model pads with`);
  for (const special of [BOS, EOS]) {
    if (!target.vocab.has(special)) throw new SeqlabError(`target.vocab: has no ${special} token, which a translation model decodes with`);
  }
  if (raw.tokenizer !== undefined) resolveConfig('tokenizer', defaultTranslateTokenizer, [configSection(raw, 'tokenizer')]);
  if (raw.translate !== undefined) resolveTranslateSettings(configSection(raw, 'translate'));
  const section = configSection(raw, 'model');
  const sizes = { sourceVocab: source.vocabSize, targetVocab: target.vocabSize, padId: source.vocab.pad } as const;
  for (const [key, want] of Object.entries(sizes)) {
    if (section[key] !== undefined && section[key] !== want) {
      throw new ConfigError('model', key, `${jsonText(section[key])}, but the ${key === 'targetVocab' ? 'target' : 'source'} tokenizer has ${key === 'padId' ? `${PAD} at ${want}` : `${want} tokens`}`);
    }
  }
  return { arch, source, target, model: resolveSeq2SeqModel(arch, section) };
}

function load(stored: StoredConfig, store: CheckpointStore): LoadedModel {
  const { arch, source, target, model } = inFile(store, FILES.config, () => checkConfig(stored));
  checkVocabFile(store, { source: { tokenizer: source, sizeKey: 'model.sourceVocab' }, target: { tokenizer: target, sizeKey: 'model.targetVocab' } });
  const net = buildSeq2Seq(arch, model, new Rng(0));
  loadWeights(store, net);
  net.eval();
  const ctx: TranslatorContext = { source, target, special: { pad: source.vocab.pad!, bos: target.vocab.bos!, eos: target.vocab.eos! } };
  return {
    config: stored,
    evaluate: (request: EvalRequest, data: DataSource) => {
      const pairs = readPairs(data, request.test ?? [], 'test data');
      const beam = request.settings.beam ?? EVAL_BEAM;
      if (!(typeof beam === 'number' && Number.isInteger(beam) && beam >= 1)) throw new ConfigError('eval', 'beam', `must be a whole number >= 1, got ${JSON.stringify(beam)}`);
      const t0 = performance.now();
      const hyps = translateTexts(net, ctx, pairs.map((p) => p.src), { beam }).map((r) => r[0].text);
      const seconds = (performance.now() - t0) / 1000;
      const refs = [pairs.map((p) => p.tgt)];
      const bleu = corpusBleu(hyps, refs);
      const chrf = corpusChrf(hyps, refs);
      const chrfpp = corpusChrf(hyps, refs, { wordOrder: 2 });
      return {
        bleu: bleu.score, chrf: chrf.score, chrf_plus_plus: chrfpp.score, brevity_penalty: bleu.bp,
        sys_len: bleu.sysLen, ref_len: bleu.refLen, sentences: pairs.length, beam, sentences_per_second: pairs.length / seconds,
        bleu_signature: bleu.signature, chrf_signature: chrf.signature, chrf_plus_plus_signature: chrfpp.signature,
        ...bleuByLength(pairs.map((p) => p.src), hyps, refs[0]),
      };
    },
    translate: (sources: readonly string[], request: TranslateRequest): TranslationResult[] => {
      const found = translateTexts(net, ctx, sources, { beam: request.beam, nbest: request.nbest, alignments: request.alignments });
      return found.map((list) => ({
        translation: list[0].text, score: list[0].score, nbest: list.map((t) => ({ translation: t.text, score: t.score })),
        ...(request.alignments && list[0].attention ? { alignment: { source: list[0].sourceTokens, target: list[0].targetTokens, weights: list[0].attention } } : {}),
        ...(list[0].truncated ? { truncated: list[0].truncated } : {}),
      }));
    },
    explain: (input: string) => explainTranslation(net, ctx, stored as unknown as Record<string, unknown>, input),
  };
}

/** Source-length buckets, in whitespace-separated words: [first, last] (last Infinity: and longer). */
export const LENGTH_BUCKETS: readonly [number, number][] = [[1, 10], [11, 15], [16, 20], [21, 30], [31, Infinity]];

/**
 * Corpus BLEU of the sentences in each source-length bucket (`bleu_src_words_11_15`, with
 * `sentences_src_words_11_15`), so the gap between models on long sentences shows. Empty
 * buckets are left out; empty sources count in none.
 */
export function bleuByLength(sources: readonly string[], hyps: readonly string[], refs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [first, last] of LENGTH_BUCKETS) {
    const rows = sources.flatMap((src, i) => {
      const words = src.split(/\s+/).filter(Boolean).length;
      return words >= first && words <= last ? [i] : [];
    });
    if (rows.length === 0) continue;
    const name = `src_words_${first}_${last === Infinity ? 'up' : last}`;
    out[`bleu_${name}`] = corpusBleu(rows.map((i) => hyps[i]), [rows.map((i) => refs[i])]).score;
    out[`sentences_${name}`] = rows.length;
  }
  return out;
}

export const translateTask: Task = {
  name: 'translate',
  summary: 'machine translation with encoder-decoders (RNN with attention, Transformer)',
  archs: TRANSLATE_ARCHS,
  defaultArch: 'transformer',
  presets: ['small'],
  defaultPreset: 'small',
  tokenizers: ['bpe'],
  defaultTokenizer: 'bpe',
  trainPaths: [1, 2],
  testPaths: [1, 2],
  capabilities: ['translate', 'explain'],
  setup: setupTranslate,
  load,
};

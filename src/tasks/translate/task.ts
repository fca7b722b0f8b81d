/**
 * The translation task: sentence pairs in, an encoder-decoder out (`rnn-attention`, `rnn` or
 * `transformer`), evaluated with BLEU, chrF and chrF++ as sacreBLEU computes them.
 */
import { tokenizerFromJson } from '../../data/tokenizers.js';
import { corpusBleu } from '../../metrics/bleu.js';
import { corpusChrf } from '../../metrics/chrf.js';
import type { StoredConfig } from '../../store/checkpoint.js';
import type { CheckpointStore, DataSource } from '../../store/store.js';
import { Rng } from '../../tensor/random.js';
import { loadModelBytes } from '../../train/checkpoint.js';
import { ConfigError } from '../../config/resolve.js';
import { SeqlabError } from '../../errors.js';
import type { EvalRequest, LoadedModel, Task, TranslateRequest, TranslationResult } from '../task.js';
import { TRANSLATE_ARCHS, type TranslateTaskConfig } from './config.js';
import { readPairs } from './pairs.js';
import { buildSeq2Seq, setupTranslate } from './setup.js';
import { translateTexts, type TranslatorContext } from './translator.js';
import { explainTranslation } from './explain.js';

/** Beam width `eval` decodes with unless told. */
const EVAL_BEAM = 5;

function load(stored: StoredConfig, store: CheckpointStore): LoadedModel {
  const config = stored as unknown as TranslateTaskConfig;
  for (const key of ['arch', 'source', 'target', 'model'] as const) {
    if (config[key] === undefined) throw new SeqlabError(`${store.path('config.json')}: "${key}" is missing`);
  }
  if (!(TRANSLATE_ARCHS as readonly string[]).includes(config.arch)) {
    throw new SeqlabError(`${store.path('config.json')}: unknown translation architecture '${config.arch}'`);
  }
  const source = tokenizerFromJson(config.source);
  const target = tokenizerFromJson(config.target);
  const net = buildSeq2Seq(config.arch, config.model, new Rng(0));
  loadModelBytes(net, store.read('model.safetensors'));
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

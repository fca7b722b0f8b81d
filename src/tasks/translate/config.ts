/**
 * The translation task's settings (config.json's `translate` and `tokenizer` sections) and its
 * recipe per architecture: the defaults `seqlab train translate` runs with.
 */
import { checkParameterCount, checkSizes, MAX_LAYERS, type ParameterTerm } from '../../config/limits.js';
import type { TokenizerJson } from '../../data/tokenizer.js';

export const TRANSLATE_ARCHS = ['rnn-attention', 'rnn', 'transformer'] as const;
export type TranslateArch = (typeof TRANSLATE_ARCHS)[number];

/** How text becomes tokens: BPE learned on the training side(s), one joint vocabulary or one per side. */
export interface TranslateTokenizerSettings {
  vocabSize: number;
  joint: boolean;
}

export const defaultTranslateTokenizer: Readonly<TranslateTokenizerSettings> = Object.freeze({ vocabSize: 8000, joint: true });

/** Data and training settings of the task. */
export interface TranslateSettings {
  /** Target tokens per training batch (sentences are bucketed by length to fill it). */
  batchTokens: number;
  /** Longest training sentence, in tokens, and the largest ratio of the two sides' lengths. */
  maxLength: number;
  maxRatio: number;
  /** Label smoothing of the training loss (PyTorch's definition). */
  labelSmoothing: number;
  /** Validation sentences translated (greedy) at each evaluation to report BLEU. */
  evalSentences: number;
}

export const defaultTranslateSettings: Readonly<TranslateSettings> = Object.freeze({
  batchTokens: 1000, maxLength: 100, maxRatio: 3, labelSmoothing: 0.1, evalSentences: 200,
});

/** config.json of a translation model. */
export interface TranslateTaskConfig {
  task: 'translate';
  arch: TranslateArch;
  source: TokenizerJson;
  target: TokenizerJson;
  tokenizer: TranslateTokenizerSettings;
  translate: TranslateSettings;
  model: Record<string, unknown>;
}

/**
 * Checks a translation model's sizes before it is built: each size key within `MAX_SIZE`
 * (layers and heads within `MAX_LAYERS`), and the parameter count they imply within
 * `MAX_PARAMETERS` (a generous estimate: embeddings and output, then the layers).
 */
export function checkSeq2SeqSizes(arch: TranslateArch, c: Readonly<Record<string, unknown>>, section = 'model'): void {
  checkSeq2SeqKeys(arch, c, section);
  checkParameterCount(section, seq2seqParameterTerms(arch, c));
}

/** The parts of a translation model's parameter count, each with the size key that drives it (an upper bound, summed). */
export function seq2seqParameterTerms(arch: TranslateArch, c: Readonly<Record<string, unknown>>): ParameterTerm[] {
  const n = (key: string): number => c[key] as number;
  const vocabKey = n('sourceVocab') >= n('targetVocab') ? 'sourceVocab' : 'targetVocab';
  if (arch === 'transformer') {
    const [D, F] = [n('dModel'), n('dimFeedforward')];
    return [
      { key: vocabKey, count: (n('sourceVocab') + 2 * n('targetVocab')) * D + n('targetVocab') },
      { key: 'maxLength', count: n('maxLength') * D },
      { key: D >= F ? 'dModel' : 'dimFeedforward', count: n('numEncoderLayers') * (4 * D * D + 2 * D * F + 9 * D + F) + n('numDecoderLayers') * (8 * D * D + 2 * D * F + 15 * D + F) + 4 * D },
    ];
  }
  const [E, H] = [n('embedDim'), n('hiddenSize')];
  return [
    { key: vocabKey, count: (n('sourceVocab') + n('targetVocab')) * E + n('targetVocab') * (2 * H + 1) },
    { key: E > H ? 'embedDim' : 'hiddenSize', count: 16 * n('numLayers') * H * (E + 2 * H + 2) + 16 * H * (H + 1) },
  ];
}

/** Each size key of a translation model's settings within its limit (other types and values pass, for the resolver to judge). */
export function checkSeq2SeqKeys(arch: TranslateArch, c: Readonly<Record<string, unknown>>, section = 'model'): void {
  if (arch === 'transformer') {
    checkSizes(section, c, ['sourceVocab', 'targetVocab', 'dModel', 'dimFeedforward', 'maxLength']);
    checkSizes(section, c, ['nhead', 'numEncoderLayers', 'numDecoderLayers'], MAX_LAYERS);
  } else {
    checkSizes(section, c, ['sourceVocab', 'targetVocab', 'embedDim', 'hiddenSize']);
    checkSizes(section, c, ['numLayers'], MAX_LAYERS);
  }
}

/**
 * The translation task's settings (config.json's `translate` and `tokenizer` sections) and its
 * recipe per architecture: the defaults `seqlab train translate` runs with.
 */
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

/**
 * The language-model task's sections of config.json, and how a request's flat settings are
 * sorted into them: tokenizer keys, the task's own keys, then the model's (or the n-gram's).
 */
import type { TokenizerJson } from '../../data/tokenizer.js';
import { type LmArch, type LmConfig } from '../../models/lm-config.js';
import type { NgramConfig } from '../../models/ngram.js';

/** Everything config.json holds for a language model: enough to rebuild it and its tokenizer. */
export interface LmTaskConfig {
  task: 'lm';
  arch: LmArch | 'ngram';
  tokenizer: TokenizerJson;
  model?: LmConfig;
  ngram?: NgramConfig;
  /** Sequences per batch, and tokens per training window. */
  batch: number;
  context: number;
}

/** The task's own settings (`--set key=value` on the command line). */
export interface LmSettings {
  /** Validation tokens scored at each evaluation during training. */
  evalTokens: number;
}

export const defaultLmSettings: Readonly<LmSettings> = Object.freeze({ evalTokens: 32768 });

/** Tokenizer settings: the word level's least count, the word and BPE vocabulary size (0: the default). */
export interface LmTokenizerSettings {
  minCount: number;
  vocabSize: number;
}

export const defaultLmTokenizerSettings: Readonly<LmTokenizerSettings> = Object.freeze({ minCount: 0, vocabSize: 0 });


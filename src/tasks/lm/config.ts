/**
 * The language-model task's sections of config.json, and how a request's flat settings are
 * sorted into them: tokenizer keys, the task's own keys, then the model's (or the n-gram's).
 */
import { checkParameterCount, checkSizes, MAX_LAYERS, type ParameterTerm } from '../../config/limits.js';
import type { TokenizerJson } from '../../data/tokenizer.js';
import { type LmArch, type LmConfig, outputClasses } from '../../models/lm-config.js';
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


/**
 * Checks an LM config's sizes before the model is built: each size key within `MAX_SIZE`
 * (layers and heads within `MAX_LAYERS`), and the parameter count they imply within
 * `MAX_PARAMETERS` (a generous estimate per family: embeddings and output, then the layers).
 */
export function checkLmSizes(c: LmConfig, section = 'model'): void {
  checkLmKeys(c, section);
  checkParameterCount(section, lmParameterTerms(c));
}

/** The parts of an LM's parameter count, each with the size key that drives it (an upper bound, summed). */
export function lmParameterTerms(c: LmConfig): ParameterTerm[] {
  const { embedDim: E, hiddenSize: H, numLayers: L } = c;
  const terms = [{ key: 'vocabSize', count: (c.vocabSize + 1) * E + outputClasses(c) * (Math.max(E, H) + 1) }];
  if (c.arch === 'ffn') {
    terms.push({ key: 'window', count: (c.window * E + 1) * H }, { key: 'hiddenSize', count: L * H * (H + 1) + H * (E + 1) });
  } else if (c.arch === 'transformer') {
    terms.push({ key: 'context', count: c.context * E },
      { key: H > E ? 'hiddenSize' : 'embedDim', count: L * (4 * E * (E + 1) + 2 * E * H + H + 5 * E) + 2 * E + H * (E + 1) });
  } else {
    const gates = { rnn: 1, gru: 3, lstm: 4 }[c.arch];
    terms.push({ key: 'hiddenSize', count: gates * H * (E + H + 2) + (L - 1) * gates * H * (2 * H + 2) + H * (E + 1) });
  }
  return terms;
}

/** Each size key of an LM config within its limit (other types and values pass, for the resolver to judge). */
export function checkLmKeys(c: Readonly<Record<string, unknown>> | LmConfig, section = 'model'): void {
  checkSizes(section, c as Record<string, unknown>, ['vocabSize', 'embedDim', 'hiddenSize', 'context', 'window', 'outputSize']);
  checkSizes(section, c as Record<string, unknown>, ['numLayers', 'nhead'], MAX_LAYERS);
}

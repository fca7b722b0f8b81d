/**
 * The shape of a causal sequence model (a language model, or a memory-task model): one config
 * for the five families, each reading the keys it needs. Resolved by the shared resolver, so an
 * unknown key or a wrong type is a ConfigError naming the key.
 */
import { ConfigError, type ConfigLayer, checkRange, checkWhole, resolveConfig } from '../config/resolve.js';

export type LmArch = 'ffn' | 'rnn' | 'gru' | 'lstm' | 'transformer';
export const LM_ARCHS: readonly LmArch[] = ['ffn', 'rnn', 'gru', 'lstm', 'transformer'];

export interface LmConfig {
  arch: LmArch;
  vocabSize: number;
  /** Width of the token embedding (and of the transformer's residual stream). */
  embedDim: number;
  /** Recurrent units, the window model's hidden layer, or the transformer's feed-forward width. */
  hiddenSize: number;
  numLayers: number;
  /** Attention heads (transformer). */
  nhead: number;
  /** Longest context: positions of the transformer, tokens per training window. */
  context: number;
  /** Tokens the feed-forward window model sees. */
  window: number;
  dropout: number;
  /** Share the embedding matrix with the output layer (Press & Wolf 2017). */
  tieWeights: boolean;
  /** Classes scored at each position; 0 means the vocabulary (a language model). */
  outputSize: number;
}

export const defaultLmConfig: Readonly<LmConfig> = Object.freeze({
  arch: 'lstm', vocabSize: 0, embedDim: 64, hiddenSize: 256, numLayers: 1, nhead: 4, context: 64, window: 4,
  dropout: 0, tieWeights: false, outputSize: 0,
});

/** The config section's name in config.json, and in errors. */
const SECTION = 'model';

/** A model config: defaults, then each layer (a preset's sizes, the user's settings), checked. */
export function resolveLmConfig(arch: LmArch, vocabSize: number, ...layers: ConfigLayer<LmConfig>[]): LmConfig {
  const c = resolveConfig<LmConfig>(SECTION, defaultLmConfig, [...layers, { arch, vocabSize }], { arch: LM_ARCHS });
  for (const key of ['embedDim', 'hiddenSize', 'numLayers', 'nhead', 'context', 'window'] as const) checkWhole(SECTION, c, key);
  checkWhole(SECTION, c, 'vocabSize', 2);
  checkWhole(SECTION, c, 'outputSize', 0);
  checkRange(SECTION, c, 'dropout', 0, 1);
  if (c.arch === 'transformer' && c.embedDim % c.nhead !== 0) {
    throw new ConfigError(SECTION, 'nhead', `${c.nhead} does not divide embedDim ${c.embedDim}`);
  }
  if (c.tieWeights && c.outputSize !== 0 && c.outputSize !== c.vocabSize) {
    throw new ConfigError(SECTION, 'tieWeights', `needs outputSize equal to the vocabulary (${c.vocabSize})`);
  }
  return c;
}

/** Classes the model scores at each position. */
export function outputClasses(c: LmConfig): number {
  return c.outputSize > 0 ? c.outputSize : c.vocabSize;
}

/** The keys a user may set (the architecture, vocabulary and output size come from the task and data). */
export function settableLmKeys(model: Readonly<LmConfig> = defaultLmConfig): Record<string, unknown> {
  const { arch: _a, vocabSize: _v, outputSize: _o, ...rest } = model;
  return rest;
}

/**
 * The biology tasks' settings (config.json's `bio` section) and their recipes: `classify` (one
 * label per sequence) and `tag` (one label per position), over DNA or protein.
 */
import { checkParameterCount, checkSizes, MAX_LAYERS, MAX_SIZE, type ParameterTerm } from '../../config/limits.js';
import { ConfigError } from '../../config/resolve.js';
import type { AlphabetName } from '../../data/alphabet.js';
import { BIO_ARCHS, type BioArch, type SequenceNetConfig } from '../../models/sequence-net.js';

export { BIO_ARCHS, type BioArch };

export type BioTaskName = 'classify' | 'tag';

/** Data and training settings of the two tasks. */
export interface BioSettings {
  /** 'auto' guesses DNA or protein from the training sequences. */
  alphabet: 'auto' | AlphabetName;
  /**
   * Loss weight per class. 'balanced': n / (k · n_c), as scikit-learn's; 'auto': balanced when
   * the largest class is more than 3× the smallest, else none.
   */
  classWeights: 'auto' | 'balanced' | 'none';
  /**
   * DNA classifiers: 'on' trains on random reverse complements and predicts the mean of both
   * strands; 'auto' does so unless the data are strand-specific (strand.ts). config.json keeps
   * the decision ('on' or 'off').
   */
  reverseComplement: 'auto' | 'on' | 'off';
  /** Sequences per training batch (classify). */
  batch: number;
  /** Taggers: positions per training crop and per prediction window. */
  window: number;
  /** Taggers: positions at each side of a window that another window predicts better (stitching margin). */
  margin: number;
  /** Taggers: positions per training batch (crops are grouped by length to fill it). */
  batchTokens: number;
  /** Taggers: the label never written as a region ('' = '-' or 'N' or '.' when present, else none). */
  background: string;
}

export const defaultBioSettings: Readonly<BioSettings> = Object.freeze({
  alphabet: 'auto', classWeights: 'auto', reverseComplement: 'auto', batch: 64, window: 512, margin: 64,
  batchTokens: 2048, background: '',
});

export const BIO_CHOICES = {
  alphabet: ['auto', 'dna', 'protein'],
  classWeights: ['auto', 'balanced', 'none'],
  reverseComplement: ['auto', 'on', 'off'],
} as const;

/** config.json of a biology model. */
export interface BioTaskConfig {
  task: BioTaskName;
  arch: BioArch;
  alphabet: AlphabetName;
  /** Class (classify) or label (tag) names; the model's output index is the position here. */
  classes: string[];
  bio: BioSettings;
  /** Class weights the loss used (null: none). */
  weights: number[] | null;
  model: Record<string, unknown>;
}

/**
 * Checks a network's sizes before it is built: each size key within `MAX_SIZE` (layers and heads
 * within `MAX_LAYERS`), a tagger's dilated convolutions within `MAX_SIZE` positions, and the
 * parameter count they imply within `MAX_PARAMETERS` (a generous estimate per part).
 */
export function checkNetSizes(c: SequenceNetConfig, section = 'model'): void {
  checkNetKeys(c, section);
  if (c.output === 'position' && c.arch === 'cnn' && ((c.kernel - 1) + (c.kernel2 - 1) * (2 ** c.convLayers)) / 2 > MAX_SIZE) {
    throw new ConfigError(section, 'convLayers', `${c.convLayers} dilated layers (dilation doubling each layer) see past the limit of ${MAX_SIZE} positions`);
  }
  checkParameterCount(section, netParameterTerms(c));
}

/** The parts of a network's parameter count, each with the size key that drives it (an upper bound, summed). */
export function netParameterTerms(c: SequenceNetConfig): ParameterTerm[] {
  const conv = c.arch === 'cnn' || c.arch === 'cnn-bilstm';
  const A = c.input === 'embed' ? c.embedDim : c.letters;
  const { channels: C, hiddenSize: H, dModel: D, dimFeedforward: F } = c;
  const width = { cnn: C, bilstm: 2 * H, 'cnn-bilstm': 2 * H, transformer: D }[c.arch]; // what the head reads at each position
  return [
    { key: 'embedDim', count: c.input === 'embed' ? (c.letters + 1) * c.embedDim : 0 },
    { key: 'channels', count: conv ? (c.kernel * A + 1) * C + (c.arch === 'cnn' ? c.convLayers - 1 : 0) * (c.kernel2 * C + 1) * C : 0 },
    // The LSTM's first input weights, [8H, input], grow with what feeds it: the convolutions' channels in cnn-bilstm.
    { key: c.arch === 'cnn-bilstm' ? 'channels' : 'hiddenSize', count: c.arch.includes('lstm') ? 8 * H * (c.arch === 'cnn-bilstm' ? C : A) : 0 },
    { key: 'hiddenSize', count: c.arch.includes('lstm') ? c.lstmLayers * 8 * H * (3 * H + 2) : 0 },
    { key: D >= F ? 'dModel' : 'dimFeedforward', count: c.arch === 'transformer' ? (c.kernel * A + 1) * D + c.numLayers * (4 * D * D + 2 * D * F + 9 * D + F) + 2 * D : 0 },
    { key: 'length', count: c.output === 'sequence' && c.head !== 'pool' ? c.length * width * Math.max(c.fc, c.classes) : 0 },
    { key: 'fc', count: (2 * width + c.classes + 1) * Math.max(c.fc, c.classes) + c.classes },
  ];
}

/** Each size key of a network's settings within its limit (other types and values pass, for the resolver to judge). */
export function checkNetKeys(c: Readonly<Record<string, unknown>> | SequenceNetConfig, section = 'model'): void {
  const keys = c as Record<string, unknown>;
  checkSizes(section, keys, ['embedDim', 'channels', 'kernel', 'kernel2', 'pool', 'hiddenSize', 'dModel', 'dimFeedforward', 'length', 'fc', 'classes', 'letters']);
  checkSizes(section, keys, ['convLayers', 'lstmLayers', 'numLayers', 'nhead'], MAX_LAYERS);
}

/**
 * The biology tasks' settings (config.json's `bio` section) and their recipes: `classify` (one
 * label per sequence) and `tag` (one label per position), over DNA or protein.
 */
import type { AlphabetName } from '../../data/alphabet.js';
import { BIO_ARCHS, type BioArch } from '../../models/sequence-net.js';

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

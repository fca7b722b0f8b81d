/**
 * What the explorer ships with: the bundled models (served from the repository's models/) and
 * datasets (from data/). Pages offer these in their menus; the Worker fetches their files.
 */

export interface BundledModel {
  /** The folder under models/. */
  id: string;
  task: 'lm' | 'translate';
  /** The family, as people name it. */
  label: string;
  arch: string;
}

/** Character-level language models of tiny-shakespeare, one per family, trained by `seqlab train lm`. */
export const LANGUAGE_MODELS: readonly BundledModel[] = [
  { id: 'shakespeare-char-lstm', task: 'lm', label: 'LSTM', arch: 'lstm' },
  { id: 'shakespeare-char-gru', task: 'lm', label: 'GRU', arch: 'gru' },
  { id: 'shakespeare-char-rnn', task: 'lm', label: 'vanilla RNN', arch: 'rnn' },
  { id: 'shakespeare-char-transformer', task: 'lm', label: 'Transformer', arch: 'transformer' },
  { id: 'shakespeare-char-ffn', task: 'lm', label: 'feed-forward window', arch: 'ffn' },
];

/** German → English translation models of Multi30k, trained by `seqlab train translate`. */
export const TRANSLATION_MODELS: readonly BundledModel[] = [
  { id: 'multi30k-de-en-transformer', task: 'translate', label: 'Transformer', arch: 'transformer' },
  { id: 'multi30k-de-en-rnn-attention', task: 'translate', label: 'bidirectional GRU encoder-decoder with attention', arch: 'rnn-attention' },
];

/** A bundled DNA or protein model, trained by `seqlab train classify|tag`. */
export interface BioModel {
  /** The folder under models/. */
  id: string;
  task: 'classify' | 'tag';
  /** What it predicts, as people name it. */
  label: string;
  alphabet: 'dna' | 'protein';
}

/**
 * The sequence view's models: splice junctions in 60-nt DNA windows (UCI splice data; classes
 * EI, IE, N), and 3-state secondary structure along protein chains (NetSurfP-2.0; labels C, E, H).
 */
export const BIO_MODELS: readonly BioModel[] = [
  { id: 'splice-sites', task: 'classify', label: 'Splice junctions in DNA (EI, IE, N)', alphabet: 'dna' },
  { id: 'protein-ss', task: 'tag', label: 'Protein secondary structure (C, E, H)', alphabet: 'protein' },
];

export interface BundledText {
  id: string;
  label: string;
  /** Path under the site root. */
  path: string;
}

export const DATASETS: readonly BundledText[] = [
  { id: 'tinyshakespeare', label: 'tiny-shakespeare (1.1 MB of plays)', path: 'data/tinyshakespeare/input.txt' },
];

/** The files of a checkpoint folder the explorer reads or writes (vocab.json where the model has one). */
export const CHECKPOINT_FILES = ['config.json', 'vocab.json', 'model.safetensors'] as const;

/** What a bundled model's folder holds for the explorer: biology models have no vocab.json (config.json names their alphabet). */
export function bundledFiles(id: string): readonly string[] {
  return BIO_MODELS.some((m) => m.id === id) ? ['config.json', 'model.safetensors'] : CHECKPOINT_FILES;
}

export function findModel(id: string): BundledModel | BioModel | undefined {
  return [...LANGUAGE_MODELS, ...TRANSLATION_MODELS, ...BIO_MODELS].find((m) => m.id === id);
}

/**
 * What a task is. A task (src/tasks/<name>/) owns reading its data, its presets and defaults
 * (its best recipe), model set-up, loss and evaluation metrics, prediction, and its sections of
 * config.json. The CLI, the explorer and the server reach every task through this interface and
 * the registry (registry.ts), so a new task touches none of them.
 *
 * Tasks know nothing about flags: their errors name config keys (a `ConfigError`) and data
 * records; the CLI maps keys back to the flags that set them.
 */
import type { SamplingConfig } from '../decode/sampling.js';
import type { Explanation } from '../inspect/explanation.js';
import type { Motif } from '../inspect/motifs.js';
import type { Annotation } from './bio/annotate.js';
import type { StoredConfig } from '../store/checkpoint.js';
import type { CheckpointStore, DataSource } from '../store/store.js';
import type { Trainable, TrainerConfig } from '../train/trainer.js';

/** What a training run asks of a task, from flags or from the explorer's form. */
export interface TrainRequest {
  /** Training data paths (their number is the task's `trainPaths`). */
  train: readonly string[];
  /** Validation data paths; null: the task holds out part of the training data. */
  valid: readonly string[] | null;
  /** The architecture; undefined: the task's default. */
  arch?: string;
  preset?: string;
  tokenizer?: string;
  /** Settings by config key (model, tokenizer or task keys), the task sorts them into its sections. */
  settings: Readonly<Record<string, unknown>>;
  /** Sequences per batch; undefined: the preset's. */
  batch?: number;
  seed: number;
}

/** Files and metrics of a model made without gradient steps (the n-gram's counts). */
export interface FittedModel {
  files: Record<string, Uint8Array | string>;
  metrics: Record<string, number> & { loss: number };
}

/** A prepared run: what config.json holds, and either a trainable model or a fitted one. */
export interface TaskRun {
  /** config.json's sections for this task (`task`, `arch`, `model`, `tokenizer`, ...); the run adds `train`. */
  config: { task: string; arch: string } & Record<string, unknown>;
  /** Files written once at the start (vocab.json). */
  files: Record<string, Uint8Array | string>;
  /** A model trained by gradient steps, or null when `fitted`. */
  trainable: Trainable | null;
  fitted?: FittedModel;
  /** The task's recipe for the trainer (learning rate, schedule, limits); the request's settings win. */
  recipe: Partial<TrainerConfig>;
  parameters: number;
}

/** What an evaluation asks: test data paths (null for tasks that make their own) and settings. */
export interface EvalRequest {
  test: readonly string[] | null;
  settings: Readonly<Record<string, unknown>>;
}

/** One keyboard suggestion: the word and the model's probability of it coming next. */
export interface Suggestion {
  word: string;
  prob: number;
}

export interface GenerateRequest {
  prompt: string;
  length: number;
  sampling: SamplingConfig;
  seed: number;
}

/**
 * A trained model loaded back, with what it can do. Evaluation is every task's; the rest are
 * capabilities a task has or not (a command asks for one, and says so when it is missing).
 */
export interface LoadedModel {
  readonly config: StoredConfig;
  /** Metrics by name: numbers, and strings where a metric has a signature (sacreBLEU's). */
  evaluate(request: EvalRequest, source: DataSource): Record<string, number | string>;
  /** Text after a prompt, streamed piece by piece to `emit` (language models). */
  generate?(request: GenerateRequest, emit: (text: string) => void): void;
  /** Next-word suggestions as a keyboard shows them (language models). */
  suggest?(text: string, k: number): Suggestion[];
  /** Translations of source sentences, one result per sentence in order (translation models). */
  translate?(sources: readonly string[], request: TranslateRequest): TranslationResult[];
  /** What the model saw and did on one input, as JSON for diagrams (src/inspect/explanation.ts). */
  explain?(input: string): Explanation;
  /** Predictions on the sequences of a file (biology models): rows or regions, and saliency when asked. */
  annotate?(source: DataSource, path: string, saliency: boolean): Annotation;
  /** Motifs (PWMs) from the first layer's filters or from saliency over the sequences of a file. */
  motifs?(source: DataSource, request: MotifRequest): Motif[];
}

export interface MotifRequest {
  /** The sequences (FASTA or CSV/TSV) the filters or saliency are read over. */
  input: string;
  from: 'filters' | 'saliency';
  /** Motif width for saliency motifs. */
  width: number;
}

export interface TranslateRequest {
  beam: number;
  nbest: number;
  /** Keep each target token's attention over the source. */
  alignments: boolean;
}

/** One sentence's translation: the best, its score, the n-best list, and alignments when asked. */
export interface TranslationResult {
  translation: string;
  score: number;
  nbest: { translation: string; score: number }[];
  alignment?: { source: string[]; target: string[]; weights: number[][] };
  /** Set when the source was longer than the model's positions: its tokens, and how many were translated. */
  truncated?: { tokens: number; kept: number };
}

/** The names of the capabilities, for messages. */
export type Capability = 'generate' | 'suggest' | 'translate' | 'explain' | 'annotate' | 'motifs';

export interface Task {
  readonly name: string;
  /** One line for `--help`. */
  readonly summary: string;
  readonly archs: readonly string[];
  readonly defaultArch: string;
  readonly presets: readonly string[];
  readonly defaultPreset: string;
  /** Tokenizers the task offers (empty: the alphabet is implied by the data). */
  readonly tokenizers: readonly string[];
  readonly defaultTokenizer?: string;
  /** How many paths `train` and `valid` take, [least, most]; [0, 0]: the task makes its own data. */
  readonly trainPaths: readonly [number, number];
  /** How many paths `eval` takes as test data; [0, 0]: the task makes fresh data. */
  readonly testPaths: readonly [number, number];
  /** What its loaded models can do besides evaluate (checked before a checkpoint is read). */
  readonly capabilities: readonly Capability[];
  /** Reads the data and builds the model a request describes. */
  setup(request: TrainRequest, source: DataSource): TaskRun;
  /** Rebuilds a trained model from its config.json and the store's files. */
  load(config: StoredConfig, store: CheckpointStore): LoadedModel;
}

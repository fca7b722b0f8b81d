/**
 * The messages between a page and its engine Worker. A page sends a `Request` with an id; the
 * Worker answers with one `Reply` for that id, after any number of `Progress` messages.
 */
import type { Explanation } from '../../src/inspect/explanation.js';
import type { Motif } from '../../src/inspect/motifs.js';
import type { Annotation } from '../../src/tasks/bio/annotate.js';
import type { Suggestion, TranslationResult } from '../../src/tasks/task.js';

/** A model the Worker can use: a bundled folder, or one made or loaded in this page. */
export type ModelKey = string;

export interface CheckpointFile {
  name: string;
  bytes: Uint8Array;
}

export interface TrainSpec {
  arch: string;
  /** A bundled dataset id, or 'own' with `text`. */
  dataset: string;
  text?: string;
  preset: 'tiny' | 'small';
  steps: number;
  evalEvery: number;
  seed: number;
  /** Explained at each evaluation, so the page can redraw the gates and attention. */
  probe: string;
}

export interface KeyboardScore {
  top3: number;
  keystrokeSavings: number;
  words: number;
  loss: number;
}

export type Request =
  | { op: 'init' }
  | { op: 'load'; key: ModelKey }
  | { op: 'loadFiles'; files: CheckpointFile[] }
  | { op: 'suggest'; key: ModelKey; text: string; k: number }
  | { op: 'explain'; key: ModelKey; text: string }
  | { op: 'translate'; key: ModelKey; text: string; beam: number; nbest: number }
  | { op: 'generate'; key: ModelKey; prompt: string; length: number; seed: number }
  /** A biology model's predictions on FASTA text, with in-silico mutagenesis saliency when asked. */
  | { op: 'annotate'; key: ModelKey; fasta: string; saliency: boolean }
  /** Motifs (PWMs) of the first convolution's filters, or of saliency, read over FASTA text. */
  | { op: 'motifs'; key: ModelKey; fasta: string; from: 'filters' | 'saliency'; width: number }
  | { op: 'train'; spec: TrainSpec }
  | { op: 'files'; key: ModelKey }
  | { op: 'finetune'; key: ModelKey; text: string; steps: number }
  | { op: 'memoryRace'; lag: number; window: number; steps: number; models: string[] }
  | { op: 'benchTrain'; arch: string; steps: number; threads: number };

export interface ModelInfo {
  key: ModelKey;
  task: string;
  arch: string;
  parameters: number;
  config: Record<string, unknown>;
}

/** What each op answers. */
export interface Results {
  init: { threads: number; isolated: boolean };
  load: ModelInfo;
  loadFiles: ModelInfo;
  suggest: { suggestions: Suggestion[]; ms: number };
  explain: Explanation;
  translate: TranslationResult & { ms: number };
  generate: { text: string };
  annotate: Annotation & { ms: number };
  motifs: Motif[];
  train: { key: ModelKey; steps: number; seconds: number; bestLoss: number };
  files: CheckpointFile[];
  finetune: { key: ModelKey; before: KeyboardScore; after: KeyboardScore; steps: number; seconds: number; trainChars: number; heldOutChars: number };
  memoryRace: { model: string; accuracy: number; parameters: number }[];
  benchTrain: { tokensPerSecond: number; threads: number; steps: number };
}

export type Progress =
  | { kind: 'step'; step: number; loss: number; tokensPerSecond: number; elapsed: number; totalSteps: number }
  | { kind: 'eval'; step: number; loss: number; elapsed: number; explanation: Explanation | null; suggestions: Suggestion[] }
  | { kind: 'note'; text: string };

export type Reply =
  | { id: number; type: 'progress'; progress: Progress }
  | { id: number; type: 'done'; result: unknown }
  | { id: number; type: 'error'; message: string };

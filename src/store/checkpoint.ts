/**
 * The checkpoint folder's files, read and written through a `CheckpointStore`: config.json,
 * the trainer state for resuming, and the metrics log.
 */
import { SeqlabError } from '../errors.js';
import type { TrainState } from '../train/trainer.js';
import { type CheckpointStore, FILES } from './store.js';

export const SEQLAB_VERSION = '0.1.0';

/** A checkpoint's config.json: the task name, the seqlab version, and the task's own sections. */
export interface StoredConfig {
  seqlab: string;
  task: string;
  [key: string]: unknown;
}

export function writeConfig(store: CheckpointStore, config: { task: string } & Record<string, unknown>): void {
  store.write(FILES.config, `${JSON.stringify({ seqlab: SEQLAB_VERSION, ...config }, null, 2)}\n`);
}

/** Parses a JSON file of the store, naming it on a syntax error. */
export function readStoreJson(store: CheckpointStore, file: string): unknown {
  const text = store.readText(file);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SeqlabError(`${store.path(file)}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** Reads config.json, checking the store is a seqlab checkpoint. */
export function readConfig(store: CheckpointStore): StoredConfig {
  if (!store.exists()) throw new SeqlabError(`checkpoint folder '${store.name}' does not exist`);
  if (!store.has(FILES.config)) throw new SeqlabError(`${store.path(FILES.config)}: missing; '${store.name}' is not a seqlab checkpoint folder`);
  const config = readStoreJson(store, FILES.config) as StoredConfig;
  if (typeof config !== 'object' || config === null || typeof config.task !== 'string') {
    throw new SeqlabError(`${store.path(FILES.config)}: not a seqlab config (no "task")`);
  }
  return config;
}

export function writeTrainState(store: CheckpointStore, state: TrainState): void {
  store.write(FILES.state, `${JSON.stringify(state, null, 2)}\n`);
}

/** The trainer state saved with last.safetensors; its absence means there is nothing to resume. */
export function readTrainState(store: CheckpointStore): TrainState {
  if (!store.has(FILES.state)) throw new SeqlabError(`${store.path(FILES.state)} is missing; nothing to resume`);
  const s = readStoreJson(store, FILES.state) as TrainState;
  if (typeof s !== 'object' || s === null || typeof s.step !== 'number' || !Array.isArray(s.rng)) {
    throw new SeqlabError(`${store.path(FILES.state)}: not a trainer state`);
  }
  if (s.bestLoss === null) s.bestLoss = Infinity;
  return s;
}

export function appendMetrics(store: CheckpointStore, record: object): void {
  store.append(FILES.metrics, `${JSON.stringify(record)}\n`);
}

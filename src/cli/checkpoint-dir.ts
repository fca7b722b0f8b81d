/**
 * The checkpoint directory of a run (Node only):
 *   config.json          everything needed to rebuild the model and its tokenizer
 *   vocab.json           the tokenizer's vocabulary (and merges), for reading
 *   model.safetensors    the best weights by validation loss (ngram.json for the n-gram model)
 *   last.safetensors     the latest weights, with optimizer.safetensors and trainer-state.json
 *   metrics.jsonl        one JSON object per evaluation
 */
import { appendFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SeqlabError } from '../errors.js';
import type { TrainState } from '../train/trainer.js';
import { readBytes, readJson, writeAtomic, writeJsonAtomic } from './files.js';

export const SEQLAB_VERSION = '0.1.0';

export const FILES = {
  config: 'config.json',
  vocab: 'vocab.json',
  model: 'model.safetensors',
  ngram: 'ngram.json',
  last: 'last.safetensors',
  optimizer: 'optimizer.safetensors',
  state: 'trainer-state.json',
  metrics: 'metrics.jsonl',
} as const;

/** A task's config.json: the task name, the seqlab version, and the task's own settings. */
export interface DirConfig {
  seqlab: string;
  task: string;
  [key: string]: unknown;
}

export function ensureOutDir(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new SeqlabError(`--out: '${dir}' exists and is not a folder`);
  mkdirSync(dir, { recursive: true });
}

export function writeConfig(dir: string, config: object): void {
  writeJsonAtomic(join(dir, FILES.config), { seqlab: SEQLAB_VERSION, ...config });
}

/** Reads DIR/config.json and checks it belongs to `task`. */
export function readConfig(dir: string, task?: string, command?: string): DirConfig {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new SeqlabError(`checkpoint folder '${dir}' does not exist`);
  const path = join(dir, FILES.config);
  if (!existsSync(path)) throw new SeqlabError(`${path}: missing; '${dir}' is not a seqlab checkpoint folder`);
  const config = readJson(path, 'config') as DirConfig;
  if (typeof config !== 'object' || config === null || typeof config.task !== 'string') {
    throw new SeqlabError(`${path}: not a seqlab config (no "task")`);
  }
  if (task && config.task !== task) {
    throw new SeqlabError(`${path}: this is a '${config.task}' checkpoint; ${command ?? 'this command'} needs a '${task}' checkpoint`);
  }
  return config;
}

export function readWeights(dir: string, file: string = FILES.model): Uint8Array {
  return readBytes(join(dir, file), 'checkpoint file');
}

export function writeFile(dir: string, file: string, data: Uint8Array | string): void {
  writeAtomic(join(dir, file), data);
}

export function appendMetrics(dir: string, record: object): void {
  appendFileSync(join(dir, FILES.metrics), `${JSON.stringify(record)}\n`);
}

export function writeTrainState(dir: string, state: TrainState): void {
  writeJsonAtomic(join(dir, FILES.state), state);
}

export function readTrainState(dir: string): TrainState {
  const path = join(dir, FILES.state);
  if (!existsSync(path)) throw new SeqlabError(`--resume: ${path} is missing; nothing to resume`);
  const s = readJson(path, 'trainer state') as TrainState;
  if (typeof s.step !== 'number' || !Array.isArray(s.rng)) throw new SeqlabError(`${path}: not a trainer state`);
  if (s.bestLoss === null) s.bestLoss = Infinity;
  return s;
}

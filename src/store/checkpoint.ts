/**
 * The checkpoint folder's files, read and written through a `CheckpointStore`: config.json,
 * the trainer state for resuming, and the metrics log.
 */
import { checkTokenizerJson } from '../data/tokenizers.js';
import type { Tokenizer } from '../data/tokenizer.js';
import { ConfigError, jsonText } from '../config/resolve.js';
import { SeqlabError } from '../errors.js';
import type { Module } from '../nn/module.js';
import { loadModelBytes } from '../train/checkpoint.js';
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
  if (typeof config !== 'object' || config === null || Array.isArray(config) || typeof config.task !== 'string') {
    throw new SeqlabError(`${store.path(FILES.config)}: not a seqlab config (no "task")`);
  }
  if (config.seqlab !== undefined && typeof config.seqlab !== 'string') {
    throw new SeqlabError(`${store.path(FILES.config)}: "seqlab" must be the version string, got ${JSON.stringify(config.seqlab)}`);
  }
  return config;
}

/**
 * Runs `fn`, the checks of one file of the store: a SeqlabError it throws (a ConfigError
 * included, which names a config key, not a flag) comes out naming the file once.
 */
export function inFile<T>(store: CheckpointStore, file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof SeqlabError)) throw err;
    const path = store.path(file);
    if (err.message.startsWith(`${path}:`) && !(err instanceof ConfigError)) throw err;
    throw new SeqlabError(`${path}: ${err.message.replace(/^(safetensors|load): /, '')}`);
  }
}

/**
 * Checks config.json's top-level keys: each of `required` present, nothing outside `required`
 * and `optional`. Errors name the key (`"arch" is missing`); `inFile` adds the file.
 */
export function checkConfigKeys(config: Readonly<Record<string, unknown>>, required: readonly string[], optional: readonly string[]): void {
  const known = ['seqlab', 'task', ...required, ...optional];
  for (const key of required) if (config[key] === undefined) throw new SeqlabError(`"${key}" is missing`);
  for (const key of Object.keys(config)) {
    if (!known.includes(key)) throw new SeqlabError(`${JSON.stringify(key)}: unknown key (expected one of ${known.join(', ')})`);
  }
}

/** config.json's section `key` as an object (an error naming the key when it is anything else). */
export function configSection(config: Readonly<Record<string, unknown>>, key: string): Record<string, unknown> {
  const v = config[key];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SeqlabError(`"${key}" must be an object, got ${jsonText(v)}`);
  return v as Record<string, unknown>;
}

/**
 * Loads the weights file of the store into `module` (every parameter, with the shape the config
 * gives it, nothing extra): a problem is an error naming the file and the tensor.
 */
export function loadWeights(store: CheckpointStore, module: Module, file: string = FILES.model): void {
  inFile(store, file, () => loadModelBytes(module, store.read(file)));
}

/**
 * Checks vocab.json, when the store has one, against the tokenizers config.json gives the model:
 * `parts` maps where each sits in vocab.json ('' for the whole file, or 'source', 'target') to
 * the tokenizer and the config key of the model's vocabulary size. Errors name vocab.json and the key.
 */
export function checkVocabFile(store: CheckpointStore, parts: Readonly<Record<string, { tokenizer: Tokenizer; sizeKey: string }>>): void {
  if (!store.has(FILES.vocab)) return;
  const json = readStoreJson(store, FILES.vocab);
  inFile(store, FILES.vocab, () => {
    const sections = Object.keys(parts).filter((k) => k !== '');
    if (sections.length > 0) {
      if (typeof json !== 'object' || json === null || Array.isArray(json)) {
        throw new SeqlabError(`must be an object with the keys ${sections.join(', ')}, got ${jsonText(json)}`);
      }
      for (const key of Object.keys(json)) {
        if (!sections.includes(key)) throw new SeqlabError(`${JSON.stringify(key)}: unknown key (expected one of ${sections.join(', ')})`);
      }
    }
    for (const [at, { tokenizer, sizeKey }] of Object.entries(parts)) {
      const saved = checkTokenizerJson(at === '' ? json : (json as Record<string, unknown>)[at], at);
      const name = (key: string): string => (at === '' ? key : `${at}.${key}`);
      const model = tokenizer.toJSON();
      if (saved.kind !== model.kind) throw new SeqlabError(`${name('kind')}: '${saved.kind}', but config.json has '${model.kind}'`);
      if (saved.vocab.length !== model.vocab.length) {
        throw new SeqlabError(`${name('vocab')}: ${saved.vocab.length} tokens, but the model's vocabulary has ${model.vocab.length} (config.json ${sizeKey})`);
      }
      const i = saved.vocab.findIndex((t, j) => t !== model.vocab[j]);
      if (i >= 0) throw new SeqlabError(`${name(`vocab[${i}]`)}: ${JSON.stringify(saved.vocab[i])}, but config.json has ${JSON.stringify(model.vocab[i])}`);
      if (JSON.stringify(saved.merges ?? []) !== JSON.stringify(model.merges ?? [])) throw new SeqlabError(`${name('merges')}: differ from config.json's`);
      if ((saved.byteFallback === true) !== (model.byteFallback === true)) throw new SeqlabError(`${name('byteFallback')}: differs from config.json's`);
    }
  });
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

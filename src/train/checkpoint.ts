import { SeqlabError } from '../errors.js';
import type { Module } from '../nn/module.js';
import type { Optimizer, OptimizerKind, OptimizerState, ParamState } from './optim.js';
import { parseSafetensors, serializeSafetensors, type StoredArray } from './safetensors.js';

/**
 * Checkpoints as safetensors bytes. Model files hold the parameters under their PyTorch names,
 * so `safetensors.torch.load_file(path)` + `model.load_state_dict(...)` reads them in PyTorch
 * and the other way round. Optimizer files hold the moment buffers as tensors
 * `state.<param>.<buffer>` (PyTorch's buffer names: `exp_avg`, `exp_avg_sq`, `momentum_buffer`)
 * and the counters in the metadata. Writing the bytes to disk is the caller's job (Node or the
 * browser), so nothing here touches a file system.
 */

/** Metadata keys of an optimizer file; a user's metadata under these names is overwritten. */
export const OPTIMIZER_METADATA = Object.freeze({ kind: 'optimizer', steps: 'steps', lr: 'lr' });

const KINDS: readonly OptimizerKind[] = ['sgd', 'adam', 'adamw'];

/**
 * A module's parameters as a safetensors file (float32, PyTorch names). Metadata gets
 * `format: "pt"` unless given, as Hugging Face's loaders expect.
 */
export function saveModelBytes(module: Module, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  return serializeSafetensors(module.stateDict(), { format: 'pt', ...metadata });
}

/**
 * Loads a safetensors file into a module's parameters in place. The file must be valid, every
 * parameter present with the model's shape, and (with `strict`) nothing extra; a failure is a
 * SeqlabError naming the parameter, and leaves the module unchanged. Returns the metadata.
 */
export function loadModelBytes(module: Module, bytes: Uint8Array, strict = true): Record<string, string> {
  const { tensors, metadata } = parseSafetensors(bytes);
  checkStateShapes(module, tensors, strict);
  module.loadStateDict(tensors, strict);
  return metadata;
}

const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** Every parameter of `module` in `tensors` with its shape, and (with `strict`) no other tensor; errors name the tensor. */
function checkStateShapes(module: Module, tensors: ReadonlyMap<string, StoredArray>, strict: boolean): void {
  const own = module.stateDict();
  for (const [name, p] of own) {
    const t = tensors.get(name);
    if (!t) throw new SeqlabError(`parameter '${name}' is missing (the model the config describes has ${own.size} parameter tensors)`);
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new SeqlabError(`parameter '${name}' has shape ${shapeText(t.shape)}, the model expects ${shapeText(p.shape)} (as its config describes it)`);
    }
  }
  if (strict) {
    for (const name of tensors.keys()) {
      if (!own.has(name)) throw new SeqlabError(`unexpected parameter '${name}' (the model the config describes has no such tensor)`);
    }
  }
}

/** An optimizer's state (see `Optimizer.stateDict`) as a safetensors file. */
export function saveOptimizerBytes(optimizer: Optimizer, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const state = optimizer.stateDict();
  const shapes = new Map(optimizer.namedParameters().map(([name, p]) => [name, p.shape]));
  const meta: Record<string, string> = {
    ...metadata,
    [OPTIMIZER_METADATA.kind]: state.kind,
    [OPTIMIZER_METADATA.steps]: String(state.steps),
    [OPTIMIZER_METADATA.lr]: String(state.lr),
  };
  const tensors = new Map<string, StoredArray>();
  for (const [name, ps] of state.params) {
    meta[`state.${name}.step`] = String(ps.step);
    for (const [buffer, data] of Object.entries(ps.buffers)) {
      tensors.set(`state.${name}.${buffer}`, { shape: shapes.get(name)!, data });
    }
  }
  return serializeSafetensors(tensors, meta);
}

function fail(message: string): never {
  throw new SeqlabError(`optimizer state: ${message}`);
}

function wholeNumber(metadata: Record<string, string>, key: string): number {
  const text = metadata[key];
  const n = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isSafeInteger(n) || n < 0) {
    fail(`metadata '${key}' must be a whole number, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** Rebuilds an OptimizerState from a parsed file, checking names and shapes against the optimizer. */
function stateFromFile(optimizer: Optimizer, tensors: Map<string, StoredArray>, metadata: Record<string, string>): OptimizerState {
  const kind = metadata[OPTIMIZER_METADATA.kind] as OptimizerKind;
  if (!KINDS.includes(kind)) fail(`metadata '${OPTIMIZER_METADATA.kind}' must be one of ${KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  const steps = wholeNumber(metadata, OPTIMIZER_METADATA.steps);
  const lr = Number(metadata[OPTIMIZER_METADATA.lr]);
  if (metadata[OPTIMIZER_METADATA.lr] === undefined || !Number.isFinite(lr)) {
    fail(`metadata '${OPTIMIZER_METADATA.lr}' must be a number, got ${JSON.stringify(metadata[OPTIMIZER_METADATA.lr])}`);
  }
  const params = new Map<string, ParamState>();
  for (const key of Object.keys(metadata)) {
    if (key.startsWith('state.') && key.endsWith('.step')) {
      params.set(key.slice('state.'.length, -'.step'.length), { step: wholeNumber(metadata, key), buffers: Object.create(null) as Record<string, Float32Array> });
    }
  }
  const shapes = new Map(optimizer.namedParameters().map(([name, p]) => [name, p.shape]));
  for (const [key, t] of tensors) {
    const dot = key.lastIndexOf('.');
    if (!key.startsWith('state.') || dot <= 'state.'.length) fail(`unexpected tensor '${key}' (expected state.<param>.<buffer>)`);
    const name = key.slice('state.'.length, dot);
    const ps = params.get(name);
    if (!ps) fail(`tensor '${key}' has no metadata 'state.${name}.step'`);
    const shape = shapes.get(name);
    if (shape && (shape.length !== t.shape.length || shape.some((d, i) => d !== t.shape[i]))) {
      fail(`tensor '${key}' has shape [${t.shape.join(', ')}], the parameter has [${shape.join(', ')}]`);
    }
    ps.buffers[key.slice(dot + 1)] = t.data;
  }
  return { kind, steps, lr, params };
}

/**
 * Restores an optimizer from `saveOptimizerBytes` output so training resumes exactly. The file,
 * the optimizer kind, parameter names and buffer shapes are all checked before anything
 * changes. Returns the metadata.
 */
export function loadOptimizerBytes(optimizer: Optimizer, bytes: Uint8Array): Record<string, string> {
  const { tensors, metadata } = parseSafetensors(bytes);
  optimizer.loadStateDict(stateFromFile(optimizer, tensors, metadata));
  return metadata;
}

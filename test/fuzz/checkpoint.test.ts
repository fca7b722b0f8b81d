/**
 * Fuzz: a checkpoint folder as input. Copies of the bundled checkpoints (and tiny memory and
 * n-gram ones) with config.json, vocab.json or ngram.json changed at random paths (to hostile
 * values, keys removed or added) load or fail with a SeqlabError naming the file at fault, before
 * any large allocation: the values include sizes of 2^31 and 1e300, refused from the config alone.
 */
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCausalLm } from '../../src/models/causal-lm.js';
import { resolveLmConfig } from '../../src/models/lm-config.js';
import { MemorySource, MemoryStore } from '../../src/store/store.js';
import { writeConfig } from '../../src/store/checkpoint.js';
import { lmTask } from '../../src/tasks/lm/task.js';
import { loadCheckpoint } from '../../src/tasks/registry.js';
import { Rng } from '../../src/tensor/random.js';
import { saveModelBytes } from '../../src/train/checkpoint.js';
import { root } from '../cli/helpers.js';
import { params, resultOrCleanError } from './helpers.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A checkpoint's files, by name, as text or bytes. */
type Files = Record<string, string | Uint8Array>;

function bundled(name: string): Files {
  const dir = join(root, 'models', name);
  return Object.fromEntries(readdirSync(dir).map((f) => [f, f.endsWith('.safetensors') ? new Uint8Array(readFileSync(join(dir, f))) : readFileSync(join(dir, f), 'utf8')]));
}

/** A tiny echo-task LSTM, as `seqlab train memory` writes it. */
function memoryCheckpoint(): Files {
  const model = resolveLmConfig('lstm', 8, { embedDim: 4, hiddenSize: 6, context: 12, outputSize: 8 });
  const store = new MemoryStore('m');
  writeConfig(store, { task: 'memory', arch: 'lstm', memory: { kind: 'echo', lag: 10, symbols: 8, validSize: 512, evalSize: 2000 }, model, seed: 1, batch: 32 });
  store.write('model.safetensors', saveModelBytes(buildCausalLm(model, new Rng(1))));
  return { 'config.json': store.readText('config.json'), 'model.safetensors': store.read('model.safetensors') };
}

/** A Kneser-Ney LM counted on a little text, as `seqlab train lm --model ngram` writes it. */
function ngramCheckpoint(): Files {
  const run = lmTask.setup({ train: ['t.txt'], valid: null, arch: 'ngram', settings: {}, seed: 1 },
    new MemorySource({ 't.txt': 'to be or not to be, that is the question.\n'.repeat(20) }));
  const store = new MemoryStore('n');
  writeConfig(store, run.config);
  for (const [f, data] of Object.entries({ ...run.files, ...run.fitted!.files })) store.write(f, data);
  return Object.fromEntries(store.list().map((f) => [f, store.readText(f)]));
}

/** Every path into `value` down to `depth` levels (a few items of long lists). */
function paths(value: Json, depth: number, prefix: (string | number)[] = []): (string | number)[][] {
  if (depth === 0 || value === null || typeof value !== 'object') return [];
  const keys: (string | number)[] = Array.isArray(value) ? [0, 1, 2, value.length - 1].filter((i, j, a) => i >= 0 && i < value.length && a.indexOf(i) === j) : Object.keys(value);
  return keys.flatMap((k) => {
    const child = (value as Record<string | number, Json>)[k];
    return [[...prefix, k], ...paths(child, depth - 1, [...prefix, k])];
  });
}

/** Values a corrupted or hostile config holds; no size between 1000 and 2^20, which would be legal and merely slow. */
const hostile: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, -1, -2, 0.5, 1.5, 2 ** 31, 2000000000, 2 ** 53, 1e300, -1e300, 2 ** 21),
  fc.constantFrom(null, true, false, '', 'lstm', 'transformer', 'ngram', 'bpe', 'char', '<unk>', '<pad>', 'x', 'on', 'flatten', 'embed', 'dna', '__proto__', 'toString'),
  fc.constantFrom([], [1], ['<unk>'], ['<unk>', 'a', 'a'], ['a', 'b'], ['<unk>', '<pad>'], {}, { a: 1 }, { __proto__: 1 } as Json, [['a', 'b']]),
);

type Edit = { kind: 'set'; at: number; value: Json } | { kind: 'delete'; at: number } | { kind: 'add'; at: number; key: string; value: Json };
const edit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: hostile }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('add' as const), at: fc.nat(), key: fc.constantFrom('extra', 'hidden_size', '__proto__', 'constructor'), value: hostile }) },
);

/** Applies `edits` to a copy of `json`, each at one of its paths (picked by index). */
function applyEdits(json: Json, edits: readonly Edit[], depth: number): Json {
  const out = JSON.parse(JSON.stringify(json)) as Json;
  for (const e of edits) {
    const all = paths(out, depth);
    if (all.length === 0) break;
    const path = all[e.at % all.length];
    let parent = out as Record<string | number, Json>;
    for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, Json>;
    const last = path[path.length - 1];
    const value = (): Json => JSON.parse(JSON.stringify(e.kind === 'delete' ? null : e.value)) as Json; // a fresh copy: constants are shared
    if (e.kind === 'set') parent[last] = value();
    else if (e.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
    } else if (parent[last] !== null && typeof parent[last] === 'object' && !Array.isArray(parent[last])) {
      Object.defineProperty(parent[last], e.key, { value: value(), enumerable: true, writable: true, configurable: true });
    }
  }
  return out;
}

function storeOf(name: string, files: Files): MemoryStore {
  const store = new MemoryStore(`memory-${name}`);
  for (const [f, data] of Object.entries(files)) store.write(f, data);
  return store;
}

/** What every failure must look like: the checkpoint's file at fault, then the problem. */
const NAMES_FILE = /^memory-[\w-]+\/(config\.json|vocab\.json|model\.safetensors|ngram\.json): \S/;

const CASES: { name: string; files: () => Files; runs: number }[] = [
  { name: 'shakespeare-char-gru', files: () => bundled('shakespeare-char-gru'), runs: 150 },
  { name: 'shakespeare-char-transformer', files: () => bundled('shakespeare-char-transformer'), runs: 100 },
  { name: 'shakespeare-char-ffn', files: () => bundled('shakespeare-char-ffn'), runs: 60 },
  { name: 'splice-sites', files: () => bundled('splice-sites'), runs: 150 },
  { name: 'protein-ss', files: () => bundled('protein-ss'), runs: 100 },
  { name: 'multi30k-de-en-rnn-attention', files: () => bundled('multi30k-de-en-rnn-attention'), runs: 30 },
  { name: 'multi30k-de-en-transformer', files: () => bundled('multi30k-de-en-transformer'), runs: 30 },
  { name: 'memory-echo-lstm', files: memoryCheckpoint, runs: 150 },
  { name: 'ngram', files: ngramCheckpoint, runs: 150 },
];

describe('fuzz: checkpoint folders', () => {
  for (const c of CASES) {
    it(`${c.name}: a JSON file (config.json, vocab.json, ngram.json) edited at random loads or fails naming the file`, () => {
      const files = c.files();
      const jsons = Object.keys(files).filter((f) => f.endsWith('.json')).sort();
      fc.assert(fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), fc.nat(), (edits, which) => {
        const changed = { ...files };
        const name = jsons[which % jsons.length];
        changed[name] = JSON.stringify(applyEdits(JSON.parse(files[name] as string) as Json, edits, name === 'ngram.json' ? 5 : 3));
        const t0 = performance.now();
        resultOrCleanError(() => loadCheckpoint(storeOf(c.name, changed)), NAMES_FILE);
        expect(performance.now() - t0).toBeLessThan(20_000);
      }), params(c.runs));
    });
  }

  it('the unchanged checkpoints all load', () => {
    for (const c of CASES) expect(loadCheckpoint(storeOf(c.name, c.files())).config.task).toBeTypeOf('string');
  });
});

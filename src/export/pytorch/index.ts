/**
 * `seqlab export DIR --format pytorch --out PKG`: a folder a PyTorch user runs as it is.
 *
 *   PKG/model.py           the whole model in torch.nn, with seqlab's parameter names
 *   PKG/train_ddp.py       `torchrun --nproc_per_node N PKG/train_ddp.py --train ... --steps N --out DIR`
 *   PKG/seqlab_data.py     the data formats seqlab reads, as examples and padded batches
 *   PKG/seqlab_text.py     the tokenizers (char, word, BPE) and the DNA and protein alphabets
 *   PKG/seqlab_io.py       safetensors by hand, and the checkpoint folder DIR
 *   PKG/config.json, PKG/model.safetensors, PKG/vocab.json (when the checkpoint has one)
 *
 * The Python sources live as real files in the package's `python/seqlab_torch/` and are copied.
 * The package is written into a temporary folder beside PKG and renamed into place, so a failure
 * never leaves half a package behind.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeqlabError } from '../../errors.js';
import { readConfig, type StoredConfig } from '../../store/checkpoint.js';
import { type CheckpointStore, FILES } from '../../store/store.js';
import { parseSafetensors } from '../../train/safetensors.js';

/** The Python files of a package, in python/seqlab_torch/. */
export const PYTHON_FILES = ['model.py', 'train_ddp.py', 'seqlab_data.py', 'seqlab_text.py', 'seqlab_io.py'] as const;

/** The architectures model.py builds, by task (the n-gram LM is counted, not a network). */
export const PYTORCH_ARCHS: Readonly<Record<string, readonly string[]>> = {
  lm: ['ffn', 'rnn', 'gru', 'lstm', 'transformer'],
  translate: ['rnn-attention', 'rnn', 'transformer'],
  classify: ['cnn', 'bilstm', 'cnn-bilstm', 'transformer'],
  tag: ['cnn', 'bilstm', 'cnn-bilstm', 'transformer'],
};

/**
 * The folder holding seqlab's package.json, found by walking up from this module's file: the
 * same answer from src/ (tsx, vitest) and from dist/src/ (the installed command).
 */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new SeqlabError(`export: seqlab's package.json was not found above ${from}`);
  }
}

/** The folder of the Python sources copied into every package. */
export function pythonSources(): string {
  const dir = join(packageRoot(), 'python', 'seqlab_torch');
  for (const file of PYTHON_FILES) {
    if (!existsSync(join(dir, file))) throw new SeqlabError(`export: ${join(dir, file)} is missing from the seqlab package`);
  }
  return dir;
}

/**
 * Checks that the checkpoint is one model.py builds: a known task and architecture, and a
 * model.safetensors that parses. Errors name the file and key at fault.
 */
export function checkExportable(store: CheckpointStore): StoredConfig {
  const config = readConfig(store);
  const where = store.path(FILES.config);
  const arch = typeof config.arch === 'string' ? config.arch : '';
  if (config.task === 'lm' && arch === 'ngram') {
    throw new SeqlabError(`${where}: arch 'ngram' is a counted n-gram model, not a neural network; PyTorch export takes ${PYTORCH_ARCHS.lm.join(', ')}`);
  }
  const archs = PYTORCH_ARCHS[config.task];
  if (!archs) {
    throw new SeqlabError(`${where}: task '${config.task}' has no PyTorch export (tasks: ${Object.keys(PYTORCH_ARCHS).join(', ')})`);
  }
  if (!archs.includes(arch)) {
    throw new SeqlabError(`${where}: arch '${arch}' is not a ${config.task} architecture (expected ${archs.join(', ')})`);
  }
  if (typeof config.model !== 'object' || config.model === null) throw new SeqlabError(`${where}: the "model" section is missing`);
  if (!store.has(FILES.model)) throw new SeqlabError(`${store.path(FILES.model)}: missing; nothing to export`);
  try {
    parseSafetensors(store.read(FILES.model));
  } catch (err) {
    throw new SeqlabError(`${store.path(FILES.model)}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return config;
}

/** The files of the package: name → bytes. */
export function packageFiles(store: CheckpointStore): Map<string, Uint8Array | string> {
  checkExportable(store);
  const sources = pythonSources();
  const files = new Map<string, Uint8Array | string>();
  for (const file of PYTHON_FILES) files.set(file, readFileSync(join(sources, file)));
  files.set(FILES.config, store.read(FILES.config));
  files.set(FILES.model, store.read(FILES.model));
  if (store.has(FILES.vocab)) files.set(FILES.vocab, store.read(FILES.vocab));
  files.set('README.md', readme(store.name));
  return files;
}

function readme(source: string): string {
  return `# seqlab model for PyTorch

Exported from \`${basename(resolve(source))}\` by \`seqlab export --format pytorch\`.

    import json, torch
    from model import build_model
    from seqlab_io import read_safetensors
    model = build_model(json.load(open('config.json')))
    model.load_state_dict(read_safetensors('model.safetensors'))

Train on many processes or GPUs (gloo on CPU, nccl on GPU), from these weights:

    torchrun --standalone --nproc_per_node N train_ddp.py --train PATH [PATH] [--valid PATH [PATH]] --steps N --out DIR

(Debian's torch 1.13 under Python 3.11 mis-parses torchrun's default \`--redirects\`; there add
\`--redirects 0:1 --tee 0:1\`.) Without torchrun, \`python train_ddp.py ...\` trains in one process.

DIR is a seqlab checkpoint folder: \`seqlab eval DIR\`, \`generate\`, \`suggest\`, \`translate\`,
\`annotate\` and \`explain\` load it.
`;
}

/**
 * Writes the package for `store` at `out`. `out` may be absent or a folder (whose files of the
 * same names are replaced); anything else is a SeqlabError naming it. The files are written to
 * a temporary folder beside `out` first, then renamed into place.
 */
export function exportPytorch(store: CheckpointStore, out: string): void {
  if (existsSync(out) && !statSync(out).isDirectory()) throw new SeqlabError(`export: '${out}' exists and is not a folder`);
  const files = packageFiles(store);
  const parent = dirname(resolve(out));
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(resolve(out))}.${process.pid}.${Date.now()}.tmp`);
  try {
    mkdirSync(tmp);
    for (const [name, data] of files) writeFileSync(join(tmp, name), data);
    if (!existsSync(out)) {
      renameSync(tmp, out);
      return;
    }
    for (const name of readdirSync(tmp)) renameSync(join(tmp, name), join(out, name));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

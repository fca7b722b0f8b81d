/**
 * Helpers of test/interop/ddp.test.ts: checkpoints of every architecture the PyTorch export
 * builds (the bundled demo models, and small random ones for the variants they lack), seqlab's
 * own forward pass on given inputs, and the Python side (ddp_check.py) run once for many jobs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { buildCausalLm } from '../../src/models/causal-lm.js';
import { type LmArch, resolveLmConfig } from '../../src/models/lm-config.js';
import { RnnSeq2Seq } from '../../src/models/rnn-seq2seq.js';
import { SequenceNet, type SequenceNetConfig } from '../../src/models/sequence-net.js';
import { TransformerSeq2Seq } from '../../src/models/transformer-seq2seq.js';
import type { Module } from '../../src/nn/module.js';
import { FileStore } from '../../src/store/file-store.js';
import { noGrad, Rng, type Tensor } from '../../src/tensor/index.js';
import { loadModelBytes, saveModelBytes } from '../../src/train/checkpoint.js';

/** This folder (ddp_check.py lives here), and the repository root. */
export const here = dirname(fileURLToPath(import.meta.url));
export const repo = join(here, '../..');

/** The first of `candidates` that runs `args` successfully, or undefined. */
export function findTool(candidates: readonly string[], args: readonly string[]): string | undefined {
  return candidates.find((p) => spawnSync(p, args, { encoding: 'utf8' }).status === 0);
}

/** Inputs of one forward pass, as JSON both sides read. */
export type Inputs = Record<string, number[][] | number[]>;

type Config = Record<string, unknown> & { task: string; arch: string; model: Record<string, unknown> };

/** seqlab's model for a checkpoint folder's config.json and weights, in evaluation mode. */
export function loadSeqlabModel(dir: string): { config: Config; model: Module } {
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Config;
  const rng = new Rng(0);
  let model: Module;
  if (config.task === 'lm') {
    const vocab = (config.tokenizer as { vocab: string[] }).vocab.length;
    model = buildCausalLm(resolveLmConfig(config.arch as LmArch, vocab, config.model), rng);
  } else if (config.task === 'translate') {
    model = config.arch === 'transformer' ? new TransformerSeq2Seq(config.model, rng) : new RnnSeq2Seq(config.model, rng);
  } else {
    model = new SequenceNet(config.model as unknown as SequenceNetConfig, rng);
  }
  loadModelBytes(model, new Uint8Array(readFileSync(join(dir, 'model.safetensors'))));
  return { config, model: model.eval() };
}

const flat = (rows: number[][]): number[] => rows.flat();

/** seqlab's logits for `inputs` (the same keys ddp_check.py reads). */
export function seqlabLogits(dir: string, x: Inputs): Tensor {
  const { config, model } = loadSeqlabModel(dir);
  return noGrad(() => {
    if (config.task === 'lm') {
      const ids = x.ids as number[][];
      return (model as ReturnType<typeof buildCausalLm>).forward(flat(ids), ids.length, ids[0].length).logits;
    }
    if (config.task === 'translate') {
      const src = x.src as number[][];
      const tgt = x.tgt as number[][];
      const batch = (rows: number[][], lengths: number[]) => ({ ids: Int32Array.from(flat(rows)), batch: rows.length, time: rows[0].length, lengths });
      return (model as RnnSeq2Seq).forward(batch(src, x.srcLengths as number[]), batch(tgt, x.tgtLengths as number[]));
    }
    const ids = x.ids as number[][];
    return (model as SequenceNet).forward({ ids: Uint8Array.from(flat(ids)), batch: ids.length, length: ids[0].length, lengths: x.lengths as number[] });
  });
}

/** Random ids below `vocab` ([rows, width]), `pad` past each row's length. */
export function paddedIds(rng: Rng, lengths: number[], width: number, vocab: number, pad: number, low = 0): number[][] {
  return lengths.map((n) => Array.from({ length: width }, (_, t) => (t < n ? low + rng.int(vocab - low) : pad)));
}

/** Writes a checkpoint folder of a random model: config.json and model.safetensors. */
export function randomCheckpoint(dir: string, config: Config, seed: number): string {
  mkdirSync(dir, { recursive: true });
  const rng = new Rng(seed);
  let model: Module & { config: object };
  if (config.task === 'lm') model = buildCausalLm(resolveLmConfig(config.arch as LmArch, (config.tokenizer as { vocab: string[] }).vocab.length, config.model), rng);
  else if (config.task === 'translate') model = config.arch === 'transformer' ? new TransformerSeq2Seq(config.model, rng) : new RnnSeq2Seq(config.model, rng);
  else model = new SequenceNet(config.model as unknown as SequenceNetConfig, rng);
  // config.json holds the resolved model section, as a training run writes it.
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ seqlab: '0.1.0', ...config, model: model.config }));
  // Random biases and norms too, so a misplaced one shows (PyTorch's init leaves them 0 and 1).
  for (const [, p] of model.namedParameters()) p.write((d) => { for (let i = 0; i < d.length; i++) if (p.rank === 1) d[i] += rng.uniform(-0.5, 0.5); });
  new FileStore(dir).write('model.safetensors', saveModelBytes(model));
  return dir;
}

/** A bio config: the model keys seqlab resolves, over small sizes. */
export function bioConfig(task: 'classify' | 'tag', arch: string, alphabet: 'dna' | 'protein', over: Record<string, unknown>): Config {
  const letters = alphabet === 'dna' ? 5 : 21;
  const model = {
    input: 'onehot', embedDim: 4, head: 'pool', length: 0, channels: 6, kernel: 5, kernel2: 3, convLayers: 3, pool: 2, hiddenSize: 5,
    lstmLayers: 1, dModel: 8, nhead: 2, numLayers: 2, dimFeedforward: 12, fc: 7, dropout: 0, ...over,
    arch, output: task === 'classify' ? 'sequence' : 'position', letters, unknown: letters - 1, classes: 3,
  };
  return { task, arch, alphabet, classes: ['a', 'b', 'c'], bio: { window: 512, batch: 4, reverseComplement: 'off' }, weights: null, model };
}

/** Runs ddp_check.py on `jobs` in one Python process; returns one result per job. */
export function runPythonJobs(python: string, dir: string, jobs: object[]): unknown[] {
  writeFileSync(join(dir, 'jobs.json'), JSON.stringify(jobs));
  const r = spawnSync(python, [join(here, 'ddp_check.py'), join(dir, 'jobs.json'), join(dir, 'results.json')],
    { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as unknown[];
}

/** The largest error of `ours` against `theirs`, relative to max(1, |theirs|). */
export function worstError(ours: Tensor, theirs: { shape: number[]; data: number[] }): number {
  expect(ours.shape).toEqual(theirs.shape);
  let worst = 0;
  for (let i = 0; i < theirs.data.length; i++) {
    worst = Math.max(worst, Math.abs(ours.data[i] - theirs.data[i]) / Math.max(1, Math.abs(theirs.data[i])));
  }
  return worst;
}

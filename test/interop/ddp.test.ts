import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tokenizerFromJson } from '../../src/data/tokenizers.js';
import { WordTokenizer } from '../../src/data/word-tokenizer.js';
import { SeqlabError } from '../../src/errors.js';
import { exportPytorch } from '../../src/export/pytorch/index.js';
import { FileStore } from '../../src/store/file-store.js';
import { Rng } from '../../src/tensor/index.js';
import { seqlab, tempDir } from '../cli/helpers.js';
import { bioConfig, findTool, type Inputs, paddedIds, randomCheckpoint, repo, runPythonJobs, seqlabLogits,
  worstError } from './pytorch-cases.js';

/**
 * `seqlab export --format pytorch`: the package's model.py computes what seqlab computes, for
 * every architecture, its tokenizers give seqlab's ids, and `torchrun ... train_ddp.py` trains
 * with DistributedDataParallel (gloo, two processes) into a checkpoint folder seqlab loads and
 * whose outputs PyTorch's model.py reproduces. Runs where Debian's python3-torch is installed;
 * elsewhere the suites say they are skipped.
 */
const python = findTool(['/usr/bin/python3', 'python3'], ['-c', 'import torch']);
const torchrun = python ? findTool(['/usr/bin/torchrun', 'torchrun'], ['--help']) : undefined;
const models = (name: string): string => join(repo, 'models', name);
/** Relative error allowed between seqlab and PyTorch (float32 sums in another order). */
const TOLERANCE = 2e-5;

interface Case { name: string; dir: string; inputs: Inputs }

/** Every exportable family: the bundled demo models, and random ones for the variants they lack. */
function cases(root: string): Case[] {
  const rng = new Rng(5);
  const text = 'the cat sat on the mat , and the dog sat on the log .\n';
  const word = WordTokenizer.fromText(text, { minCount: 1 }).toJSON();
  const lmIds = { ids: paddedIds(rng, [7, 7], 7, 12, 0) };
  const rnnS2s = (attention: string, cell: string, over: Record<string, unknown> = {}) => ({
    task: 'translate', arch: attention === 'none' ? 'rnn' : 'rnn-attention', model: { sourceVocab: 20, targetVocab: 16, embedDim: 6,
      hiddenSize: 8, numLayers: 2, cell, attention, dropout: 0, inputFeeding: true, tieDecoderEmbeddings: false, padId: 1, ...over },
  });
  const s2sInputs = (srcVocab: number, tgtVocab: number): Inputs => ({
    src: paddedIds(rng, [5, 3, 4], 5, srcVocab, 1, 2), srcLengths: [5, 3, 4], tgt: paddedIds(rng, [4, 2, 3], 4, tgtVocab, 1, 2), tgtLengths: [4, 2, 3],
  });
  const dna = (width: number, lengths: number[]): Inputs => ({ ids: paddedIds(rng, lengths, width, 5, 5), lengths });
  const protein = (lengths: number[], width: number): Inputs => ({ ids: paddedIds(rng, lengths, width, 21, 21), lengths });
  const random = (name: string, config: Parameters<typeof randomCheckpoint>[1], seed: number) => randomCheckpoint(join(root, name), config, seed);
  return [
    ...['ffn', 'rnn', 'gru', 'lstm', 'transformer'].map((a) => ({ name: `lm ${a} (bundled)`, dir: models(`shakespeare-char-${a}`), inputs: { ids: paddedIds(rng, [9, 9], 9, 60, 0) } })),
    { name: 'lm gru, 2 layers, tied, word tokens', dir: random('lm-gru', { task: 'lm', arch: 'gru', tokenizer: word, model: { embedDim: 8, hiddenSize: 8, numLayers: 2, tieWeights: true } }, 1), inputs: lmIds },
    { name: 'lm ffn tied through proj', dir: random('lm-ffn', { task: 'lm', arch: 'ffn', tokenizer: word, model: { embedDim: 6, hiddenSize: 9, window: 3, tieWeights: true } }, 2), inputs: lmIds },
    { name: 'translate rnn-attention additive (bundled)', dir: models('multi30k-de-en-rnn-attention'), inputs: s2sInputs(4000, 4000) },
    { name: 'translate transformer (bundled)', dir: models('multi30k-de-en-transformer'), inputs: s2sInputs(8000, 8000) },
    { name: 'translate rnn (no attention), lstm', dir: random('s2s-rnn', rnnS2s('none', 'lstm'), 3), inputs: s2sInputs(20, 16) },
    { name: 'translate dot attention, gru', dir: random('s2s-dot', rnnS2s('dot', 'gru'), 4), inputs: s2sInputs(20, 16) },
    { name: 'translate general attention, lstm, tied', dir: random('s2s-general', rnnS2s('general', 'lstm', { numLayers: 1, embedDim: 8, tieDecoderEmbeddings: true }), 5), inputs: s2sInputs(20, 16) },
    { name: 'translate transformer post-norm gelu untied', dir: random('s2s-transformer', { task: 'translate', arch: 'transformer', model: { sourceVocab: 20, targetVocab: 16, dModel: 8, nhead: 2,
      numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 12, dropout: 0, activation: 'gelu', normFirst: false, maxLength: 16, sharedEmbeddings: false, tieOutput: false, padId: 1 } }, 6), inputs: s2sInputs(20, 16) },
    { name: 'classify cnn-bilstm flatten (bundled)', dir: models('splice-sites'), inputs: dna(64, [64, 60, 50]) },
    { name: 'tag cnn-bilstm protein (bundled)', dir: models('protein-ss'), inputs: protein([20, 13], 20) },
    { name: 'classify cnn pool', dir: random('cls-cnn', bioConfig('classify', 'cnn', 'dna', {}), 7), inputs: dna(17, [17, 9, 3]) },
    { name: 'classify bilstm embed', dir: random('cls-bilstm', bioConfig('classify', 'bilstm', 'protein', { input: 'embed', lstmLayers: 2, fc: 0 }), 8), inputs: protein([12, 7], 12) },
    { name: 'classify transformer both heads', dir: random('cls-transformer', bioConfig('classify', 'transformer', 'dna', { head: 'both', length: 10 }), 9), inputs: dna(12, [12, 8]) },
    { name: 'tag cnn dilated', dir: random('tag-cnn', bioConfig('tag', 'cnn', 'dna', {}), 10), inputs: dna(15, [15, 6]) },
    { name: 'tag transformer', dir: random('tag-transformer', bioConfig('tag', 'transformer', 'protein', {}), 11), inputs: protein([11, 4], 11) },
    { name: 'tag bilstm', dir: random('tag-bilstm', bioConfig('tag', 'bilstm', 'dna', { lstmLayers: 2 }), 12), inputs: dna(9, [9, 2]) },
  ];
}

describe.skipIf(!python)('PyTorch export: model.py and the tokenizers compute what seqlab computes', () => {
  it('every architecture gives seqlab\'s logits from seqlab\'s weights (strict load)', () => {
    const root = tempDir();
    const all = cases(join(root, 'checkpoints'));
    const jobs: object[] = all.map((c, i) => {
      const pkg = join(root, `pkg-${i}`);
      exportPytorch(new FileStore(c.dir), pkg);
      return { kind: 'forward', pkg, inputs: c.inputs };
    });
    // The checker can fail: the same package run on another model's weights (same shapes) differs.
    const other = randomCheckpoint(join(root, 'other'), { task: 'lm', arch: 'gru', tokenizer: JSON.parse(readFileSync(join(all[0].dir, 'config.json'), 'utf8')).tokenizer,
      model: JSON.parse(readFileSync(join(all[0].dir, 'config.json'), 'utf8')).model }, 99);
    jobs.push({ kind: 'forward', pkg: join(root, 'pkg-0'), checkpoint: other, inputs: all[0].inputs });
    const results = runPythonJobs(python!, root, jobs) as { shape: number[]; data: number[] }[];
    const errors = all.map((c, i) => [c.name, worstError(seqlabLogits(c.dir, c.inputs), results[i])] as const);
    for (const [name, error] of errors) expect(error, name).toBeLessThan(TOLERANCE);
    expect(worstError(seqlabLogits(all[0].dir, all[0].inputs), results[all.length])).toBeGreaterThan(100 * TOLERANCE);
  });

  it('the char, word and BPE tokenizers give seqlab\'s ids', () => {
    const root = tempDir();
    const text = 'Ein Mann läuft über die Straße, ja? "Oui" — 日本\tok\n  O Romeo, Romeo! wherefore art thou Romeo?\r\nthe dog\'s log';
    const word = WordTokenizer.fromText('the dog sat on the log , the cat .\n', { minCount: 1 }).toJSON();
    const lm = randomCheckpoint(join(root, 'lm'), { task: 'lm', arch: 'gru', tokenizer: word, model: { embedDim: 4, hiddenSize: 4 } }, 1);
    const sides = [
      { dir: models('shakespeare-char-lstm'), side: 'tokenizer' }, { dir: lm, side: 'tokenizer' },
      { dir: models('multi30k-de-en-transformer'), side: 'source' }, { dir: models('multi30k-de-en-rnn-attention'), side: 'target' },
    ];
    const jobs = sides.map((s, i) => {
      exportPytorch(new FileStore(s.dir), join(root, `pkg-${i}`));
      return { kind: 'tokenize', pkg: join(root, `pkg-${i}`), side: s.side, text };
    });
    const theirs = runPythonJobs(python!, root, jobs);
    sides.forEach((s, i) => {
      const config = JSON.parse(readFileSync(join(s.dir, 'config.json'), 'utf8')) as Record<string, Parameters<typeof tokenizerFromJson>[0]>;
      expect(theirs[i], `${s.dir} ${s.side}`).toEqual(tokenizerFromJson(config[s.side]).encode(text));
    });
  });
});

describe('PyTorch export: bad checkpoints and outputs are errors that leave nothing behind', () => {
  const root = tempDir();
  const expectError = (dir: string, out: string, message: RegExp) => {
    expect(() => exportPytorch(new FileStore(dir), out)).toThrow(SeqlabError);
    expect(() => exportPytorch(new FileStore(dir), out)).toThrow(message);
  };

  it('names the n-gram model, an unknown arch or task, a missing weights file and an output that is a file', () => {
    const ckpt = (name: string, config: object, weights = true) => {
      const dir = join(root, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
      if (weights) writeFileSync(join(dir, 'model.safetensors'), readFileSync(join(models('shakespeare-char-rnn'), 'model.safetensors')));
      return dir;
    };
    const out = join(root, 'out', 'pkg');
    expectError(ckpt('ngram', { task: 'lm', arch: 'ngram', ngram: {} }), out, /arch 'ngram' is a counted n-gram model/);
    expectError(ckpt('foo', { task: 'lm', arch: 'foo', model: {} }), out, /config\.json: arch 'foo' is not a lm architecture/);
    expectError(ckpt('memory', { task: 'memory', arch: 'lstm', model: {} }), out, /task 'memory' has no PyTorch export/);
    expectError(ckpt('noweights', { task: 'lm', arch: 'rnn', model: {} }, false), out, /model\.safetensors: missing/);
    expect(existsSync(out)).toBe(false);
    writeFileSync(join(root, 'file'), 'x');
    expectError(models('shakespeare-char-rnn'), join(root, 'file'), /exists and is not a folder/);
    expect(readdirSync(root).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

/** torchrun with two gloo processes; Debian's torch 1.13 on Python 3.11 needs --redirects/--tee given as a mapping. */
function torchrunTrain(pkg: string, train: string[], out: string): void {
  const r = spawnSync(torchrun!, ['--rdzv_backend=c10d', '--rdzv_endpoint=localhost:0', '--nnodes', '1', '--nproc_per_node', '2',
    '--redirects', '0:1', '--tee', '0:1', join(pkg, 'train_ddp.py'), '--train', ...train, '--steps', '3', '--batch', '4', '--out', out],
  { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' }, timeout: 120_000 });
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  expect(metrics.at(-1)).toMatchObject({ step: 3, processes: 2 });
  expect(Number.isFinite(metrics.at(-1)!.loss)).toBe(true);
}

/** The checkpoint torchrun wrote: new weights, whose seqlab logits PyTorch's model.py reproduces. */
function checkRoundTrip(pkg: string, before: string, after: string, inputs: Inputs): void {
  expect(readFileSync(join(after, 'model.safetensors')).equals(readFileSync(join(before, 'model.safetensors')))).toBe(false);
  const [theirs] = runPythonJobs(python!, after, [{ kind: 'forward', pkg, checkpoint: after, inputs }]) as { shape: number[]; data: number[] }[];
  expect(worstError(seqlabLogits(after, inputs), theirs)).toBeLessThan(TOLERANCE);
}

describe.skipIf(!torchrun)('PyTorch export: torchrun trains with DistributedDataParallel into a seqlab checkpoint', () => {
  it('a char LSTM language model: train, export, torchrun, then eval, suggest and generate', () => {
    const d = tempDir();
    const corpus = join(repo, 'test/fixtures/shakespeare-20k.txt');
    const train = seqlab('train', 'lm', '--train', corpus, '--model', 'lstm', '--preset', 'tiny', '--steps', '3', '--set', 'hiddenSize=16',
      '--set', 'embedDim=8', '--set', 'context=16', '--out', join(d, 'lm'), '--json');
    expect(train.code, train.stderr).toBe(0);
    expect(seqlab('export', join(d, 'lm'), '--format', 'pytorch', '--out', join(d, 'pkg')).code).toBe(0);
    torchrunTrain(join(d, 'pkg'), [corpus], join(d, 'lm2'));
    checkRoundTrip(join(d, 'pkg'), join(d, 'lm'), join(d, 'lm2'), { ids: paddedIds(new Rng(1), [16, 16], 16, 40, 0) });
    writeFileSync(join(d, 'test.txt'), readFileSync(corpus, 'utf8').slice(0, 2000));
    const evaluated = seqlab('eval', join(d, 'lm2'), '--test', join(d, 'test.txt'), '--words', '10', '--json');
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout).loss).toBeGreaterThan(0);
    const suggested = seqlab('suggest', join(d, 'lm2'), '--text', 'To be or no', '--json');
    expect(suggested.code, suggested.stderr).toBe(0);
    expect(JSON.parse(suggested.stdout).suggestions.length).toBeGreaterThan(0);
    expect(seqlab('generate', join(d, 'lm2'), '--prompt', 'ROMEO', '--length', '10').code).toBe(0);
  });

  it('a cnn-bilstm DNA classifier: train, export, torchrun, then eval and annotate', () => {
    const d = tempDir();
    const csv = join(repo, 'test/fixtures/bio/splice-sample.csv');
    const train = seqlab('train', 'classify', '--train', csv, '--model', 'cnn-bilstm', '--steps', '3', '--set', 'channels=8',
      '--set', 'hiddenSize=8', '--set', 'fc=8', '--out', join(d, 'cls'), '--json');
    expect(train.code, train.stderr).toBe(0);
    expect(seqlab('export', join(d, 'cls'), '--format', 'pytorch', '--out', join(d, 'pkg')).code).toBe(0);
    torchrunTrain(join(d, 'pkg'), [csv], join(d, 'cls2'));
    checkRoundTrip(join(d, 'pkg'), join(d, 'cls'), join(d, 'cls2'), { ids: paddedIds(new Rng(2), [60, 60, 41], 60, 5, 5), lengths: [60, 60, 41] });
    const evaluated = seqlab('eval', join(d, 'cls2'), '--test', csv, '--json');
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout).accuracy).toBeGreaterThanOrEqual(0);
    const annotated = seqlab('annotate', join(d, 'cls2'), '--input', csv, '--format', 'tsv');
    expect(annotated.code, annotated.stderr).toBe(0);
    expect(annotated.stdout.trim().split('\n')).toHaveLength(71);
  });
});

/** Tag data: six DNA sequences with one labelled region each, as FASTA and BED. */
function tagData(d: string): { seq: string; bed: string } {
  const rng = new Rng(3);
  const ids = Array.from({ length: 6 }, (_, i) => `s${i}`);
  const seq = join(d, 'seq.fa');
  const bed = join(d, 'regions.bed');
  writeFileSync(seq, ids.map((id) => `>${id} chr\n${Array.from({ length: 60 }, () => 'ACGT'[rng.int(4)]).join('')}\n`).join(''));
  writeFileSync(bed, ids.map((id, i) => `${id}\t${10 + i}\t${30 + i}\tgene\t0\t+\n`).join(''));
  return { seq, bed };
}

describe.skipIf(!python)('PyTorch export: train_ddp.py run as one process (no torchrun) for translation and tagging', () => {
  const trainDdp = (pkg: string, train: string[], out: string) => {
    const r = spawnSync(python!, [join(pkg, 'train_ddp.py'), '--train', ...train, '--steps', '2', '--batch', '4', '--out', out],
      { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' }, timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
  };

  it('a transformer translation model: train, export, train_ddp.py, then translate', () => {
    const d = tempDir();
    const tsv = join(repo, 'data/multi30k-sample/test_2016_flickr.first20.tsv');
    const sets = ['vocabSize=300', 'dModel=16', 'dimFeedforward=32', 'numEncoderLayers=1', 'numDecoderLayers=1', 'nhead=2', 'evalSentences=1'].flatMap((s) => ['--set', s]);
    const train = seqlab('train', 'translate', '--train', tsv, '--model', 'transformer', '--steps', '2', ...sets, '--out', join(d, 'tr'), '--json');
    expect(train.code, train.stderr).toBe(0);
    exportPytorch(new FileStore(join(d, 'tr')), join(d, 'pkg'));
    trainDdp(join(d, 'pkg'), [tsv], join(d, 'tr2'));
    const inputs = { src: paddedIds(new Rng(4), [6, 3], 6, 300, 1, 4), srcLengths: [6, 3], tgt: paddedIds(new Rng(5), [4, 2], 4, 300, 1, 4), tgtLengths: [4, 2] };
    checkRoundTrip(join(d, 'pkg'), join(d, 'tr'), join(d, 'tr2'), inputs);
    const r = spawnSync(process.execPath, [join(repo, 'bin/seqlab.js'), 'translate', join(d, 'tr2'), '--beam', '1'], { input: 'Ein Hund.\nZwei Männer.\n', encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toHaveLength(3);
  });

  it('a bilstm tagger on FASTA + BED: train, export, train_ddp.py, then annotate', () => {
    const d = tempDir();
    const { seq, bed } = tagData(d);
    const train = seqlab('train', 'tag', '--train', seq, bed, '--model', 'bilstm', '--steps', '2', '--set', 'hiddenSize=8', '--out', join(d, 'tag'), '--json');
    expect(train.code, train.stderr).toBe(0);
    exportPytorch(new FileStore(join(d, 'tag')), join(d, 'pkg'));
    trainDdp(join(d, 'pkg'), [seq, bed], join(d, 'tag2'));
    checkRoundTrip(join(d, 'pkg'), join(d, 'tag'), join(d, 'tag2'), { ids: paddedIds(new Rng(6), [60, 25], 60, 5, 5), lengths: [60, 25] });
    const annotated = seqlab('annotate', join(d, 'tag2'), '--input', seq);
    expect(annotated.code, annotated.stderr).toBe(0);
    expect(annotated.stdout).toMatch(/^s0\t/m);
  });
});

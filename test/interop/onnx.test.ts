import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALPHABETS } from '../../src/data/alphabet.js';
import { SeqlabError } from '../../src/errors.js';
import { buildOnnx, exportOnnx } from '../../src/export/onnx/index.js';
import { ProtoWriter, readFields } from '../../src/export/onnx/protobuf.js';
import { buildCausalLm, type CausalLm } from '../../src/models/causal-lm.js';
import { type LmArch, type LmConfig, resolveLmConfig } from '../../src/models/lm-config.js';
import { type BioArch, defaultSequenceNetConfig, SequenceNet, type SequenceNetConfig } from '../../src/models/sequence-net.js';
import { readConfig, writeConfig } from '../../src/store/checkpoint.js';
import { FileStore } from '../../src/store/file-store.js';
import { MemoryStore } from '../../src/store/store.js';
import { defaultBioSettings } from '../../src/tasks/bio/config.js';
import { classifyProbs } from '../../src/tasks/bio/predict.js';
import { loadLmParts } from '../../src/tasks/lm/setup.js';
import { noGrad, Rng } from '../../src/tensor/index.js';
import { loadModelBytes, saveModelBytes } from '../../src/train/checkpoint.js';
import { expectUsageError, root, seqlab, tempDir } from '../cli/helpers.js';

/**
 * `seqlab export --format onnx`: each exported graph, run by onnxruntime-node (CPU, the native
 * addon loaded in this forked worker; a failure to load fails the suite), gives seqlab's logits
 * to 1e-4 (absolute + relative); recurrent and transformer LMs also run incrementally, one token
 * per call with their state passed back, and give the full-sequence logits.
 */

const TOL = 1e-4;

/** The largest |a − b| / (1 + |b|) (so 1e-4 bounds the absolute and the relative error). */
function worst(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return w;
}

const dir = tempDir();
let files = 0;

/** Exports `store` to a fresh .onnx file and opens it with onnxruntime (one thread, as the bench). */
async function session(store: MemoryStore | FileStore): Promise<ort.InferenceSession> {
  const out = join(dir, `model-${files++}.onnx`);
  exportOnnx(store, out);
  return ort.InferenceSession.create(out, { intraOpNumThreads: 1, interOpNumThreads: 1 });
}

const ids64 = (ids: ArrayLike<number>, dims: number[]): ort.Tensor => new ort.Tensor('int64', BigInt64Array.from(Array.from(ids, BigInt)), dims);
const zerosOf = (dims: number[]): ort.Tensor => new ort.Tensor('float32', new Float32Array(dims.reduce((p, d) => p * d, 1)), dims);

/** Fresh (zero, or empty-cache) state feeds for an LM session and a batch of B. */
function startState(s: ort.InferenceSession, c: LmConfig, batch: number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const n of s.inputNames) {
    if (n === 'h_0' || n === 'c_0') feeds[n] = zerosOf([c.numLayers, batch, c.hiddenSize]);
    if (n.startsWith('past_')) feeds[n] = zerosOf([batch, c.nhead, 0, c.embedDim / c.nhead]);
  }
  return feeds;
}

/** The state outputs of one call as the state inputs of the next. */
function carry(out: ort.InferenceSession.OnnxValueMapType): Record<string, ort.Tensor> {
  const next: Record<string, ort.Tensor> = {};
  for (const [name, v] of Object.entries(out)) {
    if (name === 'h_n' || name === 'c_n') next[`${name[0]}_0`] = v as ort.Tensor;
    if (name.startsWith('present_')) next[name.replace('present_', 'past_')] = v as ort.Tensor;
  }
  return next;
}

const VOCAB = ['<unk>', '<pad>', '<bos>', '<eos>', ...'abcdefghijkl'];

/** A tiny causal model with random weights in a checkpoint store (task lm, or memory when it has classes). */
function lmStore(arch: LmArch, settings: Partial<LmConfig>, seed: number): { store: MemoryStore; model: CausalLm } {
  const config = resolveLmConfig(arch, VOCAB.length, { embedDim: 8, hiddenSize: 12, nhead: 2, context: 16, window: 3 }, settings);
  const model = buildCausalLm(config, new Rng(seed)).eval();
  const store = new MemoryStore(`tiny-${arch}`);
  const task = config.outputSize > 0
    ? { task: 'memory', arch, memory: {}, model: config, seed, batch: 4 }
    : { task: 'lm', arch, tokenizer: { kind: 'char', vocab: VOCAB }, model: config, batch: 4, context: config.context };
  writeConfig(store, task);
  store.write('model.safetensors', saveModelBytes(model));
  return { store, model };
}

const LM_CASES: { name: string; arch: LmArch; settings: Partial<LmConfig> }[] = [
  { name: 'lstm', arch: 'lstm', settings: {} },
  { name: 'lstm, 2 layers, tied through a projection', arch: 'lstm', settings: { numLayers: 2, tieWeights: true } },
  { name: 'gru', arch: 'gru', settings: {} },
  { name: 'gru, 2 layers', arch: 'gru', settings: { numLayers: 2 } },
  { name: 'rnn', arch: 'rnn', settings: { numLayers: 2 } },
  { name: 'transformer, 2 layers', arch: 'transformer', settings: { numLayers: 2 } },
  { name: 'transformer, tied', arch: 'transformer', settings: { tieWeights: true } },
  { name: 'ffn (window 3)', arch: 'ffn', settings: {} },
  { name: 'memory-task lstm (4 classes)', arch: 'lstm', settings: { outputSize: 4 } },
];

describe('ONNX export of causal models', () => {
  const B = 2;
  const T = 7;
  const rng = new Rng(5);
  const ids = Array.from({ length: B * T }, () => Math.floor(rng.uniform(0, VOCAB.length)));

  for (const [i, c] of LM_CASES.entries()) {
    it(`${c.name}: onnxruntime gives seqlab's logits${c.arch === 'ffn' ? '' : ', whole and one token at a time'}`, async () => {
      const { store, model } = lmStore(c.arch, c.settings, 10 + i);
      const s = await session(store);
      expect(s.inputNames[0]).toBe('input_ids');
      expect(s.outputNames[0]).toBe('logits');
      const ours = noGrad(() => model.forward(ids, B, T).logits);
      const full = await s.run({ input_ids: ids64(ids, [B, T]), ...startState(s, model.config, B) });
      expect((full.logits as ort.Tensor).dims).toEqual(ours.shape);
      expect(worst(full.logits.data as Float32Array, ours.data)).toBeLessThan(TOL);
      if (c.arch === 'ffn') return; // no state to carry
      // A prompt of 3 tokens, then one token per call with the state handed back.
      const C = ours.shape[2];
      const steps = new Float32Array(B * T * C);
      let state = startState(s, model.config, B);
      const put = (logits: Float32Array, t0: number, n: number): void => {
        for (let b = 0; b < B; b++) steps.set(logits.subarray(b * n * C, (b + 1) * n * C), (b * T + t0) * C);
      };
      const prompt = Array.from({ length: B }, (_, b) => ids.slice(b * T, b * T + 3)).flat();
      let out = await s.run({ input_ids: ids64(prompt, [B, 3]), ...state });
      put(out.logits.data as Float32Array, 0, 3);
      for (let t = 3; t < T; t++) {
        state = carry(out);
        out = await s.run({ input_ids: ids64(Array.from({ length: B }, (_, b) => ids[b * T + t]), [B, 1]), ...state });
        put(out.logits.data as Float32Array, t, 1);
      }
      expect(worst(steps, ours.data)).toBeLessThan(TOL);
    });
  }

  it('the comparison catches a different model (a checker that cannot fail checks nothing)', async () => {
    const s = await session(lmStore('lstm', {}, 1).store);
    const other = lmStore('lstm', {}, 2).model;
    const out = await s.run({ input_ids: ids64(ids, [B, T]), ...startState(s, other.config, B) });
    expect(worst(out.logits.data as Float32Array, noGrad(() => other.forward(ids, B, T).logits).data)).toBeGreaterThan(TOL);
  });
});

/** A tiny sequence network with random weights in a classify or tag checkpoint store. */
function bioStore(arch: BioArch, task: 'classify' | 'tag', settings: Partial<SequenceNetConfig>, seed: number, strands = 'off'): {
  store: MemoryStore; net: SequenceNet;
} {
  const alphabet = ALPHABETS.dna;
  const config: SequenceNetConfig = {
    ...defaultSequenceNetConfig, channels: 8, kernel: 5, kernel2: 3, convLayers: 2, pool: 2, hiddenSize: 6, dModel: 8, nhead: 2,
    numLayers: 2, dimFeedforward: 16, fc: 8, dropout: 0, ...settings,
    arch, output: task === 'classify' ? 'sequence' : 'position', letters: alphabet.size, unknown: alphabet.unknown, classes: 3,
  };
  const net = new SequenceNet(config, new Rng(seed)).eval();
  const store = new MemoryStore(`tiny-${task}-${arch}`);
  writeConfig(store, { task, arch, alphabet: 'dna', classes: ['x', 'y', 'z'], bio: { ...defaultBioSettings, reverseComplement: strands },
    weights: null, model: config });
  store.write('model.safetensors', saveModelBytes(net));
  return { store, net };
}

const BIO_CASES: { name: string; arch: BioArch; task: 'classify' | 'tag'; settings?: Partial<SequenceNetConfig>; strands?: string }[] = [
  { name: 'cnn-bilstm classifier, flatten head', arch: 'cnn-bilstm', task: 'classify', settings: { head: 'flatten', length: 16 } },
  { name: 'cnn-bilstm classifier, pooling head, both strands', arch: 'cnn-bilstm', task: 'classify', strands: 'on' },
  { name: 'cnn classifier, both heads', arch: 'cnn', task: 'classify', settings: { head: 'both', length: 16, convLayers: 3 } },
  { name: 'bilstm classifier, 2 layers, embedded input, no fc', arch: 'bilstm', task: 'classify', settings: { lstmLayers: 2, input: 'embed', fc: 0 } },
  { name: 'transformer classifier (odd width 9)', arch: 'transformer', task: 'classify', settings: { dModel: 9, nhead: 3 } },
  { name: 'cnn tagger (dilated)', arch: 'cnn', task: 'tag', settings: { convLayers: 3 } },
  { name: 'bilstm tagger', arch: 'bilstm', task: 'tag' },
  { name: 'cnn-bilstm tagger', arch: 'cnn-bilstm', task: 'tag' },
  { name: 'transformer tagger', arch: 'transformer', task: 'tag' },
];

describe('ONNX export of classifiers and taggers', () => {
  for (const [i, c] of BIO_CASES.entries()) {
    it(`${c.name}: onnxruntime gives seqlab's logits`, async () => {
      const { store, net } = bioStore(c.arch, c.task, c.settings ?? {}, 20 + i, c.strands);
      const s = await session(store);
      const B = 3;
      const L = c.settings?.length ?? 17;
      const rng = new Rng(i);
      const ids = Uint8Array.from({ length: B * L }, () => Math.floor(rng.uniform(0, 5))); // N (4) included
      const ours = noGrad(() => net.forward({ ids, batch: B, length: L, lengths: [L, L, L] }));
      const out = await s.run({ input_ids: ids64(ids, [B, L]) });
      expect((out.logits as ort.Tensor).dims).toEqual(ours.shape);
      expect(worst(out.logits.data as Float32Array, ours.data)).toBeLessThan(TOL);
      if (c.task === 'tag') return;
      // probs are what `seqlab annotate` reports: softmax, both strands averaged when trained so.
      const seqs = Array.from({ length: B }, (_, b) => ids.subarray(b * L, (b + 1) * L));
      const complement = c.strands === 'on' ? ALPHABETS.dna.complement : null;
      const probs = classifyProbs({ net, pad: 5, complement }, seqs);
      expect(worst(out.probs.data as Float32Array, Float32Array.from(probs.flatMap((p) => [...p])))).toBeLessThan(TOL);
    });
  }

  it('a flatten head takes exactly its length; another length is an onnxruntime error', async () => {
    const s = await session(bioStore('cnn-bilstm', 'classify', { head: 'flatten', length: 16 }, 1).store);
    await expect(s.run({ input_ids: ids64(new Uint8Array(15), [1, 15]) })).rejects.toThrow();
  });
});

describe('the bundled models and the seqlab command', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist/src/cli/main.js'))) throw new Error('dist/ is missing: build with `npx tsc -p tsconfig.build.json`');
  });

  it('seqlab export models/shakespeare-char-lstm --format onnx writes one .onnx that gives its logits', async () => {
    const out = join(tempDir(), 'lstm.onnx');
    const r = seqlab('export', join(root, 'models/shakespeare-char-lstm'), '--format', 'onnx', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const store = new FileStore(join(root, 'models/shakespeare-char-lstm'));
    const model = loadLmParts(readConfig(store), store).neural!;
    const s = await ort.InferenceSession.create(out);
    const ids = [5, 20, 31, 40, 2, 9];
    const got = await s.run({ input_ids: ids64(ids, [1, 6]), ...startState(s, model.config, 1) });
    expect(worst(got.logits.data as Float32Array, noGrad(() => model.forward(ids, 1, 6).logits).data)).toBeLessThan(TOL);
  });

  it('every bundled lm, classify and tag model exports and gives its logits', async () => {
    for (const name of ['shakespeare-char-ffn', 'shakespeare-char-rnn', 'shakespeare-char-gru', 'shakespeare-char-transformer']) {
      const store = new FileStore(join(root, 'models', name));
      const model = loadLmParts(readConfig(store), store).neural!;
      const s = await ort.InferenceSession.create(buildOnnx(store).bytes);
      const ids = [20, 31, 40, 5, 9, 33, 47, 50];
      const got = await s.run({ input_ids: ids64(ids, [1, 8]), ...startState(s, model.config, 1) });
      expect(worst(got.logits.data as Float32Array, noGrad(() => model.forward(ids, 1, 8).logits).data), name).toBeLessThan(TOL);
    }
    for (const [name, L] of [['splice-sites', 60], ['protein-ss', 40]] as const) {
      const store = new FileStore(join(root, 'models', name));
      const config = readConfig(store) as unknown as { model: SequenceNetConfig };
      const net = new SequenceNet({ ...defaultSequenceNetConfig, ...config.model }, new Rng(0));
      loadModelBytes(net, store.read('model.safetensors'));
      net.eval();
      const ids = Uint8Array.from({ length: 2 * L }, (_, i) => (i * 7 + (i >> 2)) % config.model.letters);
      const got = await (await ort.InferenceSession.create(buildOnnx(store).bytes)).run({ input_ids: ids64(ids, [2, L]) });
      const ours = noGrad(() => net.forward({ ids, batch: 2, length: L, lengths: [L, L] }));
      expect(worst(got.logits.data as Float32Array, ours.data), name).toBeLessThan(TOL);
    }
  });

  it('a translation model is exit 2 with one line naming the checkpoint, and no file is left', () => {
    const outDir = tempDir();
    const r = seqlab('export', join(root, 'models/multi30k-de-en-transformer'), '--format', 'onnx', '--out', join(outDir, 'mt.onnx'));
    expectUsageError(r, /multi30k-de-en-transformer.*translate transformer model has no ONNX export/);
    expect(readdirSync(outDir)).toEqual([]);
  });

  it('an n-gram LM has no ONNX export (a SeqlabError naming config.json)', () => {
    const store = new MemoryStore('counts');
    writeConfig(store, { task: 'lm', arch: 'ngram', tokenizer: { kind: 'char', vocab: VOCAB }, batch: 1, context: 3 });
    expect(() => buildOnnx(store)).toThrow(SeqlabError);
    expect(() => buildOnnx(store)).toThrow(/counts\/config\.json: a lm ngram model has no ONNX export/);
  });

  it('an unwritable --out is a SeqlabError naming the file', () => {
    const blocker = join(tempDir(), 'file');
    writeFileSync(blocker, 'x');
    expect(() => exportOnnx(lmStore('gru', {}, 3).store, join(blocker, 'model.onnx'))).toThrow(/file\/model\.onnx: cannot write the ONNX file/);
    mkdirSync(join(dir, 'is-a-folder.onnx'), { recursive: true });
    expect(() => exportOnnx(lmStore('gru', {}, 3).store, join(dir, 'is-a-folder.onnx'))).toThrow(SeqlabError);
  });
});

describe('protobuf wire format', () => {
  it('writes varints as the protobuf encoding guide does (150 → 96 01; −1 → ten bytes)', () => {
    const w = new ProtoWriter();
    w.varint(1, 150);
    w.varint(2, -1);
    w.string(3, 'hi');
    const bytes = [...w.finish()];
    expect(bytes.slice(0, 3)).toEqual([0x08, 0x96, 0x01]);
    expect(bytes.slice(3, 14)).toEqual([0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(bytes.slice(14)).toEqual([0x1a, 0x02, 0x68, 0x69]);
    expect(readFields(w.finish()).map((f) => [f.field, f.wireType])).toEqual([[1, 0], [2, 0], [3, 2]]);
  });

  it('an exported model starts with ir_version 8 and carries the checkpoint config in its metadata', () => {
    const { bytes } = buildOnnx(lmStore('lstm', {}, 4).store);
    const fields = readFields(bytes);
    expect(fields[0]).toEqual({ field: 1, wireType: 0, value: 8n });
    const meta = fields.filter((f) => f.field === 14).map((f) => readFields(f.value as Uint8Array).map((e) => new TextDecoder().decode(e.value as Uint8Array)));
    expect(meta.find(([k]) => k === 'seqlab_task')?.[1]).toBe('lm');
    expect(JSON.parse(meta.find(([k]) => k === 'seqlab_config')![1]).arch).toBe('lstm');
  });
});

/**
 * Batch-1 inference latency, seqlab against onnxruntime-node running the graph
 * `seqlab export --format onnx` writes, both in this process, one thread each (onnxruntime:
 * intraOpNumThreads 1, interOpNumThreads 1; seqlab: its default single thread):
 *
 *   npm run bench:onnx [-- --tokens N] [-- --calls N] [-- --json]
 *
 * - generation: ms per token, greedy, one token per call after a short prompt, with the state
 *   carried (recurrent h/c; the transformer's key/value cache on both sides: seqlab's
 *   LmPredictor and the exported past/present inputs). The char transformer has 64 positions,
 *   so it generates 64 − prompt tokens; a third row re-runs the whole prefix through onnxruntime
 *   each token (a graph without a cache), for scale.
 * - classification: ms per sequence (models/splice-sites, 60 nt); tagging: ms per sequence
 *   (models/protein-ss, 256 residues, one window).
 * Median and p90 over the calls after a warm-up; ratio = seqlab median / onnxruntime median.
 */
import * as ort from 'onnxruntime-node';
import { flag } from './args.js';
import { LmPredictor } from '../src/decode/lm-predictor.js';
import { buildOnnx } from '../src/export/onnx/index.js';
import { defaultSequenceNetConfig, SequenceNet, type SequenceNetConfig } from '../src/models/sequence-net.js';
import { softmax } from '../src/nn/functional.js';
import { readConfig } from '../src/store/checkpoint.js';
import { FileStore } from '../src/store/file-store.js';
import { loadLmParts } from '../src/tasks/lm/setup.js';
import { noGrad, Rng } from '../src/tensor/index.js';
import { loadModelBytes } from '../src/train/checkpoint.js';

const args = process.argv.slice(2);
const TOKENS = Number(flag('--tokens', '100'));
const CALLS = Number(flag('--calls', '200'));
const WARMUP = 3;
const PROMPT = 'ROMEO:\n';

interface Row { model: string; what: string; seqlab: number[]; ort: number[] }

const quantile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

const argmax = (v: ArrayLike<number>, from = 0, n = v.length): number => {
  let best = from;
  for (let i = from + 1; i < from + n; i++) if (v[i] > v[best]) best = i;
  return best - from;
};

const options: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, executionProviders: ['cpu'] };
const int64 = (ids: readonly number[]): ort.Tensor => new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);
const zeros = (dims: number[]): ort.Tensor => new ort.Tensor('float32', new Float32Array(dims.reduce((p, d) => p * d, 1)), dims);

/** Greedy generation: per-token times of seqlab and of onnxruntime (cached, and full-prefix for a transformer). */
async function generation(name: string): Promise<Row[]> {
  const store = new FileStore(`models/${name}`);
  const parts = loadLmParts(readConfig(store), store);
  const model = parts.neural!;
  const c = model.config;
  const prompt = parts.tokenizer.encode(PROMPT);
  const n = c.arch === 'transformer' ? Math.min(TOKENS, c.context - prompt.length) : TOKENS;
  const predictor = new LmPredictor(model);
  const ours: number[] = [];
  const theirs: number[] = [];
  const full: number[] = [];
  const session = await ort.InferenceSession.create(buildOnnx(store).bytes, options);
  let textOurs = '';
  let textTheirs = '';
  for (let round = 0; round < WARMUP + Math.ceil(CALLS / n); round++) {
    const keep = round >= WARMUP;
    let state = predictor.start(prompt);
    const tokens: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const token = argmax(state.logits);
      state = predictor.step(state, token);
      if (keep) ours.push(performance.now() - t0);
      tokens.push(token);
    }
    textOurs = parts.tokenizer.decode(tokens);
    const feeds: Record<string, ort.Tensor> = { input_ids: int64(prompt) };
    for (const input of session.inputNames) {
      if (input === 'h_0' || input === 'c_0') feeds[input] = zeros([c.numLayers, 1, c.hiddenSize]);
      if (input.startsWith('past_')) feeds[input] = zeros([1, c.nhead, 0, c.embedDim / c.nhead]);
    }
    let out = await session.run(feeds);
    const generated: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const logits = out.logits.data as Float32Array;
      const token = argmax(logits, logits.length - logits.length / (out.logits.dims[1] as number));
      const next: Record<string, ort.Tensor> = { input_ids: int64([token]) };
      for (const [k, v] of Object.entries(out)) {
        if (k === 'h_n' || k === 'c_n') next[`${k[0]}_0`] = v;
        if (k.startsWith('present_')) next[k.replace('present_', 'past_')] = v;
      }
      out = await session.run(next);
      if (keep) theirs.push(performance.now() - t0);
      generated.push(token);
    }
    textTheirs = parts.tokenizer.decode(generated);
    if (c.arch === 'transformer') { // the same tokens, the whole prefix each call
      const seq = [...prompt, ...generated];
      for (let i = 0; i < n; i++) {
        const ids = seq.slice(0, prompt.length + i + 1);
        const t0 = performance.now();
        const empty = Object.fromEntries(session.inputNames.filter((k) => k.startsWith('past_')).map((k) => [k, zeros([1, c.nhead, 0, c.embedDim / c.nhead])]));
        const o = await session.run({ input_ids: int64(ids), ...empty });
        argmax(o.logits.data as Float32Array, (ids.length - 1) * c.vocabSize, c.vocabSize);
        if (keep) full.push(performance.now() - t0);
      }
    }
  }
  process.stderr.write(`${name}: greedy texts ${textOurs === textTheirs ? 'agree' : 'differ'} (${JSON.stringify(textOurs.slice(0, 40))})\n`);
  const what = `ms/token, ${n} tokens after ${prompt.length}`;
  const rows: Row[] = [{ model: name, what: `${what}${c.arch === 'transformer' ? ', both cached' : ''}`, seqlab: ours, ort: theirs }];
  if (full.length > 0) rows.push({ model: name, what: `${what}, onnxruntime re-running the prefix`, seqlab: ours, ort: full });
  return rows;
}

/** Per-sequence forward of a bio model at batch 1 on random sequences of `length`. */
async function perSequence(name: string, length: number): Promise<Row> {
  const store = new FileStore(`models/${name}`);
  const config = readConfig(store) as unknown as { model: SequenceNetConfig; task: string };
  const net = new SequenceNet({ ...defaultSequenceNetConfig, ...config.model }, new Rng(0));
  loadModelBytes(net, store.read('model.safetensors'));
  net.eval();
  const session = await ort.InferenceSession.create(buildOnnx(store).bytes, options);
  const L = config.model.head !== 'pool' && config.model.output === 'sequence' ? config.model.length : length;
  const rng = new Rng(7);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < WARMUP + CALLS; i++) {
    const ids = Uint8Array.from({ length: L }, () => Math.floor(rng.uniform(0, config.model.letters - 1)));
    let t0 = performance.now();
    noGrad(() => softmax(net.forward({ ids, batch: 1, length: L, lengths: [L] }), -1));
    if (i >= WARMUP) ours.push(performance.now() - t0);
    t0 = performance.now();
    await session.run({ input_ids: int64([...ids]) });
    if (i >= WARMUP) theirs.push(performance.now() - t0);
  }
  return { model: name, what: `ms/sequence (${config.task}, ${L} letters)`, seqlab: ours, ort: theirs };
}

const rows: Row[] = [];
for (const name of ['shakespeare-char-lstm', 'shakespeare-char-gru', 'shakespeare-char-transformer']) rows.push(...await generation(name));
rows.push(await perSequence('splice-sites', 60));
rows.push(await perSequence('protein-ss', 256));

const stats = rows.map((r) => ({
  model: r.model, what: r.what,
  seqlab: { median: quantile(r.seqlab, 0.5), p90: quantile(r.seqlab, 0.9) },
  onnxruntime: { median: quantile(r.ort, 0.5), p90: quantile(r.ort, 0.9) },
}));
if (args.includes('--json')) {
  process.stdout.write(`${JSON.stringify({ onnxruntime: ort.env.versions.common, threads: 1, rows: stats })}\n`);
} else {
  const f = (x: number): string => x.toFixed(3);
  const lines = [
    `onnxruntime-node ${ort.env.versions.common}, one thread each, batch 1`, '',
    '| model | measure | seqlab median | seqlab p90 | onnxruntime median | onnxruntime p90 | seqlab / onnxruntime |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...stats.map((s) => `| ${s.model} | ${s.what} | ${f(s.seqlab.median)} | ${f(s.seqlab.p90)} | ${f(s.onnxruntime.median)} | ${f(s.onnxruntime.p90)} | ${(s.seqlab.median / s.onnxruntime.median).toFixed(2)} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * Workloads A-D of issue 4 on TensorFlow.js (tfjs-core 4.22 ops), one backend per process:
 *
 *   npx tsx bench/peers/tfjs-workloads.ts --backend wasm|cpu --workload A|B|C|D
 *     [--steps N] [--warmup N] [--repeats N] [--chars N]
 *
 * Prints one JSON line: the median rate (tokens/s for A-C, chars/s for D) over `repeats` timed
 * runs of `steps` training steps (or `chars` generated characters), after `warmup` untimed steps
 * (D: `warmup` × 500 characters).
 * Run by bench/workloads.ts (`npm run bench`); each backend in its own child process.
 *
 * The models are those of src/tasks/bench/workloads.ts, written with tfjs-core ops:
 *   A: embedding 64 → LSTM 256 → linear 65;  B: the same with a GRU (PyTorch's gate equations,
 *      including the separate recurrent bias inside the GRU's reset product);
 *   C: GPT, 2 pre-norm layers, d_model 128, 4 heads, FFN 512 (exact GELU), learned positions,
 *      causal mask, final layer norm, linear 65;
 *   D: A's LSTM at batch 1, one character per step, carrying (h, c), forward only.
 * Batch 32, context 64, vocabulary 65, softmax cross-entropy (mean), tf.train.adam(1e-3),
 * gradients through optimizer.minimize. The recurrences are unrolled over the 64 steps, with the
 * input projection of all steps done as one product first (as cuDNN and PyTorch do).
 *
 * Embedding in training is a one-hot matrix times the table on both backends: the wasm backend
 * has no UnsortedSegmentSum kernel, which tf.gather's gradient needs. D (no gradient) uses
 * tf.gather. The wasm backend runs its single-threaded SIMD build (tfjs never starts threads in
 * Node) with setThreadsCount(1), its .wasm files read from node_modules, nothing fetched.
 */
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

// tfjs-core's Node bundle registers no gradients (the @tensorflow/tfjs union package does that
// from tfjs-core's ES module sources). Load those through require, whose resolution finds
// 'dist/gradients.js' before the 'dist/gradients/' folder, as Node's ES resolver does not;
// the gradient and kernel registries and the engine are global, so both copies share them.
createRequire(import.meta.url)('@tensorflow/tfjs-core/dist/register_all_gradients.js');

const VOCAB = 65;
const BATCH = 32;
const TIME = 64;

type Workload = 'A' | 'B' | 'C' | 'D';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** A deterministic generator, so every system sees the same kind of random windows. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

let seed = 7;
function param(shape: number[], fanIn: number): tf.Variable {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.variable(tf.randomUniform(shape, -bound, bound, 'float32', seed++));
}

function zeros(shape: number[]): tf.Variable {
  return tf.variable(tf.zeros(shape));
}

function ones(shape: number[]): tf.Variable {
  return tf.variable(tf.ones(shape));
}

/** Inputs and targets of one batch, time-major ([T·B] rows, row t·B + b), one-hot encoded. */
function batchTensors(rand: () => number): { x: tf.Tensor2D; y: tf.Tensor2D; xBatchMajor: tf.Tensor2D; yBatchMajor: tf.Tensor2D } {
  const seqs = Array.from({ length: BATCH }, () => Array.from({ length: TIME + 1 }, () => Math.floor(rand() * VOCAB)));
  const timeMajor = (shift: number): number[] => {
    const ids: number[] = [];
    for (let t = 0; t < TIME; t++) for (let b = 0; b < BATCH; b++) ids.push(seqs[b][t + shift]);
    return ids;
  };
  const batchMajor = (shift: number): number[] => seqs.flatMap((s) => s.slice(shift, shift + TIME));
  const oneHot = (ids: number[]): tf.Tensor2D => tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(ids, 'int32'), VOCAB), 'float32') as tf.Tensor2D);
  return { x: oneHot(timeMajor(0)), y: oneHot(timeMajor(1)), xBatchMajor: oneHot(batchMajor(0)), yBatchMajor: oneHot(batchMajor(1)) };
}

interface Model {
  vars: tf.Variable[];
  /** Mean cross-entropy of one batch (inside the optimizer's tape). */
  loss: (b: ReturnType<typeof batchTensors>) => tf.Scalar;
}

const E_RNN = 64;
const H = 256;

function lstmModel(): Model {
  const emb = param([VOCAB, E_RNN], 1);
  const wIh = param([E_RNN, 4 * H], H);
  const wHh = param([H, 4 * H], H);
  const bIh = param([4 * H], H);
  const bHh = param([4 * H], H);
  const wOut = param([H, VOCAB], H);
  const bOut = param([VOCAB], H);
  return {
    vars: [emb, wIh, wHh, bIh, bHh, wOut, bOut],
    loss: ({ x, y }) => {
      const xp = tf.add(tf.matMul(tf.matMul(x, emb), wIh), tf.add(bIh, bHh)); // [T·B, 4H]
      let h: tf.Tensor2D = tf.zeros([BATCH, H]);
      let c: tf.Tensor2D = tf.zeros([BATCH, H]);
      const hs: tf.Tensor2D[] = [];
      for (let t = 0; t < TIME; t++) {
        const gates = tf.add(tf.slice(xp, [t * BATCH, 0], [BATCH, 4 * H]), tf.matMul(h, wHh));
        const [i, f, g, o] = tf.split(gates, 4, 1);
        c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
        h = tf.mul(tf.sigmoid(o), tf.tanh(c));
        hs.push(h);
      }
      const logits = tf.add(tf.matMul(tf.concat(hs, 0), wOut), bOut);
      return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
    },
  };
}

function gruModel(): Model {
  const emb = param([VOCAB, E_RNN], 1);
  const wIh = param([E_RNN, 3 * H], H);
  const wHh = param([H, 3 * H], H);
  const bIh = param([3 * H], H);
  const bHh = param([3 * H], H);
  const wOut = param([H, VOCAB], H);
  const bOut = param([VOCAB], H);
  return {
    vars: [emb, wIh, wHh, bIh, bHh, wOut, bOut],
    loss: ({ x, y }) => {
      const xp = tf.add(tf.matMul(tf.matMul(x, emb), wIh), bIh); // [T·B, 3H]
      let h: tf.Tensor2D = tf.zeros([BATCH, H]);
      const hs: tf.Tensor2D[] = [];
      for (let t = 0; t < TIME; t++) {
        const [xr, xz, xn] = tf.split(tf.slice(xp, [t * BATCH, 0], [BATCH, 3 * H]), 3, 1);
        const [hr, hz, hn] = tf.split(tf.add(tf.matMul(h, wHh), bHh), 3, 1);
        const r = tf.sigmoid(tf.add(xr, hr));
        const z = tf.sigmoid(tf.add(xz, hz));
        const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
        h = tf.add(n, tf.mul(z, tf.sub(h, n))); // (1 − z)·n + z·h
        hs.push(h);
      }
      const logits = tf.add(tf.matMul(tf.concat(hs, 0), wOut), bOut);
      return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
    },
  };
}

const D = 128;
const HEADS = 4;
const DH = D / HEADS;
const FFN = 512;
const LAYERS = 2;

function layerNorm(x: tf.Tensor2D, g: tf.Variable, b: tf.Variable): tf.Tensor2D {
  const mean = tf.mean(x, -1, true);
  const xc = tf.sub(x, mean);
  const variance = tf.mean(tf.square(xc), -1, true);
  return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, 1e-5))), g), b);
}

function gelu(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

function gptModel(): Model {
  const emb = param([VOCAB, D], 1);
  const pos = param([TIME, D], 1);
  const layers = Array.from({ length: LAYERS }, () => ({
    ln1g: ones([D]), ln1b: zeros([D]),
    wQkv: param([D, 3 * D], D), bQkv: zeros([3 * D]),
    wO: param([D, D], D), bO: zeros([D]),
    ln2g: ones([D]), ln2b: zeros([D]),
    w1: param([D, FFN], D), b1: zeros([FFN]),
    w2: param([FFN, D], FFN), b2: zeros([D]),
  }));
  const lnFg = ones([D]);
  const lnFb = zeros([D]);
  const wOut = param([D, VOCAB], D);
  const bOut = zeros([VOCAB]);
  const maskValues = new Float32Array(TIME * TIME);
  for (let i = 0; i < TIME; i++) for (let j = i + 1; j < TIME; j++) maskValues[i * TIME + j] = -1e9;
  const mask = tf.tensor2d(maskValues, [TIME, TIME]); // added to the scores: 0 on and below the diagonal
  const heads = (t: tf.Tensor2D): tf.Tensor4D => tf.transpose(tf.reshape(t, [BATCH, TIME, HEADS, DH]), [0, 2, 1, 3]);
  return {
    vars: [emb, pos, ...layers.flatMap((l) => Object.values(l)), lnFg, lnFb, wOut, bOut],
    loss: ({ xBatchMajor, yBatchMajor }) => {
      // Rows b·T + t: token embedding plus the position's.
      let h = tf.reshape(tf.add(tf.reshape(tf.matMul(xBatchMajor, emb), [BATCH, TIME, D]), pos), [BATCH * TIME, D]) as tf.Tensor2D;
      for (const l of layers) {
        const y = layerNorm(h, l.ln1g, l.ln1b);
        const [q, k, v] = tf.split(tf.add(tf.matMul(y, l.wQkv), l.bQkv), 3, 1).map((t) => heads(t as tf.Tensor2D));
        const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(DH)), mask); // [B, heads, T, T]
        const att = tf.matMul(tf.softmax(scores), v); // [B, heads, T, Dh]
        const merged = tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [BATCH * TIME, D]) as tf.Tensor2D;
        h = tf.add(h, tf.add(tf.matMul(merged, l.wO), l.bO));
        const f = gelu(tf.add(tf.matMul(layerNorm(h, l.ln2g, l.ln2b), l.w1), l.b1));
        h = tf.add(h, tf.add(tf.matMul(f, l.w2), l.b2));
      }
      const logits = tf.add(tf.matMul(layerNorm(h, lnFg, lnFb), wOut), bOut);
      return tf.losses.softmaxCrossEntropy(yBatchMajor, logits) as tf.Scalar;
    },
  };
}

/** Tokens per second of training, per repeat; the losses of the first and the last step. */
function trainRates(w: Workload, steps: number, warmup: number, repeats: number): { rates: number[]; losses: number[] } {
  const model = w === 'A' ? lstmModel() : w === 'B' ? gruModel() : gptModel();
  const optimizer = tf.train.adam(1e-3);
  const rand = lcg(2);
  const step = (): number => {
    const b = batchTensors(rand);
    const cost = optimizer.minimize(() => model.loss(b), true, model.vars)!;
    const value = cost.dataSync()[0];
    cost.dispose();
    for (const t of Object.values(b)) t.dispose();
    return value;
  };
  const losses: number[] = [];
  for (let i = 0; i < warmup; i++) losses.push(step());
  const rates: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) losses.push(step());
    rates.push((steps * BATCH * TIME) / ((performance.now() - t0) / 1000));
  }
  if (!losses.every(Number.isFinite)) throw new Error(`a loss is not finite: ${losses.join(', ')}`);
  return { rates, losses: [losses[0], losses[losses.length - 1]] };
}

/** Characters per second of batch-1 LSTM generation (forward only, state carried), per repeat. */
function generateRates(chars: number, warmup: number, repeats: number): number[] {
  const emb = param([VOCAB, E_RNN], 1);
  const wIh = param([E_RNN, 4 * H], H);
  const wHh = param([H, 4 * H], H);
  const b = tf.add(param([4 * H], H), param([4 * H], H));
  const wOut = param([H, VOCAB], H);
  const bOut = param([VOCAB], H);
  let h: tf.Tensor2D = tf.zeros([1, H]);
  let c: tf.Tensor2D = tf.zeros([1, H]);
  let token = 4;
  const step = (): void => {
    const [nh, nc, logits] = tf.tidy(() => {
      const x = tf.gather(emb, tf.tensor1d([token], 'int32'));
      const gates = tf.add(tf.add(tf.matMul(x, wIh), tf.matMul(h, wHh)), b);
      const [i, f, g, o] = tf.split(gates, 4, 1);
      const c2 = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
      const h2 = tf.mul(tf.sigmoid(o), tf.tanh(c2));
      return [h2, c2, tf.add(tf.matMul(h2, wOut), bOut)];
    });
    logits.dataSync(); // what a sampler would read
    logits.dispose();
    h.dispose();
    c.dispose();
    h = nh as tf.Tensor2D;
    c = nc as tf.Tensor2D;
    token = (token + 1) % VOCAB;
  };
  for (let i = 0; i < warmup; i++) step();
  const rates: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < chars; i++) step();
    rates.push(chars / ((performance.now() - t0) / 1000));
  }
  return rates;
}

async function main(): Promise<void> {
  const backend = arg('backend', 'wasm');
  const workload = arg('workload', 'A') as Workload;
  if (!['wasm', 'cpu'].includes(backend)) throw new Error(`--backend must be wasm or cpu, got ${backend}`);
  if (!['A', 'B', 'C', 'D'].includes(workload)) throw new Error(`--workload must be A, B, C or D, got ${workload}`);
  const repeats = Number(arg('repeats', '3'));
  const warmup = Number(arg('warmup', '1'));
  if (backend === 'wasm') {
    const require = createRequire(import.meta.url);
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    setWasmPaths(`${join(dist)}/`); // a file path: Emscripten reads the .wasm with fs, nothing is fetched
    setThreadsCount(1);
  }
  tf.enableProdMode();
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} failed to initialise`);
  await tf.ready();
  const wasmInfo = backend === 'wasm'
    ? { wasm_threads: getThreadsCount(), wasm_simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
      wasm_multithread: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') }
    : {};
  const { rates, losses } = workload === 'D'
    ? { rates: generateRates(Number(arg('chars', '200')), warmup * 500, repeats), losses: undefined }
    : trainRates(workload, Number(arg('steps', '1')), warmup, repeats);
  const unit = workload === 'D' ? 'chars_per_s' : 'tokens_per_s';
  process.stdout.write(`${JSON.stringify({
    system: `tfjs-${backend}`, workload, unit, rate: median(rates), repeats: rates, threads: 1, ...wasmInfo,
    ...(losses ? { loss_first: losses[0], loss_last: losses[1] } : {}),
    tfjs: tf.version_core, backend: tf.getBackend(),
    embedding: workload === 'D' ? 'tf.gather (forward only)' : 'one-hot matmul (tfjs-wasm has no UnsortedSegmentSum)',
    tensors_live: tf.memory().numTensors,
  })}\n`);
}

try {
  await main();
} catch (err) {
  // Emscripten's handlers would print the whole minified module with the error: keep it short.
  process.stderr.write(`tfjs-workloads: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
}

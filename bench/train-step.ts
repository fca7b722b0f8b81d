/**
 * Training throughput of whole models, reference backend against the WebAssembly one, in the
 * same run: what the kernels (fused recurrences, softmax, layer norm, linear and Adam
 * included) buy end to end.
 *
 *   npm run bench:train [-- --steps N]
 *
 * Workloads of issue 4 (one thread, Adam, random tokens over a 65-symbol vocabulary):
 *   A: char LSTM, embedding 64, hidden 256, sequence 64, batch 32
 *   B: the same with a GRU
 *   C: GPT, 2 layers, d_model 128, 4 heads, FFN 512, context 64, batch 32
 *   D: batch-1 generation with A's LSTM, characters per second
 * Each step yields to the event loop as the trainer does, so heap blocks are recycled; the
 * table shows the share of tensor allocations served from the wasm heap.
 */
import { setFlagsFromString } from 'node:v8';
import type { Backend } from '../src/backend/backend.js';
import { referenceBackend, withBackend } from '../src/backend/index.js';
import { createWasmBackendSync, type WasmBackend } from '../src/backend/wasm/index.js';
import { buildCausalLm } from '../src/models/causal-lm.js';
import { defaultLmConfig, type LmConfig } from '../src/models/lm-config.js';
import { crossEntropy } from '../src/nn/functional.js';
import { backward, noGrad } from '../src/tensor/autograd.js';
import { Rng } from '../src/tensor/random.js';
import { Adam } from '../src/train/optim.js';

setFlagsFromString('--experimental-wasm-relaxed-simd');

const VOCAB = 65;
const BATCH = 32;
const TIME = 64;

const WORKLOADS: { name: string; config: LmConfig }[] = [
  { name: 'A: LSTM', config: { ...defaultLmConfig, arch: 'lstm', vocabSize: VOCAB, embedDim: 64, hiddenSize: 256 } },
  { name: 'B: GRU', config: { ...defaultLmConfig, arch: 'gru', vocabSize: VOCAB, embedDim: 64, hiddenSize: 256 } },
  { name: 'C: GPT', config: { ...defaultLmConfig, arch: 'transformer', vocabSize: VOCAB, embedDim: 128, hiddenSize: 512,
    numLayers: 2, nhead: 4, context: TIME } },
];

const args = process.argv.slice(2);
const steps = Number(args[args.indexOf('--steps') + 1]) || 6;

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Tokens per second over `steps` steps after one warm-up step. */
async function tokensPerSecond(backend: Backend, config: LmConfig, n: number): Promise<number> {
  const rng = new Rng(1);
  const model = withBackend(backend, () => buildCausalLm(config, rng));
  const optimizer = new Adam(model, { lr: 1e-3 });
  const ids = Int32Array.from({ length: BATCH * (TIME + 1) }, () => rng.int(VOCAB));
  const inputs = Array.from({ length: BATCH * TIME }, (_, i) => ids[Math.floor(i / TIME) * (TIME + 1) + (i % TIME)]);
  const targets = Array.from({ length: BATCH * TIME }, (_, i) => ids[Math.floor(i / TIME) * (TIME + 1) + (i % TIME) + 1]);
  const step = (): void => withBackend(backend, () => {
    optimizer.zeroGrad();
    const { logits } = model.forward(inputs, BATCH, TIME);
    backward(crossEntropy(logits, targets));
    optimizer.step();
  });
  step();
  await tick();
  const started = performance.now();
  for (let s = 0; s < n; s++) {
    step();
    await tick();
  }
  return (n * BATCH * TIME) / ((performance.now() - started) / 1000);
}

/**
 * Batch-1 generation (workload D): characters per second over `chars` single-token steps that
 * carry the LSTM state, after a warm-up, yielding every 100 steps as a server would.
 */
async function charsPerSecond(backend: Backend, config: LmConfig, chars: number): Promise<number> {
  const model = withBackend(backend, () => buildCausalLm(config, new Rng(1)).eval());
  let state: unknown;
  let token = 1;
  const step = (): void => withBackend(backend, () => noGrad(() => {
    state = model.forward([token], 1, 1, state).state;
    token = (token + 7) % VOCAB;
  }));
  for (let i = 0; i < 200; i++) step();
  await tick();
  const started = performance.now();
  for (let i = 0; i < chars; i++) {
    step();
    if (i % 100 === 99) await tick();
  }
  return chars / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const wasm: WasmBackend = createWasmBackendSync();
  const lines = [
    `Node ${process.versions.node}, one thread, ${steps} steps after a warm-up, wasm build ${wasm.variant}`,
    '',
    '| workload | reference tokens/s | wasm tokens/s | speed-up | tensor allocations in the heap |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const w of WORKLOADS) {
    const ref = await tokensPerSecond(referenceBackend, w.config, Math.max(1, Math.floor(steps / 3)));
    const before = wasm.heapStats();
    const fast = await tokensPerSecond(wasm, w.config, steps);
    const after = wasm.heapStats();
    const heap = after.heapAllocs - before.heapAllocs;
    const fallback = after.fallbackAllocs - before.fallbackAllocs;
    lines.push(`| ${w.name} | ${ref.toFixed(0)} | ${fast.toFixed(0)} | ${(fast / ref).toFixed(1)}× | ` +
      `${((100 * heap) / Math.max(1, heap + fallback)).toFixed(0)}% |`);
    process.stderr.write(`${w.name} done; heap ${JSON.stringify(after)}\n`);
  }
  const lstm = WORKLOADS[0].config;
  const ref = await charsPerSecond(referenceBackend, lstm, 100 * steps);
  const fast = await charsPerSecond(wasm, lstm, 1000 * steps);
  lines.push(`| D: LSTM generation, batch 1 (chars/s) | ${ref.toFixed(0)} | ${fast.toFixed(0)} | ${(fast / ref).toFixed(1)}× | |`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();

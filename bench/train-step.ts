/**
 * Training throughput of whole models, reference backend against the WebAssembly one, in the
 * same run: what the kernels buy end to end before any fused kernels.
 *
 *   npm run bench:train [-- --steps N]
 *
 * Workloads of issue 4 (one thread, Adam, random tokens over a 65-symbol vocabulary):
 *   A: char LSTM, embedding 64, hidden 256, sequence 64, batch 32
 *   C: GPT, 2 layers, d_model 128, 4 heads, FFN 512, context 64, batch 32
 * Each step yields to the event loop as the trainer does, so heap blocks are recycled; the
 * table shows the share of tensor allocations served from the wasm heap.
 */
import { setFlagsFromString } from 'node:v8';
import type { Backend } from '../src/backend/backend.js';
import { referenceBackend, withBackend } from '../src/backend/index.js';
import { createWasmBackendSync, type WasmBackend } from '../src/backend/wasm/index.js';
import { LanguageModel, type LmConfig, defaultLmConfig } from '../src/models/lm.js';
import { crossEntropy } from '../src/nn/functional.js';
import { backward } from '../src/tensor/autograd.js';
import { Rng } from '../src/tensor/random.js';
import { Adam } from '../src/train/optim.js';

setFlagsFromString('--experimental-wasm-relaxed-simd');

const VOCAB = 65;
const BATCH = 32;
const TIME = 64;

const WORKLOADS: { name: string; config: LmConfig }[] = [
  { name: 'A: LSTM', config: { ...defaultLmConfig, arch: 'lstm', vocabSize: VOCAB, embedDim: 64, hiddenSize: 256 } },
  { name: 'C: GPT', config: { ...defaultLmConfig, arch: 'transformer', vocabSize: VOCAB, embedDim: 128, hiddenSize: 512,
    numLayers: 2, nhead: 4, context: TIME } },
];

const args = process.argv.slice(2);
const steps = Number(args[args.indexOf('--steps') + 1]) || 6;

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Tokens per second over `steps` steps after one warm-up step. */
async function tokensPerSecond(backend: Backend, config: LmConfig, n: number): Promise<number> {
  const rng = new Rng(1);
  const model = withBackend(backend, () => new LanguageModel(config, rng));
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
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();

/**
 * Matrix products on seqlab's WebAssembly backend against TensorFlow.js (wasm backend with
 * SIMD, and cpu backend), in the same run, one thread each: forward and the transposed
 * products of the backward pass.
 *
 *   npm run bench:peers [-- --json]
 *
 * tfjs runs through tf.matMul (transposeA/transposeB flags, prod mode), seqlab through its
 * kernel, in both its builds (tfjs has no relaxed-SIMD build, so 'simd' is the like-for-like
 * column); all get operands already in their own storage. GFLOP/s: best of several batches.
 */
import { setFlagsFromString } from 'node:v8';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import type { GemmArgs } from '../src/backend/backend.js';
import { createWasmBackendSync, supportedSimdVariants } from '../src/backend/wasm/index.js';
import { Rng } from '../src/tensor/random.js';

setFlagsFromString('--experimental-wasm-relaxed-simd');

interface Shape {
  name: string;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
}

const SHAPES: Shape[] = [
  { name: '1024³ (NN)', m: 1024, n: 1024, k: 1024, transA: false, transB: false },
  { name: 'LSTM fwd x·Wᵀ, 32×320, W [1024, 320] (NT)', m: 32, n: 1024, k: 320, transA: false, transB: true },
  { name: 'LSTM dX = g·W, 32×1024·1024×320 (NN)', m: 32, n: 320, k: 1024, transA: false, transB: false },
  { name: 'LSTM dW = gᵀ·x, 1024×32·32×320 (TN)', m: 1024, n: 320, k: 32, transA: true, transB: false },
  { name: 'GEMV batch 1, 1×320·(1024×320)ᵀ (NT)', m: 1, n: 1024, k: 320, transA: false, transB: true },
];

function gflops(flops: number, run: () => void, minMs: number, reps: number): number {
  run();
  let calls = 1;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < calls; i++) run();
    if (performance.now() - t >= minMs) break;
    calls *= 2;
  }
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    for (let i = 0; i < calls; i++) run();
    best = Math.min(best, (performance.now() - t) / calls);
  }
  return flops / best / 1e6;
}

/** tf.matMul on the active tfjs backend, inputs stored as the transpose flags say. */
function tfjsRun(s: Shape, rng: Rng): { run: () => void; dispose: () => void } {
  const values = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
  const a = tf.tensor2d(values(s.m * s.k), s.transA ? [s.k, s.m] : [s.m, s.k]);
  const b = tf.tensor2d(values(s.k * s.n), s.transB ? [s.n, s.k] : [s.k, s.n]);
  return {
    run: () => {
      const c = tf.matMul(a, b, s.transA, s.transB);
      c.dataSync();
      c.dispose();
    },
    dispose: () => { a.dispose(); b.dispose(); },
  };
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const rng = new Rng(1);
  const variants = supportedSimdVariants();
  const results = SHAPES.map((s) => ({ shape: s.name, seqlab: {} as Record<string, number>, tfjsWasm: 0, tfjsCpu: 0 }));

  for (const variant of variants) {
    const wasm = createWasmBackendSync({ simd: variant });
    SHAPES.forEach((s, i) => {
      const fill = (n: number): Float32Array => {
        const a = wasm.alloc(n);
        for (let j = 0; j < n; j++) a[j] = rng.uniform(-1, 1);
        return a;
      };
      const p: GemmArgs = { batch: 1, m: s.m, n: s.n, k: s.k, a: fill(s.m * s.k), b: fill(s.k * s.n),
        c: wasm.alloc(s.m * s.n), transA: s.transA, transB: s.transB, strideA: 0, strideB: 0, strideC: 0,
        accumulate: false };
      results[i].seqlab[variant] = gflops(2 * s.m * s.n * s.k, () => wasm.gemm(p), 50, 5);
    });
  }

  tf.enableProdMode();
  setThreadsCount(1);
  for (const [backend, key] of [['wasm', 'tfjsWasm'], ['cpu', 'tfjsCpu']] as const) {
    await tf.setBackend(backend);
    await tf.ready();
    SHAPES.forEach((s, i) => {
      const { run, dispose } = tfjsRun(s, rng);
      results[i][key] = gflops(2 * s.m * s.n * s.k, run, backend === 'cpu' ? 200 : 50, backend === 'cpu' ? 2 : 5);
      dispose();
    });
  }

  if (json) {
    process.stdout.write(`${JSON.stringify({ tfjs: tf.version_core, results })}\n`);
    return;
  }
  const f = (x: number): string => x.toFixed(1);
  const lines = [
    `Node ${process.versions.node}, one thread; TensorFlow.js ${tf.version_core}; GFLOP/s`,
    '',
    `| product | ${variants.map((v) => `seqlab ${v}`).join(' | ')} | tfjs-wasm | tfjs-cpu | ` +
      `${variants.map((v) => `${v} × tfjs-wasm`).join(' | ')} | simd × tfjs-cpu |`,
    `| --- | ${variants.map(() => '---:').join(' | ')} | ---: | ---: | ${variants.map(() => '---:').join(' | ')} | ---: |`,
    ...results.map((r) => `| ${r.shape} | ${variants.map((v) => f(r.seqlab[v])).join(' | ')} | ${f(r.tfjsWasm)} | ` +
      `${f(r.tfjsCpu)} | ${variants.map((v) => `${f(r.seqlab[v] / r.tfjsWasm)}×`).join(' | ')} | ` +
      `${f(r.seqlab.simd / r.tfjsCpu)}× |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();

/**
 * GEMM throughput of the WebAssembly backend against the SIMD multiply-add ceiling measured in
 * the same run, and against the reference backend.
 *
 *   npm run bench:gemm [-- --rounds N] [-- --json]
 *
 * Each round measures the ceiling loop and every shape once (best of a few calls); the table
 * keeps each row's best round, so a neighbour stealing the core for a moment costs nothing.
 * One thread. Shapes: 1024³, the LSTM step of workload A (batch 32, input 64 + hidden 256 =
 * 320, 4·256 = 1024 gates) forward and both backward products, and batch-1 generation (GEMV).
 */
import { setFlagsFromString } from 'node:v8';
import type { Backend, GemmArgs } from '../src/backend/backend.js';
import { referenceBackend } from '../src/backend/reference.js';
import { createWasmBackendSync, type SimdVariant, supportedSimdVariants, type WasmBackend } from '../src/backend/wasm/index.js';
import { Rng } from '../src/tensor/random.js';

// Node 20 validates relaxed SIMD only behind this flag; set before any module is compiled.
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
  { name: 'LSTM fwd 32×320·320×1024 (NN)', m: 32, n: 1024, k: 320, transA: false, transB: false },
  { name: 'LSTM fwd x·Wᵀ, W [1024, 320] (NT)', m: 32, n: 1024, k: 320, transA: false, transB: true },
  { name: 'LSTM dX = g·W, 32×1024·1024×320 (NN)', m: 32, n: 320, k: 1024, transA: false, transB: false },
  { name: 'LSTM dW = gᵀ·x, 1024×32·32×320 (TN)', m: 1024, n: 320, k: 32, transA: true, transB: false },
  { name: 'GEMV batch 1, 1×320·(1024×320)ᵀ', m: 1, n: 1024, k: 320, transA: false, transB: true },
];

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1]) || 5;
const json = args.includes('--json');

function gemmArgs(backend: Backend, s: Shape, rng: Rng): GemmArgs {
  const fill = (n: number): Float32Array => {
    const a = backend.alloc(n);
    for (let i = 0; i < n; i++) a[i] = rng.uniform(-1, 1);
    return a;
  };
  return { batch: 1, m: s.m, n: s.n, k: s.k, a: fill(s.m * s.k), b: fill(s.k * s.n), c: backend.alloc(s.m * s.n),
    transA: s.transA, transB: s.transB, strideA: 0, strideB: 0, strideC: 0, accumulate: false };
}

/** GFLOP/s of the best of `reps` timed batches, each at least `minMs` long. */
function gflops(flops: number, run: () => void, minMs = 40, reps = 3): number {
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

function ceiling(w: WasmBackend): number {
  const iters = 1_000_000;
  return gflops(iters * 96, () => w.peakMulAdd(iters));
}

interface Row {
  variant: SimdVariant;
  shape: string;
  gflops: number;
  ofCeiling: number;
  ofPlainCeiling: number;
  vsReference: number | null;
}

function main(): void {
  const variants = supportedSimdVariants();
  const rng = new Rng(1);
  const backends = new Map(variants.map((v) => [v, createWasmBackendSync({ simd: v })]));
  const best = new Map<string, number>();
  const keep = (key: string, value: number): void => { best.set(key, Math.max(best.get(key) ?? 0, value)); };
  const inputs = new Map<string, GemmArgs>();
  for (const [v, w] of backends) for (const s of SHAPES) inputs.set(`${v} ${s.name}`, gemmArgs(w, s, rng));
  const refInputs = new Map(SHAPES.map((s) => [s.name, gemmArgs(referenceBackend, s, rng)]));

  for (let r = 0; r < rounds; r++) {
    for (const [v, w] of backends) {
      keep(`${v} ceiling`, ceiling(w));
      for (const s of SHAPES) {
        const p = inputs.get(`${v} ${s.name}`)!;
        keep(`${v} ${s.name}`, gflops(2 * s.m * s.n * s.k, () => w.gemm(p)));
      }
    }
    process.stderr.write(`round ${r + 1}/${rounds}\n`);
  }
  // The reference is slow and steady: one round, fewer repeats.
  for (const s of SHAPES) {
    const p = refInputs.get(s.name)!;
    best.set(`reference ${s.name}`, gflops(2 * s.m * s.n * s.k, () => referenceBackend.gemm(p), 200, 1));
  }

  const plainCeiling = best.get('simd ceiling')!;
  const rows: Row[] = [];
  for (const v of variants) {
    const own = best.get(`${v} ceiling`)!;
    for (const s of SHAPES) {
      const g = best.get(`${v} ${s.name}`)!;
      const ref = best.get(`reference ${s.name}`);
      rows.push({ variant: v, shape: s.name, gflops: g, ofCeiling: g / own, ofPlainCeiling: g / plainCeiling,
        vsReference: ref ? g / ref : null });
    }
  }
  const ceilings = Object.fromEntries(variants.map((v) => [v, best.get(`${v} ceiling`)!]));
  const reference = Object.fromEntries(SHAPES.map((s) => [s.name, best.get(`reference ${s.name}`)!]));
  if (json) {
    process.stdout.write(`${JSON.stringify({ ceilings, reference, rows })}\n`);
    return;
  }
  const f = (x: number, d = 1): string => x.toFixed(d);
  const out = [
    `Node ${process.versions.node}, one thread, best of ${rounds} rounds`,
    '',
    ...variants.map((v) => `${v} mul+add ceiling (${v === 'simd' ? 'mul then add' : 'relaxed_madd'}): ${f(ceilings[v])} GFLOP/s`),
    '',
    '| build | shape | GFLOP/s | % of own ceiling | % of plain SIMD ceiling | × reference |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.variant} | ${r.shape} | ${f(r.gflops)} | ${f(100 * r.ofCeiling, 0)}% | ` +
      `${f(100 * r.ofPlainCeiling, 0)}% | ${r.vsReference === null ? '-' : f(r.vsReference, 0)}× |`),
    '',
    '| reference (plain TS) | GFLOP/s |',
    '| --- | ---: |',
    ...SHAPES.map((s) => `| ${s.name} | ${f(reference[s.name], 2)} |`),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

main();

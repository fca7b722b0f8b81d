/**
 * Threads against one thread, in the same run: GEMM GFLOP/s on workload A's products, 1024³ and
 * small products that must stay on one thread, the whole-sequence LSTM and GRU layers of
 * workloads A and B (forward, and backward through time), then workload A's training throughput.
 *
 *   npx tsx bench/threads.ts [--threads N] [--rounds N] [--steps N] [--no-train] [--json]
 *
 * Rounds alternate one thread and N threads (default 2) on the same backend and operands, so
 * a neighbour's load lands on both alike; each row keeps its best round (GEMM) or the median
 * (training). The split column is what planGemm chose: rows, columns or batch entries, and the
 * chunks, or the hidden units of a recurrent layer; "-" means it stays on the calling thread.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CellKind, GemmArgs, RecurrenceGradArgs } from '../src/backend/backend.js';
import { gateCount, savedWidth, stateCount } from '../src/backend/recurrence.js';
import { loadWasmBackend, type WasmBackend } from '../src/backend/wasm/index.js';
import { recurrenceParts } from '../src/backend/wasm/recurrence.js';
import { planGemm, SPLIT_BATCH, SPLIT_COLUMNS } from '../src/backend/wasm/threads.js';
import { median, runWorkload } from '../src/tasks/bench/workloads.js';
import { Rng } from '../src/tensor/random.js';

// Node 20 validates relaxed SIMD only behind this flag; set before any module is compiled.
setFlagsFromString('--experimental-wasm-relaxed-simd');
// As bin/seqlab.js does: runWorkload's steps end with afterStep, which collects through
// globalThis.gc (backend/settle.ts).
setFlagsFromString('--expose-gc');
globalThis.gc ??= runInNewContext('gc') as NodeJS.GCFunction;

interface Shape {
  name: string;
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
}

const shape = (name: string, batch: number, m: number, n: number, k: number, t: string): Shape =>
  ({ name, batch, m, n, k, transA: t[0] === 'T', transB: t[1] === 'T' });

const SHAPES: Shape[] = [
  shape('1024³ (NN)', 1, 1024, 1024, 1024, 'NN'),
  shape('LSTM fwd 32×320·320×1024 (NT)', 1, 32, 1024, 320, 'NT'),
  shape('A recurrent step h·W_hhᵀ, 32×256·256×1024 (NT)', 1, 32, 1024, 256, 'NT'),
  shape('A step backward dG·W_hh, 32×1024·1024×256 (NN)', 1, 32, 256, 1024, 'NN'),
  shape('LSTM dW = gᵀ·x, 1024×32·32×320 (TN)', 1, 1024, 320, 32, 'TN'),
  shape('A input projection, 2048×64·64×1024 (NT)', 1, 2048, 1024, 64, 'NT'),
  shape('A dW_hh = dGᵀ·h, 1024×2048·2048×256 (TN)', 1, 1024, 256, 2048, 'TN'),
  shape('attention scores, 128 × 64×32·32×64 (NT)', 128, 64, 64, 32, 'NT'),
  shape('small 64×64·64×64 (NN)', 1, 64, 64, 64, 'NN'),
  shape('small 32×128·128×256 (NT)', 1, 32, 256, 128, 'NT'),
  shape('GEMV batch 1, 1×320·(1024×320)ᵀ', 1, 1, 1024, 320, 'NT'),
];

/** Recurrent layers at workload A's and B's sizes: batch 32, 64 steps, hidden 256. */
const RECURRENCES: { name: string; kind: CellKind; backward: boolean }[] = [
  { name: 'A LSTM layer forward, 32 × 64 steps, hidden 256', kind: 'lstm', backward: false },
  { name: 'A LSTM layer backward through time', kind: 'lstm', backward: true },
  { name: 'B GRU layer forward', kind: 'gru', backward: false },
  { name: 'B GRU layer backward through time', kind: 'gru', backward: true },
];
const [RB, RT, RH] = [32, 64, 256];

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const threads = flag('--threads', 2);
const rounds = flag('--rounds', 3);
const steps = flag('--steps', 3);
const train = !args.includes('--no-train');
const json = args.includes('--json');

function gemmArgs(w: WasmBackend, s: Shape, rng: Rng): GemmArgs {
  const fill = (n: number): Float32Array => {
    const a = w.alloc(n);
    for (let i = 0; i < n; i++) a[i] = rng.uniform(-1, 1);
    return a;
  };
  const { batch, m, n, k } = s;
  return { batch, m, n, k, a: fill(batch * m * k), b: fill(batch * k * n), c: w.alloc(batch * m * n),
    transA: s.transA, transB: s.transB, strideA: m * k, strideB: k * n, strideC: m * n, accumulate: false };
}

/** A layer's operands, states and saved gates filled by one forward call. */
function recurrenceArgs(w: WasmBackend, kind: CellKind, rng: Rng): RecurrenceGradArgs {
  const [G, S, W] = [gateCount(kind), stateCount(kind), savedWidth(kind)];
  const fill = (n: number, scale = 1): Float32Array => {
    const a = w.alloc(n);
    for (let i = 0; i < n; i++) a[i] = scale * rng.uniform(-1, 1);
    return a;
  };
  const lstm = kind === 'lstm';
  const a: RecurrenceGradArgs = {
    kind, batch: RB, steps: RT, hidden: RH, reverse: false, lengths: null, xProj: fill(RB * RT * G * RH),
    wHh: fill(G * RH * RH, 1 / Math.sqrt(RH)), bHh: fill(G * RH), h0: fill(RB * RH), c0: lstm ? fill(RB * RH) : null,
    out: w.alloc(RB * RT * RH), states: w.alloc(RB * RT * S * RH), saved: w.alloc(RB * RT * W * RH),
    dOut: fill(RB * RT * RH), dhN: fill(RB * RH), dcN: lstm ? fill(RB * RH) : null, dxProj: w.alloc(RB * RT * G * RH),
    dwHh: w.alloc(G * RH * RH), dbHh: w.alloc(G * RH), dh0: w.alloc(RB * RH), dc0: lstm ? w.alloc(RB * RH) : null,
  };
  w.recurrenceForward(a);
  return a;
}

/** GFLOP/s of the best of `reps` timed batches, each at least `minMs` long. */
function gflops(flops: number, run: () => void, minMs = 30, reps = 3): number {
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

function splitName(s: Shape): string {
  const plan = planGemm(s.batch, s.m, s.n, s.k, threads);
  if (!plan) return '-';
  const by = plan.split === SPLIT_BATCH ? 'batch' : plan.split === SPLIT_COLUMNS ? 'columns' : 'rows';
  return `${by} ×${plan.chunks}`;
}

async function main(): Promise<void> {
  const w = await loadWasmBackend(); // the default instance, which the workloads use too
  const rng = new Rng(1);
  const inputs = SHAPES.map((s) => gemmArgs(w, s, rng));
  const layers = RECURRENCES.map((r) => recurrenceArgs(w, r.kind, rng));
  // Multiply-adds: h·W_hhᵀ per step forward; dGate·W_hh per step and dW_hh backward.
  const layerFlops = (r: (typeof RECURRENCES)[number]): number =>
    (r.backward ? 4 : 2) * RB * RT * gateCount(r.kind) * RH * RH;
  const best = new Map<string, number>();
  const keep = (key: string, v: number): void => { best.set(key, Math.max(best.get(key) ?? 0, v)); };
  const trainRates: Record<number, number[]> = { 1: [], [threads]: [] };
  let used = threads;
  for (let r = 0; r < rounds; r++) {
    for (const t of [1, threads]) {
      const got = await w.setThreads(t);
      if (t > 1) used = got;
      SHAPES.forEach((s, i) => keep(`${t} ${s.name}`, gflops(2 * s.batch * s.m * s.n * s.k, () => w.gemm(inputs[i]))));
      RECURRENCES.forEach((r, i) => keep(`${t} ${r.name}`, gflops(layerFlops(r), () => (r.backward
        ? w.recurrenceBackward(layers[i]) : w.recurrenceForward(layers[i])))));
      if (train) {
        // A fresh pool measures each way before it chooses (threads.ts, PathChooser): 4 untimed
        // steps first, as a training run's first steps would be.
        await runWorkload('A_lstm_train', 1, 4 / 3);
        trainRates[t].push((await runWorkload('A_lstm_train', 1, steps / 3)).rate);
      }
    }
    process.stderr.write(`round ${r + 1}/${rounds}\n`);
  }
  await w.setThreads(1);

  const row = (name: string, split: string) => {
    const one = best.get(`1 ${name}`)!;
    const many = best.get(`${threads} ${name}`)!;
    return { shape: name, split, gflops1: one, gflopsN: many, speedup: many / one };
  };
  const units = recurrenceParts(used, RB, RH) > 1 ? `units ×${used}` : '-';
  const rows = [...SHAPES.map((s) => row(s.name, splitName(s))), ...RECURRENCES.map((r) => row(r.name, units))];
  const a1 = train ? median(trainRates[1]) : null;
  const aN = train ? median(trainRates[threads]) : null;
  if (json) {
    process.stdout.write(`${JSON.stringify({ threads: used, variant: w.variant, rows,
      train: train ? { workload: 'A_lstm_train', tokens_per_s_1: a1, tokens_per_s_n: aN } : null })}\n`);
    return;
  }
  const f = (x: number, d = 1): string => x.toFixed(d);
  const out = [
    `Node ${process.versions.node}, ${w.variant} build, 1 thread against ${used}, best of ${rounds} rounds`,
    '',
    `| shape | split | 1 thread GFLOP/s | ${used} threads GFLOP/s | speed-up |`,
    '| --- | --- | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.shape} | ${r.split} | ${f(r.gflops1)} | ${f(r.gflopsN)} | ${f(r.speedup, 2)}× |`),
  ];
  if (a1 !== null && aN !== null) {
    out.push('', `| workload | 1 thread tokens/s | ${used} threads tokens/s | speed-up |`, '| --- | ---: | ---: | ---: |',
      `| A: LSTM training (median of ${rounds}, ${steps} steps each) | ${f(a1, 0)} | ${f(aN, 0)} | ${f(aN / a1, 2)}× |`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();

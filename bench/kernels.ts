/**
 * Every non-GEMM kernel on the WebAssembly backend against the reference backend, in the same
 * run, on the sizes of workload A (char LSTM: batch 32, sequence 64, hidden 256, 4 gates) and of
 * a small GPT (d_model 128, 4 heads): the elementwise and copy kernels, then the fused ones
 * (whole-sequence recurrences, masked softmax, layer norm, Adam).
 *
 *   npm run bench:kernels [-- --json]
 *
 * Prints milliseconds per call (best of several timed batches) and the speed-up. One thread;
 * operands live in each backend's own storage (the wasm heap for wasm).
 */
import { setFlagsFromString } from 'node:v8';
import type { Backend, CellKind, RecurrenceGradArgs } from '../src/backend/backend.js';
import { gateCount, savedWidth, stateCount } from '../src/backend/recurrence.js';
import { referenceBackend } from '../src/backend/reference.js';
import { createWasmBackendSync } from '../src/backend/wasm/index.js';
import { Rng } from '../src/tensor/random.js';

setFlagsFromString('--experimental-wasm-relaxed-simd');

interface Case {
  name: string;
  /** Builds the operands in `b`'s storage and returns the call to time. */
  setup(b: Backend, rng: Rng): () => void;
}

const fill = (b: Backend, rng: Rng, n: number, lo = -3, hi = 3): Float32Array => {
  const a = b.alloc(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(lo, hi);
  return a;
};

const GATES = 32 * 64 * 1024; // [B, T, 4H] for workload A
const ROWS = 2048; // B·T
const D = 512;

/** One direction of workload A's layer (or B's, for the GRU): batch 32, 64 steps, 256 units. */
function recurrenceArgs(b: Backend, rng: Rng, kind: CellKind): RecurrenceGradArgs {
  const [B, T, H] = [32, 64, 256];
  const [G, S, W] = [gateCount(kind), stateCount(kind), savedWidth(kind)];
  const u = (n: number, s = 1): Float32Array => fill(b, rng, n, -s, s);
  const lstm = kind === 'lstm';
  return {
    kind, batch: B, steps: T, hidden: H, reverse: false, lengths: null, xProj: u(B * T * G * H),
    wHh: u(G * H * H, 1 / 16), bHh: kind === 'gru' ? u(G * H) : null, h0: u(B * H), c0: lstm ? u(B * H) : null,
    out: b.alloc(B * T * H), states: b.alloc(B * T * S * H), saved: b.alloc(B * T * W * H), dOut: u(B * T * H),
    dhN: u(B * H), dcN: lstm ? u(B * H) : null, dxProj: b.alloc(B * T * G * H), dwHh: b.alloc(G * H * H),
    dbHh: kind === 'gru' ? b.alloc(G * H) : null, dh0: b.alloc(B * H), dc0: lstm ? b.alloc(B * H) : null,
  };
}

/** A causal mask [64, 64] shared by 128 rows of heads: [32, 4, 64, 64] attention weights. */
function causalTable(b: Backend): { data: Float32Array; rowOffsets: Int32Array; stride: 1 } {
  const data = b.alloc(64 * 64);
  for (let i = 0; i < 64; i++) for (let j = i + 1; j < 64; j++) data[i * 64 + j] = 1;
  return { data, rowOffsets: Int32Array.from({ length: 128 * 64 }, (_, r) => (r % 64) * 64), stride: 1 };
}

const CASES: Case[] = [
  ...(['exp', 'tanh', 'sigmoid', 'gelu'] as const).map((op): Case => ({
    name: `unary ${op}, [32, 64, 1024]`,
    setup: (b, rng) => { const x = fill(b, rng, GATES); const y = b.alloc(GATES); return () => b.unary(op, x, y); },
  })),
  ...(['tanh', 'sigmoid'] as const).map((op): Case => ({
    name: `unaryGrad ${op}, [32, 64, 1024]`,
    setup: (b, rng) => {
      const [x, y, g, out] = [fill(b, rng, GATES), fill(b, rng, GATES, 0, 1), fill(b, rng, GATES), b.alloc(GATES)];
      return () => b.unaryGrad(op, x, y, g, out);
    },
  })),
  {
    name: 'binary add, same shape [2048, 512]',
    setup: (b, rng) => {
      const [x, y, out] = [fill(b, rng, ROWS * D), fill(b, rng, ROWS * D), b.alloc(ROWS * D)];
      return () => b.binary('add', x, [D, 1], y, [D, 1], out, [ROWS, D]);
    },
  },
  {
    name: 'binary add, bias row broadcast [2048, 512] + [512]',
    setup: (b, rng) => {
      const [x, y, out] = [fill(b, rng, ROWS * D), fill(b, rng, D), b.alloc(ROWS * D)];
      return () => b.binary('add', x, [D, 1], y, [0, 1], out, [ROWS, D]);
    },
  },
  {
    name: 'binary div, column broadcast [2048, 512] / [2048, 1]',
    setup: (b, rng) => {
      const [x, y, out] = [fill(b, rng, ROWS * D), fill(b, rng, ROWS, 1, 2), b.alloc(ROWS * D)];
      return () => b.binary('div', x, [D, 1], y, [1, 0], out, [ROWS, D]);
    },
  },
  {
    name: 'binary mul by a scalar [2048, 512]',
    setup: (b, rng) => {
      const [x, y, out] = [fill(b, rng, ROWS * D), fill(b, rng, 1), b.alloc(ROWS * D)];
      return () => b.binary('mul', x, [D, 1], y, [0, 0], out, [ROWS, D]);
    },
  },
  {
    name: 'reduce sum over the last axis [2048, 512] → [2048]',
    setup: (b, rng) => { const x = fill(b, rng, ROWS * D); const out = b.alloc(ROWS); return () => b.reduce('sum', x, ROWS, D, 1, out); },
  },
  {
    name: 'reduce max over the last axis [2048, 512] → [2048]',
    setup: (b, rng) => { const x = fill(b, rng, ROWS * D); const out = b.alloc(ROWS); return () => b.reduce('max', x, ROWS, D, 1, out); },
  },
  {
    name: 'reduce sum over rows (bias gradient) [2048, 512] → [512]',
    setup: (b, rng) => { const x = fill(b, rng, ROWS * D); const out = b.alloc(D); return () => b.reduce('sum', x, 1, ROWS, D, out); },
  },
  {
    name: 'permute heads [32, 64, 4, 32] → [32, 4, 64, 32]',
    setup: (b, rng) => {
      const x = fill(b, rng, 32 * 64 * 128); const out = b.alloc(32 * 64 * 128);
      return () => b.permute(x, [32, 64, 4, 32], [0, 2, 1, 3], out);
    },
  },
  {
    name: 'permute transpose [2048, 512] → [512, 2048]',
    setup: (b, rng) => { const x = fill(b, rng, ROWS * D); const out = b.alloc(ROWS * D); return () => b.permute(x, [ROWS, D], [1, 0], out); },
  },
  {
    name: 'gatherRows embedding [65, 64], 2048 lookups',
    setup: (b, rng) => {
      const table = fill(b, rng, 65 * 64); const out = b.alloc(ROWS * 64);
      const index = Int32Array.from({ length: ROWS }, () => rng.int(65));
      return () => b.gatherRows(table, 65, index, out, 1, 64, false);
    },
  },
  {
    name: 'where causal mask [128, 64, 64] (mask [64, 64] broadcast)',
    setup: (b, rng) => {
      const mask = b.alloc(64 * 64);
      for (let i = 0; i < 64; i++) for (let j = 0; j <= i; j++) mask[i * 64 + j] = 1;
      const x = fill(b, rng, 128 * 64 * 64); const ninf = b.alloc(1); ninf[0] = -Infinity; const out = b.alloc(128 * 64 * 64);
      return () => b.where(mask, [0, 64, 1], x, [4096, 64, 1], ninf, [0, 0, 0], out, [128, 64, 64]);
    },
  },
  ...(['lstm', 'gru'] as const).flatMap((kind): Case[] => [
    {
      name: `recurrence ${kind} forward, [32, 64] × 256 units`,
      setup: (b, rng) => { const a = recurrenceArgs(b, rng, kind); return () => b.recurrenceForward(a); },
    },
    {
      name: `recurrence ${kind} backward (BPTT), [32, 64] × 256 units`,
      setup: (b, rng) => {
        const a = recurrenceArgs(b, rng, kind);
        b.recurrenceForward(a);
        return () => b.recurrenceBackward(a);
      },
    },
  ]),
  {
    name: 'recurrence lstm forward, batch 1, 1 step (generation)',
    setup: (b, rng) => {
      const a = { ...recurrenceArgs(b, rng, 'lstm'), batch: 1, steps: 1, saved: null };
      return () => b.recurrenceForward(a);
    },
  },
  {
    name: 'softmax, causal mask, scaled [32, 4, 64, 64]',
    setup: (b, rng) => {
      const [x, y, mask] = [fill(b, rng, 128 * 64 * 64), b.alloc(128 * 64 * 64), causalTable(b)];
      return () => b.softmax(x, 128 * 64, 64, 0.177, mask, y);
    },
  },
  {
    name: 'softmaxGrad [32, 4, 64, 64]',
    setup: (b, rng) => {
      const [y, g, dx] = [fill(b, rng, 128 * 64 * 64, 0, 0.1), fill(b, rng, 128 * 64 * 64), b.alloc(128 * 64 * 64)];
      return () => b.softmaxGrad(y, g, 128 * 64, 64, 0.177, dx);
    },
  },
  {
    name: 'layerNorm [2048, 128] with weight and bias',
    setup: (b, rng) => {
      const [x, w, bias, y] = [fill(b, rng, ROWS * 128), fill(b, rng, 128), fill(b, rng, 128), b.alloc(ROWS * 128)];
      const [mean, rstd] = [b.alloc(ROWS), b.alloc(ROWS)];
      return () => b.layerNorm(x, ROWS, 128, w, bias, 1e-5, y, mean, rstd);
    },
  },
  {
    name: 'layerNormGrad [2048, 128], dx, dw and db',
    setup: (b, rng) => {
      const [x, g, w, dx, dw, db] = [fill(b, rng, ROWS * 128), fill(b, rng, ROWS * 128), fill(b, rng, 128),
        b.alloc(ROWS * 128), b.alloc(128), b.alloc(128)];
      const [mean, rstd, y] = [b.alloc(ROWS), b.alloc(ROWS), b.alloc(ROWS * 128)];
      b.layerNorm(x, ROWS, 128, w, null, 1e-5, y, mean, rstd);
      return () => b.layerNormGrad(x, g, ROWS, 128, w, mean, rstd, dx, dw, db);
    },
  },
  {
    name: 'adamStep, 1M parameters',
    setup: (b, rng) => {
      const n = 1 << 20;
      const [p, g, m, v] = [fill(b, rng, n), fill(b, rng, n, -1e-2, 1e-2), b.alloc(n), b.alloc(n)];
      const step = { beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize: 1e-3 / 0.1, bc2Sqrt: Math.sqrt(0.001), decay: 1, l2: 0 };
      return () => b.adamStep(p, g, m, v, step);
    },
  },
  {
    name: 'im2col1d [32, 64, 256], kernel 5, padding 2',
    setup: (b, rng) => {
      const x = fill(b, rng, 32 * 64 * 256); const cols = b.alloc(32 * 256 * 64 * 5);
      return () => b.im2col1d(x, cols, 32, 64, 256, 5, 2, 1, false);
    },
  },
];

/** Milliseconds per call: best of 5 timed batches of at least 30 ms. */
function time(run: () => void): number {
  run();
  let calls = 1;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < calls; i++) run();
    if (performance.now() - t >= 30) break;
    calls *= 2;
  }
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < calls; i++) run();
    best = Math.min(best, (performance.now() - t) / calls);
  }
  return best;
}

function main(): void {
  const json = process.argv.includes('--json');
  const wasm = createWasmBackendSync();
  const rows = CASES.map((c) => {
    const ref = time(c.setup(referenceBackend, new Rng(1)));
    const w = time(c.setup(wasm, new Rng(1)));
    return { kernel: c.name, referenceMs: ref, wasmMs: w, speedup: ref / w };
  });
  if (json) {
    process.stdout.write(`${JSON.stringify({ variant: wasm.variant, rows })}\n`);
    return;
  }
  const lines = [
    `Node ${process.versions.node}, one thread, wasm build: ${wasm.variant}`,
    '',
    '| kernel | reference ms | wasm ms | speed-up |',
    '| --- | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.kernel} | ${r.referenceMs.toFixed(3)} | ${r.wasmMs.toFixed(3)} | ${r.speedup.toFixed(1)}× |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();

/**
 * Runs in a dedicated Worker of a browser page (test/web/threads-browser.test.ts bundles it):
 * starts the WebAssembly backend's thread pool (Web Workers over one shared memory), runs a
 * GEMM and an LSTM layer that split across the pool, then the same on one thread, and posts
 * back how many threads it got and whether the results are bitwise equal.
 */
import type { RecurrenceArgs } from '../../src/backend/backend.js';
import { loadWasmBackend } from '../../src/backend/wasm/index.js';
import type { PoolReport as Report } from './report.js';

const scope = globalThis as unknown as { crossOriginIsolated?: boolean; postMessage(r: Report): void };

function filled(w: Awaited<ReturnType<typeof loadWasmBackend>>, n: number, seed: number): Float32Array {
  const a = w.alloc(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.37 + seed) * 0.5;
  return a;
}

async function run(): Promise<Report> {
  const w = await loadWasmBackend();
  const [m, n, k] = [96, 256, 192]; // 4.7M multiply-adds: above the pool's threshold
  const a = filled(w, m * k, 1);
  const b = filled(w, n * k, 2);
  const gemm = (): Float32Array => {
    const c = w.alloc(m * n);
    w.gemm({ batch: 1, m, n, k, a, b, c, transA: false, transB: true, strideA: 0, strideB: 0, strideC: 0, accumulate: false });
    return c;
  };
  const [B, T, H] = [8, 12, 64]; // an LSTM layer: 8 panels of 8 units to split
  const lstm = (): Float32Array => {
    const args: RecurrenceArgs = {
      kind: 'lstm', batch: B, steps: T, hidden: H, xProj: filled(w, B * T * 4 * H, 3), wHh: filled(w, 4 * H * H, 4),
      bHh: null, h0: filled(w, B * H, 5), c0: filled(w, B * H, 6), lengths: null, reverse: false,
      out: w.alloc(B * T * H), states: w.alloc(B * T * 2 * H), saved: w.alloc(B * T * 4 * H),
    };
    w.recurrenceForward(args);
    return args.states;
  };
  const threads = await w.setThreads(2);
  // The first calls of a size always run on the pool (threads.ts measures both ways).
  const [c2, s2] = [gemm(), lstm()];
  await w.setThreads(1);
  const [c1, s1] = [gemm(), lstm()];
  const same = (x: Float32Array, y: Float32Array): boolean => x.every((v, i) => Object.is(v, y[i]));
  return { isolated: scope.crossOriginIsolated === true, threads, gemmEqual: same(c1, c2), lstmEqual: same(s1, s2) };
}

run().then((r) => scope.postMessage(r), (err: unknown) => scope.postMessage({
  isolated: false, threads: 0, gemmEqual: false, lstmEqual: false, error: String(err instanceof Error ? err.stack : err),
}));

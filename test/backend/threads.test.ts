import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GemmArgs } from '../../src/backend/backend.js';
import { WASM_BINARIES } from '../../src/backend/wasm/binaries.generated.js';
import { DEFAULT_HEAP, WasmHeap } from '../../src/backend/wasm/heap.js';
import { createWasmBackendSync, type WasmBackend } from '../../src/backend/wasm/index.js';
import {
  CHUNKS_PER_THREAD, MIN_PARALLEL_WORK, PathChooser, planGemm, SPLIT_BATCH, SPLIT_COLUMNS, SPLIT_ROWS, WasmThreads,
} from '../../src/backend/wasm/threads.js';
import { workerModuleBytes } from '../../src/backend/wasm/worker.js';
import { backendFor, expectSame, type Placement, Rng, uniform, variants } from './helpers.js';

/**
 * The worker pool behind `setThreads`: large GEMMs cut into chunks give bitwise the results of
 * one thread (the chunks run the same sums in the same order), small ones never leave the
 * calling thread, and an idle pool neither keeps a process alive nor touches memory it did
 * not compute.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

describe('planGemm', () => {
  it('keeps small products, matrix-vector products and one thread on the calling thread', () => {
    expect(planGemm(1, 64, 64, 64, 2)).toBeNull(); // 2^18 multiply-adds
    expect(planGemm(1, 1, 4096, 4096, 2)).toBeNull(); // GEMV: memory-bound, never split
    expect(planGemm(1, 4096, 1, 4096, 2)).toBeNull();
    expect(planGemm(1, 512, 512, 0, 2)).toBeNull();
    expect(planGemm(1, 1024, 1024, 1024, 1)).toBeNull();
    expect(planGemm(1, 2, 2, MIN_PARALLEL_WORK, 2)).toBeNull(); // one row block, one panel
    expect(planGemm(1, 32, 1024, 256, 2)).not.toBeNull(); // workload A's recurrent step
  });

  it('cuts the longer side, or the batch, into chunks that cover it once', () => {
    const cases: [number, number, number, number, number][] = [
      [1, 32, 1024, 256, 2], [1, 1024, 320, 2048, 2], [1, 1024, 1024, 1024, 2], [1, 7, 3001, 129, 3],
      [1, 3001, 9, 77, 4], [128, 64, 64, 32, 2], [3, 100, 100, 100, 2],
    ];
    for (const [batch, m, n, k, threads] of cases) {
      const plan = planGemm(batch, m, n, k, threads)!;
      const units = batch > 1 ? batch : m <= n ? Math.ceil(n / 8) : Math.ceil(m / 4);
      expect(plan.split).toBe(batch > 1 ? SPLIT_BATCH : m <= n ? SPLIT_COLUMNS : SPLIT_ROWS);
      expect(plan.per * plan.chunks).toBeGreaterThanOrEqual(units);
      expect(plan.per * (plan.chunks - 1)).toBeLessThan(units);
      expect(plan.chunks).toBeGreaterThanOrEqual(Math.min(units, threads));
      expect(plan.chunks).toBeLessThanOrEqual(CHUNKS_PER_THREAD * threads);
      expect(plan.partBytes % 64).toBe(0);
    }
  });
});

describe('PathChooser', () => {
  /** Runs `calls` GEMMs of `work` whose times come from `ms`; returns how many used the pool. */
  function drive(chooser: PathChooser, work: number, calls: number, ms: (parallel: boolean) => number): number {
    let parallel = 0;
    for (let i = 0; i < calls; i++) {
      const p = chooser.useParallel(work);
      if (p) parallel++;
      chooser.record(work, p, ms(p));
    }
    return parallel;
  }

  it('measures both ways, then keeps to the faster and still tries the other now and then', () => {
    const chooser = new PathChooser();
    const fastPool = drive(chooser, 1 << 24, 640, (p) => (p ? 1 : 1.8));
    expect(fastPool).toBeGreaterThan(640 * (1 - 2 / PathChooser.EXPLORE));
    expect(fastPool).toBeLessThan(640);
    // Another size class is measured on its own: here the pool's core is busy.
    const busy = drive(chooser, 1 << 21, 640, (p) => (p ? 3 : 1));
    expect(busy).toBeLessThan(640 * 2 / PathChooser.EXPLORE + 4);
    expect(busy).toBeGreaterThan(0);
  });

  it('keeps to the pool through lone slow calls (a core taken away for a moment)', () => {
    const chooser = new PathChooser();
    let call = 0;
    const pool = drive(chooser, 1 << 23, 640, (p) => (p ? (++call % 9 === 0 ? 10 : 1) : 1.8));
    expect(pool).toBeGreaterThan(640 * (1 - 2 / PathChooser.EXPLORE) - 4);
  });

  it('follows a change of load, and ignores each way\'s first (cold) call', () => {
    const chooser = new PathChooser();
    drive(chooser, 1 << 22, 200, (p) => (p ? 3 : 1));
    expect(drive(chooser, 1 << 22, 2000, (p) => (p ? 0.5 : 1))).toBeGreaterThan(1650); // after a few tries
    const cold = new PathChooser();
    let first = true;
    const pool = drive(cold, 1 << 22, 320, (p) => {
      if (p && first) {
        first = false;
        return 100; // a worker compiling its code
      }
      return p ? 0.6 : 1;
    });
    expect(pool).toBeGreaterThan(300);
  });
});

interface Case {
  batch: number; m: number; n: number; k: number; transA: boolean; transB: boolean;
  shareA: boolean; shareB: boolean; accumulate: boolean;
}

/** Random shapes with odd sizes and tails, large enough to be split across threads. */
function randomCases(rng: Rng, count: number): Case[] {
  const cases: Case[] = [];
  const size = (lo: number, hi: number): number => lo + rng.int(hi - lo + 1);
  while (cases.length < count) {
    const batch = rng.uniform() < 0.25 ? size(2, 5) : 1;
    const c: Case = {
      batch, m: size(2, 300), n: size(2, 300), k: size(1, 600), transA: rng.uniform() < 0.5,
      transB: rng.uniform() < 0.5, shareA: batch > 1 && rng.uniform() < 0.3, shareB: batch > 1 && rng.uniform() < 0.3,
      accumulate: rng.uniform() < 0.3,
    };
    if (planGemm(c.batch, c.m, c.n, c.k, 2)) cases.push(c);
  }
  // Thin shapes: a single row block or column panel on the side that is not cut.
  return [...cases,
    { batch: 1, m: 3, n: 1001, k: 517, transA: true, transB: false, shareA: false, shareB: false, accumulate: false },
    { batch: 1, m: 1001, n: 5, k: 517, transA: false, transB: true, shareA: false, shareB: false, accumulate: true },
    { batch: 1, m: 32, n: 1024, k: 256, transA: false, transB: true, shareA: false, shareB: false, accumulate: false },
  ];
}

/** Runs every case at 1 and at `threads` threads on the same operands; C must match bit for bit. */
async function compareThreads(w: WasmBackend, threads: number, cases: Case[], placement: Placement): Promise<void> {
  const rng = new Rng(7);
  const runs = cases.map((g) => {
    const { batch, m, n, k } = g;
    const args: GemmArgs = {
      batch, m, n, k, transA: g.transA, transB: g.transB, accumulate: g.accumulate,
      a: uniform(rng, w, (g.shareA ? 1 : batch) * m * k, placement),
      b: uniform(rng, w, (g.shareB ? 1 : batch) * k * n, placement),
      c: uniform(rng, w, batch * m * n, placement),
      strideA: g.shareA ? 0 : m * k, strideB: g.shareB ? 0 : k * n, strideC: m * n,
    };
    return { g, args, start: Float32Array.from(args.c), single: new Float32Array(0) };
  });
  expect(await w.setThreads(1)).toBe(1);
  for (const r of runs) {
    w.gemm(r.args);
    r.single = Float32Array.from(r.args.c);
    r.args.c.set(r.start);
  }
  expect(await w.setThreads(threads)).toBe(threads);
  for (const r of runs) {
    w.gemm(r.args);
    expectSame(r.args.c, r.single, `gemm ${JSON.stringify(r.g)} ${placement}, ${threads} threads`);
  }
}

describe.each(variants)('%s build with threads', (variant) => {
  const w = backendFor(variant);
  afterAll(() => w.setThreads(1));

  it('gives bitwise the one-thread result on random shapes, in the heap and staged', async () => {
    const cases = randomCases(new Rng(3), 12);
    await compareThreads(w, 2, cases, 'heap');
    await compareThreads(w, 2, cases.slice(0, 4), 'plain');
  });

  it('gives the same result at 3 threads (a different cut into chunks)', async () => {
    await compareThreads(w, 3, randomCases(new Rng(4), 4), 'heap');
  });

  it('reports its thread count and stops its workers at 1', async () => {
    expect(await w.setThreads(1)).toBe(1);
    expect(await w.setThreads(2)).toBe(2);
    expect(w.threads).toBe(2);
    expect(await w.setThreads(1)).toBe(1);
    expect(w.threads).toBe(1);
  });
});

describe('setThreads', () => {
  let w: WasmBackend;
  beforeAll(() => {
    w = createWasmBackendSync({ simd: 'simd' });
  });

  it('rejects a count that is not a whole number from 1 to 64', async () => {
    for (const n of [0, -1, 1.5, 65, NaN]) await expect(w.setThreads(n)).rejects.toThrow(RangeError);
    expect(w.threads).toBe(1);
  });

  it('settles on one thread over an unshared memory', async () => {
    const unshared = createWasmBackendSync({ simd: 'simd', shared: false, maxBytes: 64 * 1024 * 1024 });
    expect(unshared.sharedMemory).toBe(false);
    expect(await unshared.setThreads(2)).toBe(1);
    expect(unshared.threads).toBe(1);
  });

  it('leaves a process free to exit with its workers idle', () => {
    const script = [
      `const { createWasmBackendSync } = await import(${JSON.stringify(join(root, 'src/backend/wasm/index.ts'))});`,
      `const w = createWasmBackendSync({ simd: 'simd' });`,
      `const threads = await w.setThreads(2);`,
      `const a = w.alloc(256 * 256).fill(1), c = w.alloc(256 * 256);`,
      `w.gemm({ batch: 1, m: 256, n: 256, k: 256, a, b: a, c, transA: false, transB: false,`,
      `  strideA: 0, strideB: 0, strideC: 0, accumulate: false });`,
      `console.log(threads, c[0], c[256 * 256 - 1]);`,
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('2 256 256');
  });
});

/** The plain-SIMD module's bytes, and imports for it over `memory`. */
function plainModule(memory: WebAssembly.Memory): { bytes: Uint8Array; module: WebAssembly.Module; imports: WebAssembly.Imports } {
  const bytes = Uint8Array.from(atob(WASM_BINARIES.simd.shared), (ch) => ch.charCodeAt(0));
  const module = new WebAssembly.Module(bytes);
  const env: Record<string, unknown> = { memory };
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind === 'function') env[imp.name] = Math[imp.name.slice('Math.'.length) as 'exp'];
  }
  return { bytes, module, imports: { env } as WebAssembly.Imports };
}

describe('WasmThreads jobs', () => {
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 256, shared: true });
  const { bytes, module, imports } = plainModule(memory);
  const instance = new WebAssembly.Instance(module, imports);
  const heap = new WasmHeap(memory, true, (instance.exports.heapBase as () => number)(), DEFAULT_HEAP);
  const threads = new WasmThreads(instance.exports, heap, bytes);
  afterAll(() => threads.setThreads(1));

  it('runs a job together on every thread: all of them meet at each barrier', async () => {
    const word = heap.alloc(16);
    const at = heap.addressOf(word);
    const ints = new Int32Array(word.buffer, at, 2);
    threads.together('barrier', [at, 1]); // no pool: one part
    expect(await threads.setThreads(3)).toBe(3);
    // Each call returns only once all three threads have arrived; a thread running two parts,
    // or one never running, would hang here.
    for (let i = 0; i < 200; i++) threads.together('barrier', [at, threads.count]);
    expect(Array.from(ints)).toEqual([0, 200]);
  });

  it('runs a job either way: on this thread without a pool, else trying the pool and this thread first', () => {
    const ways: boolean[] = [];
    new WasmThreads(instance.exports, heap, bytes).eitherWay(1 << 24, (together) => ways.push(together));
    expect(ways).toEqual([false]);
    ways.length = 0;
    for (let i = 0; i < 4; i++) threads.eitherWay(1 << 24, (together) => ways.push(together));
    expect(ways).toEqual([true, true, false, false]); // then PathChooser keeps to the faster
  });

  it('refuses exports the module lacks and too many arguments', () => {
    expect(() => threads.forChunks('nope', [], 1)).toThrow(/no function 'nope'/);
    expect(() => threads.together('barrier', new Array<number>(40).fill(0))).toThrow(/arguments/);
  });
});

describe('workerModuleBytes', () => {
  it('makes data segments passive: instantiating leaves the memory as it was', () => {
    const memory = new WebAssembly.Memory({ initial: 32, maximum: 64, shared: true });
    const { bytes, module: original, imports } = plainModule(memory);
    const module = new WebAssembly.Module(workerModuleBytes(bytes));
    expect(WebAssembly.Module.exports(module)).toEqual(WebAssembly.Module.exports(original));
    const view = new Uint8Array(memory.buffer);
    view.fill(0xa5);
    new WebAssembly.Instance(module, imports);
    expect(view.every((x) => x === 0xa5)).toBe(true);
    new WebAssembly.Instance(original, imports); // the original writes its (zero) static data
    expect(view.every((x) => x === 0xa5)).toBe(false);
  });
});

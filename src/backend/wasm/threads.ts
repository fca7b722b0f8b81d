import type { WasmHeap } from './heap.js';
import {
  CLAIM, CONTROL_INTS, DONE, FAILED, JOB, MAX_ARGS, MAX_CHUNKS, SEQ, STOP, WORKER_SOURCE, type WorkerReply,
  type WorkerStart, claimChunk, claimWord, workerModuleBytes,
} from './worker.js';

/**
 * Threads for the WebAssembly backend: a pool of workers that run kernels over the backend's
 * shared memory, so the tensors never move. Used for large GEMMs, the main cost of training:
 * a product is cut into chunks (blocks of rows, panels of columns or batch entries), the caller
 * packs the operand every chunk shares, then the caller and the workers claim chunks until none
 * is left (worker.ts has the protocol). Each chunk runs assembly/parallel.ts's gemmChunk, whose
 * sums run in the same order however the work is cut, so results do not depend on the thread
 * count. Other kernels can use the pool too: `forChunks` and `together` (the whole-sequence
 * recurrences split their hidden units across it, assembly/recurrence-parallel.ts).
 *
 *   await backend.setThreads(2);   // the caller plus one worker; 1 (the default) stops them
 *
 * Never slower than one thread, as far as it can tell: small products (below
 * MIN_PARALLEL_WORK multiply-adds) and matrix-vector products stay on the calling thread, since
 * waking a worker costs more than they take, and PathChooser runs larger ones on one thread
 * while that is measured to be faster (a worker's core busy with another program). Workers are
 * unref'd in Node, so an idle pool never keeps a process alive.
 *
 * Threads need a shared memory and a caller that may block in Atomics.wait: Node, and browser
 * workers on a cross-origin-isolated page. Elsewhere (a page's main thread, an unshared memory)
 * setThreads settles on one thread.
 */

/** m·n·k below which a GEMM stays on one thread (about 50 µs of work at 40 GFLOP/s). */
export const MIN_PARALLEL_WORK = 1 << 20;
/** m·n·k per chunk to aim for: small enough to balance, large enough that claiming is noise. */
export const CHUNK_WORK = 1 << 19;
/** At most this many chunks per thread: each re-streams the shared operand once. */
export const CHUNKS_PER_THREAD = 4;
export const MAX_THREADS = 64;

/**
 * How long a thread polls for the next job, or for the last chunks, before sleeping in
 * Atomics.wait. Waking a sleeping thread costs tens to hundreds of microseconds (more in a VM,
 * whose idle virtual CPU halts), so back-to-back products find the workers awake; polling
 * longer steals the core from other programs, and a thread that polled its time slice away
 * comes back later when the core is shared.
 */
const SPIN_MS = 0.05;

/** How gemmChunk splits the work (assembly/parallel.ts). */
export const SPLIT_ROWS = 0;
export const SPLIT_COLUMNS = 1;
export const SPLIT_BATCH = 2;

/** The kernel module's exports the GEMM path uses. Addresses are byte offsets; booleans are 0/1. */
export interface ParallelExports {
  gemm(batch: number, m: number, n: number, k: number, a: number, b: number, c: number, transA: number,
    transB: number, strideA: number, strideB: number, strideC: number, accumulate: number, scratch: number): void;
  gemmChunk(batch: number, m: number, n: number, k: number, a: number, b: number, c: number, transA: number,
    transB: number, strideA: number, strideB: number, strideC: number, accumulate: number, split: number, per: number,
    shared: number, scratch: number, scratchStride: number, chunk: number, thread: number): void;
  gemmPackA(a: number, m: number, k: number, transA: number, dst: number): void;
  gemmPackB(b: number, k: number, n: number, transB: number, dst: number): void;
}

/** How a GEMM is cut: `chunks` chunks of `per` units, each thread with `partBytes` of scratch. */
export interface GemmPlan {
  split: typeof SPLIT_ROWS | typeof SPLIT_COLUMNS | typeof SPLIT_BATCH;
  per: number;
  chunks: number;
  partBytes: number;
}

const packedABytes = (m: number, k: number): number => Math.ceil(m / 4) * k * 16;
const packedBBytes = (n: number, k: number): number => Math.ceil(n / 8) * k * 32;
const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;
/** Edge-tile scratch at the start of each thread's part. */
const TILE_BYTES = 128;

/**
 * How to run a GEMM on `threads` threads, or null for one thread: too little work, a
 * matrix-vector product, or too few rows, columns and batch entries to share. One matrix is
 * cut along its longer side (columns when m ≤ n), so the operand every chunk shares, packed once
 * by the caller, is the smaller one; a batch is cut by entries.
 */
export function planGemm(batch: number, m: number, n: number, k: number, threads: number): GemmPlan | null {
  const work = batch * m * n * k;
  if (threads < 2 || m < 2 || n < 2 || k === 0 || work < MIN_PARALLEL_WORK) return null;
  const split = batch > 1 ? SPLIT_BATCH : m <= n ? SPLIT_COLUMNS : SPLIT_ROWS;
  const units = split === SPLIT_BATCH ? batch : split === SPLIT_COLUMNS ? Math.ceil(n / 8) : Math.ceil(m / 4);
  if (units < 2) return null;
  const wanted = Math.min(Math.max(Math.floor(work / CHUNK_WORK), threads), CHUNKS_PER_THREAD * threads);
  const per = Math.ceil(units / Math.min(units, wanted));
  const partBytes = split === SPLIT_BATCH ? packedABytes(m, k) + packedBBytes(n, k)
    : split === SPLIT_COLUMNS ? per * k * 32 : per * k * 16;
  return { split, per, chunks: Math.ceil(units / per), partBytes: align(TILE_BYTES + partBytes) };
}

/**
 * Picks one thread or the pool for each large GEMM by what each way took lately. Workers share
 * their cores with everything else on the machine: when another program keeps a core busy,
 * waiting for a worker costs more than it saves, and one thread is faster. Per size class
 * (m·n·k within a power of two) it keeps the time per multiply-add of the last RECENT calls each
 * way, takes the way whose median is lower, and still tries the other every EXPLORE-th call, so
 * it notices when the load changes. The median ignores a lone slow call (a virtual machine's
 * core taken away for a moment), which a running mean would follow to the slower way for many
 * calls. Each way's first call in a class (page faults, a worker's compiler tiering up) is not
 * counted. Only the timing is chosen this way: both ways give bitwise the same C.
 */
export class PathChooser {
  static readonly EXPLORE = 32;
  static readonly RECENT = 5;
  /** Milliseconds per multiply-add of the last RECENT calls, per class, one thread and the pool. */
  private readonly serial = new Float64Array(64 * PathChooser.RECENT);
  private readonly parallel = new Float64Array(64 * PathChooser.RECENT);
  /** Calls so far per class, and calls timed each way (all but the first are kept). */
  private readonly calls = new Uint32Array(64);
  private readonly serialSeen = new Uint32Array(64);
  private readonly parallelSeen = new Uint32Array(64);
  private readonly sorted = new Float64Array(PathChooser.RECENT);

  /** Whether the next GEMM of `work` multiply-adds should run on the pool. */
  useParallel(work: number): boolean {
    const c = PathChooser.sizeClass(work);
    const n = ++this.calls[c];
    if (this.parallelSeen[c] < 2) return true;
    if (this.serialSeen[c] < 2) return false;
    const faster = this.median(this.parallel, c, this.parallelSeen[c]) <= this.median(this.serial, c, this.serialSeen[c]);
    return n % PathChooser.EXPLORE === 0 ? !faster : faster;
  }

  /** Records that a GEMM of `work` multiply-adds took `ms` one way. */
  record(work: number, parallel: boolean, ms: number): void {
    const c = PathChooser.sizeClass(work);
    const seen = parallel ? this.parallelSeen : this.serialSeen;
    const recent = parallel ? this.parallel : this.serial;
    const n = ++seen[c];
    if (n >= 2) recent[c * PathChooser.RECENT + (n - 2) % PathChooser.RECENT] = ms / work;
  }

  /** Median of the samples kept for class c (seen: calls timed that way, the first not kept). */
  private median(recent: Float64Array, c: number, seen: number): number {
    const k = Math.min(seen - 1, PathChooser.RECENT);
    const v = this.sorted.subarray(0, k);
    v.set(recent.subarray(c * PathChooser.RECENT, c * PathChooser.RECENT + k));
    v.sort();
    return k % 2 ? v[(k - 1) / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
  }

  private static sizeClass(work: number): number {
    return Math.min(63, Math.floor(Math.log2(work)));
  }
}

/** One pool worker, whichever runtime made it. */
export interface PoolWorker {
  post(message: WorkerStart): void;
  /** The worker's first reply; rejects when it fails to load. */
  firstReply(): Promise<WorkerReply>;
  terminate(): void;
}

/** Starts a worker running `source` (a classic script). */
export type WorkerFactory = (source: string) => Promise<PoolWorker>;

/** Node: worker_threads, loaded when first needed so nothing below src/cli imports it statically. */
async function nodeWorker(source: string): Promise<PoolWorker> {
  const specifier = 'node:worker_threads'; // a variable, so browser bundlers leave it alone
  const { Worker } = (await import(/* @vite-ignore */ specifier)) as typeof import('node:worker_threads');
  const w = new Worker(source, { eval: true });
  w.unref(); // an idle worker sleeps in Atomics.wait; it must not hold the process open
  return {
    post: (message) => w.postMessage(message),
    firstReply: () => new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    }),
    terminate: () => void w.terminate(),
  };
}

/** Browsers: a classic Web Worker from a Blob URL. */
async function webWorker(source: string): Promise<PoolWorker> {
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const w = new Worker(url);
  return {
    post: (message) => w.postMessage(message),
    firstReply: () => new Promise((resolve, reject) => {
      w.onmessage = (e: MessageEvent<WorkerReply>) => {
        URL.revokeObjectURL(url);
        resolve(e.data);
      };
      w.onerror = (e) => reject(new Error(e.message));
    }),
    terminate: () => w.terminate(),
  };
}

function defaultWorkerFactory(): WorkerFactory {
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  return node ? nodeWorker : webWorker;
}

/** Whether this thread may block in Atomics.wait (not a browser page's main thread). */
function canBlock(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

type Kernel = (...args: number[]) => void;

/** The caller's side of a running pool: the control block, the workers and the job loop. */
class Pool {
  private seq = 0;
  private readonly call: number[] = [];

  constructor(private readonly control: Int32Array, private readonly workers: PoolWorker[],
    private readonly fns: readonly Kernel[]) {}

  /** Threads in the pool, the caller included. */
  get size(): number {
    return this.workers.length + 1;
  }

  /**
   * Runs `fns[fn](...args, chunk, thread)` for every chunk < chunks on the caller (thread 0)
   * and whichever workers are awake, or with `together`, `fns[fn](...args, part, size)` once on
   * every thread at once; returns when all are done.
   */
  run(fn: number, args: readonly number[], chunks: number, together: boolean): void {
    const ctl = this.control;
    ctl[JOB] = fn;
    ctl[JOB + 1] = chunks;
    ctl[JOB + 2] = together ? 1 : 0;
    ctl[JOB + 3] = args.length;
    ctl.set(args, JOB + 4);
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, FAILED, 0);
    const seq = this.seq = (this.seq + 1) | 0;
    Atomics.store(ctl, CLAIM, claimWord(seq, chunks));
    Atomics.store(ctl, SEQ, seq);
    Atomics.notify(ctl, SEQ);
    const call = this.call;
    call.length = 0;
    call.push(...args, 0, together ? chunks : 0);
    for (let chunk = claimChunk(ctl, seq, chunks); chunk >= 0; chunk = claimChunk(ctl, seq, chunks)) {
      call[args.length] = chunk;
      this.fns[fn](...call);
      Atomics.add(ctl, DONE, 1);
      if (together) break;
    }
    const until = performance.now() + SPIN_MS;
    for (let i = 1, done = Atomics.load(ctl, DONE); done < chunks; done = Atomics.load(ctl, DONE), i++) {
      if ((i & 1023) === 0 && performance.now() > until) Atomics.wait(ctl, DONE, done);
    }
    if (Atomics.load(ctl, FAILED) !== 0) throw new Error('wasm threads: a kernel failed in a worker');
  }

  /** Wakes the workers to leave their loop, then ends them. */
  close(): void {
    Atomics.store(this.control, STOP, 1);
    Atomics.store(this.control, SEQ, (this.seq + 1) | 0);
    Atomics.notify(this.control, SEQ);
    for (const w of this.workers) w.terminate();
  }

  /** Starts `workers` workers on the compiled worker `module` over `memory`; jobs name `names[i]`. */
  static async start(workers: number, module: WebAssembly.Module, memory: WebAssembly.Memory, names: string[],
    fns: readonly Kernel[], factory: WorkerFactory): Promise<Pool> {
    const control = new SharedArrayBuffer(CONTROL_INTS * 4);
    const pool = new Pool(new Int32Array(control), [], fns);
    try {
      for (let t = 1; t <= workers; t++) {
        const w = await factory(WORKER_SOURCE);
        pool.workers.push(w);
        const reply = w.firstReply();
        w.post({ module, memory, control, names, thread: t, spinMs: SPIN_MS });
        const r = await reply;
        if ('error' in r) throw new Error(`wasm threads: worker ${t} could not start: ${r.error}`);
      }
    } catch (err) {
      pool.close();
      throw err;
    }
    return pool;
  }
}

/**
 * The backend's threads. `gemm` has the module export's signature and decides per call whether
 * to run it in chunks across the pool or as one call on this thread; `forChunks` and `together`
 * run any export of the module across the pool (for kernels that split their own work).
 */
export class WasmThreads {
  private pool: Pool | null = null;
  private workerModule: Promise<WebAssembly.Module> | null = null;
  private readonly k: ParallelExports;
  /** The module's functions, in export order: jobs name them by index. */
  private readonly names: string[];
  private readonly fns: Kernel[];
  private readonly gemmChunk: number;
  /** Per-thread scratch for GEMM chunks, a heap block kept alive here; grown on demand. */
  private scratch: Float32Array | null = null;
  private pending: Promise<number> = Promise.resolve(1);
  private chooser = new PathChooser();
  /** The same for jobs that can go either way (`eitherWay`), measured apart from the GEMMs. */
  private jobChooser = new PathChooser();

  constructor(exports: WebAssembly.Exports, private readonly heap: WasmHeap, private readonly bytes: Uint8Array,
    private readonly factory: WorkerFactory = defaultWorkerFactory()) {
    this.k = exports as unknown as ParallelExports;
    this.names = Object.keys(exports).filter((name) => typeof exports[name] === 'function');
    this.fns = this.names.map((name) => exports[name] as Kernel);
    this.gemmChunk = this.names.indexOf('gemmChunk');
  }

  /** Threads in use, the caller included (1: no pool). */
  get count(): number {
    return this.pool?.size ?? 1;
  }

  /**
   * Uses `n` threads (the caller and n − 1 workers) from now on; 1 stops the workers.
   * Resolves with the count in use: 1 where threads cannot run (see above).
   */
  setThreads(n: number): Promise<number> {
    if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
      return Promise.reject(new RangeError(`threads must be an integer from 1 to ${MAX_THREADS}, got ${n}`));
    }
    this.pending = this.pending.catch(() => 1).then(async () => {
      if (n === this.count) return n;
      this.pool?.close();
      this.pool = null;
      this.chooser = new PathChooser();
      this.jobChooser = new PathChooser();
      if (n === 1 || !this.heap.shared || !canBlock()) return 1;
      // One compiled module for every pool this backend starts: workers share its code, so the
      // optimized code V8 tiers up to while a pool runs serves the next pool from its start.
      this.workerModule ??= WebAssembly.compile(workerModuleBytes(this.bytes)).catch((err: unknown) => {
        this.workerModule = null;
        throw err;
      });
      this.pool = await Pool.start(n - 1, await this.workerModule, this.heap.memory, this.names, this.fns, this.factory);
      return n;
    });
    return this.pending;
  }

  /**
   * Calls export `name` as f(...args, chunk, thread) for every chunk < chunks, spread over the
   * threads (in order on this thread when there is no pool). Chunks must not depend on each
   * other; `thread` (0 = the caller) picks per-thread scratch.
   */
  forChunks(name: string, args: readonly number[], chunks: number): void {
    const fn = this.exportIndex(name, args);
    if (chunks > MAX_CHUNKS) throw new Error(`wasm threads: ${chunks} chunks, at most ${MAX_CHUNKS}`);
    if (this.pool && chunks > 0) this.pool.run(fn, args, chunks, false);
    else for (let chunk = 0; chunk < chunks; chunk++) this.fns[fn](...args, chunk, 0);
  }

  /**
   * Calls export `name` as f(...args, part, parts) once on every thread at once, parts = count:
   * for kernels that split their own work and meet at `barrier` (assembly/parallel.ts).
   */
  together(name: string, args: readonly number[]): void {
    const fn = this.exportIndex(name, args);
    if (this.pool) this.pool.run(fn, args, this.pool.size, true);
    else this.fns[fn](...args, 0, 1);
  }

  /**
   * Runs a job that can go either way: `run(true)` uses the pool (with `together`), `run(false)`
   * stays on this thread. Without a pool it runs on this thread; with one, PathChooser picks
   * the way that was faster lately for jobs of `work` multiply-adds, as for GEMMs (a pool whose
   * cores are busy with other programs loses). Both ways must give the same results.
   */
  eitherWay(work: number, run: (together: boolean) => void): void {
    if (!this.pool) return run(false);
    const parallel = this.jobChooser.useParallel(work);
    const started = performance.now();
    run(parallel);
    this.jobChooser.record(work, parallel, performance.now() - started);
  }

  private exportIndex(name: string, args: readonly number[]): number {
    const fn = this.names.indexOf(name);
    if (fn < 0) throw new Error(`wasm threads: the module exports no function '${name}'`);
    if (args.length > MAX_ARGS) throw new Error(`wasm threads: ${args.length} arguments, at most ${MAX_ARGS}`);
    return fn;
  }

  /** The module's gemm, run across the pool when planGemm says so. */
  readonly gemm = (batch: number, m: number, n: number, k: number, a: number, b: number, c: number, transA: number,
    transB: number, strideA: number, strideB: number, strideC: number, accumulate: number, scratch: number): void => {
    const plan = this.pool ? planGemm(batch, m, n, k, this.pool.size) : null;
    const parts = plan ? this.threadScratch(this.pool!.size * plan.partBytes) : -1;
    if (!plan || parts < 0) {
      this.k.gemm(batch, m, n, k, a, b, c, transA, transB, strideA, strideB, strideC, accumulate, scratch);
      return;
    }
    const work = batch * m * n * k;
    const parallel = this.chooser.useParallel(work);
    const started = performance.now();
    if (parallel) {
      // The operand every chunk shares goes, packed, into the caller's scratch (it holds both).
      if (plan.split === SPLIT_COLUMNS) this.k.gemmPackA(a, m, k, transA, scratch);
      if (plan.split === SPLIT_ROWS) this.k.gemmPackB(b, k, n, transB, scratch);
      this.pool!.run(this.gemmChunk, [batch, m, n, k, a, b, c, transA, transB, strideA, strideB, strideC, accumulate,
        plan.split, plan.per, scratch, parts, plan.partBytes], plan.chunks, false);
    } else {
      this.k.gemm(batch, m, n, k, a, b, c, transA, transB, strideA, strideB, strideC, accumulate, scratch);
    }
    this.chooser.record(work, parallel, performance.now() - started);
  };

  /** Address of `bytes` of scratch for the threads' parts, or −1 when the heap has no room. */
  private threadScratch(bytes: number): number {
    if (this.scratch === null || this.scratch.length * 4 < bytes) {
      // Heap blocks start on 64-byte boundaries, as gemmChunk's vectors want.
      const grown = this.heap.alloc(Math.max(bytes, 2 * (this.scratch?.length ?? 0) * 4) / 4);
      this.scratch = this.heap.owns(grown) ? grown : null;
    }
    return this.scratch === null ? -1 : this.heap.addressOf(this.scratch);
  }
}

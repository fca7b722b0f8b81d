/**
 * The server's inference pool: a fixed number of piscina worker threads (worker.ts), each holding
 * every served model, and a bounded queue in front of them. A job that waits too long or runs
 * too long is aborted (piscina stops the worker running it and starts a fresh one, which loads
 * the models again); a job that finds the queue full is refused at once. A job whose client
 * goes away is cancelled without stopping its worker: the job carries a flag in shared memory
 * that the worker reads before it starts and between tokens or batches, so a phone keyboard
 * that drops stale requests as the user types costs a few milliseconds, not a model reload.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TransferListItem } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { SeqlabError } from '../errors.js';
import { ApiError, badRequest, queueFull, timedOut } from './errors.js';
import type { Job, JobResult, LoadedMessage, WorkerSetup } from './worker.js';

export interface PoolOptions {
  /** Worker threads (each loads every model). */
  workers: number;
  /** Jobs that may wait for a free worker; one more is a 429. */
  queue: number;
  /** Longest a job may take, waiting included (ms); longer is a 504. */
  timeoutMs: number;
}

/**
 * The compiled worker module. Worker threads run JavaScript, so from the TypeScript sources
 * (vitest, tsx) the pool uses the build in dist/ (`npx tsc -p tsconfig.build.json`).
 */
export function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(dirname(here), 'worker.js');
  const compiled = resolve(dirname(here), '../../dist/src/serve/worker.js');
  if (!existsSync(compiled)) throw new SeqlabError(`serve: ${compiled} is missing; build it with npm run build`);
  return compiled;
}

const isLoaded = (m: unknown): m is LoadedMessage => typeof m === 'object' && m !== null && 'seqlabLoaded' in m;

export class InferencePool {
  private readonly pool: Piscina;
  private readonly loaded = new Set<number>();
  private markReady!: () => void;
  /** Settles once every worker has loaded the models. */
  readonly ready: Promise<void>;

  /** Called with the thread id of each worker that replaced a stopped one, once it has loaded the models. */
  onReplaced?: (threadId: number) => void;

  constructor(models: readonly { id: string; dir: string }[], readonly options: PoolOptions) {
    this.ready = new Promise((done) => (this.markReady = done));
    const setup: WorkerSetup = { models: models.map(({ id, dir }) => ({ id, dir })) };
    this.pool = new Piscina({
      filename: pathToFileURL(workerFile()).href,
      minThreads: options.workers,
      maxThreads: options.workers,
      idleTimeout: Infinity,
      // With atomics a busy worker waits for its next job without turning its event loop, so the
      // finalizers that hand tensor memory back (backend/wasm/heap.ts) never run under steady load.
      atomics: 'disabled',
      workerData: setup,
    });
    this.pool.on('message', (m: unknown) => {
      if (!isLoaded(m)) return;
      // A worker that loads after the pool was ready replaces one stopped past the timeout.
      if (this.isReady) this.onReplaced?.(m.seqlabLoaded);
      this.loaded.add(m.seqlabLoaded);
      if (this.loaded.size >= options.workers) this.markReady();
    });
    // Errors outside a job (a worker dying between jobs): piscina replaces the worker; say so.
    this.pool.on('error', (err: unknown) => process.stderr.write(`seqlab: worker error: ${err instanceof Error ? err.message : String(err)}\n`));
  }

  /** Whether every worker has loaded the models. */
  get isReady(): boolean {
    return this.loaded.size >= this.options.workers;
  }

  /** Jobs waiting for a worker. */
  get waiting(): number {
    return this.pool.queueSize;
  }

  /** Throws the 429 when the queue is full (run does this too; a stream checks before its first byte). */
  admit(): void {
    if (this.pool.queueSize >= this.options.queue) throw queueFull(this.pool.queueSize);
  }

  /**
   * Runs `job` on a worker and returns its answer. A full queue is a 429, a job past the time
   * limit a 504 (its worker is stopped and replaced), a mistake in the request's data (a
   * SeqlabError in the worker) a 400 naming `param`. `cancel` (the client went away) sets the
   * job's cancel flag: a waiting job ends as soon as a worker takes it, a running one at its
   * next token or batch, and the answer is a 499.
   */
  async run(job: Job, param: string, options: { cancel?: AbortSignal; transferList?: TransferListItem[] } = {}): Promise<unknown> {
    this.admit();
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const cancel = (): void => void Atomics.store(flag, 0, 1);
    if (options.cancel?.aborted) cancel();
    options.cancel?.addEventListener('abort', cancel, { once: true });
    let result: JobResult;
    try {
      result = (await this.pool.run({ ...job, cancel: flag }, { signal: timeout, transferList: options.transferList as never })) as JobResult;
    } catch (err) {
      if (timeout.aborted) throw timedOut(this.options.timeoutMs / 1000);
      throw err;
    } finally {
      options.cancel?.removeEventListener('abort', cancel);
    }
    // Cancelled in the worker, or answered just as the client went: either way nobody reads it.
    if (options.cancel?.aborted || (!result.ok && 'cancelled' in result)) {
      throw new ApiError(499, 'the client closed the request', 'invalid_request_error', null, 'cancelled');
    }
    if (!result.ok) throw badRequest(param, result.message);
    return result.value;
  }

  /** Stops the workers once the jobs they run are done. */
  async close(): Promise<void> {
    await this.pool.close();
  }
}

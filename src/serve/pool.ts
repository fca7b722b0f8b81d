/**
 * The server's inference pool: a fixed number of piscina worker threads (worker.ts), each holding
 * every served model, and a bounded queue in front of them. A job that waits too long or runs
 * too long is aborted (piscina stops the worker running it and starts a fresh one, which loads
 * the models again); a job that finds the queue full is refused at once.
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
   * limit a 504, a mistake in the request's data (a SeqlabError in the worker) a 400 naming
   * `param`. `cancel` aborts the job when the client goes away.
   */
  async run(job: Job, param: string, options: { cancel?: AbortSignal; transferList?: TransferListItem[] } = {}): Promise<unknown> {
    this.admit();
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = options.cancel ? AbortSignal.any([timeout, options.cancel]) : timeout;
    let result: JobResult;
    try {
      result = (await this.pool.run(job, { signal, transferList: options.transferList as never })) as JobResult;
    } catch (err) {
      if (timeout.aborted) throw timedOut(this.options.timeoutMs / 1000);
      if (options.cancel?.aborted) throw new ApiError(499, 'the client closed the request', 'invalid_request_error', null, 'cancelled');
      throw err;
    }
    if (!result.ok) throw badRequest(param, result.message);
    return result.value;
  }

  /** Stops the workers once the jobs they run are done. */
  async close(): Promise<void> {
    await this.pool.close();
  }
}

/**
 * The page's side of the engine Worker: `engine.call(request)` returns a promise of the op's
 * result, with progress messages passed to `onProgress`. One Worker per page.
 */
import type { Progress, Reply, Request, Results } from './protocol.js';

type Pending = { resolve(v: unknown): void; reject(e: Error): void; onProgress?: (p: Progress) => void };

export class Engine {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private next = 1;
  /** Resolves once the Worker has its backend and threads. */
  readonly ready: Promise<Results['init']>;

  constructor(root: string) {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<Reply>) => this.receive(e.data);
    this.worker.onerror = (e) => {
      for (const p of this.pending.values()) p.reject(new Error(e.message || 'the engine stopped'));
      this.pending.clear();
    };
    this.ready = this.send({ op: 'init' }, undefined, root);
  }

  call<R extends Request>(req: R, onProgress?: (p: Progress) => void): Promise<Results[R['op']]> {
    return this.ready.then(() => this.send(req, onProgress));
  }

  private send<R extends Request>(req: R, onProgress?: (p: Progress) => void, root?: string): Promise<Results[R['op']]> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress });
      this.worker.postMessage({ id, req, root });
    });
  }

  private receive(reply: Reply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    if (reply.type === 'progress') {
      p.onProgress?.(reply.progress);
      return;
    }
    this.pending.delete(reply.id);
    if (reply.type === 'done') p.resolve(reply.result);
    else p.reject(new Error(reply.message));
  }
}

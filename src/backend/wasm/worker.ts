/**
 * What a pool worker runs (threads.ts starts them), and the layout of the control block the
 * pool and its workers share.
 *
 * A worker instantiates the kernel module over the backend's shared WebAssembly.Memory, then
 * serves jobs forever, without messages: the caller writes a job into the control block
 * (an Int32Array over a SharedArrayBuffer), bumps SEQ and wakes the workers; everyone, the
 * caller included, claims chunk indices from CLAIM until none are left and calls the job's
 * export as `f(...args, chunk, thread)`; each finished chunk adds one to DONE. A job run
 * `together` has one chunk per thread and each thread claims one at most, so all of them run
 * at once (they may meet at barriers); they are called as `f(...args, part, parts)`.
 *
 * CLAIM packs the job's tag (SEQ's low bits) with the count of unclaimed chunks, so a worker
 * that wakes late can claim nothing from a finished job, and one that claims a chunk is sure
 * the arguments it read belong to that job (the caller writes the next job only after every
 * chunk of this one is done). A worker that oversleeps a whole job just misses it: the caller
 * runs the chunks itself, so a busy core never stalls the work.
 *
 * The worker is a JavaScript string, not a module file: Node runs it with `eval: true` and
 * browsers from a Blob URL, so it loads the same under tsx, vitest, the compiled dist/ and any
 * bundler, with no loader or file path involved.
 */

/** Int32 slots of the control block. */
export const SEQ = 0;
export const CLAIM = 1;
export const DONE = 2;
export const STOP = 3;
export const FAILED = 4;
/** The job: export index, chunk count, 1 when run together, argument count, then the arguments. */
export const JOB = 8;
export const MAX_ARGS = 32;
export const CONTROL_INTS = JOB + 4 + MAX_ARGS;

/** CLAIM = tag << TAG_SHIFT | unclaimed chunks. */
export const TAG_SHIFT = 11;
export const MAX_CHUNKS = (1 << TAG_SHIFT) - 1;
export const TAG_MASK = (1 << (31 - TAG_SHIFT)) - 1;

/** The CLAIM word that opens job `seq` with `chunks` chunks. */
export function claimWord(seq: number, chunks: number): number {
  return ((seq & TAG_MASK) << TAG_SHIFT) | chunks;
}

/**
 * Claims the next chunk of job `seq` (chunks are handed out in increasing order); −1 when
 * none is left or the job is over.
 */
export function claimChunk(control: Int32Array, seq: number, chunks: number): number {
  for (;;) {
    const v = Atomics.load(control, CLAIM);
    if (v >>> TAG_SHIFT !== (seq & TAG_MASK) || (v & MAX_CHUNKS) === 0) return -1;
    if (Atomics.compareExchange(control, CLAIM, v, v - 1) === v) return chunks - (v & MAX_CHUNKS);
  }
}

/** What the pool posts to a new worker, once. */
export interface WorkerStart {
  /** The kernel module with its data segments made passive (workerModuleBytes). */
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  /** The exports jobs may name, by index: the module's functions. */
  names: string[];
  thread: number;
  /** Milliseconds to poll SEQ after a job before sleeping in Atomics.wait. */
  spinMs: number;
}

/** The worker's first message: ready, or why it could not start. */
export type WorkerReply = { ready: true } | { error: string };

export const WORKER_SOURCE = `'use strict';
const SEQ = ${SEQ}, CLAIM = ${CLAIM}, DONE = ${DONE}, STOP = ${STOP}, FAILED = ${FAILED}, JOB = ${JOB};
const TAG_SHIFT = ${TAG_SHIFT}, MAX_CHUNKS = ${MAX_CHUNKS}, TAG_MASK = ${TAG_MASK};

function instantiate(module, memory) {
  const imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    const env = (imports[imp.module] ??= {});
    if (imp.kind === 'memory') env[imp.name] = memory;
    else if (imp.name.startsWith('Math.')) env[imp.name] = Math[imp.name.slice(5)];
  }
  return new WebAssembly.Instance(module, imports);
}

/** Polls word i of ctl while it equals v, for up to ms milliseconds; returns its value. */
function poll(ctl, i, v, ms) {
  const until = performance.now() + ms;
  let now = Atomics.load(ctl, i);
  for (let n = 1; now === v; n++) {
    if ((n & 1023) === 0 && performance.now() > until) break;
    now = Atomics.load(ctl, i);
  }
  return now;
}

function serve(ctl, fns, thread, spinMs) {
  let seen = 0; // the pool publishes its first job (SEQ 1) once every worker is ready
  const args = [];
  for (;;) {
    const seq = poll(ctl, SEQ, seen, spinMs);
    if (seq === seen) {
      Atomics.wait(ctl, SEQ, seen);
      continue;
    }
    seen = seq;
    if (Atomics.load(ctl, STOP) !== 0) return;
    const fn = fns[ctl[JOB]];
    const chunks = ctl[JOB + 1];
    const together = ctl[JOB + 2] !== 0;
    const n = ctl[JOB + 3];
    args.length = n + 2;
    for (let i = 0; i < n; i++) args[i] = ctl[JOB + 4 + i];
    args[n + 1] = together ? chunks : thread;
    const tag = seq & TAG_MASK;
    for (;;) {
      const v = Atomics.load(ctl, CLAIM);
      if (v >>> TAG_SHIFT !== tag || (v & MAX_CHUNKS) === 0) break;
      if (Atomics.compareExchange(ctl, CLAIM, v, v - 1) !== v) continue;
      args[n] = chunks - (v & MAX_CHUNKS);
      try {
        fn.apply(null, args);
      } catch {
        Atomics.store(ctl, FAILED, 1);
      }
      if (Atomics.add(ctl, DONE, 1) + 1 === chunks) Atomics.notify(ctl, DONE);
      if (together) break;
    }
  }
}

function start(data, reply) {
  let ctl, fns;
  try {
    const instance = instantiate(data.module, data.memory);
    fns = data.names.map((name) => instance.exports[name]);
    ctl = new Int32Array(data.control);
  } catch (err) {
    reply({ error: String(err) });
    return;
  }
  reply({ ready: true });
  serve(ctl, fns, data.thread, data.spinMs);
}

if (typeof process === 'object' && process.versions && process.versions.node) {
  // A script or a module, as the parent's execArgv has it: import() works in both.
  import('node:worker_threads').then(({ parentPort }) => {
    parentPort.once('message', (data) => start(data, (m) => parentPort.postMessage(m)));
  });
} else {
  self.onmessage = (e) => {
    self.onmessage = null;
    start(e.data, (m) => self.postMessage(m));
    self.close();
  };
}
`;

const DATA_SECTION = 11;

/** Appends v as an unsigned LEB128. */
function pushUleb(into: number[], v: number): void {
  for (; v >= 0x80; v = Math.floor(v / 0x80)) into.push((v % 0x80) | 0x80);
  into.push(v);
}

/**
 * The module bytes with every active data segment made passive, for workers: instantiating
 * the module again must not rewrite its static data (edge-tile and meta areas, constants) in
 * the memory the caller is using at that moment. The memory already holds that data.
 */
export function workerModuleBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  let p = 8;
  const uleb = (): number => {
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[p++];
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
    }
  };
  const out: number[] = [...bytes.subarray(0, 8)]; // magic and version
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = uleb();
    const end = p + size;
    const body: number[] = [];
    if (id !== DATA_SECTION) {
      for (let i = p; i < end; i++) body.push(bytes[i]);
    } else {
      // Flags 0 (active, memory 0) and 2 (active, memory index) become 1 (passive): drop the
      // memory index and the offset expression (i32.const or global.get, one LEB, then end).
      const count = uleb();
      pushUleb(body, count);
      for (let s = 0; s < count; s++) {
        const flag = uleb();
        if (flag === 2) uleb();
        if (flag !== 1) {
          p++;
          uleb();
          p++;
        }
        const len = uleb();
        body.push(1);
        pushUleb(body, len);
        for (let i = p; i < p + len; i++) body.push(bytes[i]);
        p += len;
      }
    }
    out.push(id);
    pushUleb(out, body.length);
    for (const b of body) out.push(b);
    p = end;
  }
  return Uint8Array.from(out);
}

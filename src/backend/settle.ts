import { backend } from './index.js';
import type { WasmBackend } from './wasm/index.js';

/**
 * Giving tensor memory back between training steps.
 *
 * A heap block returns to its free list when the garbage collector finds its view dead
 * (wasm/heap.ts). V8 runs full collections seldom here: a view is a small JS object and the
 * megabytes behind it live in WebAssembly memory, which V8 does not count. Between collections
 * every step's tensors come from fresh memory, and the first write to each fresh 4 KiB page is a
 * page fault (about 2 µs on the development VM): for the GPT of workload C, about 90 MB a step,
 * a quarter of the step's time.
 *
 * `settleMemory()`, called between steps, asks for a full collection once the heap has handed
 * out a bar's worth of memory since it last asked; the blocks then come back when the event
 * loop next turns (their finalizers), so call it before yielding. The bar is SETTLE_BYTES, or
 * more where collecting is slow: a collection of t ms waits for t·SETTLE_BYTES_PER_MS bytes, so
 * it costs at most about a sixteenth of the faults it saves (about 0.5 ms per MB). A small JS
 * heap collects in about 6 ms, so about every 190 MB. The heap grows over the first collections
 * until it holds the live tensors plus a bar's worth of free blocks; from then on steps take no
 * fresh memory. It can ask only where the engine lets it: in Node, by turning on `--expose-gc`
 * at run time and taking `gc` from a new context; in browsers it does nothing and the collector
 * keeps its own pace.
 */

/** Least bytes allocated between two collections. */
export const SETTLE_BYTES = 64 * 1024 * 1024;
/** Bytes of allocation each millisecond of collecting must be worth. */
export const SETTLE_BYTES_PER_MS = 32 * 1024 * 1024;

type Collect = () => void;

/** undefined: not looked for yet; null: this engine gives none. */
let collect: Collect | null | undefined;
let allocatedAtLast = 0;
let bar = SETTLE_BYTES;

async function findCollector(): Promise<Collect | null> {
  if (!(globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node) return null;
  try {
    // Variables, so browser bundlers leave the Node modules alone.
    const v8Name = 'node:v8';
    const vmName = 'node:vm';
    const v8 = (await import(/* @vite-ignore */ v8Name)) as typeof import('node:v8');
    const vm = (await import(/* @vite-ignore */ vmName)) as typeof import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as Collect) : null;
  } catch {
    return null;
  }
}

/** See the file comment. Resolves after asking (or deciding not to); yield after it. */
export async function settleMemory(): Promise<void> {
  const stats = (backend() as Partial<WasmBackend>).heapStats?.();
  if (!stats || stats.allocatedBytes - allocatedAtLast < bar) return;
  allocatedAtLast = stats.allocatedBytes;
  if (collect === undefined) collect = await findCollector();
  if (!collect) return;
  const t0 = performance.now();
  collect();
  bar = Math.max(SETTLE_BYTES, (performance.now() - t0) * SETTLE_BYTES_PER_MS);
}

import type { SettleOptions } from './backend.js';
import type { HeapStats } from './wasm/heap.js';

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
 * The wasm backend's `afterStep()` (`settler` below), called between steps, asks for a full
 * collection once the heap has handed out a bar's worth of memory since it last asked; the
 * blocks then come back when the event loop next turns (their finalizers), so call it before
 * yielding. The bar is SETTLE_BYTES, or
 * more where collecting is slow: a collection of t ms waits for t·SETTLE_BYTES_PER_MS bytes, so
 * it costs at most about a sixteenth of the faults it saves (about 0.5 ms per MB). A small JS
 * heap collects in about 6 ms, so about every 190 MB. t is the median of the last few
 * collections, and the bar stops at SETTLE_MAX_BYTES: WebAssembly memory never shrinks, so a
 * bar that followed each collection's time let one slow collection on a busy machine (100 ms:
 * a 3 GB bar) grow the heap for good, and a long run's memory crept up with every such spike
 * (a tiny LSTM reached 1.4 GB in the 20,000-step soak, bench/soak-train.ts). The heap grows over the first collections
 * until it holds the live tensors plus a bar's worth of free blocks; from then on steps take no
 * fresh memory. It also asks whenever the blocks not yet returned, plus what the last step
 * took, would pass the heap's high-water mark: a step bigger than the bar (a translation batch
 * takes about a gigabyte) would otherwise find the heap full of its predecessor's dead tensors
 * and fall back to plain arrays, which every kernel call then copies. It asks only through `globalThis.gc`, where the program's entry point made one
 * (`node --expose-gc`, or bin/seqlab.js, which turns the flag on and takes `gc` from a new
 * context): a library sets no engine flags of its own process. Without one (browsers, a host
 * that did not expose it) it does nothing and the collector keeps its own pace.
 *
 * The heap so grows to about the live tensors plus the bar (up to SETTLE_MAX_BYTES of free
 * blocks), and WebAssembly memory never shrinks. A caller that lives long and holds several
 * heaps (the server's workers, serve/worker.ts) passes a smaller `maxBytes`: more collections,
 * a smaller heap that reaches its size sooner.
 */

/** Least bytes allocated between two collections. */
export const SETTLE_BYTES = 64 * 1024 * 1024;
/** Bytes of allocation each millisecond of collecting must be worth. */
export const SETTLE_BYTES_PER_MS = 32 * 1024 * 1024;
/** Most bytes allocated between two collections, however slow collecting is. */
export const SETTLE_MAX_BYTES = 256 * 1024 * 1024;
/** How many of the latest collection times the bar follows (their median). */
const SETTLE_TIMES = 7;

/**
 * The `afterStep` of a backend whose heap reports `stats`, with its own count of what was
 * allocated since it last asked (so each backend instance keeps its own bar). See the file
 * comment. Resolves after asking (or deciding not to); yield after it.
 */
export function settler(stats: () => HeapStats): (options?: SettleOptions) => Promise<void> {
  let allocatedAtLast = 0;
  let allocatedAtStep = 0;
  let bar = SETTLE_BYTES;
  const times: number[] = [];
  return async (options = {}) => {
    const collect = (globalThis as { gc?: unknown }).gc;
    if (typeof collect !== 'function') return;
    const { allocatedBytes, liveBytes, highWaterBytes } = stats();
    const stepBytes = allocatedBytes - allocatedAtStep;
    allocatedAtStep = allocatedBytes;
    const full = liveBytes + stepBytes > highWaterBytes;
    if (!full && allocatedBytes - allocatedAtLast < Math.min(bar, options.maxBytes ?? SETTLE_MAX_BYTES)) return;
    allocatedAtLast = allocatedBytes;
    const t0 = performance.now();
    collect();
    times.push(performance.now() - t0);
    if (times.length > SETTLE_TIMES) times.shift();
    bar = Math.min(SETTLE_MAX_BYTES, Math.max(SETTLE_BYTES, median(times) * SETTLE_BYTES_PER_MS));
  };
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

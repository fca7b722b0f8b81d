/**
 * Tensor storage inside WebAssembly memory, so kernels run on tensors where they lie, with no
 * copy per call.
 *
 * `alloc(n)` hands out Float32Array views into the memory, from size-class free lists (64-byte
 * granules, then four classes per power of two: at most 25% waste) above a bump pointer. A block
 * returns to its free list when its view is garbage-collected (FinalizationRegistry). Nothing
 * else frees tensor blocks, and nothing depends on when that happens:
 *  - the collector runs when it likes and finalizers only when the event loop turns, so a
 *    synchronous loop frees nothing; past `highWaterBytes` of blocks, `alloc` returns a plain
 *    Float32Array instead, and kernels copy such operands through scratch (see kernels.ts);
 *  - V8 collects seldom here, since a view is a small JS object whose storage it does not see:
 *    until it does, every block comes from fresh memory, whose first touch costs a page fault
 *    per 4 KiB. src/backend/settle.ts asks for a collection between training steps when enough
 *    has been allocated since the last (`allocatedBytes`), where the engine allows asking;
 *  - a subarray of a heap view keeps its parent view alive (HeapArray below), so a block is
 *    never reused while any view into it is reachable. A view made by hand with
 *    `new Float32Array(view.buffer, ...)` is not tracked: keep the original view alive, or copy.
 *
 * Memory is shared (SharedArrayBuffer) where the engine allows it: growing a shared memory does
 * not detach existing views. Without shared memory (a page that is not cross-origin isolated)
 * the memory has a fixed size from the start and never grows, for the same reason.
 *
 * Scratch (packed GEMM panels, staged operands) is one block reused from call to call, grown on
 * demand up to `maxBytes`; it may exceed the high-water mark, tensors may not.
 */

import { checkAllocation, plainFloats } from '../alloc-limit.js';

const PAGE = 65536;
const GRANULE = 64;
/** Class indices fit in 7 bits, so a block's (offset, class) packs into one safe integer. */
const CLASSES = 128;
/** How many classes up (four per doubling) a block may come from once the mark is reached. */
const LARGER_CLASSES = 4;

export interface HeapOptions {
  /** Bytes of tensor blocks before `alloc` falls back to plain arrays. */
  highWaterBytes?: number;
  /** Most bytes the memory may reach, scratch included (the fixed size when unshared). */
  maxBytes?: number;
  /** Use a shared memory when the engine allows it (default true). */
  shared?: boolean;
}

/**
 * Tensor blocks up to 1.6 GiB (a translation step with an 8,000-way output holds most of a
 * gigabyte of activations), in a memory of at most 2 GiB: the rest is scratch and headroom.
 */
export const DEFAULT_HEAP: Required<HeapOptions> = {
  highWaterBytes: 1600 * 1024 * 1024,
  maxBytes: 2048 * 1024 * 1024,
  shared: true,
};

/** Unshared memory is committed up front (virtually), so its default is smaller. */
export const DEFAULT_UNSHARED_MAX_BYTES = 512 * 1024 * 1024;

export interface HeapStats {
  /** Current size of the WebAssembly memory. */
  memoryBytes: number;
  /** Bytes below the bump pointer (tensor blocks, free blocks and scratch). */
  reservedBytes: number;
  /** Bytes in tensor blocks not yet collected. */
  liveBytes: number;
  /** Bytes waiting in free lists. */
  freeBytes: number;
  scratchBytes: number;
  /** Tensor allocations served from the heap, and those that fell back to plain arrays. */
  heapAllocs: number;
  fallbackAllocs: number;
  /** The most bytes of tensor blocks the heap hands out before falling back to plain arrays. */
  highWaterBytes: number;
  /** Bytes of tensor storage handed out, ever (heap blocks by their class size, plain arrays). */
  allocatedBytes: number;
  /** The part of allocatedBytes that was memory never used before (the bump pointer, plain arrays). */
  freshBytes: number;
}

/** Block bytes → size class: granules 1..8 exactly, then four classes per power of two. */
export function sizeClass(bytes: number): number {
  const g = Math.max(1, Math.ceil(bytes / GRANULE));
  if (g <= 8) return g - 1;
  const e = 31 - Math.clz32(g - 1); // 2^e ≤ g − 1 < 2^(e+1), e ≥ 3
  const sub = Math.ceil((g - 2 ** e) / 2 ** (e - 2)); // 1..4
  return 8 + (e - 3) * 4 + sub - 1;
}

export function classBytes(cls: number): number {
  if (cls < 8) return (cls + 1) * GRANULE;
  const e = ((cls - 8) >> 2) + 3;
  const sub = ((cls - 8) & 3) + 1;
  return (2 ** e + sub * 2 ** (e - 2)) * GRANULE;
}

/**
 * A Float32Array into the heap whose subarrays keep it, and so its block, alive. (subarray
 * builds its result through the species constructor, so the child is a HeapArray too; the
 * field, set on every instance, keeps one hidden class for all of them.)
 */
export class HeapArray extends Float32Array<ArrayBufferLike> {
  private parent: Float32Array | null = null;

  override subarray(begin?: number, end?: number): HeapArray {
    const view = super.subarray(begin, end) as HeapArray;
    view.parent = this;
    return view;
  }
}

export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  readonly highWaterBytes: number;
  readonly maxBytes: number;
  /** The memory's current buffer; a shared memory gets a new (longer) one at each grow. */
  private buffer: ArrayBufferLike;
  /** Every buffer the memory has had: views on older ones stay valid when it is shared. */
  private readonly buffers = new Set<ArrayBufferLike>();
  private top: number;
  /** Bytes taken from the top for tensor blocks: what the high-water mark bounds. */
  private tensorBytes = 0;
  private readonly freeLists: number[][] = Array.from({ length: CLASSES }, () => []);
  private readonly registry = new FinalizationRegistry<number>((held) => this.reclaim(held));
  private scratchAt = 0;
  private scratchCls = -1;
  private liveBytes = 0;
  private freeBytes = 0;
  private heapAllocs = 0;
  private fallbackAllocs = 0;
  private allocatedBytes = 0;
  private freshBytes = 0;
  private serial = 0;
  /**
   * Each block's own view (not its subarrays): its allocation number and its (offset, class)
   * key, for `release`. Kept here rather than on the view, so views compare equal by content.
   */
  private readonly blocks = new WeakMap<Float32Array, { serial: number; block: number }>();

  /**
   * `base`: first byte the allocator may use (above the module's static data); `zero(at, bytes)`
   * clears a reused block (the module's memory.fill; a JS fill of a shared view is much slower).
   */
  constructor(memory: WebAssembly.Memory, shared: boolean, base: number, options: Required<HeapOptions>,
    private readonly zero: (at: number, bytes: number) => void = (at, bytes) => new Uint8Array(memory.buffer, at, bytes).fill(0)) {
    this.memory = memory;
    this.shared = shared;
    this.maxBytes = shared ? options.maxBytes : memory.buffer.byteLength;
    this.highWaterBytes = Math.min(options.highWaterBytes, this.maxBytes);
    this.top = Math.ceil(base / GRANULE) * GRANULE;
    this.buffer = memory.buffer;
    this.buffers.add(this.buffer);
  }

  /**
   * Storage for n floats: a heap view, or a plain array past the high-water mark. Zeroed, unless
   * `uninitialized` (then a reused block keeps its old values).
   */
  alloc(n: number, uninitialized = false): Float32Array {
    checkAllocation(n);
    if (n === 0) return new Float32Array(0);
    const cls = sizeClass(n * 4);
    const bytes = classBytes(cls);
    let blockCls = cls;
    let offset = this.freeLists[cls].pop();
    this.allocatedBytes += bytes;
    if (offset === undefined && this.tensorBytes + bytes > this.highWaterBytes) {
      // Past the mark: a free block up to about twice the size serves rather than a plain array
      // (batches of varying shape leave blocks of neighbouring classes behind).
      for (let c = cls + 1; c <= Math.min(cls + LARGER_CLASSES, CLASSES - 1) && offset === undefined; c++) {
        offset = this.freeLists[c].pop();
        blockCls = c;
      }
    }
    const reused = offset !== undefined;
    if (offset === undefined) {
      blockCls = cls;
      offset = this.tensorBytes + bytes <= this.highWaterBytes ? this.bump(bytes) : -1;
      this.freshBytes += bytes;
      if (offset >= 0) this.tensorBytes += bytes;
      else {
        this.fallbackAllocs++;
        return plainFloats(n);
      }
    } else {
      this.freeBytes -= classBytes(blockCls);
    }
    const view = new HeapArray(this.buffer, offset, n);
    if (reused && !uninitialized) this.zero(offset, n * 4);
    const block = offset * CLASSES + blockCls;
    this.blocks.set(view, { serial: ++this.serial, block });
    this.registry.register(view, block, view);
    this.liveBytes += classBytes(blockCls);
    this.heapAllocs++;
    return view;
  }

  /** The number of the last allocation: blocks allocated after it may be released. */
  mark(): number {
    return this.serial;
  }

  /**
   * Returns `a`'s block to its free list now, if `a` is a whole block's view allocated after
   * `mark` and not yet reclaimed; the collector then no longer tracks it. The caller vouches that
   * nothing reads `a` (or any view of it) again.
   */
  release(a: Float32Array, mark: number): void {
    const b = this.blocks.get(a);
    if (!b || b.serial <= mark) return;
    this.blocks.delete(a);
    if (this.registry.unregister(a)) this.reclaim(b.block);
  }

  owns(a: Float32Array | Int32Array): boolean {
    return this.buffers.has(a.buffer);
  }

  /** Byte address of `a` in this heap, or −1 when `a` lives elsewhere. */
  addressOf(a: Float32Array | Int32Array): number {
    return this.buffers.has(a.buffer) ? a.byteOffset : -1;
  }

  /** A view of n floats at byte address p (for staging copies). */
  floats(p: number, n: number): Float32Array {
    return new Float32Array(this.buffer, p, n);
  }

  ints(p: number, n: number): Int32Array {
    return new Int32Array(this.buffer, p, n);
  }

  /**
   * Address of at least `bytes` of scratch, valid until the next call; −1 when the memory
   * cannot hold it. Contents are not preserved when it grows.
   */
  scratch(bytes: number): number {
    if (bytes === 0) return 0;
    if (this.scratchCls >= 0 && classBytes(this.scratchCls) >= bytes) return this.scratchAt;
    const cls = sizeClass(Math.max(bytes, this.scratchCls >= 0 ? 2 * classBytes(this.scratchCls) : 0));
    let at = this.freeLists[cls].pop();
    if (at === undefined) at = this.bump(classBytes(cls));
    else this.freeBytes -= classBytes(cls);
    if (at < 0) return -1;
    if (this.scratchCls >= 0) {
      this.freeLists[this.scratchCls].push(this.scratchAt);
      this.freeBytes += classBytes(this.scratchCls);
    }
    this.scratchAt = at;
    this.scratchCls = cls;
    return at;
  }

  stats(): HeapStats {
    return {
      memoryBytes: this.memory.buffer.byteLength,
      reservedBytes: this.top,
      highWaterBytes: this.highWaterBytes,
      liveBytes: this.liveBytes,
      freeBytes: this.freeBytes,
      scratchBytes: this.scratchCls >= 0 ? classBytes(this.scratchCls) : 0,
      heapAllocs: this.heapAllocs,
      fallbackAllocs: this.fallbackAllocs,
      allocatedBytes: this.allocatedBytes,
      freshBytes: this.freshBytes,
    };
  }

  /** Takes `bytes` from the top, growing the memory if needed; −1 past maxBytes. */
  private bump(bytes: number): number {
    const end = this.top + bytes;
    if (end > this.maxBytes) return -1;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      if (!this.shared) return -1;
      // Grow at least by half again, so a run of small allocations grows rarely.
      const want = Math.min(this.maxBytes, Math.max(end, have + (have >> 1)));
      try {
        this.memory.grow(Math.ceil((want - have) / PAGE));
      } catch {
        return -1;
      }
      this.buffer = this.memory.buffer;
      this.buffers.add(this.buffer);
    }
    const at = this.top;
    this.top = end;
    return at;
  }

  private reclaim(held: number): void {
    const cls = held % CLASSES;
    const bytes = classBytes(cls);
    this.freeLists[cls].push((held - cls) / CLASSES);
    this.liveBytes -= bytes;
    this.freeBytes += bytes;
  }
}

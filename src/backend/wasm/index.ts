import type { Backend } from '../backend.js';
import { settler } from '../settle.js';
import { WASM_BINARIES } from './binaries.generated.js';
import { DEFAULT_HEAP, DEFAULT_UNSHARED_MAX_BYTES, type HeapOptions, type HeapStats, WasmHeap } from './heap.js';
import { type KernelExports, makeKernels } from './kernels.js';
import { WasmThreads } from './threads.js';

export type { HeapOptions, HeapStats } from './heap.js';

/**
 * The WebAssembly SIMD backend: kernels compiled from assembly/ (AssemblyScript) at build time
 * and embedded as base64, tensors stored in WebAssembly memory (heap.ts), the Backend methods
 * in kernels.ts. Two builds of the same sources: 'relaxed-simd' (f32x4.relaxed_madd, fused on
 * hardware with FMA) where the engine validates it, 'simd' (mul then add) everywhere else.
 *
 *   const wasm = await loadWasmBackend();   // browsers: compiles off the main thread
 *   useBackend(wasm);                       // or withBackend(wasm, () => ...)
 *
 * In Node, `wasmBackend` can be used directly: it loads itself synchronously on first use.
 */

export type SimdVariant = 'relaxed-simd' | 'simd';

export interface WasmBackendOptions extends HeapOptions {
  /** Which build to load: the best the engine validates ('auto', the default) or a given one. */
  simd?: 'auto' | SimdVariant;
}

export interface WasmBackend extends Backend {
  readonly variant: SimdVariant;
  /** Whether tensors live in a shared (growable) memory; otherwise a fixed-size one. */
  readonly sharedMemory: boolean;
  heapStats(): HeapStats;
  /** True when `a` is storage in this backend's memory (kernels use it in place). */
  owns(a: Float32Array): boolean;
  /** Runs the SIMD multiply-add ceiling loop (96 flops per iteration); returns a checksum. */
  peakMulAdd(iters: number): number;
  /** Threads (the caller included) that large GEMMs and recurrences use: 1 until setThreads (threads.ts). */
  readonly threads: number;
  /** Uses n threads for large GEMMs and recurrences; resolves with the count in use (1 where threads cannot run). */
  setThreads(n: number): Promise<number>;
}

const PAGE = 65536;
const INITIAL_SHARED_BYTES = 16 * 1024 * 1024;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

function binary(variant: SimdVariant, shared: boolean): Uint8Array<ArrayBuffer> {
  const set = variant === 'relaxed-simd' ? WASM_BINARIES.relaxedSimd : WASM_BINARIES.simd;
  return decodeBase64(shared ? set.shared : set.unshared);
}

/** The builds this engine accepts, best first (Node 20 needs --experimental-wasm-relaxed-simd). */
export function supportedSimdVariants(): SimdVariant[] {
  const all: SimdVariant[] = ['relaxed-simd', 'simd'];
  return all.filter((v) => WebAssembly.validate(binary(v, false)));
}

interface Plan {
  variant: SimdVariant;
  memory: WebAssembly.Memory;
  shared: boolean;
  heap: Required<HeapOptions>;
  bytes: Uint8Array<ArrayBuffer>;
}

/** Picks the build and makes the memory: shared when allowed, else fixed-size. */
function plan(options: WasmBackendOptions): Plan {
  const supported = supportedSimdVariants();
  const wanted = options.simd ?? 'auto';
  const variant = wanted === 'auto' ? supported[0] : wanted;
  if (!variant || !supported.includes(variant)) {
    throw new Error(`wasm backend: this engine does not support ${wanted === 'auto' ? 'WebAssembly SIMD' : wanted}` +
      (wanted === 'relaxed-simd' ? ' (Node 20 needs --experimental-wasm-relaxed-simd)' : ''));
  }
  const shareable = options.shared ?? DEFAULT_HEAP.shared;
  if (shareable) {
    const maxBytes = options.maxBytes ?? DEFAULT_HEAP.maxBytes;
    try {
      const memory = new WebAssembly.Memory({
        initial: Math.ceil(Math.min(INITIAL_SHARED_BYTES, maxBytes) / PAGE),
        maximum: Math.ceil(maxBytes / PAGE),
        shared: true,
      });
      const heap = { maxBytes, highWaterBytes: options.highWaterBytes ?? DEFAULT_HEAP.highWaterBytes, shared: true };
      return { variant, memory, shared: true, heap, bytes: binary(variant, true) };
    } catch {
      // No shared memory here (no cross-origin isolation): fall through to a fixed-size one.
    }
  }
  const { memory, maxBytes } = fixedMemory(options.maxBytes ?? DEFAULT_UNSHARED_MAX_BYTES);
  const heap = { maxBytes, highWaterBytes: options.highWaterBytes ?? Math.floor(maxBytes * 0.75), shared: false };
  return { variant, memory, shared: false, heap, bytes: binary(variant, false) };
}

/** A fixed-size memory of `wanted` bytes, or less (down to 64 MiB) where the engine refuses. */
function fixedMemory(wanted: number): { memory: WebAssembly.Memory; maxBytes: number } {
  for (let bytes = wanted; ; bytes = Math.floor(bytes / 2)) {
    try {
      const pages = Math.ceil(bytes / PAGE);
      return { memory: new WebAssembly.Memory({ initial: pages }), maxBytes: pages * PAGE };
    } catch (err) {
      if (bytes / 2 < 64 * 1024 * 1024) throw err;
    }
  }
}

function imports(memory: WebAssembly.Memory): WebAssembly.Imports {
  // Scalar fallbacks (lanes outside a vector kernel's domain, pow) call the engine's own Math,
  // exactly as the reference backend does.
  return { env: { memory, 'Math.exp': Math.exp, 'Math.log': Math.log, 'Math.tanh': Math.tanh, 'Math.pow': Math.pow } };
}

function assemble(p: Plan, instance: WebAssembly.Instance): WasmBackend {
  const k = instance.exports as unknown as KernelExports;
  const heap = new WasmHeap(p.memory, p.shared, k.heapBase(), p.heap, (at, bytes) => k.zero(at, bytes));
  const threads = new WasmThreads(instance.exports, heap, p.bytes);
  return {
    name: 'wasm',
    variant: p.variant,
    sharedMemory: p.shared,
    heapStats: () => heap.stats(),
    owns: (a) => heap.owns(a),
    peakMulAdd: (iters) => k.peakMulAdd(iters, 1),
    get threads() {
      return threads.count;
    },
    setThreads: (n) => threads.setThreads(n),
    afterStep: settler(() => heap.stats()),
    allocationMark: () => heap.mark(),
    release: (data, mark) => heap.release(data, mark),
    ...makeKernels({ ...k, gemm: threads.gemm }, heap, threads), // large GEMMs and recurrences use the threads
  };
}

/** A new backend with its own memory, compiled synchronously (Node, workers). */
export function createWasmBackendSync(options: WasmBackendOptions = {}): WasmBackend {
  const p = plan(options);
  return assemble(p, new WebAssembly.Instance(new WebAssembly.Module(p.bytes), imports(p.memory)));
}

/** A new backend with its own memory, compiled asynchronously (any context, browsers' main thread included). */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  const p = plan(options);
  const module = await WebAssembly.compile(p.bytes);
  return assemble(p, await WebAssembly.instantiate(module, imports(p.memory)));
}

/** The shared default instance behind `wasmBackend`, made once. */
const shared: { instance: WasmBackend | null } = { instance: null };

/** Loads (once) the default instance behind `wasmBackend` and returns it. */
export async function loadWasmBackend(): Promise<WasmBackend> {
  if (!shared.instance) {
    const made = await createWasmBackend();
    shared.instance ??= made;
  }
  return shared.instance;
}

/**
 * Threads for the default instance's large GEMMs (`--threads N`): n − 1 workers beside the
 * caller, 1 to stop them. Resolves with the count in use; see threads.ts.
 */
export async function setThreads(n: number): Promise<number> {
  return (await loadWasmBackend()).setThreads(n);
}

/** The synchronous `loadWasmBackend`, for Node and workers. */
export function loadWasmBackendSync(): WasmBackend {
  shared.instance ??= createWasmBackendSync();
  return shared.instance;
}

const lazy = (): WasmBackend => shared.instance ?? loadWasmBackendSync();

/**
 * The default WebAssembly backend. It loads itself synchronously on first use; on a browser's
 * main thread, `await loadWasmBackend()` first (synchronous compilation is refused there).
 */
export const wasmBackend: Backend = {
  name: 'wasm',
  alloc: (n, uninitialized) => lazy().alloc(n, uninitialized),
  gemm: (p) => lazy().gemm(p),
  unary: (op, x, out) => lazy().unary(op, x, out),
  unaryGrad: (op, x, y, g, out) => lazy().unaryGrad(op, x, y, g, out),
  binary: (op, a, as, b, bs, out, shape) => lazy().binary(op, a, as, b, bs, out, shape),
  reduce: (op, x, outer, n, inner, out) => lazy().reduce(op, x, outer, n, inner, out),
  permute: (x, shape, perm, out) => lazy().permute(x, shape, perm, out),
  axisCopy: (src, srcN, srcStart, dst, dstN, dstStart, outer, count, inner, accumulate) =>
    lazy().axisCopy(src, srcN, srcStart, dst, dstN, dstStart, outer, count, inner, accumulate),
  gatherRows: (x, rows, index, out, outer, inner, scatterAdd) =>
    lazy().gatherRows(x, rows, index, out, outer, inner, scatterAdd),
  where: (cond, cs, a, as, b, bs, out, shape) => lazy().where(cond, cs, a, as, b, bs, out, shape),
  im2col1d: (x, cols, batch, cin, len, kernel, padding, dilation, transpose) =>
    lazy().im2col1d(x, cols, batch, cin, len, kernel, padding, dilation, transpose),
  recurrenceForward: (args) => lazy().recurrenceForward(args),
  recurrenceBackward: (args) => lazy().recurrenceBackward(args),
  softmax: (x, rows, n, scale, mask, y) => lazy().softmax(x, rows, n, scale, mask, y),
  softmaxGrad: (y, g, rows, n, scale, dx) => lazy().softmaxGrad(y, g, rows, n, scale, dx),
  attention: (args) => lazy().attention(args),
  attentionGrad: (args) => lazy().attentionGrad(args),
  layerNorm: (x, rows, n, w, b, eps, y, mean, rstd) => lazy().layerNorm(x, rows, n, w, b, eps, y, mean, rstd),
  layerNormGrad: (x, g, rows, n, w, mean, rstd, dx, dw, db) => lazy().layerNormGrad(x, g, rows, n, w, mean, rstd, dx, dw, db),
  adamStep: (p, g, m, v, step) => lazy().adamStep(p, g, m, v, step),
  allocationMark: () => lazy().allocationMark(),
  release: (data, mark) => lazy().release(data, mark),
  afterStep: (options) => lazy().afterStep(options),
};

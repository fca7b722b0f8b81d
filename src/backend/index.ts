import type { Backend } from './backend.js';
import { referenceBackend } from './reference.js';
import { loadWasmBackendSync } from './wasm/index.js';

export type { AdamStep, Backend, BinaryOp, CellKind, GemmArgs, RecurrenceArgs, RecurrenceGradArgs, ReduceOp, SoftmaxMask,
  UnaryOp } from './backend.js';
export type { AttentionArgs, AttentionCall, AttentionGradArgs, HeadLayout } from './backend.js';
export { headMajor, interleavedHeads } from './attention.js';
export { referenceBackend } from './reference.js';
export { wasmBackend, loadWasmBackend, loadWasmBackendSync, setThreads, supportedSimdVariants, type WasmBackend } from './wasm/index.js';

/**
 * The one place the active backend is chosen. By default: the WebAssembly SIMD backend where
 * the engine supports it (it compiles synchronously in Node and in workers; a browser page
 * calls `await loadWasmBackend()` and `useBackend` first), otherwise the reference backend.
 * `SEQLAB_BACKEND=reference` in the environment forces the reference one.
 * Ops call `backend()` for every kernel; tests and benchmarks switch with `useBackend` or
 * `withBackend` to hold two backends side by side.
 */
const active: { current: Backend | null } = { current: null };

function defaultBackend(): Backend {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (env?.SEQLAB_BACKEND === 'reference') return referenceBackend;
  try {
    return loadWasmBackendSync();
  } catch {
    return referenceBackend; // no WebAssembly SIMD here, or a page that may not compile synchronously
  }
}

export function backend(): Backend {
  active.current ??= defaultBackend();
  return active.current;
}

export function useBackend(b: Backend): void {
  active.current = b;
}

/** Runs `fn` with backend `b` active, then restores the previous one. */
export function withBackend<T>(b: Backend, fn: () => T): T {
  const previous = backend();
  active.current = b;
  try {
    return fn();
  } finally {
    active.current = previous;
  }
}

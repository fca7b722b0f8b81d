import type { Backend } from './backend.js';
import { referenceBackend } from './reference.js';

export type { Backend, BinaryOp, CellKind, GemmArgs, RecurrenceArgs, RecurrenceGradArgs, ReduceOp, UnaryOp } from './backend.js';
export { referenceBackend } from './reference.js';

/**
 * The one place the active backend is chosen. Ops call `backend()` for every kernel; tests and
 * benchmarks switch with `useBackend` to hold two backends side by side.
 */
const active: { current: Backend } = { current: referenceBackend };

export function backend(): Backend {
  return active.current;
}

export function useBackend(b: Backend): void {
  active.current = b;
}

/** Runs `fn` with backend `b` active, then restores the previous one. */
export function withBackend<T>(b: Backend, fn: () => T): T {
  const previous = active.current;
  active.current = b;
  try {
    return fn();
  } finally {
    active.current = previous;
  }
}

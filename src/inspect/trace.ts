import type { Tensor } from '../tensor/tensor.js';

/** Anything with named submodules (a Module); kept structural so inspect does not import nn. */
export interface Traceable {
  namedModules(): [string, object][];
}

/**
 * One recorded internal value: which module (its dotted path in the model), what it is
 * (`h`, `c`, `gate.i`, `attn`), which time step (if per step), and a copy of the numbers.
 */
export interface TraceEntry {
  module: string;
  key: string;
  step: number | null;
  shape: readonly number[];
  data: Float32Array;
}

/**
 * The internals of one forward pass, for diagrams and `seqlab explain`: hidden and cell states
 * per step, gate activations per step, attention weights per head. Layers record into the
 * active trace; with none active, `tracing()` is false and recording costs one check.
 */
export class Trace {
  readonly entries: TraceEntry[] = [];
  private readonly paths = new WeakMap<object, string>();

  constructor(root?: Traceable) {
    if (root) for (const [path, m] of root.namedModules()) this.paths.set(m, path);
  }

  /** Path of a module inside the traced model ('' for the root, '?' for an unknown one). */
  pathOf(m: object): string {
    return this.paths.get(m) ?? '?';
  }

  add(module: object, key: string, value: Tensor, step: number | null = null): void {
    this.entries.push({ module: this.pathOf(module), key, step, shape: [...value.shape], data: new Float32Array(value.data) });
  }

  /** Entries of one module and key, in step order. */
  get(module: string, key: string): TraceEntry[] {
    return this.entries.filter((e) => e.module === module && e.key === key);
  }

  /** Distinct `module:key` pairs recorded, in first-seen order. */
  keys(): string[] {
    return [...new Set(this.entries.map((e) => `${e.module}:${e.key}`))];
  }
}

/** The active trace (a mode, like no-grad: set only inside `withTrace`). */
const state: { active: Trace | null } = { active: null };

export function tracing(): boolean {
  return state.active !== null;
}

/** Records a value into the active trace, if any. */
export function traceValue(module: object, key: string, value: Tensor, step: number | null = null): void {
  state.active?.add(module, key, value, step);
}

/** Runs `fn` with a fresh trace active for the model `root`; returns its result and the trace. */
export function withTrace<T>(root: Traceable | undefined, fn: () => T): { result: T; trace: Trace } {
  const previous = state.active;
  const trace = new Trace(root);
  state.active = trace;
  try {
    return { result: fn(), trace };
  } finally {
    state.active = previous;
  }
}

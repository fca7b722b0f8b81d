import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect } from 'vitest';
import type { Backend, CellKind, RecurrenceGradArgs } from '../../src/backend/backend.js';
import { gateCount, savedWidth, stateCount } from '../../src/backend/recurrence.js';
import { Rng } from '../../src/tensor/random.js';
import { createWasmBackendSync, type SimdVariant, supportedSimdVariants, type WasmBackend } from '../../src/backend/wasm/index.js';

// Node 20 validates relaxed SIMD only behind this flag (Node 22+ and Chrome 114+ need none).
// Setting it at run time works for compilations that follow, which lets one test run cover
// both builds.
setFlagsFromString('--experimental-wasm-relaxed-simd');

let gc: (() => void) | null = null;

/**
 * Collects (gc, with --expose-gc set at run time), then lets the event loop turn so the heap's
 * FinalizationRegistry callbacks run, until `until()` holds; fails the test after 50 tries.
 */
export async function collect(w: WasmBackend, until: () => boolean): Promise<void> {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  for (let i = 0; i < 50 && !until(); i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  expect(until(), `collector did not free in time: ${JSON.stringify(w.heapStats())}`).toBe(true);
}

/** Every build this engine runs, each as a fresh backend with its own memory. */
export const variants: SimdVariant[] = supportedSimdVariants();

export function backendFor(variant: SimdVariant): WasmBackend {
  return createWasmBackendSync({ simd: variant });
}

/** Where test operands live: in the backend's heap, or plain arrays it must stage. */
export type Placement = 'heap' | 'plain';

export function filled(backend: Backend, n: number, placement: Placement, fill: () => number): Float32Array {
  const a = placement === 'heap' ? backend.alloc(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = fill();
  return a;
}

export function uniform(rng: Rng, backend: Backend, n: number, placement: Placement = 'heap'): Float32Array {
  return filled(backend, n, placement, () => rng.uniform(-1, 1));
}

/** Same values, NaN equal to NaN, -0 equal to 0. */
export function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!(a === e || (Number.isNaN(a) && Number.isNaN(e)))) {
      expect.fail(`${what}: element ${i} is ${a}, reference ${e}`);
    }
  }
}

/** |a − e| ≤ bound(i) elementwise (NaN and ±∞ must match exactly). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, bound: (i: number) => number,
  what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    if (!(Math.abs(a - e) <= bound(i))) {
      expect.fail(`${what}: element ${i} is ${a}, reference ${e} (bound ${bound(i)})`);
    }
  }
}

export { Rng };

/** One recurrence test case: sizes, lengths, direction, input spread, optional operands, placement. */
export interface RecurrenceCase {
  batch: number;
  steps: number;
  hidden: number;
  lengths: number[] | null;
  reverse: boolean;
  /** Spread of the inputs: 1 for ordinary values, large to push gates into saturation. */
  scale: number;
  /** Whether the optional operands (b_hh, c0, dcN, dbHh, dc0) are given. */
  optional: boolean;
  placement: Placement;
}

/**
 * Random inputs for a recurrence case, and every output filled with NaN (so a test sees any value
 * the kernel fails to write).
 */
export function recurrenceArgs(w: Backend, rng: Rng, kind: CellKind, c: RecurrenceCase): RecurrenceGradArgs {
  const { batch: B, steps: T, hidden: H } = c;
  const [G, S, W] = [gateCount(kind), stateCount(kind), savedWidth(kind)];
  const u = (n: number, scale = 1): Float32Array => filled(w, n, c.placement, () => scale * rng.uniform(-1, 1));
  const z = (n: number): Float32Array => filled(w, n, c.placement, () => Number.NaN); // every value must be written
  const lstm = kind === 'lstm';
  return {
    kind, batch: B, steps: T, hidden: H, reverse: c.reverse, lengths: c.lengths ? Int32Array.from(c.lengths) : null,
    xProj: u(B * T * G * H, c.scale), wHh: u(G * H * H, 1 / Math.sqrt(H)), bHh: c.optional ? u(G * H) : null,
    h0: u(B * H), c0: lstm && c.optional ? u(B * H) : null,
    out: z(B * T * H), states: z(B * T * S * H), saved: z(B * T * W * H),
    dOut: u(B * T * H), dhN: u(B * H), dcN: lstm && c.optional ? u(B * H) : null, dxProj: z(B * T * G * H),
    dwHh: z(G * H * H), dbHh: c.optional ? z(G * H) : null, dh0: z(B * H), dc0: lstm && c.optional ? z(B * H) : null,
  };
}

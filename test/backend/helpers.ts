import { setFlagsFromString } from 'node:v8';
import { expect } from 'vitest';
import type { Backend } from '../../src/backend/backend.js';
import { Rng } from '../../src/tensor/random.js';
import { createWasmBackendSync, type SimdVariant, supportedSimdVariants, type WasmBackend } from '../../src/backend/wasm/index.js';

// Node 20 validates relaxed SIMD only behind this flag (Node 22+ and Chrome 114+ need none).
// Setting it at run time works for compilations that follow, which lets one test run cover
// both builds.
setFlagsFromString('--experimental-wasm-relaxed-simd');

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

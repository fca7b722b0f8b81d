import { describe, expect, it } from 'vitest';
import { backend } from '../../src/backend/index.js';
import { SETTLE_BYTES, SETTLE_MAX_BYTES } from '../../src/backend/settle.js';
import type { WasmBackend } from '../../src/backend/wasm/index.js';

/**
 * The wasm backend's afterStep asks the collector for a collection once enough tensor memory has
 * been handed out, so dropped tensors' blocks return to the heap instead of each step taking
 * fresh memory. It collects through globalThis.gc, which test/setup-gc.ts provides as
 * bin/seqlab.js does. Nothing here calls gc() itself: the blocks can only come back because
 * afterStep asked, and a count of the calls shows it asked exactly once.
 */
describe('afterStep', () => {
  const w = backend() as Partial<WasmBackend>;
  it.runIf(typeof w.heapStats === 'function')('returns the blocks of dropped tensors once enough was allocated', async () => {
    const stats = (): ReturnType<WasmBackend['heapStats']> => w.heapStats!();
    const gc = globalThis.gc;
    expect(gc).toBeTypeOf('function');
    let asked = 0;
    globalThis.gc = (() => {
      asked++;
      gc!();
    }) as NodeJS.GCFunction;
    try {
      await backend().afterStep();
      const before = stats();
      asked = 0;
      const drop = (): void => {
        // Like a training step's intermediates: allocated, used, unreachable afterwards.
        for (let i = 0; i < 8; i++) backend().alloc(SETTLE_BYTES / 4 / 4).fill(1);
      };
      drop();
      expect(stats().liveBytes - before.liveBytes).toBeGreaterThanOrEqual(2 * SETTLE_BYTES);
      await backend().afterStep();
      expect(asked).toBe(1);
      let live = stats().liveBytes;
      for (let i = 0; i < 20 && live - before.liveBytes >= SETTLE_BYTES; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5)); // the finalizers run as the loop turns
        live = stats().liveBytes;
      }
      expect(live - before.liveBytes).toBeLessThan(SETTLE_BYTES);
      // The next allocations reuse those blocks: no fresh memory taken.
      const reserved = stats().reservedBytes;
      drop();
      expect(stats().reservedBytes).toBe(reserved);
    } finally {
      globalThis.gc = gc;
    }
  });

  it.runIf(typeof w.heapStats === 'function')('collects once maxBytes were handed out, however slow collecting is', async () => {
    const gc = globalThis.gc;
    let asked = 0;
    // Collections that take 50 ms raise the bar from SETTLE_BYTES to SETTLE_MAX_BYTES.
    globalThis.gc = (() => {
      asked++;
      gc!();
      const until = performance.now() + 50;
      while (performance.now() < until) { /* a slow collection */ }
    }) as NodeJS.GCFunction;
    const drop = (bytes: number): void => void backend().alloc(bytes / 4).fill(1);
    try {
      for (let i = 0; i < 7; i++) { // enough slow collections to be the median the bar follows
        drop(SETTLE_MAX_BYTES + 1024);
        await backend().afterStep();
        await new Promise((resolve) => setTimeout(resolve, 1)); // the blocks come back
      }
      expect(asked).toBe(7);
      asked = 0;
      drop(SETTLE_BYTES * 1.5);
      await backend().afterStep();
      expect(asked).toBe(0); // past SETTLE_BYTES, under the raised bar
      await backend().afterStep({ maxBytes: SETTLE_BYTES });
      expect(asked).toBe(1); // the cap asks at once
    } finally {
      globalThis.gc = gc;
    }
  });
});

import { describe, expect, it } from 'vitest';
import { backend } from '../../src/backend/index.js';
import { SETTLE_BYTES, settleMemory } from '../../src/backend/settle.js';
import type { WasmBackend } from '../../src/backend/wasm/index.js';

/**
 * settleMemory asks the collector for a collection once enough tensor memory has been handed
 * out, so dropped tensors' blocks return to the heap instead of each step taking fresh memory.
 * Nothing here calls gc() itself: the blocks can only come back because settleMemory asked.
 */
describe('settleMemory', () => {
  const w = backend() as Partial<WasmBackend>;
  it.runIf(typeof w.heapStats === 'function')('returns the blocks of dropped tensors once enough was allocated', async () => {
    const stats = (): ReturnType<WasmBackend['heapStats']> => w.heapStats!();
    await settleMemory();
    const before = stats();
    const drop = (): void => {
      // Like a training step's intermediates: allocated, used, unreachable afterwards.
      for (let i = 0; i < 8; i++) backend().alloc(SETTLE_BYTES / 4 / 4).fill(1);
    };
    drop();
    expect(stats().liveBytes - before.liveBytes).toBeGreaterThanOrEqual(2 * SETTLE_BYTES);
    await settleMemory();
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
  });
});

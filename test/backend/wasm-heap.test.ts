import { describe, expect, it } from 'vitest';
import { referenceBackend as reference } from '../../src/backend/reference.js';
import { classBytes, sizeClass } from '../../src/backend/wasm/heap.js';
import { createWasmBackendSync } from '../../src/backend/wasm/index.js';
import { collect, expectClose, Rng, uniform } from './helpers.js';

/**
 * The tensor heap: size classes, reuse after the collector frees a view, the plain-array
 * fallback past the high-water mark, views that survive memory growth, and subarrays that keep
 * their block alive. Collection is forced with --expose-gc (set at run time) so these tests do
 * not wait on the collector's moods; correctness elsewhere never depends on it.
 */

const MiB = 1024 * 1024;

describe('size classes', () => {
  it('cover every size with at most 25% waste above 512 bytes, and grow monotonically', () => {
    let previous = 0;
    for (let cls = 0; cls < 100; cls++) {
      const bytes = classBytes(cls);
      expect(bytes).toBeGreaterThan(previous);
      expect(sizeClass(bytes)).toBe(cls);
      expect(sizeClass(previous + 1)).toBe(cls);
      if (previous >= 512) expect(bytes / (previous + 1)).toBeLessThanOrEqual(1.25);
      previous = bytes;
    }
  });
});

describe('wasm heap', () => {
  it('allocates zeroed, 64-byte aligned, non-overlapping views in its memory', () => {
    const w = createWasmBackendSync({ simd: 'simd' });
    const views = [1, 3, 16, 17, 1000, 5].map((n) => w.alloc(n));
    for (const v of views) {
      expect(w.owns(v)).toBe(true);
      expect(v.byteOffset % 64).toBe(0);
      expect(Array.from(v).every((x) => x === 0)).toBe(true);
    }
    const spans = views.map((v) => [v.byteOffset, v.byteOffset + v.byteLength]).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
    expect(w.alloc(0).length).toBe(0);
    expect(w.owns(new Float32Array(4))).toBe(false);
  });

  it('reuses a block once its view is collected, zeroed again', async () => {
    const w = createWasmBackendSync({ simd: 'simd' });
    const offsets = new Set<number>();
    (() => {
      for (let i = 0; i < 8; i++) {
        const v = w.alloc(1000);
        v.fill(7);
        offsets.add(v.byteOffset);
      }
    })();
    const live = w.heapStats().liveBytes;
    await collect(w, () => w.heapStats().liveBytes < live);
    const again = w.alloc(1000);
    expect(offsets.has(again.byteOffset)).toBe(true);
    expect(Array.from(again).every((x) => x === 0)).toBe(true);
  });

  it('takes back a released block at once, but only a whole block allocated after the mark, and only once', async () => {
    const w = createWasmBackendSync({ simd: 'simd' });
    const before = w.alloc(1000);
    const mark = w.allocationMark();
    const block = classBytes(sizeClass(4000));
    // In a closure, so the released view and a sentinel become garbage afterwards.
    const again = ((): Float32Array => {
      const v = w.alloc(1000);
      v.fill(7);
      w.release(v.subarray(10, 20), mark); // a view into a block: nothing
      w.release(before, mark); // allocated before the mark: nothing
      expect(w.alloc(1000).byteOffset).not.toBe(v.byteOffset);
      const live = w.heapStats().liveBytes;
      w.release(v, mark);
      w.release(v, mark); // twice: once
      expect(w.heapStats().liveBytes).toBe(live - block);
      const reused = w.alloc(1000);
      expect(reused.byteOffset).toBe(v.byteOffset);
      expect(Array.from(reused).every((x) => x === 0)).toBe(true);
      w.alloc(1000); // the sentinel: when it is collected, so was v
      return reused;
    })();
    const live = w.heapStats().liveBytes;
    await collect(w, () => w.heapStats().liveBytes < live);
    // The collector found the released view dead too; its block, now again's, was not freed a second time.
    const [x, y] = [w.alloc(1000), w.alloc(1000)];
    expect(new Set([again.byteOffset, x.byteOffset, y.byteOffset]).size).toBe(3);
    expect(Array.from(before).every((v) => v === 0)).toBe(true);
  });

  it('falls back to plain arrays past the high-water mark, and kernels stay correct on them', () => {
    const w = createWasmBackendSync({ simd: 'simd', highWaterBytes: MiB });
    const kept: Float32Array[] = [];
    for (let i = 0; i < 6; i++) kept.push(w.alloc(64 * 1024)); // 256 KiB each
    expect(kept.slice(0, 3).every((v) => w.owns(v))).toBe(true);
    expect(kept.slice(4).some((v) => w.owns(v))).toBe(false);
    expect(w.heapStats().fallbackAllocs).toBeGreaterThan(0);
    const rng = new Rng(1);
    const a = kept[0];
    const b = kept[5]; // a plain array
    a.set(uniform(rng, reference, a.length));
    b.set(uniform(rng, reference, b.length));
    const c = w.alloc(64 * 64);
    expect(w.owns(c)).toBe(false);
    const expected = new Float32Array(64 * 64);
    const args = { batch: 1, m: 64, n: 64, k: 1024, a, b, transA: false, transB: true, strideA: 0, strideB: 0,
      strideC: 0, accumulate: false };
    w.gemm({ ...args, c });
    reference.gemm({ ...args, c: expected });
    expectClose(c, expected, (i) => 1e-4 * Math.max(1, Math.abs(expected[i])), 'gemm on fallback arrays');
  });

  it('keeps views valid and owned when the memory grows', () => {
    const w = createWasmBackendSync({ simd: 'simd' });
    const early = w.alloc(1000);
    early.forEach((_, i) => { early[i] = i; });
    const before = w.heapStats().memoryBytes;
    const big = w.alloc(8 * MiB); // 32 MiB: beyond the 16 MiB initial memory
    expect(w.heapStats().memoryBytes).toBeGreaterThan(before);
    expect(w.owns(big)).toBe(true);
    expect(w.owns(early)).toBe(true);
    expect(early.length).toBe(1000);
    expect(early[999]).toBe(999);
    const out = w.alloc(1000);
    w.unary('neg', early, out);
    expect(out[999]).toBe(-999);
    big[big.length - 1] = 5;
    w.unary('neg', big.subarray(big.length - 4), early.subarray(0, 4));
    expect(early[3]).toBe(-5);
  });

  it('never reuses a block while a subarray of its view is alive', async () => {
    const w = createWasmBackendSync({ simd: 'simd' });
    const sub = (() => {
      const parent = w.alloc(256);
      parent.fill(3);
      return parent.subarray(10, 20);
    })();
    // Churn the same size class; other blocks get freed and reused, the parent's must not be.
    for (let round = 0; round < 3; round++) {
      (() => {
        for (let i = 0; i < 50; i++) w.alloc(256).fill(9);
      })();
      const live = w.heapStats().liveBytes;
      await collect(w, () => w.heapStats().liveBytes < live);
      for (let i = 0; i < 50; i++) w.alloc(256).fill(9);
    }
    expect(Array.from(sub)).toEqual(new Array(10).fill(3));
  });

  it('works on an unshared, fixed-size memory (pages without cross-origin isolation)', () => {
    const w = createWasmBackendSync({ simd: 'simd', shared: false, maxBytes: 8 * MiB, highWaterBytes: 4 * MiB });
    expect(w.sharedMemory).toBe(false);
    const kept = Array.from({ length: 6 }, () => w.alloc(256 * 1024)); // 1 MiB each
    expect(w.owns(kept[0])).toBe(true);
    expect(w.owns(kept[5])).toBe(false);
    expect(w.heapStats().memoryBytes).toBe(8 * MiB);
    const rng = new Rng(2);
    const a = uniform(rng, w, 300 * 200);
    const b = uniform(rng, w, 200 * 100);
    const c = w.alloc(300 * 100);
    const expected = new Float32Array(300 * 100);
    const args = { batch: 1, m: 300, n: 100, k: 200, a, b, transA: false, transB: false, strideA: 0, strideB: 0,
      strideC: 0, accumulate: false };
    w.gemm({ ...args, c });
    reference.gemm({ ...args, c: expected });
    expectClose(c, expected, (i) => 1e-4 * Math.max(1, Math.abs(expected[i])), 'gemm on unshared memory');
  });

  it('runs the reference kernel when even scratch does not fit', () => {
    const w = createWasmBackendSync({ simd: 'simd', shared: false, maxBytes: 2 * MiB, highWaterBytes: 2 * MiB });
    const rng = new Rng(3);
    // 3 × 1.5 MiB of plain operands cannot be staged in a 2 MiB memory.
    const [m, n, k] = [384, 384, 1024];
    const a = uniform(rng, reference, m * k);
    const b = uniform(rng, reference, k * n);
    const c = new Float32Array(m * n);
    const expected = new Float32Array(m * n);
    const args = { batch: 1, m, n, k, a, b, transA: false, transB: false, strideA: 0, strideB: 0, strideC: 0,
      accumulate: false };
    w.gemm({ ...args, c });
    reference.gemm({ ...args, c: expected });
    expect(Array.from(c)).toEqual(Array.from(expected));
  });
});

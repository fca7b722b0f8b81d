import { describe, expect, it } from 'vitest';
import { referenceBackend as reference } from '../../src/backend/reference.js';
import { withBackend } from '../../src/backend/index.js';
import { createWasmBackendSync } from '../../src/backend/wasm/index.js';
import { gelu, matmul, sum, tanh } from '../../src/ops/index.js';
import { linear } from '../../src/ops/linear.js';
import { backward, Rng, Tensor } from '../../src/tensor/index.js';
import { collect, expectClose } from './helpers.js';

/**
 * Outputs allocated `uninitialized` (linear, matmul, unary ops, gradient sums) may land in a
 * reused block holding old values: every such kernel must overwrite all of it. Here the heap's
 * free lists are first filled with blocks full of NaN, so any element left unwritten shows.
 */
describe('outputs in reused, dirty blocks', () => {
  it('linear, matmul and unary ops forward and backward match the reference backend', async () => {
    const w = createWasmBackendSync({ highWaterBytes: 64 * 1024 * 1024 });
    const poison = (): void => {
      for (const n of [7 * 5, 7 * 6, 6 * 5, 6, 5, 7 * 9, 9 * 5, 9]) for (let i = 0; i < 40; i++) w.alloc(n).fill(NaN);
    };
    poison();
    await collect(w, () => w.heapStats().freeBytes > 0);
    const run = (): Float32Array[] => {
      const rng = new Rng(3);
      const param = (shape: number[]): Tensor => new Tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b) },
        () => rng.normal()), shape, { requiresGrad: true });
      const x = param([7, 5]);
      const wt = param([6, 5]);
      const b = param([6]);
      const v = param([6, 9]);
      const h = gelu(linear(x, wt, b)); // [7, 6]
      const y = tanh(matmul(h, v)); // [7, 9]
      backward(sum(y));
      return [y.data, x.grad!.data, wt.grad!.data, b.grad!.data, v.grad!.data];
    };
    const reusedBefore = w.heapStats().freeBytes;
    const got = withBackend(w, run);
    expect(w.heapStats().freeBytes, 'the run took blocks from the free lists').toBeLessThan(reusedBefore);
    const want = withBackend(reference, run);
    got.forEach((g, i) => {
      expect(g.some(Number.isNaN), `output ${i} has unwritten elements`).toBe(false);
      expectClose(g, want[i], (j) => 1e-5 + 1e-5 * Math.abs(want[i][j]), `output ${i}`);
    });
  });
});

import { backend } from '../backend/index.js';
import { SeqlabError } from '../errors.js';
import { record } from '../tensor/autograd.js';
import { numel, sameShape, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * Matrix product over the last two axes, batched over the leading ones:
 *   a [..., m, k] · b [..., k, n] → [..., m, n]
 * Either side may be a plain matrix [k, n] / [m, k] shared by every batch entry (a weight);
 * otherwise the leading axes must be equal. `transB` reads b as [..., n, k] (x·Wᵀ without a
 * copy). Backward: dA = g·Bᵀ, dB = Aᵀ·g, summed over batches where B is shared.
 */
export function matmul(a: Tensor, b: Tensor, transB = false): Tensor {
  if (a.rank < 2 || b.rank < 2) {
    throw new SeqlabError(`matmul: both operands need at least 2 axes, got ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  const m = a.shape[a.rank - 2];
  const k = a.shape[a.rank - 1];
  const kb = b.shape[b.rank - (transB ? 1 : 2)];
  const n = b.shape[b.rank - (transB ? 2 : 1)];
  if (k !== kb) {
    throw new SeqlabError(`matmul: inner sizes differ: ${shapeStr(a.shape)} · ${shapeStr(b.shape)}${transB ? 'ᵀ' : ''}`);
  }
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const aShared = aBatch.length === 0;
  const bShared = bBatch.length === 0;
  if (!aShared && !bShared && !sameShape(aBatch, bBatch)) {
    throw new SeqlabError(`matmul: batch axes differ: ${shapeStr(a.shape)} · ${shapeStr(b.shape)}`);
  }
  const batchShape = aShared ? bBatch : aBatch;
  const batch = numel(batchShape);
  const out = backend().alloc(batch * m * n, true); // written whole (accumulate: false)
  // A shared b lets a batched a act as one tall matrix: a single large GEMM.
  const fold = bShared && !aShared;
  backend().gemm({
    batch: fold ? 1 : batch, m: fold ? batch * m : m, n, k, a: a.data, b: b.data, c: out,
    transA: false, transB, strideA: aShared ? 0 : m * k, strideB: bShared ? 0 : k * n, strideC: m * n,
    accumulate: false,
  });
  return record(out, [...batchShape, m, n], 'matmul', [a, b], (g) => [
    a.requiresGrad ? gradA(g, a, b, transB, batch, m, n, k) : null,
    b.requiresGrad ? gradB(g, a, b, transB, batch, m, n, k) : null,
  ]);
}

/** dA = g · op(B)ᵀ; a shared A sums over batches. */
function gradA(g: Tensor, a: Tensor, b: Tensor, transB: boolean, batch: number, m: number, n: number,
  k: number): Tensor {
  const da = backend().alloc(a.size);
  const aShared = a.rank === 2 && batch > 1;
  const bShared = b.rank === 2;
  const fold = bShared && !aShared;
  // op(B)ᵀ is [n, k]: B stored [k, n] read transposed, or B stored [n, k] read as is.
  const args = { n: k, k: n, b: b.data, transA: false, transB: !transB, strideB: bShared ? 0 : k * n };
  if (fold || !aShared) {
    backend().gemm({ ...args, batch: fold ? 1 : batch, m: fold ? batch * m : m, a: g.data, c: da,
      strideA: m * n, strideC: m * k, accumulate: false });
  } else {
    for (let i = 0; i < batch; i++) {
      backend().gemm({ ...args, batch: 1, m, a: g.data.subarray(i * m * n), c: da, strideA: 0, strideC: 0,
        b: b.data.subarray(bShared ? 0 : i * k * n), accumulate: true });
    }
  }
  return new Tensor(da, a.shape);
}

/** dB = op(A)ᵀ · g (or its transpose when transB); a shared B sums over batches. */
function gradB(g: Tensor, a: Tensor, b: Tensor, transB: boolean, batch: number, m: number, n: number,
  k: number): Tensor {
  const db = backend().alloc(b.size);
  const bShared = b.rank === 2 && batch > 1;
  const aShared = a.rank === 2;
  const rows = bShared && !aShared ? batch * m : m;
  // dB [k, n] = Aᵀ[k, rows]·g[rows, n]; for transB, dB [n, k] = gᵀ[n, rows]·A[rows, k].
  const run = (aData: Float32Array, gData: Float32Array, bt: number, accumulate: boolean): void => {
    if (transB) {
      backend().gemm({ batch: bt, m: n, n: k, k: rows, a: gData, b: aData, c: db, transA: true, transB: false,
        strideA: rows * n, strideB: aShared ? 0 : rows * k, strideC: n * k, accumulate });
    } else {
      backend().gemm({ batch: bt, m: k, n, k: rows, a: aData, b: gData, c: db, transA: true, transB: false,
        strideA: aShared ? 0 : rows * k, strideB: rows * n, strideC: k * n, accumulate });
    }
  };
  if (!bShared || !aShared) run(a.data, g.data, bShared ? 1 : batch, false);
  else for (let i = 0; i < batch; i++) run(a.data, g.data.subarray(i * m * n), 1, true);
  return new Tensor(db, b.shape);
}

import { backend } from '../backend/index.js';
import { SeqlabError } from '../errors.js';
import { record } from '../tensor/autograd.js';
import { numel, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * The kernel calls behind `linear`, on plain arrays and without a graph (inference paths such as
 * generation call it directly): y [rows, out] = x [rows, in]·Wᵀ (+ b), W [out, in]. The GEMM
 * accumulates onto rows that start as the bias. Writes into `y` when given, else a fresh array.
 */
export function linearRows(x: Float32Array, rows: number, weight: Float32Array, outF: number, inF: number,
  bias: Float32Array | null, y: Float32Array = backend().alloc(rows * outF, true)): Float32Array {
  if (bias) backend().axisCopy(bias, 0, 0, y, 1, 0, rows, 1, outF, false); // every row = b
  backend().gemm({ batch: 1, m: rows, n: outF, k: inF, a: x, b: weight, c: y, transA: false, transB: true,
    strideA: 0, strideB: 0, strideC: 0, accumulate: bias !== null });
  return y;
}

/**
 * y = x·Wᵀ + b as one primitive (the fused path; `matmul` then `add` is the explicit one, and a
 * test holds them equal): x [..., in], weight [out, in] (PyTorch's layout), bias [out] or null
 * → [..., out]. The GEMM accumulates onto rows that start as the bias, so no x·Wᵀ intermediate
 * is stored and no separate broadcast add runs; at one row (generation) it is a single GEMV.
 * Backward: dx = g·W, dW = gᵀ·x, db = Σ over rows of g.
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  if (weight.rank !== 2 || x.rank < 1 || x.shape[x.rank - 1] !== weight.shape[1] ||
    (bias && (bias.rank !== 1 || bias.shape[0] !== weight.shape[0]))) {
    throw new SeqlabError(`linear: input ${shapeStr(x.shape)}, weight ${shapeStr(weight.shape)}` +
      `${bias ? ` and bias ${shapeStr(bias.shape)}` : ''} do not fit (weight [out, in], bias [out])`);
  }
  const [outF, inF] = weight.shape;
  const rows = numel(x.shape.slice(0, -1));
  const y = linearRows(x.data, rows, weight.data, outF, inF, bias?.data ?? null);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(y, [...x.shape.slice(0, -1), outF], 'linear', inputs, (g) => {
    let dx: Tensor | null = null;
    if (x.requiresGrad) {
      dx = new Tensor(backend().alloc(x.size, true), x.shape); // [rows, out]·[out, in], written whole
      backend().gemm({ batch: 1, m: rows, n: inF, k: outF, a: g.data, b: weight.data, c: dx.data, transA: false,
        transB: false, strideA: 0, strideB: 0, strideC: 0, accumulate: false });
    }
    let dw: Tensor | null = null;
    if (weight.requiresGrad) {
      dw = new Tensor(backend().alloc(weight.size, true), weight.shape); // [out, rows]·[rows, in]
      backend().gemm({ batch: 1, m: outF, n: inF, k: rows, a: g.data, b: x.data, c: dw.data, transA: true,
        transB: false, strideA: 0, strideB: 0, strideC: 0, accumulate: false });
    }
    let db: Tensor | null = null;
    if (bias?.requiresGrad) {
      db = new Tensor(backend().alloc(outF), bias.shape);
      backend().reduce('sum', g.data, 1, rows, outF, db.data);
    }
    return [dx, dw, db];
  });
}

import { backend } from '../backend/index.js';
import { SeqlabError } from '../errors.js';
import { record } from '../tensor/autograd.js';
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * 1-D convolution (cross-correlation, as PyTorch), stride 1:
 *   x [B, Cin, L], weight [Cout, Cin, K], bias [Cout] → [B, Cout, Lout],
 *   Lout = L + 2·padding − dilation·(K − 1),
 *   y[b, o, t] = bias[o] + Σ_c Σ_q w[o, c, q] · x[b, c, t − padding + q·dilation].
 * Computed as im2col then one GEMM; backward is the GEMM's transposes and col2im.
 */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null, padding = 0, dilation = 1): Tensor {
  if (x.rank !== 3 || weight.rank !== 3 || x.shape[1] !== weight.shape[1]) {
    throw new SeqlabError(`conv1d: input ${shapeStr(x.shape)} [batch, channels, length] does not match weight ${shapeStr(weight.shape)} [out, in, kernel]`);
  }
  const [batch, cin, len] = x.shape;
  const [cout, , kernel] = weight.shape;
  if (bias && (bias.rank !== 1 || bias.shape[0] !== cout)) throw new SeqlabError(`conv1d: bias ${shapeStr(bias.shape)} should be [${cout}]`);
  const lenOut = len + 2 * padding - dilation * (kernel - 1);
  if (lenOut <= 0) throw new SeqlabError(`conv1d: input length ${len} is too short for kernel ${kernel}`);
  const width = cin * kernel;
  const cols = backend().alloc(batch * lenOut * width); // [B, Lout, Cin·K]
  backend().im2col1d(x.data, cols, batch, cin, len, kernel, padding, dilation, false);
  const out = backend().alloc(batch * cout * lenOut); // [B, Cout, Lout] = W [Cout, Cin·K] · colsᵀ
  backend().gemm({ batch, m: cout, n: lenOut, k: width, a: weight.data, b: cols, c: out, transA: false,
    transB: true, strideA: 0, strideB: lenOut * width, strideC: cout * lenOut, accumulate: false });
  if (bias) {
    for (let b = 0; b < batch; b++) {
      for (let o = 0; o < cout; o++) {
        const base = (b * cout + o) * lenOut;
        for (let t = 0; t < lenOut; t++) out[base + t] += bias.data[o];
      }
    }
  }
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(out, [batch, cout, lenOut], 'conv1d', inputs, (g) => {
    let dx: Tensor | null = null;
    if (x.requiresGrad) {
      const dcols = backend().alloc(cols.length); // [B, Lout, Cin·K] = gᵀ [Lout, Cout] · W
      backend().gemm({ batch, m: lenOut, n: width, k: cout, a: g.data, b: weight.data, c: dcols, transA: true,
        transB: false, strideA: cout * lenOut, strideB: 0, strideC: lenOut * width, accumulate: false });
      dx = new Tensor(backend().alloc(x.size), x.shape);
      backend().im2col1d(dx.data, dcols, batch, cin, len, kernel, padding, dilation, true);
    }
    let dw: Tensor | null = null;
    if (weight.requiresGrad) {
      dw = new Tensor(backend().alloc(weight.size), weight.shape);
      for (let b = 0; b < batch; b++) {
        backend().gemm({ batch: 1, m: cout, n: width, k: lenOut, a: g.data.subarray(b * cout * lenOut),
          b: cols.subarray(b * lenOut * width), c: dw.data, transA: false, transB: false, strideA: 0, strideB: 0,
          strideC: 0, accumulate: true });
      }
    }
    let db: Tensor | null = null;
    if (bias?.requiresGrad) {
      db = new Tensor(backend().alloc(cout), bias.shape);
      for (let b = 0; b < batch; b++) {
        for (let o = 0; o < cout; o++) {
          let s = 0;
          const base = (b * cout + o) * lenOut;
          for (let t = 0; t < lenOut; t++) s += g.data[base + t];
          db.data[o] += s;
        }
      }
    }
    return [dx, dw, db];
  });
}

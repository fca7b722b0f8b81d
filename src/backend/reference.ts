import type { AdamStep, Backend, BinaryOp, GemmArgs, ReduceOp, SoftmaxMask, UnaryOp } from './backend.js';
import { plainFloats } from './alloc-limit.js';
import { attentionBackward, attentionForward } from './attention.js';
import { recurrenceBackward, recurrenceForward } from './recurrence.js';

/**
 * The reference backend: plain TypeScript loops, written to be read. It is the definition every
 * fast kernel is tested against.
 */
export const referenceBackend: Backend = {
  name: 'reference',
  alloc: (n) => plainFloats(n),
  gemm,
  unary,
  unaryGrad,
  binary,
  reduce,
  permute,
  axisCopy,
  gatherRows,
  where,
  im2col1d,
  recurrenceForward: (args) => recurrenceForward(args, gemm),
  recurrenceBackward: (args) => recurrenceBackward(args, gemm),
  softmax,
  softmaxGrad,
  attention: attentionForward,
  attentionGrad: attentionBackward,
  layerNorm,
  layerNormGrad,
  adamStep,
  allocationMark: () => 0,
  release: () => {}, // plain arrays: the collector reclaims them
  afterStep: async () => {}, // plain arrays: the collector's own pace is right for them
};

function gemm(p: GemmArgs): void {
  const { m, n, k, a, b, c } = p;
  // op(A)[i, kk] = a[i·aRow + kk·aCol]; op(B) is read row by row, so a transposed B is first
  // copied into [k, n] order (the innermost loop then walks memory contiguously).
  const aRow = p.transA ? 1 : k;
  const aCol = p.transA ? m : 1;
  const packed = p.transB ? new Float32Array(k * n) : null;
  const row = new Float64Array(n);
  for (let bi = 0; bi < p.batch; bi++) {
    const ao = bi * p.strideA;
    const co = bi * p.strideC;
    let bData = b;
    let bo = bi * p.strideB;
    if (packed) {
      if (bi === 0 || p.strideB !== 0) {
        for (let j = 0; j < n; j++) for (let kk = 0; kk < k; kk++) packed[kk * n + j] = b[bo + j * k + kk];
      }
      bData = packed;
      bo = 0;
    }
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let kk = 0; kk < k; kk++) {
        const av = a[ao + i * aRow + kk * aCol];
        if (av === 0) continue;
        const bBase = bo + kk * n;
        for (let j = 0; j < n; j++) row[j] += av * bData[bBase + j];
      }
      const cBase = co + i * n;
      if (p.accumulate) for (let j = 0; j < n; j++) c[cBase + j] += row[j];
      else for (let j = 0; j < n; j++) c[cBase + j] = row[j];
    }
  }
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** erf(x) with fractional error below 1.2e-7 (Numerical Recipes' Chebyshev fit of erfc). */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 +
    t * 0.17087277)))))))));
  return x >= 0 ? 1 - erfc : erfc - 1;
}

/**
 * Forward and derivative of each unary op, side by side. No `default:`: with the op list in
 * op-table.ts, an op without its case here fails the type check (a missing return).
 */
function unaryScalar(op: UnaryOp, x: number): number {
  switch (op) {
    case 'neg': return -x;
    case 'exp': return Math.exp(x);
    case 'log': return Math.log(x);
    case 'tanh': return Math.tanh(x);
    case 'sigmoid': return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    case 'relu': return x > 0 ? x : 0;
    case 'gelu': return 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'gelu_tanh': return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
    case 'sqrt': return Math.sqrt(x);
    case 'abs': return Math.abs(x);
  }
}

function unaryDerivative(op: UnaryOp, x: number, y: number): number {
  switch (op) {
    case 'neg': return -1;
    case 'exp': return y;
    case 'log': return 1 / x;
    case 'tanh': return 1 - y * y;
    case 'sigmoid': return y * (1 - y);
    case 'relu': return x > 0 ? 1 : 0;
    case 'gelu': return 0.5 * (1 + erf(x / Math.SQRT2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    case 'gelu_tanh': {
      const t = Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
    }
    case 'sqrt': return 0.5 / y;
    case 'abs': return x > 0 ? 1 : x < 0 ? -1 : 0;
  }
}

function unary(op: UnaryOp, x: Float32Array, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) out[i] = unaryScalar(op, x[i]);
}

function unaryGrad(op: UnaryOp, x: Float32Array, y: Float32Array, g: Float32Array, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) out[i] = g[i] * unaryDerivative(op, x[i], y[i]);
}

function binaryScalar(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case 'add': return a + b;
    case 'sub': return a - b;
    case 'mul': return a * b;
    case 'div': return a / b;
    case 'pow': return Math.pow(a, b);
    case 'max': return a >= b ? a : b;
    case 'eq': return a === b ? 1 : 0;
    case 'gt': return a > b ? 1 : 0;
    case 'lt': return a < b ? 1 : 0;
  }
}

/**
 * Visits every index of `shape` in row-major order, calling `visit(outIndex, offsets)` once per
 * innermost row with the start offsets of each strided operand. Shared by the broadcasting
 * kernels; the callback is per row, not per element.
 */
function forEachRow(shape: readonly number[], strides: (readonly number[])[],
  visit: (outStart: number, offsets: number[], len: number, innerStrides: number[]) => void): void {
  const rank = shape.length;
  if (rank === 0) {
    visit(0, strides.map(() => 0), 1, strides.map(() => 0));
    return;
  }
  const len = shape[rank - 1];
  const inner = strides.map((s) => s[rank - 1]);
  const rows = len === 0 ? 0 : shape.reduce((p, d) => p * d, 1) / len;
  const counter = new Array<number>(rank - 1).fill(0);
  const offsets = strides.map(() => 0);
  for (let r = 0; r < rows; r++) {
    visit(r * len, offsets, len, inner);
    for (let ax = rank - 2; ax >= 0; ax--) {
      counter[ax]++;
      for (let t = 0; t < strides.length; t++) offsets[t] += strides[t][ax];
      if (counter[ax] < shape[ax]) break;
      for (let t = 0; t < strides.length; t++) offsets[t] -= strides[t][ax] * shape[ax];
      counter[ax] = 0;
    }
  }
}

function binary(op: BinaryOp, a: Float32Array, aStrides: readonly number[], b: Float32Array,
  bStrides: readonly number[], out: Float32Array, shape: readonly number[]): void {
  forEachRow(shape, [aStrides, bStrides], (o, [ao, bo], len, [sa, sb]) => {
    for (let j = 0; j < len; j++) out[o + j] = binaryScalar(op, a[ao + j * sa], b[bo + j * sb]);
  });
}

function where(cond: Float32Array, cStrides: readonly number[], a: Float32Array, aStrides: readonly number[],
  b: Float32Array, bStrides: readonly number[], out: Float32Array, shape: readonly number[]): void {
  forEachRow(shape, [cStrides, aStrides, bStrides], (o, [co, ao, bo], len, [sc, sa, sb]) => {
    for (let j = 0; j < len; j++) out[o + j] = cond[co + j * sc] !== 0 ? a[ao + j * sa] : b[bo + j * sb];
  });
}

function reduce(op: ReduceOp, x: Float32Array, outer: number, n: number, inner: number, out: Float32Array): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let acc = op === 'sum' ? 0 : -Infinity;
      for (let j = 0; j < n; j++) {
        const v = x[base + j * inner];
        if (op === 'sum') acc += v;
        else if (v > acc || Number.isNaN(v)) acc = v;
      }
      out[o * inner + i] = acc;
    }
  }
}

function permute(x: Float32Array, shape: readonly number[], perm: readonly number[], out: Float32Array): void {
  const inStrides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i];
  }
  const outShape = perm.map((p) => shape[p]);
  const readStrides = perm.map((p) => inStrides[p]);
  const unit = outShape.map(() => 0);
  forEachRow(outShape, [readStrides, unit], (o, [xo], len, [sx]) => {
    for (let j = 0; j < len; j++) out[o + j] = x[xo + j * sx];
  });
}

function axisCopy(src: Float32Array, srcN: number, srcStart: number, dst: Float32Array, dstN: number,
  dstStart: number, outer: number, count: number, inner: number, accumulate: boolean): void {
  const len = count * inner;
  for (let o = 0; o < outer; o++) {
    const s = (o * srcN + srcStart) * inner;
    const d = (o * dstN + dstStart) * inner;
    if (accumulate) for (let j = 0; j < len; j++) dst[d + j] += src[s + j];
    else for (let j = 0; j < len; j++) dst[d + j] = src[s + j];
  }
}

function gatherRows(x: Float32Array, rows: number, index: Int32Array, out: Float32Array, outer: number,
  inner: number, scatterAdd: boolean): void {
  const m = index.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const xo = (o * rows + index[j]) * inner;
      const oo = (o * m + j) * inner;
      if (scatterAdd) for (let i = 0; i < inner; i++) x[xo + i] += out[oo + i];
      else for (let i = 0; i < inner; i++) out[oo + i] = x[xo + i];
    }
  }
}

function im2col1d(x: Float32Array, cols: Float32Array, batch: number, cin: number, len: number, kernel: number,
  padding: number, dilation: number, transpose: boolean): void {
  const lenOut = len + 2 * padding - dilation * (kernel - 1);
  const width = cin * kernel;
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < lenOut; t++) {
      const colBase = (b * lenOut + t) * width;
      for (let c = 0; c < cin; c++) {
        const xBase = (b * cin + c) * len;
        for (let q = 0; q < kernel; q++) {
          const pos = t - padding + q * dilation;
          const ci = colBase + c * kernel + q;
          const inside = pos >= 0 && pos < len;
          if (transpose) {
            if (inside) x[xBase + pos] += cols[ci];
          } else {
            cols[ci] = inside ? x[xBase + pos] : 0;
          }
        }
      }
    }
  }
}

// ---- fused primitives: each equals a composition of the kernels above (src/nn/functional.ts) ----

/**
 * Rounds as the composition F.softmaxExplicit does (every intermediate a float32 tensor, the
 * row sum accumulated in float64), so the fused path and the composition agree to the last bit
 * wherever exp does.
 */
function softmax(x: Float32Array, rows: number, n: number, scale: number, mask: SoftmaxMask | null,
  y: Float32Array): void {
  const f = Math.fround;
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    const masked = (j: number): boolean => mask !== null && mask.data[mask.rowOffsets[r] + j * mask.stride] !== 0;
    const z = (j: number): number => f(x[base + j] * f(scale)); // a float32 scalar, as mul(x, scale) has
    let m = -Infinity;
    for (let j = 0; j < n; j++) {
      const v = z(j);
      if (!masked(j) && (v > m || Number.isNaN(v))) m = v;
    }
    const shift = m === -Infinity ? 0 : m; // a row with nothing unmasked stays finite
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const e = masked(j) ? 0 : f(Math.exp(f(z(j) - shift)));
      y[base + j] = e;
      sum += e;
    }
    const s = f(sum) === 0 ? 1 : f(sum);
    for (let j = 0; j < n; j++) y[base + j] = y[base + j] / s;
  }
}

function softmaxGrad(y: Float32Array, g: Float32Array, rows: number, n: number, scale: number, dx: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    let dot = 0;
    for (let j = 0; j < n; j++) dot += g[base + j] * y[base + j];
    for (let j = 0; j < n; j++) dx[base + j] = Math.fround(scale) * y[base + j] * (g[base + j] - dot);
  }
}

function layerNorm(x: Float32Array, rows: number, n: number, weight: Float32Array | null, bias: Float32Array | null,
  eps: number, y: Float32Array, mean: Float32Array, rstd: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    let sum = 0;
    for (let j = 0; j < n; j++) sum += x[base + j];
    const mu = sum / n;
    let sq = 0;
    for (let j = 0; j < n; j++) sq += (x[base + j] - mu) ** 2;
    const rs = 1 / Math.sqrt(sq / n + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let j = 0; j < n; j++) {
      y[base + j] = (x[base + j] - mu) * rs * (weight ? weight[j] : 1) + (bias ? bias[j] : 0);
    }
  }
}

function layerNormGrad(x: Float32Array, g: Float32Array, rows: number, n: number, weight: Float32Array | null,
  mean: Float32Array, rstd: Float32Array, dx: Float32Array, dw: Float32Array | null, db: Float32Array | null): void {
  dw?.fill(0);
  db?.fill(0);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    const xhat = (j: number): number => (x[base + j] - mean[r]) * rstd[r];
    let sumG = 0;
    let sumGX = 0;
    for (let j = 0; j < n; j++) {
      const gh = g[base + j] * (weight ? weight[j] : 1);
      sumG += gh;
      sumGX += gh * xhat(j);
    }
    for (let j = 0; j < n; j++) {
      const gh = g[base + j] * (weight ? weight[j] : 1);
      dx[base + j] = rstd[r] * (gh - sumG / n - xhat(j) * (sumGX / n));
      if (dw) dw[j] += g[base + j] * xhat(j);
      if (db) db[j] += g[base + j];
    }
  }
}

/** torch.optim.Adam / AdamW's update, in the order optim.ts documents. */
function adamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, a: AdamStep): void {
  for (let i = 0; i < p.length; i++) {
    const x = p[i] * a.decay;
    const gi = g[i] + a.l2 * x;
    const mi = a.beta1 * m[i] + (1 - a.beta1) * gi;
    const vi = a.beta2 * v[i] + (1 - a.beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = x - (a.stepSize * mi) / (Math.sqrt(vi) / a.bc2Sqrt + a.eps);
  }
}

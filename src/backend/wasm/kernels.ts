import type { AdamStep, Backend, BinaryOp, GemmArgs, ReduceOp, SoftmaxMask, UnaryOp } from '../backend.js';
import { BINARY_OPS, opCodes, REDUCE_OPS, UNARY_OPS } from '../op-table.js';
import { referenceBackend as reference } from '../reference.js';
import { type AttentionExports, makeAttentionKernels } from './attention.js';
import type { WasmHeap } from './heap.js';
import { makeRecurrenceKernels, type RecurrenceExports, type Together } from './recurrence.js';

/**
 * The Backend interface over the WebAssembly exports of assembly/index.ts. Each method checks
 * the extent every operand will be read or written through, finds each operand's address in
 * the heap, stages operands that live elsewhere (plain arrays from the high-water fallback,
 * arrays made by hand) through scratch, calls the kernel, and copies staged outputs back.
 *
 * It hands a call to the reference kernel, over the same arrays, when the wasm kernel could not
 * match it: an operand shorter than the extent the call implies (the reference reads undefined
 * there and writes nothing), negative or non-integer sizes, an index out of range, more than
 * 32 axes after merging, or no room for scratch.
 */

/** The kernel module's exports. Addresses are byte offsets; booleans are 0/1. */
export interface KernelExports extends AttentionExports, RecurrenceExports {
  gemm(batch: number, m: number, n: number, k: number, a: number, b: number, c: number, transA: number,
    transB: number, strideA: number, strideB: number, strideC: number, accumulate: number, scratch: number): void;
  gemmScratchBytes(m: number, n: number, k: number): number;
  peakMulAdd(iters: number, seed: number): number;
  unary(op: number, x: number, out: number, n: number): void;
  unaryGrad(op: number, x: number, y: number, g: number, out: number, n: number): void;
  binary(op: number, a: number, b: number, out: number, rank: number, meta: number): void;
  where(cond: number, a: number, b: number, out: number, rank: number, meta: number): void;
  stridedCopy(x: number, out: number, rank: number, meta: number): void;
  reduce(op: number, x: number, outer: number, n: number, inner: number, out: number): void;
  axisCopy(src: number, srcN: number, srcStart: number, dst: number, dstN: number, dstStart: number, outer: number,
    count: number, inner: number, accumulate: number): void;
  gatherRows(x: number, rows: number, index: number, m: number, out: number, outer: number, inner: number,
    scatterAdd: number): void;
  im2col1d(x: number, cols: number, batch: number, cin: number, len: number, kernel: number, padding: number,
    dilation: number, transpose: number): void;
  softmax(x: number, rows: number, n: number, scale: number, mask: number, rowOffsets: number, maskStride: number,
    y: number): void;
  softmaxGrad(y: number, g: number, rows: number, n: number, scale: number, dx: number): void;
  layerNorm(x: number, rows: number, n: number, w: number, b: number, eps: number, y: number, mean: number,
    rstd: number): void;
  layerNormGrad(x: number, g: number, rows: number, n: number, w: number, mean: number, rstd: number, dx: number,
    dw: number, db: number): void;
  adamStep(p: number, g: number, m: number, v: number, n: number, beta1: number, c1: number, beta2: number, c2: number,
    eps: number, stepSize: number, bc2Sqrt: number, decay: number, l2: number): void;
  heapBase(): number;
  zero(p: number, bytes: number): void;
  metaAddress(): number;
  relaxed(): number;
}

// Op codes: positions in op-table.ts's lists, as assembly/ops.generated.ts numbers them.
const UNARY = opCodes(UNARY_OPS);
const BINARY = opCodes(BINARY_OPS);
const REDUCE = opCodes(REDUCE_OPS);

/** i32 slots in the module's meta area (512 bytes): shape and up to 3 stride arrays of rank 32. */
const META_INTS = 128;
const MAX_RANK = 32;

export const IN = 0;
export const OUT = 1;
export const INOUT = 2;
export type Mode = typeof IN | typeof OUT | typeof INOUT;

/** An operand: its array, how many elements from its start a kernel touches, and the direction. */
export type Operand = readonly [data: Float32Array | Int32Array, count: number, mode: Mode];

const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;
/** Whether x is a whole number ≥ 0 (a size, stride or offset a kernel can take). */
export const isCount = (x: number): boolean => Number.isInteger(x) && x >= 0;

/** Elements spanned by a strided walk over `shape` (0 when empty); −1 for a negative stride. */
function extent(shape: readonly number[], strides: readonly number[]): number {
  let last = 0;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 0) return 0;
    if (!isCount(strides[i])) return -1;
    last += (shape[i] - 1) * strides[i];
  }
  return last + 1;
}

/**
 * Drops size-1 axes and merges neighbours every operand walks as one (the outer stride is the
 * inner stride times the inner size), so same-shape, scalar and row-broadcast operands become
 * one or two long rows. Returns shape and strides, outermost first; at least one axis.
 */
export function mergeAxes(shape: readonly number[], strides: readonly (readonly number[])[]):
  { shape: number[]; strides: number[][] } {
  // The common case first, without building arrays per axis: every operand dense, row-major.
  let total = 1;
  let dense = true;
  for (let ax = shape.length - 1; ax >= 0 && dense; ax--) {
    if (shape[ax] === 1) continue;
    for (let t = 0; t < strides.length; t++) dense &&= strides[t][ax] === total;
    total *= shape[ax];
  }
  if (dense && total > 1) return { shape: [total], strides: strides.map(() => [1]) };
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let ax = shape.length - 1; ax >= 0; ax--) {
    const d = shape[ax];
    if (d === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && strides.every((s, t) => s[ax] === st[t][last] * dims[last])) {
      dims[last] *= d;
    } else {
      dims.push(d);
      strides.forEach((s, t) => st[t].push(s[ax]));
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    st.forEach((s) => s.push(0));
  }
  return { shape: dims.reverse(), strides: st.map((s) => s.reverse()) };
}

/** Copies off-heap operands into scratch and back. One per backend; kernels never re-enter. */
class Staging {
  private readonly pending: { data: Float32Array | Int32Array; count: number; at: number }[] = [];

  constructor(private readonly heap: WasmHeap) {}

  /**
   * Byte addresses of the operands, then of `extraBytes` of scratch; null when scratch cannot
   * be had. Off-heap inputs are copied in now, off-heap outputs are copied back by finish().
   */
  place(operands: readonly Operand[], extraBytes = 0): number[] | null {
    // Plain loops: this runs for every kernel call, and batch-1 generation makes thousands a second.
    if (this.pending.length > 0) this.pending.length = 0;
    let need = align(extraBytes);
    const at = new Array<number>(operands.length + 1);
    for (let i = 0; i < operands.length; i++) {
      const p = this.heap.addressOf(operands[i][0]);
      if (p < 0) need += align(operands[i][1] * 4);
      at[i] = p;
    }
    if (need === 0) {
      at[operands.length] = 0;
      return at;
    }
    const base = this.heap.scratch(need);
    if (base < 0) return null;
    let cursor = base;
    for (let i = 0; i < operands.length; i++) {
      if (at[i] >= 0) continue;
      const [data, count, mode] = operands[i];
      at[i] = cursor;
      if (mode !== OUT && count > 0) {
        const view = data instanceof Int32Array ? this.heap.ints(cursor, count) : this.heap.floats(cursor, count);
        view.set(data.subarray(0, count));
      }
      if (mode !== IN) this.pending.push({ data, count, at: cursor });
      cursor += align(count * 4);
    }
    at[operands.length] = cursor;
    return at;
  }

  finish(): void {
    if (this.pending.length === 0) return;
    for (const { data, count, at } of this.pending) data.set(this.heap.floats(at, count));
    this.pending.length = 0;
  }
}

/** An optional operand: absent ones get address 0, which no heap block or scratch has. */
export const opt = (data: Float32Array | Int32Array | null, count: number, mode: Mode): Operand | null =>
  (data ? [data, count, mode] : null);

/** Whether every row offset of a softmax mask, and every position it implies, lies inside its data. */
function maskFits(mask: SoftmaxMask, rows: number, n: number): boolean {
  if (mask.rowOffsets.length < rows || (mask.stride !== 0 && mask.stride !== 1)) return false;
  const span = n === 0 ? 0 : (n - 1) * mask.stride + 1;
  for (let r = 0; r < rows; r++) {
    const o = mask.rowOffsets[r];
    if (!(o >= 0 && o + span <= mask.data.length)) return false;
  }
  return true;
}

/**
 * Builds the Backend's kernels over one instantiated kernel module and its heap; `threads`, when
 * given, runs the recurrences across its pool. (index.ts adds the rest: the name, afterStep, and the heap's allocationMark and release.)
 */
export function makeKernels(k: KernelExports, heap: WasmHeap, threads: Together | null = null):
  Omit<Backend, 'name' | 'afterStep' | 'allocationMark' | 'release'> {
  const stage = new Staging(heap);

  /** `stage.place` over operands some of which are absent (address 0); the last address is scratch. */
  const placeSome = (operands: readonly (Operand | null)[], extraBytes: number): number[] | null => {
    const at = stage.place(operands.filter((o): o is Operand => o !== null), extraBytes);
    if (!at) return null;
    let i = 0;
    const out = operands.map((o) => (o ? at[i++] : 0));
    out.push(at[at.length - 1]);
    return out;
  };
  const metaAt = k.metaAddress();
  const meta = heap.ints(metaAt, META_INTS);

  /** Writes shape and strides (rank ≤ MAX_RANK, checked by the caller) into the meta area. */
  const writeMeta = (walk: { shape: number[]; strides: number[][] }): void => {
    const rank = walk.shape.length;
    for (let i = 0; i < rank; i++) meta[i] = walk.shape[i];
    for (let t = 0; t < walk.strides.length; t++) {
      const s = walk.strides[t];
      for (let i = 0; i < rank; i++) meta[(t + 1) * rank + i] = s[i];
    }
  };

  const kernels: Omit<Backend, 'name' | 'afterStep' | 'allocationMark' | 'release'> = {
    alloc: (n, uninitialized) => heap.alloc(n, uninitialized),
    ...makeAttentionKernels(k, { placeSome, finish: () => stage.finish(), meta, metaAt }), // ./attention.ts

    ...makeRecurrenceKernels(k, heap, { placeSome, finish: () => stage.finish() }, threads), // ./recurrence.ts

    softmax(x: Float32Array, rows: number, n: number, scale: number, mask: SoftmaxMask | null, y: Float32Array): void {
      const total = rows * n;
      if (![rows, n].every(isCount) || x.length < total || y.length < total || (mask && !maskFits(mask, rows, n))) {
        return reference.softmax(x, rows, n, scale, mask, y);
      }
      if (total === 0) return;
      const at = placeSome([[x, total, IN], opt(mask?.data ?? null, mask?.data.length ?? 0, IN),
        opt(mask?.rowOffsets ?? null, rows, IN), [y, total, OUT]], 0);
      if (!at) return reference.softmax(x, rows, n, scale, mask, y);
      k.softmax(at[0], rows, n, scale, at[1], at[2], mask?.stride ?? 0, at[3]);
      stage.finish();
    },

    softmaxGrad(y: Float32Array, g: Float32Array, rows: number, n: number, scale: number, dx: Float32Array): void {
      const total = rows * n;
      if (![rows, n].every(isCount) || y.length < total || g.length < total || dx.length < total) {
        return reference.softmaxGrad(y, g, rows, n, scale, dx);
      }
      if (total === 0) return;
      const at = stage.place([[y, total, IN], [g, total, IN], [dx, total, OUT]]);
      if (!at) return reference.softmaxGrad(y, g, rows, n, scale, dx);
      k.softmaxGrad(at[0], at[1], rows, n, scale, at[2]);
      stage.finish();
    },

    layerNorm(x: Float32Array, rows: number, n: number, weight: Float32Array | null, bias: Float32Array | null,
      eps: number, y: Float32Array, mean: Float32Array, rstd: Float32Array): void {
      const total = rows * n;
      const fits = [rows, n].every(isCount) && x.length >= total && y.length >= total && mean.length >= rows &&
        rstd.length >= rows && (!weight || weight.length >= n) && (!bias || bias.length >= n);
      if (!fits) return reference.layerNorm(x, rows, n, weight, bias, eps, y, mean, rstd);
      if (rows === 0) return;
      const at = placeSome([[x, total, IN], opt(weight, n, IN), opt(bias, n, IN), [y, total, OUT], [mean, rows, OUT],
        [rstd, rows, OUT]], 0);
      if (!at) return reference.layerNorm(x, rows, n, weight, bias, eps, y, mean, rstd);
      k.layerNorm(at[0], rows, n, at[1], at[2], eps, at[3], at[4], at[5]);
      stage.finish();
    },

    layerNormGrad(x: Float32Array, g: Float32Array, rows: number, n: number, weight: Float32Array | null,
      mean: Float32Array, rstd: Float32Array, dx: Float32Array, dw: Float32Array | null, db: Float32Array | null): void {
      const total = rows * n;
      const fits = [rows, n].every(isCount) && x.length >= total && g.length >= total && dx.length >= total &&
        mean.length >= rows && rstd.length >= rows && [weight, dw, db].every((a) => !a || a.length >= n);
      if (!fits || n === 0) return reference.layerNormGrad(x, g, rows, n, weight, mean, rstd, dx, dw, db);
      const at = placeSome([[x, total, IN], [g, total, IN], opt(weight, n, IN), [mean, rows, IN], [rstd, rows, IN],
        [dx, total, OUT], opt(dw, n, OUT), opt(db, n, OUT)], 0);
      if (!at) return reference.layerNormGrad(x, g, rows, n, weight, mean, rstd, dx, dw, db);
      k.layerNormGrad(at[0], at[1], rows, n, at[2], at[3], at[4], at[5], at[6], at[7]);
      stage.finish();
    },

    adamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, a: AdamStep): void {
      const n = p.length;
      if (g.length < n || m.length < n || v.length < n) return reference.adamStep(p, g, m, v, a);
      if (n === 0) return;
      const at = stage.place([[p, n, INOUT], [g, n, IN], [m, n, INOUT], [v, n, INOUT]]);
      if (!at) return reference.adamStep(p, g, m, v, a);
      // 1 − β as the JS expression computes it, so every operation matches the reference's.
      k.adamStep(at[0], at[1], at[2], at[3], n, a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.eps, a.stepSize,
        a.bc2Sqrt, a.decay, a.l2);
      stage.finish();
    },

    gemm(p: GemmArgs): void {
      const { batch, m, n, k: depth } = p;
      if (![batch, m, n, depth, p.strideA, p.strideB, p.strideC].every(isCount)) return reference.gemm(p);
      if (batch === 0 || m === 0 || n === 0) return;
      const needA = depth === 0 ? 0 : (batch - 1) * p.strideA + m * depth;
      const needB = depth === 0 ? 0 : (batch - 1) * p.strideB + depth * n;
      const needC = (batch - 1) * p.strideC + m * n;
      if (needA > p.a.length || needB > p.b.length || needC > p.c.length) return reference.gemm(p);
      const packed = m > 1 && n > 1 && depth > 0;
      const extra = packed ? k.gemmScratchBytes(m, n, depth) >>> 0 : 0;
      const cDense = batch === 1 || p.strideC <= m * n;
      const at = stage.place([[p.a, needA, IN], [p.b, needB, IN], [p.c, needC, p.accumulate || !cDense ? INOUT : OUT]],
        extra);
      if (!at) return reference.gemm(p);
      k.gemm(batch, m, n, depth, at[0], at[1], at[2], +p.transA, +p.transB, p.strideA, p.strideB, p.strideC,
        +p.accumulate, at[3]);
      stage.finish();
    },

    unary(op: UnaryOp, x: Float32Array, out: Float32Array): void {
      const n = x.length;
      if (out.length < n) return reference.unary(op, x, out);
      if (n === 0) return;
      const at = stage.place([[x, n, IN], [out, n, OUT]]);
      if (!at) return reference.unary(op, x, out);
      k.unary(UNARY[op], at[0], at[1], n);
      stage.finish();
    },

    unaryGrad(op: UnaryOp, x: Float32Array, y: Float32Array, g: Float32Array, out: Float32Array): void {
      const n = x.length;
      if (y.length < n || g.length < n || out.length < n) return reference.unaryGrad(op, x, y, g, out);
      if (n === 0) return;
      const at = stage.place([[x, n, IN], [y, n, IN], [g, n, IN], [out, n, OUT]]);
      if (!at) return reference.unaryGrad(op, x, y, g, out);
      k.unaryGrad(UNARY[op], at[0], at[1], at[2], at[3], n);
      stage.finish();
    },

    binary(op: BinaryOp, a: Float32Array, aStrides: readonly number[], b: Float32Array, bStrides: readonly number[],
      out: Float32Array, shape: readonly number[]): void {
      const fallback = (): void => reference.binary(op, a, aStrides, b, bStrides, out, shape);
      if (!shape.every(isCount)) return fallback();
      const total = shape.reduce((s, d) => s * d, 1);
      if (total === 0) return;
      const needA = extent(shape, aStrides);
      const needB = extent(shape, bStrides);
      if (needA < 0 || needB < 0 || needA > a.length || needB > b.length || total > out.length) return fallback();
      const walk = mergeAxes(shape, [aStrides, bStrides]);
      if (walk.shape.length > MAX_RANK) return fallback();
      const at = stage.place([[a, needA, IN], [b, needB, IN], [out, total, OUT]]);
      if (!at) return fallback();
      writeMeta(walk);
      k.binary(BINARY[op], at[0], at[1], at[2], walk.shape.length, metaAt);
      stage.finish();
    },

    reduce(op: ReduceOp, x: Float32Array, outer: number, n: number, inner: number, out: Float32Array): void {
      if (![outer, n, inner].every(isCount)) return reference.reduce(op, x, outer, n, inner, out);
      const count = outer * inner;
      if (count === 0) return;
      if (outer * n * inner > x.length || count > out.length) return reference.reduce(op, x, outer, n, inner, out);
      const at = stage.place([[x, outer * n * inner, IN], [out, count, OUT]]);
      if (!at) return reference.reduce(op, x, outer, n, inner, out);
      k.reduce(REDUCE[op], at[0], outer, n, inner, at[1]);
      stage.finish();
    },

    permute(x: Float32Array, shape: readonly number[], perm: readonly number[], out: Float32Array): void {
      const total = shape.reduce((s, d) => s * d, 1);
      const valid = shape.every(isCount) && perm.length === shape.length && new Set(perm).size === perm.length &&
        perm.every((p) => isCount(p) && p < shape.length);
      if (!valid || total > x.length || total > out.length) return reference.permute(x, shape, perm, out);
      if (total === 0) return;
      const inStrides = new Array<number>(shape.length);
      let s = 1;
      for (let i = shape.length - 1; i >= 0; i--) {
        inStrides[i] = s;
        s *= shape[i];
      }
      const walk = mergeAxes(perm.map((p) => shape[p]), [perm.map((p) => inStrides[p])]);
      if (walk.shape.length > MAX_RANK) return reference.permute(x, shape, perm, out);
      const at = stage.place([[x, total, IN], [out, total, OUT]]);
      if (!at) return reference.permute(x, shape, perm, out);
      writeMeta(walk);
      k.stridedCopy(at[0], at[1], walk.shape.length, metaAt);
      stage.finish();
    },

    axisCopy(src: Float32Array, srcN: number, srcStart: number, dst: Float32Array, dstN: number, dstStart: number,
      outer: number, count: number, inner: number, accumulate: boolean): void {
      const fallback = (): void => reference.axisCopy(src, srcN, srcStart, dst, dstN, dstStart, outer, count, inner,
        accumulate);
      if (![srcN, srcStart, dstN, dstStart, outer, count, inner].every(isCount)) return fallback();
      const len = count * inner;
      if (outer === 0 || len === 0) return;
      const needS = ((outer - 1) * srcN + srcStart) * inner + len;
      const needD = ((outer - 1) * dstN + dstStart) * inner + len;
      if (needS > src.length || needD > dst.length) return fallback();
      const at = stage.place([[src, needS, IN], [dst, needD, INOUT]]);
      if (!at) return fallback();
      k.axisCopy(at[0], srcN, srcStart, at[1], dstN, dstStart, outer, count, inner, +accumulate);
      stage.finish();
    },

    gatherRows(x: Float32Array, rows: number, index: Int32Array, out: Float32Array, outer: number, inner: number,
      scatterAdd: boolean): void {
      const fallback = (): void => reference.gatherRows(x, rows, index, out, outer, inner, scatterAdd);
      const m = index.length;
      if (![rows, outer, inner].every(isCount)) return fallback();
      if (outer === 0 || m === 0 || inner === 0) return;
      if (outer * rows * inner > x.length || outer * m * inner > out.length) return fallback();
      for (let j = 0; j < m; j++) if (index[j] < 0 || index[j] >= rows) return fallback();
      const at = stage.place([[x, outer * rows * inner, scatterAdd ? INOUT : IN],
        [out, outer * m * inner, scatterAdd ? IN : OUT], [index, m, IN]]);
      if (!at) return fallback();
      k.gatherRows(at[0], rows, at[2], m, at[1], outer, inner, +scatterAdd);
      stage.finish();
    },

    where(cond: Float32Array, cStrides: readonly number[], a: Float32Array, aStrides: readonly number[],
      b: Float32Array, bStrides: readonly number[], out: Float32Array, shape: readonly number[]): void {
      const fallback = (): void => reference.where(cond, cStrides, a, aStrides, b, bStrides, out, shape);
      if (!shape.every(isCount)) return fallback();
      const total = shape.reduce((s, d) => s * d, 1);
      if (total === 0) return;
      const needC = extent(shape, cStrides);
      const needA = extent(shape, aStrides);
      const needB = extent(shape, bStrides);
      if (needC < 0 || needA < 0 || needB < 0 || needC > cond.length || needA > a.length || needB > b.length ||
        total > out.length) return fallback();
      const walk = mergeAxes(shape, [cStrides, aStrides, bStrides]);
      if (walk.shape.length > MAX_RANK) return fallback();
      const at = stage.place([[cond, needC, IN], [a, needA, IN], [b, needB, IN], [out, total, OUT]]);
      if (!at) return fallback();
      writeMeta(walk);
      k.where(at[0], at[1], at[2], at[3], walk.shape.length, metaAt);
      stage.finish();
    },

    im2col1d(x: Float32Array, cols: Float32Array, batch: number, cin: number, len: number, kernel: number,
      padding: number, dilation: number, transpose: boolean): void {
      const fallback = (): void => reference.im2col1d(x, cols, batch, cin, len, kernel, padding, dilation, transpose);
      if (![batch, cin, len, kernel, padding, dilation].every(isCount)) return fallback();
      const lenOut = len + 2 * padding - dilation * (kernel - 1);
      if (batch === 0 || cin === 0 || kernel === 0 || lenOut <= 0) return;
      const needX = batch * cin * len;
      const needCols = batch * lenOut * cin * kernel;
      if (needX > x.length || needCols > cols.length) return fallback();
      const at = stage.place([[x, needX, transpose ? INOUT : IN], [cols, needCols, transpose ? IN : OUT]]);
      if (!at) return fallback();
      k.im2col1d(at[0], at[1], batch, cin, len, kernel, padding, dilation, +transpose);
      stage.finish();
    },
  };
  return kernels;
}

import type { Backend, BinaryOp, GemmArgs, ReduceOp, UnaryOp } from '../backend.js';
import { recurrenceBackward, recurrenceForward } from '../recurrence.js';
import { referenceBackend as reference } from '../reference.js';
import type { WasmHeap } from './heap.js';

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
export interface KernelExports {
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
  heapBase(): number;
  metaAddress(): number;
  relaxed(): number;
}

// Op codes: the order of the constants in assembly/unary.ts, elementwise.ts and reduce.ts.
const UNARY: Record<UnaryOp, number> = {
  neg: 0, exp: 1, log: 2, tanh: 3, sigmoid: 4, relu: 5, gelu: 6, gelu_tanh: 7, sqrt: 8, abs: 9,
};
const BINARY: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2, div: 3, pow: 4, max: 5, eq: 6, gt: 7, lt: 8 };
const REDUCE: Record<ReduceOp, number> = { sum: 0, max: 1 };

/** i32 slots in the module's meta area (512 bytes): shape and up to 3 stride arrays of rank 32. */
const META_INTS = 128;
const MAX_RANK = 32;

const IN = 0;
const OUT = 1;
const INOUT = 2;
type Mode = typeof IN | typeof OUT | typeof INOUT;

/** An operand: its array, how many elements from its start a kernel touches, and the direction. */
type Operand = readonly [data: Float32Array | Int32Array, count: number, mode: Mode];

const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;
const isCount = (x: number): boolean => Number.isInteger(x) && x >= 0;

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
    this.pending.length = 0;
    let need = align(extraBytes);
    const at = operands.map(([data, count]) => {
      const p = this.heap.addressOf(data);
      if (p < 0) need += align(count * 4);
      return p;
    });
    if (need === 0) {
      at.push(0);
      return at;
    }
    const base = this.heap.scratch(need);
    if (base < 0) return null;
    let cursor = base;
    operands.forEach(([data, count, mode], i) => {
      if (at[i] >= 0) return;
      at[i] = cursor;
      if (mode !== OUT && count > 0) {
        const view = data instanceof Int32Array ? this.heap.ints(cursor, count) : this.heap.floats(cursor, count);
        view.set(data.subarray(0, count));
      }
      if (mode !== IN) this.pending.push({ data, count, at: cursor });
      cursor += align(count * 4);
    });
    at.push(cursor);
    return at;
  }

  finish(): void {
    for (const { data, count, at } of this.pending) data.set(this.heap.floats(at, count));
    this.pending.length = 0;
  }
}

/** Builds the Backend over one instantiated kernel module and its heap. */
export function makeKernels(k: KernelExports, heap: WasmHeap): Omit<Backend, 'name'> {
  const stage = new Staging(heap);
  const metaAt = k.metaAddress();
  const meta = heap.ints(metaAt, META_INTS);

  /** Writes shape and strides (rank ≤ MAX_RANK, checked by the caller) into the meta area. */
  const writeMeta = (walk: { shape: number[]; strides: number[][] }): void => {
    const rank = walk.shape.length;
    meta.set(walk.shape, 0);
    walk.strides.forEach((s, t) => meta.set(s, (t + 1) * rank));
  };

  const kernels: Omit<Backend, 'name'> = {
    alloc: (n) => heap.alloc(n),

    // The orchestration of recurrence.ts with this backend's GEMM; the pointwise gate maths
    // stays in JS for now (about two thirds of the time at workload A's size).
    recurrenceForward: (args) => recurrenceForward(args, (p) => kernels.gemm(p)),
    recurrenceBackward: (args) => recurrenceBackward(args, (p) => kernels.gemm(p)),

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

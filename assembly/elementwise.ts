// Broadcasting elementwise kernels (binary ops, where) and the strided copy behind permute.
//
// The JS side merges axes that can be walked as one and passes shape and strides (elements) as
// i32 arrays in `meta`. Rows are the innermost axis; a row whose strides are all 0 or 1 (the
// same-shape, scalar and row-broadcast cases) runs vectorised, anything else runs scalar.
import { loadOrSplat } from './simd';

// Op codes from src/backend/op-table.ts; every switch over them traps on any other code.
import {
  BINARY_ADD as ADD, BINARY_DIV as DIV, BINARY_EQ as EQ, BINARY_GT as GT, BINARY_LT as LT, BINARY_MAX as MAX,
  BINARY_MUL as MUL, BINARY_POW as POW, BINARY_SUB as SUB,
} from './ops.generated';

/** Row counters for walking up to 32 axes. */
const COUNTERS: usize = memory.data(128, 16);

@inline function binv(op: i32, x: v128, y: v128): v128 {
  switch (op) {
    case ADD: return f32x4.add(x, y);
    case SUB: return f32x4.sub(x, y);
    case MUL: return f32x4.mul(x, y);
    case DIV: return f32x4.div(x, y);
    case MAX: return v128.bitselect(x, y, f32x4.ge(x, y));
    case EQ: return v128.and(f32x4.splat(1), f32x4.eq(x, y));
    case GT: return v128.and(f32x4.splat(1), f32x4.gt(x, y));
    case LT: return v128.and(f32x4.splat(1), f32x4.lt(x, y));
    default: return unreachable(); // POW never runs vectorised (binRow)
  }
}

// Float32 +, −, ×, ÷ round exactly as the reference's float64 operation then rounding does.
@inline function bins(op: i32, x: f32, y: f32): f32 {
  switch (op) {
    case ADD: return x + y;
    case SUB: return x - y;
    case MUL: return x * y;
    case DIV: return x / y;
    case POW: return <f32>Math.pow(<f64>x, <f64>y);
    case MAX: return x >= y ? x : y;
    case EQ: return x == y ? 1 : 0;
    case GT: return x > y ? 1 : 0;
    case LT: return x < y ? 1 : 0;
    default: return unreachable();
  }
}

@inline function binRow(op: i32, a: usize, sa: i32, b: usize, sb: i32, o: usize, len: i32): void {
  let j = 0;
  if (op != POW && (sa == 0 || sa == 1) && (sb == 0 || sb == 1)) {
    const ua = sa == 1, ub = sb == 1;
    const da: usize = ua ? 16 : 0, db: usize = ub ? 16 : 0;
    for (; j + 4 <= len; j += 4) {
      v128.store(o, binv(op, loadOrSplat(a, ua), loadOrSplat(b, ub)));
      a += da;
      b += db;
      o += 16;
    }
  }
  const ea = <usize>sa << 2, eb = <usize>sb << 2;
  for (; j < len; j++) {
    store<f32>(o, bins(op, load<f32>(a), load<f32>(b)));
    a += ea;
    b += eb;
    o += 4;
  }
}

/**
 * out = a ∘ b over `shape` (rank ≥ 1), read through strides: meta holds shape[rank],
 * aStrides[rank], bStrides[rank] as i32. `out` is contiguous.
 */
export function binary(op: i32, a: usize, b: usize, out: usize, rank: i32, meta: usize): void {
  switch (op) {
    case ADD: binaryWalk(ADD, a, b, out, rank, meta); break;
    case SUB: binaryWalk(SUB, a, b, out, rank, meta); break;
    case MUL: binaryWalk(MUL, a, b, out, rank, meta); break;
    case DIV: binaryWalk(DIV, a, b, out, rank, meta); break;
    case POW: binaryWalk(POW, a, b, out, rank, meta); break;
    case MAX: binaryWalk(MAX, a, b, out, rank, meta); break;
    case EQ: binaryWalk(EQ, a, b, out, rank, meta); break;
    case GT: binaryWalk(GT, a, b, out, rank, meta); break;
    case LT: binaryWalk(LT, a, b, out, rank, meta); break;
    default: unreachable();
  }
}

@inline function dim(meta: usize, i: i32): i32 {
  return load<i32>(meta + (<usize>i << 2));
}

/** Number of rows (the product of all but the last axis) and zeroed counters. */
@inline function startWalk(rank: i32, meta: usize): i32 {
  let rows = 1;
  for (let ax = 0; ax < rank - 1; ax++) {
    rows *= dim(meta, ax);
    store<i32>(COUNTERS + (<usize>ax << 2), 0);
  }
  return rows;
}

/** Stride of operand `which` (1-based: the stride arrays follow the shape in meta) on axis `ax`. */
@inline function stride(meta: usize, rank: i32, which: i32, ax: i32): i32 {
  return dim(meta, which * rank + ax);
}

@inline function binaryWalk(op: i32, a: usize, b: usize, out: usize, rank: i32, meta: usize): void {
  const len = dim(meta, rank - 1);
  if (len == 0) return;
  const rows = startWalk(rank, meta);
  const sa = dim(meta, 2 * rank - 1), sb = dim(meta, 3 * rank - 1);
  let ao = 0, bo = 0;
  let o = out;
  for (let r = 0; r < rows; r++) {
    binRow(op, a + (<usize>ao << 2), sa, b + (<usize>bo << 2), sb, o, len);
    o += <usize>len << 2;
    for (let ax = rank - 2; ax >= 0; ax--) {
      const cp = COUNTERS + (<usize>ax << 2);
      const cnt = load<i32>(cp) + 1;
      const size = dim(meta, ax);
      if (cnt < size) {
        store<i32>(cp, cnt);
        ao += stride(meta, rank, 1, ax);
        bo += stride(meta, rank, 2, ax);
        break;
      }
      store<i32>(cp, 0);
      ao -= stride(meta, rank, 1, ax) * (size - 1);
      bo -= stride(meta, rank, 2, ax) * (size - 1);
    }
  }
}

/**
 * out = cond ≠ 0 ? a : b over `shape`, all three read through strides: meta holds shape,
 * condStrides, aStrides, bStrides (each [rank], i32).
 */
export function where(cond: usize, a: usize, b: usize, out: usize, rank: i32, meta: usize): void {
  const len = dim(meta, rank - 1);
  if (len == 0) return;
  const rows = startWalk(rank, meta);
  const sc = dim(meta, 2 * rank - 1), sa = dim(meta, 3 * rank - 1), sb = dim(meta, 4 * rank - 1);
  let co = 0, ao = 0, bo = 0;
  let o = out;
  for (let r = 0; r < rows; r++) {
    whereRow(cond + (<usize>co << 2), sc, a + (<usize>ao << 2), sa, b + (<usize>bo << 2), sb, o, len);
    o += <usize>len << 2;
    for (let ax = rank - 2; ax >= 0; ax--) {
      const cp = COUNTERS + (<usize>ax << 2);
      const cnt = load<i32>(cp) + 1;
      const size = dim(meta, ax);
      if (cnt < size) {
        store<i32>(cp, cnt);
        co += stride(meta, rank, 1, ax);
        ao += stride(meta, rank, 2, ax);
        bo += stride(meta, rank, 3, ax);
        break;
      }
      store<i32>(cp, 0);
      co -= stride(meta, rank, 1, ax) * (size - 1);
      ao -= stride(meta, rank, 2, ax) * (size - 1);
      bo -= stride(meta, rank, 3, ax) * (size - 1);
    }
  }
}

function whereRow(c: usize, sc: i32, a: usize, sa: i32, b: usize, sb: i32, o: usize, len: i32): void {
  let j = 0;
  if ((sc == 0 || sc == 1) && (sa == 0 || sa == 1) && (sb == 0 || sb == 1)) {
    const uc = sc == 1, ua = sa == 1, ub = sb == 1;
    const dc: usize = uc ? 16 : 0, da: usize = ua ? 16 : 0, db: usize = ub ? 16 : 0;
    for (; j + 4 <= len; j += 4) {
      const mask = f32x4.ne(loadOrSplat(c, uc), f32x4.splat(0));
      v128.store(o, v128.bitselect(loadOrSplat(a, ua), loadOrSplat(b, ub), mask));
      c += dc;
      a += da;
      b += db;
      o += 16;
    }
  }
  const ec = <usize>sc << 2, ea = <usize>sa << 2, eb = <usize>sb << 2;
  for (; j < len; j++) {
    store<f32>(o, load<f32>(c) != 0 ? load<f32>(a) : load<f32>(b));
    c += ec;
    a += ea;
    b += eb;
    o += 4;
  }
}

/** out (contiguous) = x read through strides: meta holds shape[rank], xStrides[rank]. */
export function stridedCopy(x: usize, out: usize, rank: i32, meta: usize): void {
  const len = dim(meta, rank - 1);
  if (len == 0) return;
  const rows = startWalk(rank, meta);
  const sx = dim(meta, 2 * rank - 1);
  const step = <usize>sx << 2;
  const rowBytes = <usize>len << 2;
  let xo = 0;
  let o = out;
  for (let r = 0; r < rows; r++) {
    let p = x + (<usize>xo << 2);
    if (sx == 1) {
      memory.copy(o, p, rowBytes);
    } else {
      for (let j = 0; j < len; j++) {
        store<f32>(o + (<usize>j << 2), load<f32>(p));
        p += step;
      }
    }
    o += rowBytes;
    for (let ax = rank - 2; ax >= 0; ax--) {
      const cp = COUNTERS + (<usize>ax << 2);
      const cnt = load<i32>(cp) + 1;
      const size = dim(meta, ax);
      if (cnt < size) {
        store<i32>(cp, cnt);
        xo += stride(meta, rank, 1, ax);
        break;
      }
      store<i32>(cp, 0);
      xo -= stride(meta, rank, 1, ax) * (size - 1);
    }
  }
}

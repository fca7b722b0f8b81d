// Reductions over the middle axis of [outer, n, inner], and the copy kernels: axisCopy,
// gatherRows (embedding lookup and its scatter-add gradient) and 1-D im2col / col2im.
import { hsum } from './simd';

// Op codes from src/backend/op-table.ts.
import { REDUCE_MAX as MAX, REDUCE_SUM as SUM } from './ops.generated';

@inline function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}

/** Σ x[0..n), accumulated in float64 like the reference. */
function sumContiguous(x: usize, n: i32): f32 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const v0 = v128.load(x + (<usize>j << 2));
    const v1 = v128.load(x + (<usize>j << 2), 16);
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v0));
    s1 = f64x2.add(s1, promoteHigh(v0));
    s2 = f64x2.add(s2, f64x2.promote_low_f32x4(v1));
    s3 = f64x2.add(s3, promoteHigh(v1));
  }
  const s = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
  let acc = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; j < n; j++) acc += <f64>load<f32>(x + (<usize>j << 2));
  return <f32>acc;
}

/** max x[0..n) (−∞ when empty), NaN if any value is NaN, as the reference. */
function maxContiguous(x: usize, n: i32): f32 {
  // Four chains: V8 expands f32x4.max (NaN and ±0 rules) into several dependent instructions.
  let m0 = f32x4.splat(-Infinity), m1 = f32x4.splat(-Infinity), m2 = f32x4.splat(-Infinity), m3 = f32x4.splat(-Infinity);
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    const p = x + (<usize>j << 2);
    m0 = f32x4.max(m0, v128.load(p));
    m1 = f32x4.max(m1, v128.load(p, 16));
    m2 = f32x4.max(m2, v128.load(p, 32));
    m3 = f32x4.max(m3, v128.load(p, 48));
  }
  let m = f32x4.max(f32x4.max(m0, m1), f32x4.max(m2, m3));
  for (; j + 4 <= n; j += 4) m = f32x4.max(m, v128.load(x + (<usize>j << 2)));
  let acc: f32 = -Infinity;
  acc = maxStep(acc, f32x4.extract_lane(m, 0));
  acc = maxStep(acc, f32x4.extract_lane(m, 1));
  acc = maxStep(acc, f32x4.extract_lane(m, 2));
  acc = maxStep(acc, f32x4.extract_lane(m, 3));
  for (; j < n; j++) acc = maxStep(acc, load<f32>(x + (<usize>j << 2)));
  return acc;
}

@inline function maxStep(acc: f32, v: f32): f32 {
  return v > acc || v != v ? v : acc;
}

/** out[i] = Σ_j / max_j x[j·inner + i] for i < inner: column blocks of 8, 4, then 1. */
function reduceColumns(op: i32, x: usize, n: i32, inner: i32, out: usize): void {
  const rowBytes = <usize>inner << 2;
  let i = 0;
  if (op == SUM) {
    for (; i + 8 <= inner; i += 8) {
      let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
      let p = x + (<usize>i << 2);
      for (let j = 0; j < n; j++) {
        const v0 = v128.load(p);
        const v1 = v128.load(p, 16);
        s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v0));
        s1 = f64x2.add(s1, promoteHigh(v0));
        s2 = f64x2.add(s2, f64x2.promote_low_f32x4(v1));
        s3 = f64x2.add(s3, promoteHigh(v1));
        p += rowBytes;
      }
      const o = out + (<usize>i << 2);
      v128.store(o, i32x4.shuffle(f32x4.demote_f64x2_zero(s0), f32x4.demote_f64x2_zero(s1), 0, 1, 4, 5));
      v128.store(o, i32x4.shuffle(f32x4.demote_f64x2_zero(s2), f32x4.demote_f64x2_zero(s3), 0, 1, 4, 5), 16);
    }
    for (; i < inner; i++) {
      let acc: f64 = 0;
      let p = x + (<usize>i << 2);
      for (let j = 0; j < n; j++) {
        acc += <f64>load<f32>(p);
        p += rowBytes;
      }
      store<f32>(out + (<usize>i << 2), <f32>acc);
    }
  } else {
    for (; i + 8 <= inner; i += 8) {
      let m0 = f32x4.splat(-Infinity), m1 = f32x4.splat(-Infinity);
      let p = x + (<usize>i << 2);
      for (let j = 0; j < n; j++) {
        m0 = f32x4.max(m0, v128.load(p));
        m1 = f32x4.max(m1, v128.load(p, 16));
        p += rowBytes;
      }
      v128.store(out + (<usize>i << 2), m0);
      v128.store(out + (<usize>i << 2), m1, 16);
    }
    for (; i < inner; i++) {
      let acc: f32 = -Infinity;
      let p = x + (<usize>i << 2);
      for (let j = 0; j < n; j++) {
        acc = maxStep(acc, load<f32>(p));
        p += rowBytes;
      }
      store<f32>(out + (<usize>i << 2), acc);
    }
  }
}

/** Reduces the middle axis of x viewed as [outer, n, inner] into out [outer, inner]. */
export function reduce(op: i32, x: usize, outer: i32, n: i32, inner: i32, out: usize): void {
  if (op != SUM && op != MAX) unreachable(); // below, every op but SUM runs as MAX
  const block = <usize>n * <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const xo = x + <usize>o * block;
    if (inner == 1) {
      store<f32>(out + (<usize>o << 2), op == SUM ? sumContiguous(xo, n) : maxContiguous(xo, n));
    } else {
      reduceColumns(op, xo, n, inner, out + (<usize>o * <usize>inner << 2));
    }
  }
}

/** dst[i] += src[i] for i < n. */
function addInto(dst: usize, src: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const off = <usize>j << 2;
    v128.store(dst + off, f32x4.add(v128.load(dst + off), v128.load(src + off)));
  }
  for (; j < n; j++) {
    const off = <usize>j << 2;
    store<f32>(dst + off, load<f32>(dst + off) + load<f32>(src + off));
  }
}

/** dst[o, dstStart + j, :] (+)= src[o, srcStart + j, :] for j < count, tensors as [outer, n, inner]. */
export function axisCopy(src: usize, srcN: i32, srcStart: i32, dst: usize, dstN: i32, dstStart: i32,
  outer: i32, count: i32, inner: i32, accumulate: bool): void {
  const len = count * inner;
  for (let o = 0; o < outer; o++) {
    const s = src + (<usize>(o * srcN + srcStart) * <usize>inner << 2);
    const d = dst + (<usize>(o * dstN + dstStart) * <usize>inner << 2);
    if (accumulate) addInto(d, s, len);
    else memory.copy(d, s, <usize>len << 2);
  }
}

/**
 * out[o, j, :] = x[o, index[j], :] (or x[o, index[j], :] += out[o, j, :] with scatterAdd).
 * The caller has checked every index is in [0, rows).
 */
export function gatherRows(x: usize, rows: i32, index: usize, m: i32, out: usize, outer: i32, inner: i32,
  scatterAdd: bool): void {
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const idx = load<i32>(index + (<usize>j << 2));
      const xo = x + <usize>(o * rows + idx) * rowBytes;
      const oo = out + <usize>(o * m + j) * rowBytes;
      if (scatterAdd) addInto(xo, oo, inner);
      else memory.copy(oo, xo, rowBytes);
    }
  }
}

/**
 * 1-D im2col with zero padding, stride 1: x [batch, cin, len] → cols [batch, lenOut, cin·kernel];
 * with `transpose`, x += the columns scattered back (col2im).
 */
export function im2col1d(x: usize, cols: usize, batch: i32, cin: i32, len: i32, kernel: i32, padding: i32,
  dilation: i32, transpose: bool): void {
  const lenOut = len + 2 * padding - dilation * (kernel - 1);
  const width = cin * kernel;
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < lenOut; t++) {
      const colBase = cols + (<usize>(b * lenOut + t) * <usize>width << 2);
      for (let ch = 0; ch < cin; ch++) {
        const xBase = x + (<usize>(b * cin + ch) * <usize>len << 2);
        const cp = colBase + (<usize>(ch * kernel) << 2);
        for (let q = 0; q < kernel; q++) {
          const pos = t - padding + q * dilation;
          const inside = pos >= 0 && pos < len;
          const ci = cp + (<usize>q << 2);
          if (transpose) {
            if (inside) {
              const xp = xBase + (<usize>pos << 2);
              store<f32>(xp, load<f32>(xp) + load<f32>(ci));
            }
          } else {
            store<f32>(ci, inside ? load<f32>(xBase + (<usize>pos << 2)) : 0);
          }
        }
      }
    }
  }
}

// Fused softmax along the last axis, forward and backward, with an optional mask: what
// F.softmaxExplicit composes from where, max, sub, exp, sum and div, in one pass per row over
// data that stays in cache, and without the five full-size intermediates.
import { expDomain, expv } from './vmath';

/** Four floats of scratch for lanes outside expv's domain. */
const LANES: usize = memory.data(16, 16);

/** eˣ, vectorised where every lane is in expv's domain, else lane by lane with Math.exp. */
@inline export function exp4(x: v128): v128 {
  if (expDomain(x)) return expv(x);
  v128.store(LANES, x);
  for (let l = 0; l < 4; l++) {
    const p = LANES + (<usize>l << 2);
    store<f32>(p, <f32>Math.exp(<f64>load<f32>(p)));
  }
  return v128.load(LANES);
}

/** All-ones lanes where position j.. of the row is kept (its mask value is 0), or all kept. */
@inline export function keep4(mask: usize, stride: i32, off: usize): v128 {
  if (mask == 0) return i32x4.splat(-1);
  const m = stride == 1 ? v128.load(mask + off) : v128.load32_splat(mask);
  return f32x4.eq(m, f32x4.splat(0));
}

@inline export function keep1(mask: usize, stride: i32, off: usize): bool {
  return mask == 0 || load<f32>(stride == 1 ? mask + off : mask) == 0;
}

/** max with NaN winning, as the reference's reduce. */
@inline export function maxStep(acc: f32, v: f32): f32 {
  return v > acc || v != v ? v : acc;
}

/** The largest of a vector's four lanes, by maxStep (so NaN wins), from −∞. */
@inline export function maxOfLanes(v: v128): f32 {
  let m: f32 = -Infinity;
  m = maxStep(m, f32x4.extract_lane(v, 0));
  m = maxStep(m, f32x4.extract_lane(v, 1));
  m = maxStep(m, f32x4.extract_lane(v, 2));
  return maxStep(m, f32x4.extract_lane(v, 3));
}

@inline export function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}

/**
 * y = softmax(scale·x) over rows of n, skipping masked positions (see the Backend interface).
 * With `mask` ≠ 0, row r's mask starts at mask + rowOffsets[r]·4 and steps by maskStride (0 or 1).
 */
export function softmax(x: usize, rows: i32, n: i32, scale: f32, mask: usize, rowOffsets: usize, maskStride: i32,
  y: usize): void {
  const rowBytes = <usize>n << 2;
  const neg = f32x4.splat(-Infinity);
  const sc = f32x4.splat(scale);
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes;
    const yr = y + <usize>r * rowBytes;
    const mr = mask == 0 ? 0 : mask + (<usize>load<i32>(rowOffsets + (<usize>r << 2)) << 2);
    // The unmasked maximum (NaN if any unmasked value is NaN).
    let mv = neg;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      mv = f32x4.max(mv, v128.bitselect(f32x4.mul(v128.load(xr + off), sc), neg, keep4(mr, maskStride, off)));
    }
    let m = maxOfLanes(mv);
    for (; j < n; j++) {
      const off = <usize>j << 2;
      if (keep1(mr, maskStride, off)) m = maxStep(m, load<f32>(xr + off) * scale);
    }
    const shift = f32x4.splat(m == -Infinity ? 0 : m); // nothing unmasked: stay finite
    // e = exp(x − shift) where kept, 0 where masked; Σe in float64.
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      const keep = keep4(mr, maskStride, off);
      const e = v128.and(exp4(v128.and(f32x4.sub(f32x4.mul(v128.load(xr + off), sc), shift), keep)), keep);
      v128.store(yr + off, e);
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(e));
      s1 = f64x2.add(s1, promoteHigh(e));
    }
    const sv = f64x2.add(s0, s1);
    let sum = f64x2.extract_lane(sv, 0) + f64x2.extract_lane(sv, 1);
    for (; j < n; j++) {
      const off = <usize>j << 2;
      const z = load<f32>(xr + off) * scale;
      const e: f32 = keep1(mr, maskStride, off) ? <f32>Math.exp(<f64>(z - f32x4.extract_lane(shift, 0))) : 0;
      store<f32>(yr + off, e);
      sum += <f64>e;
    }
    let total = <f32>sum;
    if (total == 0) total = 1; // every position masked: all zeros, not NaN
    const d = f32x4.splat(total);
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      v128.store(yr + off, f32x4.div(v128.load(yr + off), d));
    }
    for (; j < n; j++) {
      const off = <usize>j << 2;
      store<f32>(yr + off, load<f32>(yr + off) / total);
    }
  }
}

/** Σⱼ aⱼbⱼ over n floats, in float64 (two f64x2 accumulators, then the tail in order). */
export function dot64(a: usize, b: usize, n: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const off = <usize>j << 2;
    const av = v128.load(a + off), bv = v128.load(b + off);
    s0 = f64x2.add(s0, f64x2.mul(f64x2.promote_low_f32x4(av), f64x2.promote_low_f32x4(bv)));
    s1 = f64x2.add(s1, f64x2.mul(promoteHigh(av), promoteHigh(bv)));
  }
  const sv = f64x2.add(s0, s1);
  let dot = f64x2.extract_lane(sv, 0) + f64x2.extract_lane(sv, 1);
  for (; j < n; j++) dot += <f64>load<f32>(a + (<usize>j << 2)) * <f64>load<f32>(b + (<usize>j << 2));
  return dot;
}

/** dx = scale·y ⊙ (g − Σⱼ gⱼyⱼ) per row of n, the dot product in float64. */
export function softmaxGrad(y: usize, g: usize, rows: i32, n: i32, scale: f32, dx: usize): void {
  const sc = f32x4.splat(scale);
  const rowBytes = <usize>n << 2;
  for (let r = 0; r < rows; r++) {
    const yr = y + <usize>r * rowBytes;
    const gr = g + <usize>r * rowBytes;
    const dr = dx + <usize>r * rowBytes;
    const dot = dot64(gr, yr, n);
    const d = f32x4.splat(<f32>dot);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      v128.store(dr + off, f32x4.mul(f32x4.mul(sc, v128.load(yr + off)), f32x4.sub(v128.load(gr + off), d)));
    }
    for (; j < n; j++) {
      const off = <usize>j << 2;
      store<f32>(dr + off, scale * load<f32>(yr + off) * (load<f32>(gr + off) - <f32>dot));
    }
  }
}

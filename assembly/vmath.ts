// Vectorised exp, log, tanh, sigmoid and erf-based GELU, accurate to a few float32 ulps inside
// stated domains. Callers test the domain per vector and fall back to the scalar float64
// formulas (the reference's own) outside it, so infinities, NaN and denormal results match.
import { madd } from './simd';

@inline function c(x: f32): v128 {
  return f32x4.splat(x);
}

// The polynomials' constants live in memory and are read with v128.load32_splat: V8 builds each
// v128.const from immediates at every use inside a loop (several instructions), where a
// splatting load is one. exp runs about 1.5× faster so; the values are the same float32s.
@inline function k(table: usize, i: i32): v128 {
  return v128.load32_splat(table + (<usize>i << 2));
}

/** expv: log2(e), ln2 split in two (Cody–Waite), Cephes' degree-6 expf coefficients, 1. */
const EXP_K: usize = memory.data<f32>([1.44269504088896341, 0.693359375, -2.12194440e-4, 1.9875691500e-4,
  1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1, 1]);
/** logv: √½, 1, Cephes' logf polynomial (highest power first), −ln2's small part, −0.5, ln2's large part. */
const LOG_K: usize = memory.data<f32>([0.707106781186547524, 1, 7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1,
  -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
  -2.12194440e-4, -0.5, 0.693359375]);
/** tanhv: Cephes' odd polynomial, then 0.625, 10, 2, 1. */
const TANH_K: usize = memory.data<f32>([-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1,
  -3.33332819422e-1, 0.625, 10, 2, 1]);
/** onePlusErfv: 1/√2, 0.5, 1, the Numerical Recipes erfc fit (highest power first), 0, 2. */
const ERF_K: usize = memory.data<f32>([0.70710678118654752, 0.5, 1, 0.17087277, -0.82215223, 1.48851587, -1.13520398,
  0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223, 0, 2]);

/** Domain of expv: |x| ≤ 87 keeps 2ⁿ a normal float. */
@inline export function expDomain(x: v128): bool {
  return i32x4.all_true(f32x4.le(f32x4.abs(x), c(87)));
}

/**
 * eˣ by Cody–Waite range reduction x = n·ln2 + r, |r| ≤ ln2/2, and Cephes' degree-6 expf
 * polynomial (relative error about 1e-7), scaled by 2ⁿ through the exponent bits.
 */
@inline export function expv(x: v128): v128 {
  const n = f32x4.nearest(f32x4.mul(x, k(EXP_K, 0)));
  let r = f32x4.sub(x, f32x4.mul(n, k(EXP_K, 1)));
  r = f32x4.sub(r, f32x4.mul(n, k(EXP_K, 2)));
  let p = k(EXP_K, 3);
  p = madd(p, r, k(EXP_K, 4));
  p = madd(p, r, k(EXP_K, 5));
  p = madd(p, r, k(EXP_K, 6));
  p = madd(p, r, k(EXP_K, 7));
  p = madd(p, r, k(EXP_K, 8));
  p = madd(p, f32x4.mul(r, r), f32x4.add(r, k(EXP_K, 9)));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

/** Domain of logv: positive, normal and finite. */
@inline export function logDomain(x: v128): bool {
  const lo = i32x4.ge_s(x, i32x4.splat(0x00800000));
  const hi = i32x4.lt_s(x, i32x4.splat(0x7f800000));
  return i32x4.all_true(v128.and(lo, hi));
}

/** ln x: x = 2ᵉ·m with m in [√½, √2), then Cephes' logf polynomial in m − 1. */
@inline export function logv(x: v128): v128 {
  let e = i32x4.sub(i32x4.shr_s(x, 23), i32x4.splat(126));
  let m = v128.or(v128.and(x, i32x4.splat(0x807fffff)), i32x4.splat(0x3f000000)); // [0.5, 1)
  const small = f32x4.lt(m, k(LOG_K, 0));
  e = i32x4.add(e, small); // −1 where small
  m = f32x4.add(f32x4.sub(m, k(LOG_K, 1)), v128.and(m, small)); // 2m − 1 or m − 1
  const ef = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(m, m);
  let y = k(LOG_K, 2);
  y = madd(y, m, k(LOG_K, 3));
  y = madd(y, m, k(LOG_K, 4));
  y = madd(y, m, k(LOG_K, 5));
  y = madd(y, m, k(LOG_K, 6));
  y = madd(y, m, k(LOG_K, 7));
  y = madd(y, m, k(LOG_K, 8));
  y = madd(y, m, k(LOG_K, 9));
  y = madd(y, m, k(LOG_K, 10));
  y = f32x4.mul(f32x4.mul(y, m), z);
  y = madd(ef, k(LOG_K, 11), y);
  y = madd(z, k(LOG_K, 12), y);
  return madd(ef, k(LOG_K, 13), f32x4.add(m, y));
}

/** Domain of tanhv: anything but NaN (large |x| saturate to ±1). */
@inline export function notNaN(x: v128): bool {
  return i32x4.all_true(f32x4.eq(x, x));
}

/**
 * tanh x: Cephes' odd polynomial below |x| = 0.625, else 1 − 2/(e^{2|x|} + 1) with x's sign;
 * |x| is clamped at 10, where float32 tanh is already exactly ±1.
 */
@inline export function tanhv(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = k(TANH_K, 0);
  p = madd(p, z, k(TANH_K, 1));
  p = madd(p, z, k(TANH_K, 2));
  p = madd(p, z, k(TANH_K, 3));
  p = madd(p, z, k(TANH_K, 4));
  p = madd(f32x4.mul(p, z), x, x);
  const two = k(TANH_K, 7), one = k(TANH_K, 8);
  const e = expv(f32x4.mul(f32x4.min(ax, k(TANH_K, 6)), two));
  const big = f32x4.sub(one, f32x4.div(two, f32x4.add(e, one)));
  const signed = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(p, signed, f32x4.lt(ax, k(TANH_K, 5)));
}

/** σ(x) = 1/(1 + e^{−|x|}) for x ≥ 0, e^{−|x|}/(1 + e^{−|x|}) otherwise; domain |x| ≤ 87. */
@inline export function sigmoidv(x: v128): v128 {
  const e = expv(f32x4.neg(f32x4.abs(x)));
  const one = k(EXP_K, 9);
  const r = f32x4.div(one, f32x4.add(one, e));
  return v128.bitselect(r, f32x4.mul(e, r), f32x4.ge(x, f32x4.splat(0)));
}

/**
 * 1 + erf(x/√2), from the same Numerical Recipes erfc fit as the reference, but without the
 * cancellation of 1 + (erfc − 1) for negative x. Domain |x| ≤ 13 (exp stays in range).
 */
@inline export function onePlusErfv(x: v128): v128 {
  const z = f32x4.mul(f32x4.abs(x), k(ERF_K, 0));
  const one = k(ERF_K, 2);
  const t = f32x4.div(one, madd(z, k(ERF_K, 1), one));
  let p = k(ERF_K, 3);
  p = madd(p, t, k(ERF_K, 4));
  p = madd(p, t, k(ERF_K, 5));
  p = madd(p, t, k(ERF_K, 6));
  p = madd(p, t, k(ERF_K, 7));
  p = madd(p, t, k(ERF_K, 8));
  p = madd(p, t, k(ERF_K, 9));
  p = madd(p, t, k(ERF_K, 10));
  p = madd(p, t, k(ERF_K, 11));
  p = madd(p, t, k(ERF_K, 12));
  const erfc = f32x4.mul(t, expv(f32x4.sub(p, f32x4.mul(z, z))));
  return v128.bitselect(f32x4.sub(k(ERF_K, 14), erfc), erfc, f32x4.ge(x, k(ERF_K, 13)));
}

/** |x| ≤ bound in every lane (false for NaN). */
@inline export function within(x: v128, bound: f32): bool {
  return i32x4.all_true(f32x4.le(f32x4.abs(x), c(bound)));
}

// Vectorised exp, log, tanh, sigmoid and erf-based GELU, accurate to a few float32 ulps inside
// stated domains. Callers test the domain per vector and fall back to the scalar float64
// formulas (the reference's own) outside it, so infinities, NaN and denormal results match.
import { madd } from './simd';

@inline function c(x: f32): v128 {
  return f32x4.splat(x);
}

/** Domain of expv: |x| ≤ 87 keeps 2ⁿ a normal float. */
@inline export function expDomain(x: v128): bool {
  return i32x4.all_true(f32x4.le(f32x4.abs(x), c(87)));
}

/**
 * eˣ by Cody–Waite range reduction x = n·ln2 + r, |r| ≤ ln2/2, and Cephes' degree-6 expf
 * polynomial (relative error about 1e-7), scaled by 2ⁿ through the exponent bits.
 */
@inline export function expv(x: v128): v128 {
  const n = f32x4.nearest(f32x4.mul(x, c(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(n, c(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, c(-2.12194440e-4)));
  let p = c(1.9875691500e-4);
  p = madd(p, r, c(1.3981999507e-3));
  p = madd(p, r, c(8.3334519073e-3));
  p = madd(p, r, c(4.1665795894e-2));
  p = madd(p, r, c(1.6666665459e-1));
  p = madd(p, r, c(5.0000001201e-1));
  p = madd(p, f32x4.mul(r, r), f32x4.add(r, c(1)));
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
  const small = f32x4.lt(m, c(0.707106781186547524));
  e = i32x4.add(e, small); // −1 where small
  m = f32x4.add(f32x4.sub(m, c(1)), v128.and(m, small)); // 2m − 1 or m − 1
  const ef = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(m, m);
  let y = c(7.0376836292e-2);
  y = madd(y, m, c(-1.1514610310e-1));
  y = madd(y, m, c(1.1676998740e-1));
  y = madd(y, m, c(-1.2420140846e-1));
  y = madd(y, m, c(1.4249322787e-1));
  y = madd(y, m, c(-1.6668057665e-1));
  y = madd(y, m, c(2.0000714765e-1));
  y = madd(y, m, c(-2.4999993993e-1));
  y = madd(y, m, c(3.3333331174e-1));
  y = f32x4.mul(f32x4.mul(y, m), z);
  y = madd(ef, c(-2.12194440e-4), y);
  y = madd(z, c(-0.5), y);
  return madd(ef, c(0.693359375), f32x4.add(m, y));
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
  let p = c(-5.70498872745e-3);
  p = madd(p, z, c(2.06390887954e-2));
  p = madd(p, z, c(-5.37397155531e-2));
  p = madd(p, z, c(1.33314422036e-1));
  p = madd(p, z, c(-3.33332819422e-1));
  p = madd(f32x4.mul(p, z), x, x);
  const e = expv(f32x4.mul(f32x4.min(ax, c(10)), c(2)));
  const big = f32x4.sub(c(1), f32x4.div(c(2), f32x4.add(e, c(1))));
  const signed = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(p, signed, f32x4.lt(ax, c(0.625)));
}

/** σ(x) = 1/(1 + e^{−|x|}) for x ≥ 0, e^{−|x|}/(1 + e^{−|x|}) otherwise; domain |x| ≤ 87. */
@inline export function sigmoidv(x: v128): v128 {
  const e = expv(f32x4.neg(f32x4.abs(x)));
  const r = f32x4.div(c(1), f32x4.add(c(1), e));
  return v128.bitselect(r, f32x4.mul(e, r), f32x4.ge(x, c(0)));
}

/**
 * 1 + erf(x/√2), from the same Numerical Recipes erfc fit as the reference, but without the
 * cancellation of 1 + (erfc − 1) for negative x. Domain |x| ≤ 13 (exp stays in range).
 */
@inline export function onePlusErfv(x: v128): v128 {
  const z = f32x4.mul(f32x4.abs(x), c(0.70710678118654752));
  const t = f32x4.div(c(1), madd(z, c(0.5), c(1)));
  let p = c(0.17087277);
  p = madd(p, t, c(-0.82215223));
  p = madd(p, t, c(1.48851587));
  p = madd(p, t, c(-1.13520398));
  p = madd(p, t, c(0.27886807));
  p = madd(p, t, c(-0.18628806));
  p = madd(p, t, c(0.09678418));
  p = madd(p, t, c(0.37409196));
  p = madd(p, t, c(1.00002368));
  p = madd(p, t, c(-1.26551223));
  const erfc = f32x4.mul(t, expv(f32x4.sub(p, f32x4.mul(z, z))));
  return v128.bitselect(f32x4.sub(c(2), erfc), erfc, f32x4.ge(x, c(0)));
}

/** |x| ≤ bound in every lane (false for NaN). */
@inline export function within(x: v128, bound: f32): bool {
  return i32x4.all_true(f32x4.le(f32x4.abs(x), c(bound)));
}

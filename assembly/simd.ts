// Small SIMD helpers shared by the kernels. Compile-time switches pick the relaxed-SIMD fused
// multiply-add when the build enables it (`--enable relaxed-simd`), plain mul+add otherwise.

/** a·b + c, four lanes. Relaxed builds may fuse (one rounding), plain builds round twice. */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Loads four lanes from p, or splats p[0] when the stride is 0 (a broadcast operand). */
@inline export function loadOrSplat(p: usize, unit: bool): v128 {
  return unit ? v128.load(p) : v128.load32_splat(p);
}

/** Horizontal sum of the four lanes. */
@inline export function hsum(v: v128): f32 {
  const s = f32x4.add(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

@inline export function splat(x: f32): v128 {
  return f32x4.splat(x);
}

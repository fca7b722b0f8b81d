// The Adam / AdamW parameter update (src/train/optim.ts), in float64 like the JS loop it
// replaces and with the same operations in the same order, so the result is bitwise the same.

@inline function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}

/** Two float64 pairs back to four float32 lanes (round to nearest, as a Float32Array store). */
@inline function demote(lo: v128, hi: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/**
 * For i < n, with t the constants of AdamStep (c1 = 1 − β₁, c2 = 1 − β₂ computed by the caller
 * exactly as the JS expressions do):
 *   x = p·decay; gi = g + l2·x; m = β₁m + c1·gi; v = β₂v + c2·gi·gi; p = x − (stepSize·m)/(√v/bc2Sqrt + eps)
 */
export function adamStep(p: usize, g: usize, m: usize, v: usize, n: i32, beta1: f64, c1: f64, beta2: f64, c2: f64,
  eps: f64, stepSize: f64, bc2Sqrt: f64, decay: f64, l2: f64): void {
  const B1 = f64x2.splat(beta1), C1 = f64x2.splat(c1), B2 = f64x2.splat(beta2), C2 = f64x2.splat(c2);
  const EPS = f64x2.splat(eps), SS = f64x2.splat(stepSize), BC = f64x2.splat(bc2Sqrt);
  const DECAY = f64x2.splat(decay), L2 = f64x2.splat(l2);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    const pv = v128.load(p + off), gv = v128.load(g + off), mv = v128.load(m + off), vv = v128.load(v + off);
    // Low and high pairs, each the scalar formula lane by lane.
    const x0 = f64x2.mul(f64x2.promote_low_f32x4(pv), DECAY);
    const x1 = f64x2.mul(promoteHigh(pv), DECAY);
    const g0 = f64x2.add(f64x2.promote_low_f32x4(gv), f64x2.mul(L2, x0));
    const g1 = f64x2.add(promoteHigh(gv), f64x2.mul(L2, x1));
    const m0 = f64x2.add(f64x2.mul(B1, f64x2.promote_low_f32x4(mv)), f64x2.mul(C1, g0));
    const m1 = f64x2.add(f64x2.mul(B1, promoteHigh(mv)), f64x2.mul(C1, g1));
    const v0 = f64x2.add(f64x2.mul(B2, f64x2.promote_low_f32x4(vv)), f64x2.mul(f64x2.mul(C2, g0), g0));
    const v1 = f64x2.add(f64x2.mul(B2, promoteHigh(vv)), f64x2.mul(f64x2.mul(C2, g1), g1));
    const p0 = f64x2.sub(x0, f64x2.div(f64x2.mul(SS, m0), f64x2.add(f64x2.div(f64x2.sqrt(v0), BC), EPS)));
    const p1 = f64x2.sub(x1, f64x2.div(f64x2.mul(SS, m1), f64x2.add(f64x2.div(f64x2.sqrt(v1), BC), EPS)));
    v128.store(m + off, demote(m0, m1));
    v128.store(v + off, demote(v0, v1));
    v128.store(p + off, demote(p0, p1));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const x = <f64>load<f32>(p + off) * decay;
    const gi = <f64>load<f32>(g + off) + l2 * x;
    const mi = beta1 * <f64>load<f32>(m + off) + c1 * gi;
    const vi = beta2 * <f64>load<f32>(v + off) + c2 * gi * gi;
    store<f32>(m + off, <f32>mi);
    store<f32>(v + off, <f32>vi);
    store<f32>(p + off, <f32>(x - (stepSize * mi) / (sqrt<f64>(vi) / bc2Sqrt + eps)));
  }
}

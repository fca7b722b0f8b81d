// Fused layer normalisation over the last axis, forward and backward: what F.layerNormExplicit
// composes from mean, sub, mul, add, sqrt and div, in two passes per row and without its
// full-size intermediates. Row statistics accumulate in float64.

@inline function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}

@inline function hsum64(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** w[j..j+4) and b[j..j+4), or 1 and 0 when absent. */
@inline function weight4(w: usize, off: usize): v128 {
  return w == 0 ? f32x4.splat(1) : v128.load(w + off);
}

@inline function bias4(b: usize, off: usize): v128 {
  return b == 0 ? f32x4.splat(0) : v128.load(b + off);
}

/**
 * y = (x − μ)·r·w + b per row of n, r = 1/√(σ² + eps); writes μ and r per row to mean and
 * rstd. w and b may be 0 (none).
 */
export function layerNorm(x: usize, rows: i32, n: i32, w: usize, b: usize, eps: f64, y: usize, mean: usize,
  rstd: usize): void {
  const rowBytes = <usize>n << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes;
    const yr = y + <usize>r * rowBytes;
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const v = v128.load(xr + (<usize>j << 2));
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
      s1 = f64x2.add(s1, promoteHigh(v));
    }
    let sum = hsum64(f64x2.add(s0, s1));
    for (; j < n; j++) sum += <f64>load<f32>(xr + (<usize>j << 2));
    const mu = sum / <f64>n;
    const muv = f64x2.splat(mu);
    s0 = f64x2.splat(0);
    s1 = f64x2.splat(0);
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const v = v128.load(xr + (<usize>j << 2));
      const d0 = f64x2.sub(f64x2.promote_low_f32x4(v), muv);
      const d1 = f64x2.sub(promoteHigh(v), muv);
      s0 = f64x2.add(s0, f64x2.mul(d0, d0));
      s1 = f64x2.add(s1, f64x2.mul(d1, d1));
    }
    let sq = hsum64(f64x2.add(s0, s1));
    for (; j < n; j++) {
      const d = <f64>load<f32>(xr + (<usize>j << 2)) - mu;
      sq += d * d;
    }
    const rs = 1 / sqrt<f64>(sq / <f64>n + eps);
    store<f32>(mean + (<usize>r << 2), <f32>mu);
    store<f32>(rstd + (<usize>r << 2), <f32>rs);
    const m4 = f32x4.splat(<f32>mu), r4 = f32x4.splat(<f32>rs);
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      const xhat = f32x4.mul(f32x4.sub(v128.load(xr + off), m4), r4);
      v128.store(yr + off, f32x4.add(f32x4.mul(xhat, weight4(w, off)), bias4(b, off)));
    }
    for (; j < n; j++) {
      const off = <usize>j << 2;
      const xhat = (load<f32>(xr + off) - <f32>mu) * <f32>rs;
      store<f32>(yr + off, xhat * (w == 0 ? 1 : load<f32>(w + off)) + (b == 0 ? 0 : load<f32>(b + off)));
    }
  }
}

/**
 * The backward pass from g [rows, n], with x̂ = (x − μ)·r and ĝ = g ⊙ w:
 *   dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ ⊙ x̂)),  dw = Σ_rows g ⊙ x̂,  db = Σ_rows g.
 * dw and db may be 0 (not wanted); when given they are overwritten.
 */
export function layerNormGrad(x: usize, g: usize, rows: i32, n: i32, w: usize, mean: usize, rstd: usize, dx: usize,
  dw: usize, db: usize): void {
  const rowBytes = <usize>n << 2;
  if (dw != 0) memory.fill(dw, 0, rowBytes);
  if (db != 0) memory.fill(db, 0, rowBytes);
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes;
    const gr = g + <usize>r * rowBytes;
    const dr = dx + <usize>r * rowBytes;
    const m4 = v128.load32_splat(mean + (<usize>r << 2));
    const r4 = v128.load32_splat(rstd + (<usize>r << 2));
    const mu = load<f32>(mean + (<usize>r << 2)), rs = load<f32>(rstd + (<usize>r << 2));
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0), c0 = f64x2.splat(0), c1 = f64x2.splat(0);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      const gv = v128.load(gr + off);
      const xhat = f32x4.mul(f32x4.sub(v128.load(xr + off), m4), r4);
      const gh = f32x4.mul(gv, weight4(w, off));
      a0 = f64x2.add(a0, f64x2.promote_low_f32x4(gh));
      a1 = f64x2.add(a1, promoteHigh(gh));
      const gx = f32x4.mul(gh, xhat);
      c0 = f64x2.add(c0, f64x2.promote_low_f32x4(gx));
      c1 = f64x2.add(c1, promoteHigh(gx));
      if (dw != 0) v128.store(dw + off, f32x4.add(v128.load(dw + off), f32x4.mul(gv, xhat)));
      if (db != 0) v128.store(db + off, f32x4.add(v128.load(db + off), gv));
    }
    let sumG = hsum64(f64x2.add(a0, a1));
    let sumGX = hsum64(f64x2.add(c0, c1));
    for (; j < n; j++) {
      const off = <usize>j << 2;
      const gv = load<f32>(gr + off);
      const xhat = (load<f32>(xr + off) - mu) * rs;
      const gh = gv * (w == 0 ? 1 : load<f32>(w + off));
      sumG += <f64>gh;
      sumGX += <f64>(gh * xhat);
      if (dw != 0) store<f32>(dw + off, load<f32>(dw + off) + gv * xhat);
      if (db != 0) store<f32>(db + off, load<f32>(db + off) + gv);
    }
    const meanG = f32x4.splat(<f32>(sumG / <f64>n)), meanGX = f32x4.splat(<f32>(sumGX / <f64>n));
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      const xhat = f32x4.mul(f32x4.sub(v128.load(xr + off), m4), r4);
      const gh = f32x4.mul(v128.load(gr + off), weight4(w, off));
      v128.store(dr + off, f32x4.mul(r4, f32x4.sub(f32x4.sub(gh, meanG), f32x4.mul(xhat, meanGX))));
    }
    for (; j < n; j++) {
      const off = <usize>j << 2;
      const xhat = (load<f32>(xr + off) - mu) * rs;
      const gh = load<f32>(gr + off) * (w == 0 ? 1 : load<f32>(w + off));
      store<f32>(dr + off, rs * (gh - <f32>(sumG / <f64>n) - xhat * <f32>(sumGX / <f64>n)));
    }
  }
}

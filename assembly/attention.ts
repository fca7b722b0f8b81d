// Fused multi-head scaled dot-product attention, forward and backward (the definition is
// src/backend/attention.ts). Per batch entry b and head h, the four products run on gemm.ts's
// packing and 4×8 register tile, reading q, k and v in place through their strides (columns
// of a packed projection, or a [B, H, T, Dh] cache) and writing the output straight into
// [B, Tq, H·Dh]; the masked softmax runs in between on each row of scores. So the composed
// path's permutes, its separate softmax pass and its intermediates disappear, and a causal
// mask skips the tiles no query can see instead of computing them and masking them away.
import { gemvCols, gemvRows, packARows, packBColumns, packedABytes, packedBBytes, tile4x8 } from './gemm';
import { dot64, exp4, keep1, keep4, maxOfLanes, maxStep, promoteHigh } from './softmax';

/** Scratch for partial edge tiles (4 rows × 8 columns), and for a row's last partial vector. */
const TILE: usize = memory.data(128, 16);
const TAIL: usize = memory.data(32, 16);

// Which part of a product a causal mask lets a block of 4 rows skip (see `product`).
const ALL: i32 = 0;
const COLUMNS_BEFORE: i32 = 1; // row i needs columns j < i + 1 + shift
const DEPTH_BEFORE: i32 = 2; // row i needs depth d < i + 1 + shift
const DEPTH_FROM: i32 = 3; // row i needs depth d ≥ i − shift

/**
 * C [rows, cols] (+)= packed A · packed B (packs of depth k: A blocks [k, 4], B panels [k, 8];
 * C's rows `ldc` bytes apart), one 4×8 tile at a time. With a causal `trim`, a block of rows
 * i0..i0+3 runs only the columns or the depth its last (COLUMNS_BEFORE, DEPTH_BEFORE) or first
 * (DEPTH_FROM) row needs; what it then computes for its other rows multiplies zeros.
 */
function product(pa: usize, pb: usize, k: i32, c: usize, ldc: usize, rows: i32, cols: i32, add: bool, trim: i32,
  shift: i32): void {
  for (let i0 = 0; i0 < rows; i0 += 4) {
    let colEnd = cols, k0 = 0, k1 = k;
    if (trim == COLUMNS_BEFORE) colEnd = min(cols, max(0, i0 + 4 + shift));
    else if (trim == DEPTH_BEFORE) k1 = min(k, max(0, i0 + 4 + shift));
    else if (trim == DEPTH_FROM) k0 = min(k, max(0, i0 - shift));
    const ap = pa + (<usize>(i0 >> 2) * <usize>k << 4) + (<usize>k0 << 4);
    for (let j0 = 0; j0 < colEnd; j0 += 8) {
      const bp = pb + (<usize>(j0 >> 3) * <usize>k << 5) + (<usize>k0 << 5);
      tile4x8(ap, bp, k1 - k0, c + <usize>i0 * ldc + (<usize>j0 << 2), ldc, min(4, rows - i0), min(8, colEnd - j0), add, TILE);
    }
  }
}

/**
 * Raw scores z[0..end) of one query row, in place → softmax(scale·z) over the keys the mask row
 * (0: none) leaves, with the exactness handling of assembly/softmax.ts; end..tk become 0.
 */
function softmaxRow(z: usize, end: i32, tk: i32, mask: usize, scale: f32): void {
  const sc = f32x4.splat(scale);
  const neg = f32x4.splat(-Infinity);
  let mv = neg;
  let j = 0;
  for (; j + 4 <= end; j += 4) {
    const off = <usize>j << 2;
    const s = f32x4.mul(v128.load(z + off), sc);
    v128.store(z + off, s);
    mv = f32x4.max(mv, v128.bitselect(s, neg, keep4(mask, 1, off)));
  }
  let m = maxOfLanes(mv);
  for (; j < end; j++) {
    const off = <usize>j << 2;
    const s = load<f32>(z + off) * scale;
    store<f32>(z + off, s);
    if (keep1(mask, 1, off)) m = maxStep(m, s);
  }
  const shift: f32 = m == -Infinity ? 0 : m; // nothing visible: stay finite
  const sv = f32x4.splat(shift);
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  j = 0;
  for (; j + 4 <= end; j += 4) {
    const off = <usize>j << 2;
    const keep = keep4(mask, 1, off);
    const e = v128.and(exp4(v128.and(f32x4.sub(v128.load(z + off), sv), keep)), keep);
    v128.store(z + off, e);
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(e));
    s1 = f64x2.add(s1, promoteHigh(e));
  }
  const s = f64x2.add(s0, s1);
  let sum = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  if (j < end) { // the last one to three keys, as one vector staged through TAIL (no call per key)
    for (let l = 0; l < 4; l++) {
      const off = <usize>(j + l) << 2;
      const live = j + l < end && keep1(mask, 1, off);
      store<f32>(TAIL + (<usize>l << 2), live ? load<f32>(z + off) - shift : 0);
      store<i32>(TAIL + 16 + (<usize>l << 2), live ? -1 : 0);
    }
    v128.store(TAIL, v128.and(exp4(v128.load(TAIL)), v128.load(TAIL, 16)));
    for (; j < end; j++) {
      const e = load<f32>(TAIL + (<usize>(j & 3) << 2));
      store<f32>(z + (<usize>j << 2), e);
      sum += <f64>e;
    }
  }
  let total = <f32>sum;
  if (total == 0) total = 1; // every key masked: all zeros, not NaN
  const dv = f32x4.splat(total);
  j = 0;
  for (; j + 4 <= end; j += 4) v128.store(z + (<usize>j << 2), f32x4.div(v128.load(z + (<usize>j << 2)), dv));
  for (; j < end; j++) store<f32>(z + (<usize>j << 2), load<f32>(z + (<usize>j << 2)) / total);
  if (end < tk) memory.fill(z + (<usize>end << 2), 0, <usize>(tk - end) << 2);
}

/** dP row → scale·dS row in place, dS_j = p_j·(dP_j − Σ_j dP_j·p_j) (the sum in float64); zeros from end on. */
function dsRow(ds: usize, p: usize, end: i32, tk: i32, scale: f32): void {
  const dot = dot64(ds, p, end);
  const d = f32x4.splat(<f32>dot);
  const sc = f32x4.splat(scale);
  let j = 0;
  for (; j + 4 <= end; j += 4) {
    const off = <usize>j << 2;
    v128.store(ds + off, f32x4.mul(sc, f32x4.mul(v128.load(p + off), f32x4.sub(v128.load(ds + off), d))));
  }
  for (; j < end; j++) {
    const off = <usize>j << 2;
    store<f32>(ds + off, scale * (load<f32>(p + off) * (load<f32>(ds + off) - <f32>dot)));
  }
  if (end < tk) memory.fill(ds + (<usize>end << 2), 0, <usize>(tk - end) << 2);
}

/** Bytes of packed-A scratch, then of packed-B scratch, for any product below. */
@inline function packABytes(tq: i32, tk: i32, dh: i32): usize {
  return max(packedABytes(tq, max(dh, tk)), packedABytes(tk, tq));
}

@inline function packBBytes(tq: i32, tk: i32, dh: i32): usize {
  return max(packedBBytes(tk, dh), packedBBytes(dh, max(tk, tq)));
}

/** Bytes of dense [H, T, Dh] blocks: forward Q, K, V; backward also dO, dQ, dK, dV. */
@inline function denseBytes(tq: i32, tk: i32, heads: i32, dh: i32, backward: bool): usize {
  return <usize>((backward ? 3 * tq + 4 * tk : tq + 2 * tk) * heads * dh) << 2;
}

/** Bytes of scratch for `attention` (backward = 0) or `attentionGrad` (1): dense blocks, packs, and dS [Tq, Tk]. */
export function attentionScratchBytes(tq: i32, tk: i32, heads: i32, dh: i32, backward: i32): usize {
  const packs = packABytes(tq, tk, dh) + packBBytes(tq, tk, dh) + denseBytes(tq, tk, heads, dh, backward != 0);
  return backward ? packs + (<usize>(tq * tk) << 2) : packs;
}

/** Copies dh floats from `from` to `to` (vectors, then a scalar tail); add: to += from. */
@inline function copyRow(from: usize, to: usize, dh: i32, add: bool): void {
  const bytes = <usize>dh << 2;
  const vec = <usize>(dh & ~3) << 2;
  let o: usize = 0;
  if (add) {
    for (; o < vec; o += 16) v128.store(to + o, f32x4.add(v128.load(to + o), v128.load(from + o)));
    for (; o < bytes; o += 4) store<f32>(to + o, load<f32>(to + o) + load<f32>(from + o));
  } else {
    for (; o < vec; o += 16) v128.store(to + o, v128.load(from + o));
    for (; o < bytes; o += 4) store<f32>(to + o, load<f32>(from + o));
  }
}

/**
 * One batch entry of an operand, n rows of H heads (row and head strides in elements), as
 * dense [H, n, dh] blocks in `dense`, read row by row. The heads of a packed projection are
 * columns of long rows: walked head by head, every row would come from memory H times over,
 * each at a stride the hardware prefetches poorly. `back` runs the other way for gradients:
 * the strided operand += the dense blocks.
 */
function gather(src: usize, rowStride: i32, headStride: i32, n: i32, heads: i32, dh: i32, dense: usize, back: bool): void {
  const block = <usize>(n * dh) << 2;
  for (let t = 0; t < n; t++) {
    const row = src + (<usize>t * <usize>rowStride << 2);
    const to = dense + (<usize>(t * dh) << 2);
    for (let h = 0; h < heads; h++) {
      const strided = row + (<usize>h * <usize>headStride << 2);
      if (back) copyRow(to + <usize>h * block, strided, dh, true);
      else copyRow(strided, to + <usize>h * block, dh, false);
    }
  }
}

/** Keys j < visibleEnd may be seen by query i: all tk, or j ≤ i + tk − tq when causal. */
@inline function visibleEnd(i: i32, tq: i32, tk: i32, causal: bool): i32 {
  return causal ? max(0, min(tk, i + tk - tq + 1)) : tk;
}

/** i32 number `i` at `layouts`. */
@inline function stride(layouts: usize, i: i32): i32 {
  return load<i32>(layouts + (<usize>i << 2));
}

/** Batch entry b of operand `which` (0 q, 1 k, 2 v) ↔ dense blocks: see `gather`. */
@inline function gatherEntry(base: usize, layouts: usize, which: i32, b: i32, n: i32, heads: i32, dh: i32, dense: usize,
  back: bool): void {
  const at = base + (<usize>b * <usize>stride(layouts, 3 * which) << 2);
  gather(at, stride(layouts, 3 * which + 1), stride(layouts, 3 * which + 2), n, heads, dh, dense, back);
}

/**
 * Forward pass (see src/backend/attention.ts). q, k, v point at element (0, 0, 0, 0) of each
 * operand; `layouts` holds nine i32 element strides: (batch, row, head) for q, then k, then v.
 * pad: the key-padding mask [B, Tk] or 0. out [B, Tq, H·Dh] and weights [B, H, Tq, Tk].
 */
export function attention(batch: i32, heads: i32, tq: i32, tk: i32, dh: i32, q: usize, k: usize, v: usize,
  layouts: usize, scale: f32, causal: i32, pad: usize, out: usize, weights: usize, scratch: usize): void {
  const pa = scratch, pb = pa + packABytes(tq, tk, dh);
  const row = <usize>dh << 2, qBlock = <usize>tq * row, kBlock = <usize>tk * row;
  const qd = pb + packBBytes(tq, tk, dh), kd = qd + <usize>heads * qBlock, vd = kd + <usize>heads * kBlock;
  const outRow = <usize>heads * row;
  const cut = causal != 0;
  const shift = tk - tq;
  // Keys and values already dense per head (a [B, H, T, Dh] cache) are read where they lie.
  const kvDense = stride(layouts, 4) == dh && stride(layouts, 7) == dh;
  for (let b = 0; b < batch; b++) {
    const mask = pad == 0 ? 0 : pad + (<usize>(b * tk) << 2);
    gatherEntry(q, layouts, 0, b, tq, heads, dh, qd, false);
    let kb = kd, vb = vd, kStep = kBlock, vStep = kBlock;
    if (kvDense) {
      kb = k + (<usize>b * <usize>stride(layouts, 3) << 2);
      vb = v + (<usize>b * <usize>stride(layouts, 6) << 2);
      kStep = <usize>stride(layouts, 5) << 2;
      vStep = <usize>stride(layouts, 8) << 2;
    } else {
      gatherEntry(k, layouts, 1, b, tk, heads, dh, kd, false);
      gatherEntry(v, layouts, 2, b, tk, heads, dh, vd, false);
    }
    for (let h = 0; h < heads; h++) {
      const p = weights + (<usize>((b * heads + h) * tq * tk) << 2); // [Tq, Tk] of this head
      if (tq < 4) { // a few queries (decoding from a cache): matrix-vector products, nothing to pack
        for (let i = 0; i < tq; i++) {
          const end = visibleEnd(i, tq, tk, cut);
          const pi = p + (<usize>(i * tk) << 2);
          gemvRows(kb + <usize>h * kStep, end, dh, qd + <usize>h * qBlock + <usize>i * row, pi, false);
          softmaxRow(pi, end, tk, mask, scale);
          gemvCols(vb + <usize>h * vStep, end, dh, pi, out + <usize>(b * tq + i) * outRow + <usize>h * row, false);
        }
        continue;
      }
      // S = Q·Kᵀ, then each row's softmax, in the weights.
      packARows(qd + <usize>h * qBlock, tq, dh, dh, false, pa);
      packBColumns(kb + <usize>h * kStep, dh, tk, dh, true, pb);
      product(pa, pb, dh, p, <usize>tk << 2, tq, tk, false, cut ? COLUMNS_BEFORE : ALL, shift);
      for (let i = 0; i < tq; i++) softmaxRow(p + (<usize>(i * tk) << 2), visibleEnd(i, tq, tk, cut), tk, mask, scale);
      // O = P·V, straight into the head's columns of out.
      packARows(p, tq, tk, tk, false, pa);
      packBColumns(vb + <usize>h * vStep, tk, dh, dh, false, pb);
      product(pa, pb, tk, out + <usize>(b * tq) * outRow + <usize>h * row, outRow, tq, dh, false,
        cut ? DEPTH_BEFORE : ALL, shift);
    }
  }
}

/**
 * Backward pass (see src/backend/attention.ts): adds into dq, dk, dv (each 0 when not wanted,
 * laid out as q, k, v), from dOut [B, Tq, H·Dh] and/or dWeights [B, H, Tq, Tk] (0: none).
 * Per (b, h): dP = dO·Vᵀ (+ dWeights), then per row dS' = scale·P ⊙ (dP − rowsum(dP ⊙ P)),
 * then dQ = dS'·K, dK = dS'ᵀ·Q and dV = Pᵀ·dO, added into the operands per batch entry.
 */
export function attentionGrad(batch: i32, heads: i32, tq: i32, tk: i32, dh: i32, q: usize, k: usize, v: usize,
  layouts: usize, scale: f32, causal: i32, pad: usize, weights: usize, dOut: usize, dWeights: usize, dq: usize,
  dk: usize, dv: usize, scratch: usize): void {
  const pa = scratch, pb = pa + packABytes(tq, tk, dh);
  const row = <usize>dh << 2, qBlock = <usize>tq * row, kBlock = <usize>tk * row;
  // Dense [H, T, Dh] blocks of one batch entry: Q, K, V, dO, dQ, dK, dV; then dS [Tq, Tk] of one head.
  const qd = pb + packBBytes(tq, tk, dh), kd = qd + <usize>heads * qBlock, vd = kd + <usize>heads * kBlock;
  const gd = vd + <usize>heads * kBlock, dqd = gd + <usize>heads * qBlock, dkd = dqd + <usize>heads * qBlock;
  const dvd = dkd + <usize>heads * kBlock, dS = dvd + <usize>heads * kBlock;
  const wRow = <usize>tk << 2;
  const cut = causal != 0;
  const shift = tk - tq;
  for (let b = 0; b < batch; b++) {
    gatherEntry(q, layouts, 0, b, tq, heads, dh, qd, false);
    gatherEntry(k, layouts, 1, b, tk, heads, dh, kd, false);
    gatherEntry(v, layouts, 2, b, tk, heads, dh, vd, false);
    if (dOut != 0) gather(dOut + <usize>(b * tq) * <usize>heads * row, heads * dh, dh, tq, heads, dh, gd, false);
    for (let h = 0; h < heads; h++) {
      const p = weights + <usize>((b * heads + h) * tq) * wRow;
      const qh = qd + <usize>h * qBlock, kh = kd + <usize>h * kBlock, gh = gd + <usize>h * qBlock;
      if (dOut != 0) { // dP = dO·Vᵀ
        packARows(gh, tq, dh, dh, false, pa);
        packBColumns(vd + <usize>h * kBlock, dh, tk, dh, true, pb);
        product(pa, pb, dh, dS, wRow, tq, tk, false, cut ? COLUMNS_BEFORE : ALL, shift);
      }
      for (let i = 0; i < tq; i++) {
        const end = visibleEnd(i, tq, tk, cut);
        const ds = dS + <usize>i * wRow;
        if (dOut == 0) memory.fill(ds, 0, <usize>end << 2);
        if (dWeights != 0) {
          const gw = dWeights + (p - weights) + <usize>i * wRow;
          for (let j = 0; j < end; j++) store<f32>(ds + (<usize>j << 2), load<f32>(ds + (<usize>j << 2)) + load<f32>(gw + (<usize>j << 2)));
        }
        dsRow(ds, p + <usize>i * wRow, end, tk, scale);
      }
      // dQ = dS'·K, dK = dS'ᵀ·Q, dV = Pᵀ·dO into the dense blocks (causal: only the tiles that can be nonzero).
      packARows(dS, tq, tk, tk, false, pa);
      packBColumns(kh, tk, dh, dh, false, pb);
      product(pa, pb, tk, dqd + <usize>h * qBlock, row, tq, dh, false, cut ? DEPTH_BEFORE : ALL, shift);
      packARows(dS, tk, tq, tk, true, pa);
      packBColumns(qh, tq, dh, dh, false, pb);
      product(pa, pb, tq, dkd + <usize>h * kBlock, row, tk, dh, false, cut ? DEPTH_FROM : ALL, shift);
      if (dOut != 0) {
        packARows(p, tk, tq, tk, true, pa);
        packBColumns(gh, tq, dh, dh, false, pb);
        product(pa, pb, tq, dvd + <usize>h * kBlock, row, tk, dh, false, cut ? DEPTH_FROM : ALL, shift);
      }
    }
    if (dq != 0) gatherEntry(dq, layouts, 0, b, tq, heads, dh, dqd, true);
    if (dk != 0) gatherEntry(dk, layouts, 1, b, tk, heads, dh, dkd, true);
    if (dv != 0 && dOut != 0) gatherEntry(dv, layouts, 2, b, tk, heads, dh, dvd, true);
  }
}

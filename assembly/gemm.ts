// GEMM: C[b] = op(A[b]) · op(B[b]) (+ C[b]), the kernel behind every matmul, forward and backward.
//
// The packed path follows GotoBLAS on a small scale: op(B) is packed once per call into panels of
// 8 columns ([k, 8] each, row order), op(A) into blocks of 4 rows ([k, 4] each), then a 4×8
// register tile (8 accumulators, 2 B vectors, 1 A splat: 11 of the 16 vector registers) walks
// depth blocks of KC. A 6×8 tile spills in V8 and runs slower. m = 1 and n = 1 skip packing
// and run as a matrix-vector product instead (batch-1 generation, bias-like shapes).
import { hsum, madd } from './simd';

/** Depth block: a 4×KC A block (4 KiB) and a KC×8 B panel (8 KiB) stay in L1. */
const KC: i32 = 256;
/** Row blocks (of 4 rows) per L2 pass: 16 blocks = 64 rows, 64 KiB of packed A at KC = 256. */
const MB: i32 = 16;

/** Scratch for a partial edge tile: 4 rows × 8 columns. */
const TILE: usize = memory.data(128, 16);

/** Bytes of scratch `gemm` needs for packed A and packed B. */
export function gemmScratchBytes(m: i32, n: i32, k: i32): usize {
  return packedABytes(m, k) + packedBBytes(n, k);
}

@inline export function packedABytes(m: i32, k: i32): usize {
  return <usize>((m + 3) >> 2) * <usize>k << 4;
}

@inline export function packedBBytes(n: i32, k: i32): usize {
  return <usize>((n + 7) >> 3) * <usize>k << 5;
}

/**
 * Batched GEMM over pointers (bytes) and strides (elements). op(A) is [m, k], op(B) is [k, n],
 * C is [m, n]; a batch stride of 0 reuses one operand (and packs it once). `scratch` holds
 * gemmScratchBytes(m, n, k) bytes.
 */
export function gemm(batch: i32, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, transA: bool, transB: bool,
  strideA: i32, strideB: i32, strideC: i32, accumulate: bool, scratch: usize): void {
  if (m <= 0 || n <= 0) return;
  const pa = scratch;
  const pb = scratch + packedABytes(m, k);
  for (let bi = 0; bi < batch; bi++) {
    const ab = a + (<usize>bi * <usize>strideA << 2);
    const bb = b + (<usize>bi * <usize>strideB << 2);
    const cb = c + (<usize>bi * <usize>strideC << 2);
    if (k == 0) {
      if (!accumulate) memory.fill(cb, 0, <usize>m * <usize>n << 2);
    } else if (m == 1) {
      // op(A) [1, k] is a[0..k] whichever way A is stored.
      if (transB) gemvRows(bb, n, k, ab, cb, accumulate);
      else gemvCols(bb, k, n, ab, cb, accumulate);
    } else if (n == 1) {
      // op(B) [k, 1] is b[0..k] whichever way B is stored.
      if (transA) gemvCols(ab, k, m, bb, cb, accumulate);
      else gemvRows(ab, m, k, bb, cb, accumulate);
    } else {
      if (bi == 0 || strideA != 0) packA(ab, m, k, transA, pa);
      if (bi == 0 || strideB != 0) packB(bb, k, n, transB, pb);
      packedProduct(pa, pb, cb, m, n, k, accumulate);
    }
  }
}

/** C (+)= packed A · packed B, blocked over depth (KC) and rows (MB blocks of 4). */
export function packedProduct(pa: usize, pb: usize, c: usize, m: i32, n: i32, k: i32, accumulate: bool): void {
  packedBlock(pa, pb, c, n, m, n, k, accumulate, TILE);
}

/** Packs op(A) [m, k] into blocks of 4 rows, [k, 4] each, zero past row m. */
export function packA(a: usize, m: i32, k: i32, transA: bool, dst: usize): void {
  packARows(a, m, k, transA ? m : k, transA, dst);
}

/** Packs op(B) [k, n] into panels of 8 columns, [k, 8] each, zero past column n. */
export function packB(b: usize, k: i32, n: i32, transB: bool, dst: usize): void {
  packBColumns(b, k, n, transB ? k : n, transB, dst);
}

// The packed kernels below take a leading dimension and the edge-tile scratch, so parallel.ts's
// chunks run this same code on slices of op(A), op(B) and C (results bitwise equal to `gemm`).

/**
 * C block [rows, cols] (+)= packed A · packed B, C's rows `ldc` floats apart; blocked over depth
 * (KC) and rows (MB blocks of 4). `tile`: 128 bytes of scratch for partial edge tiles.
 */
export function packedBlock(pa: usize, pb: usize, c: usize, ldc: i32, rows: i32, cols: i32, k: i32,
  accumulate: bool, tile: usize): void {
  const blocks = (rows + 3) >> 2;
  const panels = (cols + 7) >> 3;
  const rowBytes = <usize>ldc << 2;
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = min(KC, k - k0);
    const add = accumulate || k0 > 0;
    for (let q0 = 0; q0 < blocks; q0 += MB) {
      const q1 = min(blocks, q0 + MB);
      for (let p = 0; p < panels; p++) {
        const bp = pb + ((<usize>p * <usize>k + <usize>k0) << 5);
        const j0 = p << 3;
        const w = min(8, cols - j0);
        for (let q = q0; q < q1; q++) {
          const ap = pa + ((<usize>q * <usize>k + <usize>k0) << 4);
          const i0 = q << 2;
          const cp = c + <usize>i0 * rowBytes + (<usize>j0 << 2);
          tile4x8(ap, bp, kc, cp, rowBytes, min(4, rows - i0), w, add, tile);
        }
      }
    }
  }
}

/** One 4×8 tile of C over kc steps of packed A [kc, 4] and packed B [kc, 8] (also used by attention.ts). */
export function tile4x8(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, rows: i32, cols: i32, add: bool,
  tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let kk = 0; kk < kc; kk++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    // One load of the four A values and a lane broadcast each: V8 computes an address for every
    // offset splatting load (lea + vbroadcastss), so this is fewer instructions (about 10% faster).
    const a = v128.load(ap);
    let av = i32x4.shuffle(a, a, 0, 0, 0, 0);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = i32x4.shuffle(a, a, 1, 1, 1, 1);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = i32x4.shuffle(a, a, 2, 2, 2, 2);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = i32x4.shuffle(a, a, 3, 3, 3, 3);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    ap += 16;
    bp += 32;
  }
  if (rows == 4 && cols == 8) {
    storeRow(c, c00, c01, add);
    storeRow(c + ldc, c10, c11, add);
    storeRow(c + 2 * ldc, c20, c21, add);
    storeRow(c + 3 * ldc, c30, c31, add);
    return;
  }
  v128.store(tile, c00); v128.store(tile, c01, 16);
  v128.store(tile, c10, 32); v128.store(tile, c11, 48);
  v128.store(tile, c20, 64); v128.store(tile, c21, 80);
  v128.store(tile, c30, 96); v128.store(tile, c31, 112);
  for (let r = 0; r < rows; r++) {
    const src = tile + (<usize>r << 5);
    const dst = c + <usize>r * ldc;
    for (let j = 0; j < cols; j++) {
      const v = load<f32>(src + (<usize>j << 2));
      const d = dst + (<usize>j << 2);
      store<f32>(d, add ? load<f32>(d) + v : v);
    }
  }
}

@inline function storeRow(p: usize, lo: v128, hi: v128, add: bool): void {
  if (add) {
    v128.store(p, f32x4.add(v128.load(p), lo));
    v128.store(p, f32x4.add(v128.load(p, 16), hi), 16);
  } else {
    v128.store(p, lo);
    v128.store(p, hi, 16);
  }
}

/**
 * Transposes the 4×4 block at r0 + off (rows `ldBytes` apart) into four vectors `stride` bytes
 * apart from d: column i of the block becomes vector i.
 */
@inline function transpose4x4(r0: usize, ldBytes: usize, off: usize, d: usize, stride: usize): void {
  const x0 = v128.load(r0 + off);
  const x1 = v128.load(r0 + ldBytes + off);
  const x2 = v128.load(r0 + 2 * ldBytes + off);
  const x3 = v128.load(r0 + 3 * ldBytes + off);
  const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
  v128.store(d, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(d + stride, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
  v128.store(d + 2 * stride, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
  v128.store(d + 3 * stride, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
}

/**
 * Packs `rows` rows of op(A) [rows, k] into blocks of 4 rows, [k, 4] each, zero past the last
 * row. A stored [rows, k] (rows `ld` floats apart), or [k, rows] when transA (`ld` apart).
 */
export function packARows(a: usize, rows: i32, k: i32, ld: i32, transA: bool, dst: usize): void {
  const blocks = (rows + 3) >> 2;
  const ldBytes = <usize>ld << 2;
  let q = 0;
  if (transA) {
    // Four whole blocks at a time: each kk reads 16 consecutive floats (a cache line) once,
    // instead of a quarter of it four times over.
    const blockBytes = <usize>k << 4;
    for (; q + 4 <= blocks && (q + 4) << 2 <= rows; q += 4) {
      let s = a + (<usize>q << 4);
      let d = dst + <usize>q * blockBytes;
      for (let kk = 0; kk < k; kk++) {
        v128.store(d, v128.load(s));
        v128.store(d + blockBytes, v128.load(s, 16));
        v128.store(d + 2 * blockBytes, v128.load(s, 32));
        v128.store(d + 3 * blockBytes, v128.load(s, 48));
        s += ldBytes;
        d += 16;
      }
    }
  }
  for (; q < blocks; q++) {
    const i0 = q << 2;
    const h = min(4, rows - i0);
    const d = dst + (<usize>q * <usize>k << 4);
    if (transA) {
      // op(A)[i, kk] = a[kk·ld + i]: four consecutive floats per kk.
      let s = a + (<usize>i0 << 2);
      if (h == 4) {
        for (let kk = 0; kk < k; kk++) {
          v128.store(d + (<usize>kk << 4), v128.load(s));
          s += ldBytes;
        }
      } else {
        memory.fill(d, 0, <usize>k << 4);
        for (let kk = 0; kk < k; kk++) {
          for (let r = 0; r < h; r++) store<f32>(d + (<usize>kk << 4) + (<usize>r << 2), load<f32>(s + (<usize>r << 2)));
          s += ldBytes;
        }
      }
    } else if (h == 4) {
      // Transpose 4×4 blocks of four rows.
      const r0 = a + <usize>i0 * ldBytes;
      let kk = 0;
      for (; kk + 4 <= k; kk += 4) transpose4x4(r0, ldBytes, <usize>kk << 2, d + (<usize>kk << 4), 16);
      for (; kk < k; kk++) {
        for (let r = 0; r < 4; r++) {
          store<f32>(d + (<usize>kk << 4) + (<usize>r << 2), load<f32>(r0 + <usize>r * ldBytes + (<usize>kk << 2)));
        }
      }
    } else {
      memory.fill(d, 0, <usize>k << 4);
      for (let r = 0; r < h; r++) {
        const s = a + <usize>(i0 + r) * ldBytes;
        for (let kk = 0; kk < k; kk++) store<f32>(d + (<usize>kk << 4) + (<usize>r << 2), load<f32>(s + (<usize>kk << 2)));
      }
    }
  }
}

/**
 * Packs `cols` columns of op(B) [k, cols] into panels of 8 columns, [k, 8] each, zero past the
 * last column. B stored [k, cols] (rows `ld` floats apart), or [cols, k] when transB.
 */
export function packBColumns(b: usize, k: i32, cols: i32, ld: i32, transB: bool, dst: usize): void {
  const panels = (cols + 7) >> 3;
  const ldBytes = <usize>ld << 2;
  for (let p = 0; p < panels; p++) {
    const j0 = p << 3;
    const w = min(8, cols - j0);
    const d = dst + (<usize>p * <usize>k << 5);
    if (!transB) {
      // Each panel row is 8 consecutive floats of a B row.
      let s = b + (<usize>j0 << 2);
      if (w == 8) {
        for (let kk = 0; kk < k; kk++) {
          const dd = d + (<usize>kk << 5);
          v128.store(dd, v128.load(s));
          v128.store(dd, v128.load(s, 16), 16);
          s += ldBytes;
        }
      } else {
        memory.fill(d, 0, <usize>k << 5);
        for (let kk = 0; kk < k; kk++) {
          for (let j = 0; j < w; j++) store<f32>(d + (<usize>kk << 5) + (<usize>j << 2), load<f32>(s + (<usize>j << 2)));
          s += ldBytes;
        }
      }
    } else {
      // op(B)[kk, j] = b[j·ld + kk]: transpose 4×4 blocks from 4 rows at a time.
      if (w < 8) memory.fill(d, 0, <usize>k << 5);
      for (let g = 0; g < w; g += 4) {
        const r0 = b + <usize>(j0 + g) * ldBytes;
        const dg = d + (<usize>g << 2);
        let kk = 0;
        if (w - g >= 4) {
          for (; kk + 4 <= k; kk += 4) transpose4x4(r0, ldBytes, <usize>kk << 2, dg + (<usize>kk << 5), 32);
        }
        const h = min(4, w - g);
        for (; kk < k; kk++) {
          for (let r = 0; r < h; r++) {
            store<f32>(dg + (<usize>kk << 5) + (<usize>r << 2), load<f32>(r0 + <usize>r * ldBytes + (<usize>kk << 2)));
          }
        }
      }
    }
  }
}

/** y[rows] (+)= M[rows, cols] · x[cols]: four dot products at a time. */
export function gemvRows(mat: usize, rows: i32, cols: i32, x: usize, y: usize, accumulate: bool): void {
  const rowBytes = <usize>cols << 2;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const p0 = mat + <usize>r * rowBytes;
    const p1 = p0 + rowBytes;
    const p2 = p1 + rowBytes;
    const p3 = p2 + rowBytes;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const off = <usize>j << 2;
      const xv = v128.load(x + off);
      s0 = madd(v128.load(p0 + off), xv, s0);
      s1 = madd(v128.load(p1 + off), xv, s1);
      s2 = madd(v128.load(p2 + off), xv, s2);
      s3 = madd(v128.load(p3 + off), xv, s3);
    }
    let d0 = hsum(s0), d1 = hsum(s1), d2 = hsum(s2), d3 = hsum(s3);
    for (; j < cols; j++) {
      const off = <usize>j << 2;
      const xs = load<f32>(x + off);
      d0 += load<f32>(p0 + off) * xs;
      d1 += load<f32>(p1 + off) * xs;
      d2 += load<f32>(p2 + off) * xs;
      d3 += load<f32>(p3 + off) * xs;
    }
    const yp = y + (<usize>r << 2);
    if (accumulate) {
      d0 += load<f32>(yp); d1 += load<f32>(yp, 4); d2 += load<f32>(yp, 8); d3 += load<f32>(yp, 12);
    }
    store<f32>(yp, d0); store<f32>(yp, d1, 4); store<f32>(yp, d2, 8); store<f32>(yp, d3, 12);
  }
  for (; r < rows; r++) {
    const p = mat + <usize>r * rowBytes;
    let s = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= cols; j += 4) s = madd(v128.load(p + (<usize>j << 2)), v128.load(x + (<usize>j << 2)), s);
    let d = hsum(s);
    for (; j < cols; j++) d += load<f32>(p + (<usize>j << 2)) * load<f32>(x + (<usize>j << 2));
    const yp = y + (<usize>r << 2);
    store<f32>(yp, accumulate ? load<f32>(yp) + d : d);
  }
}

/** Bytes of M [rows, cols] packed by gemvPack: groups of 4 rows (zero rows past `rows`), 16·cols bytes each. */
export function gemvPackedBytes(rows: i32, cols: i32): usize {
  return <usize>((rows + 3) >> 2) * <usize>cols << 4;
}

/**
 * Packs M [rows, cols] for gemvPacked. Per group of 4 rows: for each whole 4-column chunk, the
 * four rows' chunks one after another (4 vectors, 64 bytes), then the cols % 4 tail columns row
 * by row. The product then walks one pointer with constant offsets instead of four row
 * pointers (fewer address computations per multiply-add, about 1.3–1.6× faster at batch 1).
 */
export function gemvPack(mat: usize, rows: i32, cols: i32, dst: usize): void {
  const chunks = cols >> 2;
  const tail = cols & 3;
  let d = dst;
  for (let r = 0; r < rows; r += 4) {
    for (let q = 0; q < chunks; q++) {
      for (let i = 0; i < 4; i++) {
        v128.store(d, r + i < rows ? v128.load(mat + ((<usize>(r + i) * <usize>cols + (<usize>q << 2)) << 2)) : f32x4.splat(0));
        d += 16;
      }
    }
    for (let i = 0; i < 4; i++) {
      for (let j = cols - tail; j < cols; j++) {
        store<f32>(d, r + i < rows ? load<f32>(mat + ((<usize>(r + i) * <usize>cols + <usize>j) << 2)) : 0);
        d += 4;
      }
    }
  }
}

/**
 * y[rows] (+)= M[rows, cols] · x[cols] on M packed by gemvPack: bitwise the same as gemvRows
 * (each row one accumulator over the same chunks in the same order, then the same tail).
 */
export function gemvPacked(pk: usize, rows: i32, cols: i32, x: usize, y: usize, accumulate: bool): void {
  const xe = x + (<usize>(cols & ~3) << 2);
  const tail = cols & 3;
  let p = pk;
  for (let r = 0; r < rows; r += 4) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    for (let xp = x; xp < xe; xp += 16) {
      const xv = v128.load(xp);
      s0 = madd(v128.load(p), xv, s0);
      s1 = madd(v128.load(p, 16), xv, s1);
      s2 = madd(v128.load(p, 32), xv, s2);
      s3 = madd(v128.load(p, 48), xv, s3);
      p += 64;
    }
    let d0 = hsum(s0), d1 = hsum(s1), d2 = hsum(s2), d3 = hsum(s3);
    for (let j = 0; j < tail; j++) {
      const xs = load<f32>(xe + (<usize>j << 2));
      const tp = p + (<usize>j << 2);
      const tb = <usize>tail << 2;
      d0 += load<f32>(tp) * xs;
      d1 += load<f32>(tp + tb) * xs;
      d2 += load<f32>(tp + 2 * tb) * xs;
      d3 += load<f32>(tp + 3 * tb) * xs;
    }
    p += <usize>tail << 4;
    const yp = y + (<usize>r << 2);
    const n = rows - r;
    if (accumulate) {
      d0 += load<f32>(yp);
      if (n > 1) d1 += load<f32>(yp, 4);
      if (n > 2) d2 += load<f32>(yp, 8);
      if (n > 3) d3 += load<f32>(yp, 12);
    }
    store<f32>(yp, d0);
    if (n > 1) store<f32>(yp, d1, 4);
    if (n > 2) store<f32>(yp, d2, 8);
    if (n > 3) store<f32>(yp, d3, 12);
  }
}

/** y[cols] (+)= x[rows] · M[rows, cols]: 32 (then 4, then 1) output columns held in registers. */
export function gemvCols(mat: usize, rows: i32, cols: i32, x: usize, y: usize, accumulate: bool): void {
  const rowBytes = <usize>cols << 2;
  let j = 0;
  for (; j + 32 <= cols; j += 32) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let s4 = f32x4.splat(0), s5 = f32x4.splat(0), s6 = f32x4.splat(0), s7 = f32x4.splat(0);
    let p = mat + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      const xv = v128.load32_splat(x + (<usize>r << 2));
      s0 = madd(xv, v128.load(p), s0);
      s1 = madd(xv, v128.load(p, 16), s1);
      s2 = madd(xv, v128.load(p, 32), s2);
      s3 = madd(xv, v128.load(p, 48), s3);
      s4 = madd(xv, v128.load(p, 64), s4);
      s5 = madd(xv, v128.load(p, 80), s5);
      s6 = madd(xv, v128.load(p, 96), s6);
      s7 = madd(xv, v128.load(p, 112), s7);
      p += rowBytes;
    }
    const yp = y + (<usize>j << 2);
    storeVec(yp, s0, accumulate); storeVec(yp + 16, s1, accumulate);
    storeVec(yp + 32, s2, accumulate); storeVec(yp + 48, s3, accumulate);
    storeVec(yp + 64, s4, accumulate); storeVec(yp + 80, s5, accumulate);
    storeVec(yp + 96, s6, accumulate); storeVec(yp + 112, s7, accumulate);
  }
  for (; j + 4 <= cols; j += 4) {
    let s = f32x4.splat(0);
    let p = mat + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      s = madd(v128.load32_splat(x + (<usize>r << 2)), v128.load(p), s);
      p += rowBytes;
    }
    storeVec(y + (<usize>j << 2), s, accumulate);
  }
  for (; j < cols; j++) {
    let d: f32 = 0;
    let p = mat + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      d += load<f32>(x + (<usize>r << 2)) * load<f32>(p);
      p += rowBytes;
    }
    const yp = y + (<usize>j << 2);
    store<f32>(yp, accumulate ? load<f32>(yp) + d : d);
  }
}

@inline function storeVec(p: usize, v: v128, add: bool): void {
  v128.store(p, add ? f32x4.add(v128.load(p), v) : v);
}

/**
 * The SIMD multiply-add ceiling for the benchmarks: 12 independent chains of acc = acc·m + c
 * (fused in the relaxed build). Each iteration is 96 flops.
 */
export function peakMulAdd(iters: i32, seed: f32): f32 {
  const m = f32x4.splat(0.9999), cv = f32x4.splat(0.0001);
  let a0 = f32x4.splat(seed), a1 = f32x4.splat(seed + 1), a2 = f32x4.splat(seed + 2), a3 = f32x4.splat(seed + 3);
  let a4 = f32x4.splat(seed + 4), a5 = f32x4.splat(seed + 5), a6 = f32x4.splat(seed + 6), a7 = f32x4.splat(seed + 7);
  let a8 = f32x4.splat(seed + 8), a9 = f32x4.splat(seed + 9), a10 = f32x4.splat(seed + 10), a11 = f32x4.splat(seed + 11);
  for (let i = 0; i < iters; i++) {
    a0 = madd(a0, m, cv); a1 = madd(a1, m, cv); a2 = madd(a2, m, cv); a3 = madd(a3, m, cv);
    a4 = madd(a4, m, cv); a5 = madd(a5, m, cv); a6 = madd(a6, m, cv); a7 = madd(a7, m, cv);
    a8 = madd(a8, m, cv); a9 = madd(a9, m, cv); a10 = madd(a10, m, cv); a11 = madd(a11, m, cv);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return hsum(f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11))));
}

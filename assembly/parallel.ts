// GEMM in chunks that several threads run at once over the same shared memory (the pool is
// src/backend/wasm/threads.ts). The arithmetic is gemm.ts's packed path step for step: the same
// 4×8 register tile, depth blocks of KC and multiply-adds in the same order, so every element of
// C comes out bitwise the same however the work is split. Two things differ, both for threads:
//  - every operand is read through a leading dimension, so a chunk can pack a slice of op(A)'s
//    rows or op(B)'s columns and write a block of C;
//  - the edge-tile scratch is the caller's (gemm.ts keeps one static tile, which two threads
//    would share).
import { madd } from './simd';

/** Must equal gemm.ts's KC and MB, so the sums run in the same order. */
const KC: i32 = 256;
const MB: i32 = 16;

/** How a GEMM is split into chunks: by blocks of 4 rows, by panels of 8 columns, by batch entry. */
const SPLIT_ROWS = 0;
const SPLIT_COLUMNS = 1;
const TILE_BYTES: usize = 128;

@inline function packedABytes(m: i32, k: i32): usize {
  return <usize>((m + 3) >> 2) * <usize>k << 4;
}

/** Packs all of op(A) [m, k] into blocks of 4 rows (gemm.ts's layout): the operand chunks share. */
export function gemmPackA(a: usize, m: i32, k: i32, transA: bool, dst: usize): void {
  packA(a, m, k, transA ? m : k, transA, dst);
}

/** Packs all of op(B) [k, n] into panels of 8 columns (gemm.ts's layout). */
export function gemmPackB(b: usize, k: i32, n: i32, transB: bool, dst: usize): void {
  packB(b, k, n, transB ? k : n, transB, dst);
}

/**
 * One chunk of C[b] = op(A[b])·op(B[b]) (+ C[b]); arguments as gemm.ts's `gemm`, then:
 *   split   SPLIT_ROWS: chunk covers op(A) rows [4·per·chunk, 4·per·(chunk + 1)); `shared` holds
 *           all of op(B), packed. SPLIT_COLUMNS: columns [8·per·chunk, ...), `shared` holds all
 *           of op(A), packed. Otherwise batch entries [per·chunk, per·(chunk + 1)), each whole.
 *           (Rows and columns: batch is 1.)
 *   scratch + thread·scratchStride: this thread's own scratch, 128 bytes of edge tile and then
 *           room to pack its part of the other operand (both operands for a batch entry).
 */
export function gemmChunk(batch: i32, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, transA: bool, transB: bool,
  strideA: i32, strideB: i32, strideC: i32, accumulate: bool, split: i32, per: i32, shared: usize, scratch: usize,
  scratchStride: usize, chunk: i32, thread: i32): void {
  const tile = scratch + <usize>thread * scratchStride;
  const own = tile + TILE_BYTES;
  if (split == SPLIT_ROWS) {
    const i0 = (chunk * per) << 2;
    const rows = min(m - i0, per << 2);
    packA(transA ? a + (<usize>i0 << 2) : a + (<usize>i0 * <usize>k << 2), rows, k, transA ? m : k, transA, own);
    product(own, shared, c + (<usize>i0 * <usize>n << 2), n, rows, n, k, accumulate, tile);
  } else if (split == SPLIT_COLUMNS) {
    const j0 = (chunk * per) << 3;
    const cols = min(n - j0, per << 3);
    packB(transB ? b + (<usize>j0 * <usize>k << 2) : b + (<usize>j0 << 2), k, cols, transB ? k : n, transB, own);
    product(shared, own, c + (<usize>j0 << 2), n, m, cols, k, accumulate, tile);
  } else {
    const pa = own;
    const pb = own + packedABytes(m, k);
    const b0 = chunk * per;
    const b1 = min(batch, b0 + per);
    for (let bi = b0; bi < b1; bi++) {
      // A batch stride of 0 is one shared matrix: pack it once per chunk.
      if (bi == b0 || strideA != 0) gemmPackA(a + (<usize>bi * <usize>strideA << 2), m, k, transA, pa);
      if (bi == b0 || strideB != 0) gemmPackB(b + (<usize>bi * <usize>strideB << 2), k, n, transB, pb);
      product(pa, pb, c + (<usize>bi * <usize>strideC << 2), n, m, n, k, accumulate, tile);
    }
  }
}

/**
 * C block [rows, cols] (+)= packed A · packed B, C's rows `ldc` floats apart; blocked over depth
 * (KC) and rows (MB blocks of 4) as gemm.ts's packedProduct.
 */
function product(pa: usize, pb: usize, c: usize, ldc: i32, rows: i32, cols: i32, k: i32, accumulate: bool,
  tile: usize): void {
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
        for (let q = q0; q < q1; q++) {
          const ap = pa + ((<usize>q * <usize>k + <usize>k0) << 4);
          const i0 = q << 2;
          const cp = c + <usize>i0 * rowBytes + (<usize>j0 << 2);
          tile4x8(ap, bp, kc, cp, rowBytes, min(4, rows - i0), min(8, cols - j0), add, tile);
        }
      }
    }
  }
}

/** One 4×8 tile of C over kc steps of packed A [kc, 4] and packed B [kc, 8]. */
function tile4x8(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, rows: i32, cols: i32, add: bool,
  tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let kk = 0; kk < kc; kk++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let av = v128.load32_splat(ap);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(ap, 4);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(ap, 8);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(ap, 12);
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
 * Packs `rows` rows of op(A) [rows, k] into blocks of 4 rows, [k, 4] each, zero past the last
 * row. A stored [rows, k] (rows `ld` floats apart), or [k, rows] when transA (`ld` apart).
 */
function packA(a: usize, rows: i32, k: i32, ld: i32, transA: bool, dst: usize): void {
  const blocks = (rows + 3) >> 2;
  const ldBytes = <usize>ld << 2;
  for (let q = 0; q < blocks; q++) {
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
      for (; kk + 4 <= k; kk += 4) {
        const off = <usize>kk << 2;
        const x0 = v128.load(r0 + off);
        const x1 = v128.load(r0 + ldBytes + off);
        const x2 = v128.load(r0 + 2 * ldBytes + off);
        const x3 = v128.load(r0 + 3 * ldBytes + off);
        const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5);
        const t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
        const t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
        const t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
        const dd = d + (<usize>kk << 4);
        v128.store(dd, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
        v128.store(dd, i32x4.shuffle(t0, t1, 2, 3, 6, 7), 16);
        v128.store(dd, i32x4.shuffle(t2, t3, 0, 1, 4, 5), 32);
        v128.store(dd, i32x4.shuffle(t2, t3, 2, 3, 6, 7), 48);
      }
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
function packB(b: usize, k: i32, cols: i32, ld: i32, transB: bool, dst: usize): void {
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
          for (; kk + 4 <= k; kk += 4) {
            const off = <usize>kk << 2;
            const x0 = v128.load(r0 + off);
            const x1 = v128.load(r0 + ldBytes + off);
            const x2 = v128.load(r0 + 2 * ldBytes + off);
            const x3 = v128.load(r0 + 3 * ldBytes + off);
            const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5);
            const t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
            const t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
            const t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
            const dd = dg + (<usize>kk << 5);
            v128.store(dd, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
            v128.store(dd, i32x4.shuffle(t0, t1, 2, 3, 6, 7), 32);
            v128.store(dd, i32x4.shuffle(t2, t3, 0, 1, 4, 5), 64);
            v128.store(dd, i32x4.shuffle(t2, t3, 2, 3, 6, 7), 96);
          }
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

/** Polls of the generation word before a thread sleeps at a barrier. */
const BARRIER_SPIN: i32 = 20000;

/**
 * Waits until all `count` threads of a job run together (threads.ts, `together`) reach this
 * point. `at` holds two i32s, zero before first use and reused for every barrier of the job:
 * the arrivals so far and a generation that the last arrival bumps. The others poll the
 * generation, then sleep in atomic.wait. Builds without threads only ever run one thread.
 */
export function barrier(at: usize, count: i32): void {
  if (!ASC_FEATURE_THREADS || count <= 1) return;
  const generation = atomic.load<i32>(at, 4);
  if (atomic.add<i32>(at, 1) == count - 1) {
    atomic.store<i32>(at, 0);
    atomic.add<i32>(at, 1, 4);
    atomic.notify(at + 4, count);
    return;
  }
  for (let i = 0; atomic.load<i32>(at, 4) == generation; i++) {
    if (i >= BARRIER_SPIN) atomic.wait<i32>(at + 4, generation, -1);
  }
}

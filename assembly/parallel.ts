// GEMM in chunks that several threads run at once over the same shared memory (the pool is
// src/backend/wasm/threads.ts). Every chunk runs gemm.ts's own packing and packed product
// (packARows, packBColumns, packedBlock: the same 4×8 register tile, depth blocks of KC and
// multiply-adds in the same order), so every element of C comes out bitwise the same however
// the work is split. Two things differ, both for threads:
//  - every operand is read through a leading dimension, so a chunk can pack a slice of op(A)'s
//    rows or op(B)'s columns and write a block of C;
//  - the edge-tile scratch is the caller's (gemm.ts keeps one static tile, which two threads
//    would share).
import { packARows, packBColumns, packedABytes, packedBlock } from './gemm';

/** How a GEMM is split into chunks: by blocks of 4 rows, by panels of 8 columns, by batch entry. */
const SPLIT_ROWS = 0;
const SPLIT_COLUMNS = 1;
const TILE_BYTES: usize = 128;

/** Packs all of op(A) [m, k] into blocks of 4 rows (gemm.ts's layout): the operand chunks share. */
export function gemmPackA(a: usize, m: i32, k: i32, transA: bool, dst: usize): void {
  packARows(a, m, k, transA ? m : k, transA, dst);
}

/** Packs all of op(B) [k, n] into panels of 8 columns (gemm.ts's layout). */
export function gemmPackB(b: usize, k: i32, n: i32, transB: bool, dst: usize): void {
  packBColumns(b, k, n, transB ? k : n, transB, dst);
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
    packARows(transA ? a + (<usize>i0 << 2) : a + (<usize>i0 * <usize>k << 2), rows, k, transA ? m : k, transA, own);
    packedBlock(own, shared, c + (<usize>i0 * <usize>n << 2), n, rows, n, k, accumulate, tile);
  } else if (split == SPLIT_COLUMNS) {
    const j0 = (chunk * per) << 3;
    const cols = min(n - j0, per << 3);
    packBColumns(transB ? b + (<usize>j0 * <usize>k << 2) : b + (<usize>j0 << 2), k, cols, transB ? k : n, transB, own);
    packedBlock(shared, own, c + (<usize>j0 << 2), n, m, cols, k, accumulate, tile);
  } else {
    const pa = own;
    const pb = own + packedABytes(m, k);
    const b0 = chunk * per;
    const b1 = min(batch, b0 + per);
    for (let bi = b0; bi < b1; bi++) {
      // A batch stride of 0 is one shared matrix: pack it once per chunk.
      if (bi == b0 || strideA != 0) gemmPackA(a + (<usize>bi * <usize>strideA << 2), m, k, transA, pa);
      if (bi == b0 || strideB != 0) gemmPackB(b + (<usize>bi * <usize>strideB << 2), k, n, transB, pb);
      packedBlock(pa, pb, c + (<usize>bi * <usize>strideC << 2), n, m, n, k, accumulate, tile);
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

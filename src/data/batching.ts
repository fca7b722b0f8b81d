import { SeqlabError } from '../errors.js';
import type { Rng } from '../tensor/random.js';

/**
 * A batch of token sequences for next-token prediction: inputs [B, T] and targets [B, T]
 * (targets are the inputs shifted by one), flat row-major.
 */
export interface LmBatch {
  batch: number;
  time: number;
  inputs: Int32Array;
  targets: Int32Array;
}

/**
 * Random training windows from one long token stream: each row is stream[s .. s+T] for a
 * start s drawn from the seeded `rng`, so every step sees a fresh, reproducible slice.
 */
export function randomWindows(stream: Int32Array, batch: number, time: number, rng: Rng): LmBatch {
  const span = stream.length - time - 1;
  if (span < 0) throw new SeqlabError(`data: ${stream.length} tokens are too few for a context of ${time}`);
  const inputs = new Int32Array(batch * time);
  const targets = new Int32Array(batch * time);
  for (let b = 0; b < batch; b++) {
    const s = rng.int(span + 1);
    inputs.set(stream.subarray(s, s + time), b * time);
    targets.set(stream.subarray(s + 1, s + time + 1), b * time);
  }
  return { batch, time, inputs, targets };
}

/**
 * Consecutive non-overlapping windows covering the stream once, for evaluation: every token
 * after the first is predicted exactly once (the last window may be shorter).
 */
export function* sequentialWindows(stream: Int32Array, batch: number, time: number): Generator<LmBatch> {
  const rows: [number, number][] = [];
  for (let s = 0; s + 1 < stream.length; s += time) rows.push([s, Math.min(time, stream.length - 1 - s)]);
  for (let i = 0; i < rows.length; i += batch) {
    const group = rows.slice(i, i + batch);
    const t = Math.max(...group.map(([, n]) => n));
    const inputs = new Int32Array(group.length * t);
    const targets = new Int32Array(group.length * t).fill(-100);
    group.forEach(([s, n], b) => {
      inputs.set(stream.subarray(s, s + n), b * t);
      targets.set(stream.subarray(s + 1, s + n + 1), b * t);
    });
    yield { batch: group.length, time: t, inputs, targets };
  }
}

/** Variable-length sequences padded to one length, with a mask (1 = real) and the lengths. */
export interface PaddedBatch {
  batch: number;
  time: number;
  ids: Int32Array;
  mask: Float32Array;
  lengths: number[];
}

/** Pads sequences to the longest with `padId`, batch-first [B, T]. */
export function padBatch(seqs: readonly (readonly number[])[], padId = 0): PaddedBatch {
  const time = Math.max(1, ...seqs.map((s) => s.length));
  const ids = new Int32Array(seqs.length * time).fill(padId);
  const mask = new Float32Array(seqs.length * time);
  seqs.forEach((s, b) => {
    ids.set(s, b * time);
    mask.fill(1, b * time, b * time + s.length);
  });
  return { batch: seqs.length, time, ids, mask, lengths: seqs.map((s) => s.length) };
}

/**
 * Groups example indices into batches of similar length (bucketing), so little compute goes to
 * padding: shuffle, sort within chunks of 50 batches by length, cut into batches, shuffle the
 * batches. Seeded, so the same rng state gives the same batches.
 */
export function bucketBatches(lengths: readonly number[], batchSize: number, rng: Rng): number[][] {
  const order = Array.from(rng.permutation(lengths.length));
  const chunk = batchSize * 50;
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += chunk) {
    const part = order.slice(i, i + chunk).sort((a, b) => lengths[a] - lengths[b]);
    for (let j = 0; j < part.length; j += batchSize) batches.push(part.slice(j, j + batchSize));
  }
  const shuffled = rng.permutation(batches.length);
  return Array.from(shuffled, (k) => batches[k]);
}

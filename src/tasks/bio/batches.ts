/**
 * Encoded examples and their batches. A classify example is a sequence of letter ids and a class;
 * a tag example is a stretch of a sequence (a crop of at most `window` positions) with one
 * target per position, `IGNORE` where the position is masked or unlabelled.
 */
import type { SequenceBatch } from '../../models/sequence-net.js';
import type { Rng } from '../../tensor/random.js';

/** The target of a position that counts for nothing (PyTorch's ignore_index). */
export const IGNORE = -100;

export interface ClassifyExample {
  ids: Uint8Array;
  label: number;
}

export interface TagExample {
  ids: Uint8Array;
  /** One target per position, IGNORE where not scored. */
  targets: Int32Array;
}

/** The reverse complement of DNA letter ids (`complement[id]` maps each letter to its pair). */
export function reverseComplement(ids: Uint8Array, complement: Uint8Array): Uint8Array {
  const out = new Uint8Array(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = complement[ids[ids.length - 1 - i]];
  return out;
}

/**
 * Sequences padded to the longest with `pad` (an id past the alphabet): ids [B, L] in one flat
 * array, and the real lengths.
 */
export function padSequences(seqs: readonly Uint8Array[], pad: number): SequenceBatch {
  const length = Math.max(1, ...seqs.map((s) => s.length));
  const ids = new Uint8Array(seqs.length * length).fill(pad);
  seqs.forEach((s, b) => ids.set(s, b * length));
  return { ids, batch: seqs.length, length, lengths: seqs.map((s) => Math.max(1, s.length)) };
}

/** Tag targets padded like `padSequences` (IGNORE at padding), flat [B·L]. */
export function padTargets(targets: readonly Int32Array[], length: number): Int32Array {
  const out = new Int32Array(targets.length * length).fill(IGNORE);
  targets.forEach((t, b) => out.set(t, b * length));
  return out;
}

/**
 * Every sequence cut into consecutive crops of at most `window` positions (the last one
 * shorter), so a genome and a short protein both become windows the model trains on.
 */
export function cropExamples(examples: readonly TagExample[], window: number): TagExample[] {
  const out: TagExample[] = [];
  for (const e of examples) {
    for (let start = 0; start < e.ids.length; start += window) {
      const end = Math.min(e.ids.length, start + window);
      out.push({ ids: e.ids.subarray(start, end), targets: e.targets.subarray(start, end) });
    }
  }
  return out;
}

/**
 * Crops grouped into batches of similar length holding at most `tokens` positions (padding
 * included): sorted by length, then cut greedily. Fewer wasted padded positions than random
 * batches, for the same updates.
 */
export function lengthBatches(crops: readonly TagExample[], tokens: number): TagExample[][] {
  const sorted = [...crops].sort((a, b) => a.ids.length - b.ids.length);
  const batches: TagExample[][] = [];
  let current: TagExample[] = [];
  for (const c of sorted) {
    const longest = Math.max(c.ids.length, ...current.map((x) => x.ids.length));
    if (current.length > 0 && longest * (current.length + 1) > tokens) {
      batches.push(current);
      current = [];
    }
    current.push(c);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** `count` examples drawn with replacement, each reverse-complemented with probability ½ when `complement` is given. */
export function drawClassifyBatch(examples: readonly ClassifyExample[], count: number, rng: Rng,
  complement: Uint8Array | null): ClassifyExample[] {
  const out: ClassifyExample[] = [];
  for (let i = 0; i < count; i++) {
    const e = examples[rng.int(examples.length)];
    out.push(complement && rng.uniform() < 0.5 ? { ids: reverseComplement(e.ids, complement), label: e.label } : e);
  }
  return out;
}

/** Sequences in batches of `size` in order (evaluation, prediction). */
export function inOrder<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

import { padBatch } from '../../data/batching.js';
import type { SourceBatch, TargetBatch } from '../../models/seq2seq.js';

/** A tokenized sentence pair. */
export interface Example {
  src: number[];
  tgt: number[];
}

/** A training batch: sources, target prefixes (<bos> first) and the targets to predict (<eos> last, padding ignored). */
export interface PairBatch {
  src: SourceBatch;
  tgtIn: TargetBatch;
  /** [B·T] next-token targets, IGNORE at padding. */
  tgtOut: Int32Array;
  targetTokens: number;
}

export const IGNORE = -100;

/** Sources as a padded batch (an empty source reads as one <pad>: its encoder still runs). */
export function sourceBatch(sources: readonly (readonly number[])[], pad: number): SourceBatch {
  const { ids, batch, time, lengths } = padBatch(sources, pad);
  return { ids, batch, time, lengths: lengths.map((n) => Math.max(1, n)) };
}

export function pairBatch(examples: readonly Example[], special: { pad: number; bos: number; eos: number }): PairBatch {
  const src = sourceBatch(examples.map((e) => e.src), special.pad);
  const tin = padBatch(examples.map((e) => [special.bos, ...e.tgt]), special.pad);
  const tout = padBatch(examples.map((e) => [...e.tgt, special.eos]), IGNORE);
  return {
    src, tgtIn: { ids: tin.ids, batch: tin.batch, time: tin.time, lengths: tin.lengths }, tgtOut: tout.ids,
    targetTokens: examples.reduce((s, e) => s + e.tgt.length + 1, 0),
  };
}

/**
 * Groups examples into batches of about `tokens` target tokens each, by length (sorted by
 * target then source length, so a batch holds sentences of similar length and little padding).
 * The order of batches is fixed; the trainer draws them at random.
 */
export function tokenBuckets(examples: readonly Example[], tokens: number): Example[][] {
  const order = [...examples.keys()].sort((a, b) => examples[a].tgt.length - examples[b].tgt.length || examples[a].src.length - examples[b].src.length || a - b);
  const out: Example[][] = [];
  let current: Example[] = [];
  let longest = 0;
  for (const i of order) {
    const e = examples[i];
    const len = Math.max(e.tgt.length + 1, e.src.length);
    if (current.length > 0 && Math.max(longest, len) * (current.length + 1) > tokens) {
      out.push(current);
      current = [];
      longest = 0;
    }
    current.push(e);
    longest = Math.max(longest, len);
  }
  if (current.length > 0) out.push(current);
  return out;
}

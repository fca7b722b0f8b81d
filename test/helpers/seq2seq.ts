/**
 * What the Seq2Seq family tests share: padded batches, the three-sentence batch they decode,
 * a logits comparison, and the string-reversal task of their "it learns" tests.
 */
import { padBatch } from '../../src/data/batching.js';
import type { Seq2Seq, SourceBatch, TargetBatch } from '../../src/models/seq2seq.js';
import { crossEntropy } from '../../src/nn/functional.js';
import { backward, noGrad, type Rng, type Tensor } from '../../src/tensor/index.js';
import type { Optimizer } from '../../src/train/optim.js';

export const PAD = 1;
export const BOS = 2;
export const EOS = 3;

/** Rows of ids padded with PAD to one length: a batch as the Seq2Seq interface takes it. */
export function batchOf(rows: readonly (readonly number[])[]): SourceBatch & TargetBatch {
  const { ids, batch, time, lengths } = padBatch(rows, PAD);
  return { ids, batch, time, lengths };
}

/** Largest |a − b| between logits rows a [V] and row (b, t) of full [B, T, V]. */
export function rowDiff(a: Tensor, row: number, full: Tensor, b: number, t: number): number {
  const [, T, V] = full.shape;
  let worst = 0;
  for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(a.data[row * V + v] - full.data[(b * T + t) * V + v]));
  return worst;
}

// Three sources of lengths 5, 2, 4 (padded to 5) and targets of lengths 4, 3, 2 (padded to 4).
export const SRC = batchOf([[4, 5, 6, 7, 8], [9, 10], [5, 5, 6, 4]]);
export const TGT = batchOf([[BOS, 4, 7, 12], [BOS, 11, 6], [BOS, 9]]);
export const rowOf = (x: SourceBatch, b: number): number[] => Array.from(x.ids.subarray(b * x.time, b * x.time + x.lengths[b]));

function argmax(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

/**
 * "It learns": reverse a string. Symbols 4..9 (six), lengths 3..7; the source is the string,
 * the target <bos> + reversed, the expected output reversed + <eos>.
 */
export const REVERSAL_SYMBOLS = 6;
export const REVERSAL_VOCAB = 4 + REVERSAL_SYMBOLS;

export function reversalStrings(rng: Rng, n: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: 3 + rng.int(5) }, () => 4 + rng.int(REVERSAL_SYMBOLS)));
}

/** Greedy decoding of every source at once, at most 10 tokens, each output cut at its <eos>. */
function greedy(model: Seq2Seq, sources: number[][]): number[][] {
  return noGrad(() => {
    const enc = model.encode(batchOf(sources));
    let state = model.start(enc);
    let tokens = sources.map(() => BOS);
    const outputs: number[][] = sources.map(() => []);
    const done = sources.map(() => false);
    for (let t = 0; t < 10 && done.includes(false); t++) {
      const out = model.step(enc, state, tokens);
      state = out.state;
      const V = model.targetVocab;
      tokens = tokens.map((_, b) => argmax(out.logits.data.subarray(b * V, (b + 1) * V)));
      tokens.forEach((y, b) => {
        if (done[b]) return;
        if (y === EOS) done[b] = true;
        else outputs[b].push(y);
      });
    }
    return outputs;
  });
}

/** The share of `sources` that greedy decoding reverses exactly. */
export function reversalExactMatch(model: Seq2Seq, sources: number[][]): number {
  const outputs = greedy(model, sources);
  return sources.filter((s, b) => outputs[b].join() === [...s].reverse().join()).length / sources.length;
}

/**
 * Trains `model` on fresh batches of 32 reversals (data from Rng `data`) for at most
 * `maxUpdates`, stopping early once 100 validation strings reach 0.98 exact match (checked every
 * 50 updates). `beforeStep` runs before each optimizer step (a schedule). Returns the updates made.
 */
export function trainReversal(model: Seq2Seq, optim: Optimizer, data: Rng, valid: number[][], maxUpdates: number,
  beforeStep: () => void = () => undefined): number {
  let updates = 0;
  while (updates < maxUpdates) {
    const batch = reversalStrings(data, 32);
    const src = batchOf(batch);
    const tgt = batchOf(batch.map((s) => [BOS, ...[...s].reverse()]));
    const gold = batchOf(batch.map((s) => [...[...s].reverse(), EOS])); // PAD where tgt pads
    optim.zeroGrad();
    backward(crossEntropy(model.forward(src, tgt), gold.ids, PAD));
    beforeStep();
    optim.step();
    updates++;
    if (updates % 50 === 0 && reversalExactMatch(model.eval(), valid) >= 0.98) break;
    model.train();
  }
  model.eval();
  return updates;
}

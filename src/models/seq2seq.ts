/**
 * Encoder-decoder models (translation): source ids [B, S] → target scores [B, T, V], one class
 * per family behind this interface:
 *   RnnSeq2Seq          a bidirectional GRU/LSTM encoder and a recurrent decoder, with Bahdanau
 *                       (additive) or Luong (dot, general) attention and input feeding, or none
 *   TransformerSeq2Seq  PyTorch's nn.Transformer between token embeddings and an output layer
 *
 * Decoding (src/decode) runs the encoder once per sentence, then one target token per step for
 * every hypothesis; beams reuse the encoding by selecting its rows (`selectRows`).
 */
import { SeqlabError } from '../errors.js';
import type { Module } from '../nn/module.js';
import { type Tensor, tensor } from '../tensor/tensor.js';

/** A batch of source sentences: ids [B, S] row-major, padded with `pad`, and each real length. */
export interface SourceBatch {
  ids: Int32Array;
  batch: number;
  time: number;
  lengths: readonly number[];
}

/** A batch of target prefixes for teacher forcing: ids [B, T] (starting with <bos>), and lengths. */
export interface TargetBatch {
  ids: Int32Array;
  batch: number;
  time: number;
  lengths: readonly number[];
}

/**
 * A family's model. E is its encoding of a batch (memory and masks), D its decoder state.
 * `forward` (training) runs the whole target prefix with teacher forcing; `start` and `step`
 * decode one token per sequence with the same numbers.
 */
export interface Seq2Seq<E = unknown, D = unknown> extends Module {
  /** Source and target vocabulary sizes. */
  readonly sourceVocab: number;
  readonly targetVocab: number;
  /** Teacher forcing: logits [B, T, V] for every target position. */
  forward(src: SourceBatch, tgt: TargetBatch): Tensor;
  /** The encoder's pass over a batch of sources. */
  encode(src: SourceBatch): E;
  /** The decoder's state before the first target token, for each encoded sentence. */
  start(encoding: E): D;
  /**
   * One target token per row: tokens [n] → logits [n, V] and the next state. Row i of the
   * state belongs to row i of `encoding` (after `selectRows`).
   */
  step(encoding: E, state: D, tokens: readonly number[]): { logits: Tensor; state: D };
  /** The encoding and decoder state restricted to `rows` (repeats allowed): beams reuse one encoding. */
  selectRows(encoding: E, rows: readonly number[]): E;
  selectState(state: D, rows: readonly number[]): D;
  /** Attention weights over the source of the last `step` [n, S] (averaged over heads), for alignments. */
  lastAttention(state: D): Tensor | null;
  /** Most source positions, and target positions, the model has (a Transformer's position table); absent: no limit. */
  readonly maxPositions?: number;
}

/** The padding mask [B, T] of a batch: 1 at positions ≥ lengths[b]. */
export function paddingMask(x: SourceBatch | TargetBatch): Tensor {
  const mask = new Float32Array(x.batch * x.time);
  x.lengths.forEach((n, b) => mask.fill(1, b * x.time + n, (b + 1) * x.time));
  return tensor(mask, [x.batch, x.time]);
}

/**
 * Throws a SeqlabError naming `model` and the batch unless its ids fill [batch, time], it has one
 * length (1..time) per row, and (where the model has positions) time ≤ maxLength.
 */
export function checkBatch(model: string, what: string, x: SourceBatch | TargetBatch, maxLength = Infinity): void {
  if (x.ids.length !== x.batch * x.time) {
    throw new SeqlabError(`${model}: ${x.ids.length} ${what} ids do not fill [${x.batch}, ${x.time}]`);
  }
  if (x.lengths.length !== x.batch) throw new SeqlabError(`${model}: ${x.lengths.length} ${what} lengths for a batch of ${x.batch}`);
  x.lengths.forEach((n, b) => {
    if (!Number.isInteger(n) || n < 1 || n > x.time) {
      throw new SeqlabError(`${model}: ${what} length ${n} of sentence ${b} is not in 1..${x.time}`);
    }
  });
  if (x.time > maxLength) throw new SeqlabError(`${model}: ${x.time} ${what} positions exceed maxLength ${maxLength}`);
}

/**
 * Networks over biological sequences (DNA, protein) that classify a whole sequence or tag every
 * position. Four families share one input and one output stage:
 *
 *   cnn         DeepBind/Basset: conv → ReLU (→ max-pool) stacked, then pooling over positions
 *   bilstm      a bidirectional LSTM over the letters
 *   cnn-bilstm  DanQ: conv → ReLU → max-pool, then a bidirectional LSTM over the pooled features
 *   transformer a convolutional stem, sinusoidal positions and pre-norm encoder layers
 *
 * Input: letter ids [B, L] (the alphabet's indices, `pad` past each sequence's length) → one-hot
 * [B, L, A] over the known letters, with the unknown letter (N, X) spread evenly as 1/A and
 * padding all zero; or an embedding (`input: 'embed'`).
 * Output: `sequence` → logits [B, C] from the features pooled over real positions
 * (max ‖ mean); `position` → logits [B, L, C] (taggers never pool along the sequence, so the
 * length is kept and the convolutions are dilated instead, to widen what each position sees).
 */
import { SeqlabError } from '../errors.js';
import { Conv1d, Dropout, Embedding, LayerNorm, Linear } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import { sinusoidalTable } from '../nn/positional.js';
import { Lstm } from '../nn/recurrent.js';
import { TransformerEncoderLayer } from '../nn/transformer.js';
import { add, mul } from '../ops/elementwise.js';
import { maxPool1d } from '../ops/max-pool1d.js';
import { max, sum } from '../ops/reduce.js';
import { concat, permute, reshape, slice } from '../ops/shape-ops.js';
import { relu } from '../ops/unary.js';
import type { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

export const BIO_ARCHS = ['cnn', 'bilstm', 'cnn-bilstm', 'transformer'] as const;
export type BioArch = (typeof BIO_ARCHS)[number];

export interface SequenceNetConfig {
  arch: BioArch;
  /** `sequence`: one label per sequence; `position`: one per position. */
  output: 'sequence' | 'position';
  /** Letters of the alphabet, the unknown one included (DNA 5, protein 21). */
  letters: number;
  /** Index of the unknown letter (N, X). */
  unknown: number;
  classes: number;
  input: 'onehot' | 'embed';
  /** Embedding width when `input` is 'embed'. */
  embedDim: number;
  /** Convolution: filters per layer, kernel width of the first layer and of the rest, layers. */
  channels: number;
  kernel: number;
  kernel2: number;
  convLayers: number;
  /** Max-pool width (= stride) after each but the last conv layer of a classifier (1: none). */
  pool: number;
  /** LSTM units per direction, and layers. */
  hiddenSize: number;
  lstmLayers: number;
  /** Transformer width, heads, layers and feed-forward width. */
  dModel: number;
  nhead: number;
  numLayers: number;
  dimFeedforward: number;
  /**
   * How a classifier turns positions into one vector: 'pool' (max ‖ mean over real positions,
   * any length) or 'flatten' (every position's features in order, for inputs of one fixed
   * `length`: where a signal sits matters, as at a splice junction), or 'both', side by side.
   */
  head: 'pool' | 'flatten' | 'both';
  /** The input length a 'flatten' head reads (longer inputs are cropped around their centre, shorter ones padded at both ends). */
  length: number;
  /** Units of the hidden layer before a classifier's output (0: none). */
  fc: number;
  dropout: number;
}

export const defaultSequenceNetConfig: Readonly<Omit<SequenceNetConfig, 'arch' | 'output' | 'letters' | 'unknown' | 'classes'>> = Object.freeze({
  input: 'onehot', embedDim: 16, head: 'pool', length: 0, channels: 128, kernel: 9, kernel2: 5, convLayers: 3, pool: 2,
  hiddenSize: 64, lstmLayers: 1, dModel: 64, nhead: 4, numLayers: 2, dimFeedforward: 128, fc: 64, dropout: 0.1,
});

/** A batch of letter ids [B, L] in one flat array, with each sequence's real length. */
export interface SequenceBatch {
  ids: Uint8Array;
  batch: number;
  length: number;
  lengths: readonly number[];
}

export class SequenceNet extends Module {
  embed: Embedding | null = null;
  convs: Conv1d[] = [];
  lstm: Lstm | null = null;
  stem: Conv1d | null = null;
  layers: TransformerEncoderLayer[] = [];
  norm: LayerNorm | null = null;
  fc: Linear | null = null;
  head: Linear;
  drop: Dropout;

  constructor(readonly config: SequenceNetConfig, rng: Rng) {
    super();
    const c = config;
    if (!(c.classes >= 2)) throw new SeqlabError(`model: a ${c.output === 'sequence' ? 'classifier' : 'tagger'} needs at least 2 classes, got ${c.classes}`);
    let width = c.input === 'embed' ? c.embedDim : c.letters - 1;
    if (c.input === 'embed') this.embed = new Embedding(c.letters + 1, c.embedDim, rng, c.letters);
    if (c.arch === 'cnn' || c.arch === 'cnn-bilstm') {
      const layers = c.arch === 'cnn' ? c.convLayers : 1;
      for (let l = 0; l < layers; l++) {
        const k = l === 0 ? c.kernel : c.kernel2;
        this.convs.push(new Conv1d(width, c.channels, k, rng, 'same', this.dilation(l)));
        width = c.channels;
      }
    }
    if (c.arch === 'bilstm' || c.arch === 'cnn-bilstm') {
      this.lstm = new Lstm({ inputSize: width, hiddenSize: c.hiddenSize, numLayers: c.lstmLayers, bidirectional: true,
        dropout: c.lstmLayers > 1 ? c.dropout : 0 }, rng);
      width = 2 * c.hiddenSize;
    }
    if (c.arch === 'transformer') {
      if (c.dModel % c.nhead !== 0) throw new SeqlabError(`model: dModel ${c.dModel} is not divisible by nhead ${c.nhead}`);
      this.stem = new Conv1d(width, c.dModel, c.kernel, rng, 'same');
      for (let l = 0; l < c.numLayers; l++) {
        this.layers.push(new TransformerEncoderLayer({ dModel: c.dModel, nhead: c.nhead, dimFeedforward: c.dimFeedforward,
          dropout: c.dropout, activation: 'gelu', normFirst: true }, rng));
      }
      this.norm = new LayerNorm(c.dModel);
      width = c.dModel;
    }
    if (c.output === 'sequence') {
      if (c.head !== 'pool' && !(Number.isInteger(c.length) && c.length > 0)) throw new SeqlabError(`model: a ${c.head} head needs the input length, got ${c.length}`);
      width *= (c.head === 'pool' ? 0 : this.positionsAfterConvs(c.length)) + (c.head === 'flatten' ? 0 : 2); // every position and/or max ‖ mean
      if (c.fc > 0) {
        this.fc = new Linear(width, c.fc, rng);
        width = c.fc;
      }
    }
    this.head = new Linear(width, c.classes, rng);
    this.drop = new Dropout(c.dropout, rng);
  }

  /** Dilation of conv layer l: 1 for classifiers (they pool instead); 1, 2, 4, ... for taggers. */
  private dilation(l: number): number {
    return this.config.output === 'position' ? 2 ** l : 1;
  }

  /** Pool width after conv layer l (classifiers only, never after the last layer of a cnn). */
  private poolAfter(l: number): number {
    const c = this.config;
    if (c.output === 'position' || c.pool <= 1) return 1;
    return c.arch === 'cnn-bilstm' || l < this.convs.length - 1 ? c.pool : 1;
  }

  /** Positions left after the conv stack's pooling, from `length` input positions. */
  positionsAfterConvs(length: number): number {
    let n = length;
    this.convs.forEach((_, l) => {
      const p = this.poolAfter(l);
      if (p > 1 && n >= p) n = Math.floor(n / p);
    });
    return n;
  }

  /** How many positions one side of a position's prediction can depend on (the window margin), or Infinity. */
  receptiveHalfWidth(): number {
    const c = this.config;
    if (c.arch === 'bilstm' || c.arch === 'cnn-bilstm' || c.arch === 'transformer') return Infinity;
    return this.convs.reduce((r, conv, l) => r + ((conv.kernelSize - 1) / 2) * this.dilation(l), 0);
  }

  /** Letter ids → input features [B, L, F] (one-hot or embedded; zero at padding). */
  inputFeatures(b: SequenceBatch): Tensor {
    const c = this.config;
    if (this.embed) return this.embed.forward(Int32Array.from(b.ids), [b.batch, b.length]);
    const a = c.letters - 1;
    const x = new Float32Array(b.batch * b.length * a);
    for (let i = 0; i < b.ids.length; i++) {
      const id = b.ids[i];
      if (id >= c.letters) continue; // padding
      if (id === c.unknown) x.fill(1 / a, i * a, (i + 1) * a);
      else x[i * a + (id < c.unknown ? id : id - 1)] = 1;
    }
    return new Tensor(x, [b.batch, b.length, a]);
  }

  /** ids → logits: [B, C] for classifiers, [B, L, C] for taggers. */
  forward(batch: SequenceBatch): Tensor {
    if (batch.ids.length !== batch.batch * batch.length) throw new SeqlabError(`model: ${batch.ids.length} ids for a batch of ${batch.batch} × ${batch.length}`);
    const head = this.config.output === 'sequence' ? this.config.head : 'pool';
    const flatten = head !== 'pool';
    const b = flatten ? fitLength(batch, this.config.length, this.config.letters) : batch;
    let h = this.inputFeatures(b); // [B, L, F]
    let lengths = b.lengths;
    if (this.convs.length > 0) ({ h, lengths } = this.convolve(h, lengths));
    if (this.lstm) h = this.drop.forward(this.lstm.forward(h, { lengths }).output); // [B, L', 2H]
    if (this.stem) h = this.encode(h, lengths);
    if (this.config.output === 'position') return this.head.forward(h);
    const parts = [...(flatten ? [reshape(h, [b.batch, -1])] : []), ...(head !== 'flatten' ? [maskedMaxMean(h, lengths)] : [])];
    let pooled = this.drop.forward(parts.length === 1 ? parts[0] : concat(parts, 1)); // [B, L'·W] ‖ [B, 2W]
    if (this.fc) pooled = this.drop.forward(relu(this.fc.forward(pooled)));
    return this.head.forward(pooled);
  }

  /** The conv stack over [B, L, F] → [B, L', K] with the lengths after pooling. */
  private convolve(x: Tensor, lengths: readonly number[]): { h: Tensor; lengths: readonly number[] } {
    let h = permute(x, [0, 2, 1]); // [B, F, L]
    let lens = lengths;
    this.convs.forEach((conv, l) => {
      h = relu(conv.forward(h));
      const p = this.poolAfter(l);
      if (p > 1 && h.shape[2] >= p) {
        h = maxPool1d(h, p, p);
        lens = lens.map((n) => Math.max(1, Math.floor(n / p)));
      }
      h = this.drop.forward(h);
    });
    return { h: permute(h, [0, 2, 1]), lengths: lens };
  }

  /** The Transformer encoder over [B, L, F] → [B, L, dModel], padding masked out of attention. */
  private encode(x: Tensor, lengths: readonly number[]): Tensor {
    const [batch, len] = x.shape;
    let h = permute(this.stem!.forward(permute(x, [0, 2, 1])), [0, 2, 1]); // [B, L, D]
    h = this.drop.forward(add(h, slice(sinusoidalTable(len, this.config.dModel), 0, 0, len)));
    const padded = lengths.some((n) => n < len);
    const keyPaddingMask = padded ? new Tensor(Float32Array.from({ length: batch * len }, (_, i) => (i % len >= lengths[Math.floor(i / len)] ? 1 : 0)), [batch, len]) : undefined;
    for (const layer of this.layers) h = layer.forward(h, { keyPaddingMask });
    return this.norm!.forward(h);
  }
}

/**
 * A batch brought to exactly `length` positions: each sequence cropped around its centre or
 * padded at both ends (with `pad`, which reads as all zeros), all then counted as full length.
 */
export function fitLength(b: SequenceBatch, length: number, pad: number): SequenceBatch {
  if (b.length === length && b.lengths.every((n) => n === length)) return b;
  const ids = new Uint8Array(b.batch * length).fill(pad);
  for (let i = 0; i < b.batch; i++) {
    const n = b.lengths[i];
    const row = b.ids.subarray(i * b.length, i * b.length + n);
    if (n >= length) ids.set(row.subarray((n - length) >> 1, ((n - length) >> 1) + length), i * length);
    else ids.set(row, i * length + ((length - n) >> 1));
  }
  return { ids, batch: b.batch, length, lengths: new Array<number>(b.batch).fill(length) };
}

/**
 * Features [B, T, W] pooled over each sequence's first `lengths[b]` positions:
 * max_t h ‖ (1/n) Σ_t h → [B, 2W]. Padding is pushed to −1e9 for the max and weighted 0 in the mean.
 */
export function maskedMaxMean(h: Tensor, lengths: readonly number[]): Tensor {
  const [batch, time] = h.shape;
  if (lengths.every((n) => n >= time)) {
    return concat([max(h, 1), mul(sum(h, 1), 1 / time)], 1);
  }
  const neg = new Float32Array(batch * time);
  const weight = new Float32Array(batch * time);
  for (let b = 0; b < batch; b++) {
    const n = Math.min(time, lengths[b]);
    for (let t = 0; t < time; t++) {
      if (t < n) weight[b * time + t] = 1 / n;
      else neg[b * time + t] = -1e9;
    }
  }
  const top = max(add(h, new Tensor(neg, [batch, time, 1])), 1);
  const avg = sum(mul(h, new Tensor(weight, [batch, time, 1])), 1);
  return concat([top, avg], 1);
}

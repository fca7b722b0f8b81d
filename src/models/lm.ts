import { SeqlabError } from '../errors.js';
import { add } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { concat, slice } from '../ops/shape-ops.js';
import { gelu, relu } from '../ops/unary.js';
import { Dropout, Embedding, LayerNorm, Linear } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import { causalMask, type ProjectedKeyValue } from '../nn/multihead.js';
import { LearnedPositionalEncoding } from '../nn/positional.js';
import { Gru, Lstm, Rnn } from '../nn/recurrent.js';
import { TransformerEncoderLayer } from '../nn/transformer.js';
import { FfnWindow } from '../nn/window.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

export type LmArch = 'ffn' | 'rnn' | 'gru' | 'lstm' | 'transformer';
export const LM_ARCHS: readonly LmArch[] = ['ffn', 'rnn', 'gru', 'lstm', 'transformer'];

/** Every language model's shape; each architecture reads the keys it needs. */
export interface LmConfig {
  arch: LmArch;
  vocabSize: number;
  /** Width of the token embedding (and of the transformer's residual stream). */
  embedDim: number;
  /** Recurrent units, the window model's hidden layer, or the transformer's feed-forward width. */
  hiddenSize: number;
  numLayers: number;
  /** Attention heads (transformer). */
  nhead: number;
  /** Longest context: positions of the transformer, tokens per training window. */
  context: number;
  /** Tokens the feed-forward window model sees. */
  window: number;
  dropout: number;
  /** Share the embedding matrix with the output layer (Press & Wolf 2017). */
  tieWeights: boolean;
}

export const defaultLmConfig: Readonly<LmConfig> = Object.freeze({
  arch: 'lstm', vocabSize: 0, embedDim: 64, hiddenSize: 256, numLayers: 1, nhead: 4, context: 64, window: 4,
  dropout: 0, tieWeights: false,
});

/** What a model carries from one call to the next while generating. */
export interface LmState {
  /** Recurrent: hN (and cN) [L, B, H]. */
  h?: Tensor;
  c?: Tensor;
  /** Transformer: each layer's keys and values so far, [B, H, S, Dh]. */
  kv?: ProjectedKeyValue[];
  /** Tokens seen so far (the window model and the transformer's positions). */
  history?: number[][];
}

/**
 * A next-token language model: embedding → body → output layer over the vocabulary.
 *   ffn:         a window of the last k embeddings through a tanh layer (no memory beyond k)
 *   rnn|gru|lstm: a recurrent stack carrying its state
 *   transformer: a GPT-style causal decoder (pre-norm layers, learned positions, final norm)
 * ids [B, T] → logits [B, T, V]. With `tieWeights` the output layer reuses the embedding.
 */
export class LanguageModel extends Module {
  embedding: Embedding;
  drop: Dropout;
  rnn: Rnn | Gru | Lstm | null = null;
  ffn: FfnWindow | null = null;
  pos: LearnedPositionalEncoding | null = null;
  layers: TransformerEncoderLayer[] = [];
  norm: LayerNorm | null = null;
  /** Maps the body's width to the embedding width when tied and they differ. */
  proj: Linear | null = null;
  head: Linear | null = null;

  constructor(readonly config: LmConfig, rng: Rng) {
    super();
    const c = config;
    if (!(c.vocabSize > 1)) throw new SeqlabError(`lm: vocabulary of ${c.vocabSize} tokens is too small`);
    this.embedding = new Embedding(c.vocabSize, c.embedDim, rng);
    this.drop = new Dropout(c.dropout, rng);
    let width = c.hiddenSize;
    if (c.arch === 'ffn') {
      this.ffn = new FfnWindow({ inputSize: c.embedDim, outputSize: c.hiddenSize, window: c.window, hiddenSize: c.hiddenSize }, rng);
    } else if (c.arch === 'transformer') {
      if (c.embedDim % c.nhead !== 0) throw new SeqlabError(`lm: embedDim ${c.embedDim} is not divisible by nhead ${c.nhead}`);
      this.pos = new LearnedPositionalEncoding(c.embedDim, c.context, rng);
      for (let l = 0; l < c.numLayers; l++) {
        this.layers.push(new TransformerEncoderLayer({ dModel: c.embedDim, nhead: c.nhead, dimFeedforward: c.hiddenSize,
          dropout: c.dropout, activation: 'gelu', normFirst: true }, rng));
      }
      this.norm = new LayerNorm(c.embedDim);
      width = c.embedDim;
    } else {
      const rc = { inputSize: c.embedDim, hiddenSize: c.hiddenSize, numLayers: c.numLayers, dropout: c.dropout };
      this.rnn = c.arch === 'rnn' ? new Rnn(rc, rng) : c.arch === 'gru' ? new Gru(rc, rng) : new Lstm(rc, rng);
    }
    if (c.tieWeights && width !== c.embedDim) this.proj = new Linear(width, c.embedDim, rng);
    if (!c.tieWeights) this.head = new Linear(width, c.vocabSize, rng);
  }

  /**
   * ids [B, T] (flat) → logits [B, T, V], continuing from `state` (none: a fresh start).
   * Returns the state after the last step, for generation.
   */
  forward(ids: ArrayLike<number>, batch: number, time: number, state: LmState = {}): { logits: Tensor; state: LmState } {
    if (ids.length !== batch * time) throw new SeqlabError(`lm: ${ids.length} ids do not fill [${batch}, ${time}]`);
    const x = this.drop.forward(this.embedding.forward(Array.from(ids), [batch, time])); // [B, T, E]
    let h: Tensor;
    const next: LmState = {};
    if (this.rnn) {
      const out = this.rnn instanceof Lstm ? this.rnn.forward(x, { h0: state.h, c0: state.c }) : this.rnn.forward(x, { h0: state.h });
      h = out.output; // [B, T, H]
      next.h = out.hN;
      if ('cN' in out) next.c = out.cN as Tensor;
    } else if (this.ffn) {
      h = this.ffnForward(x, ids, batch, time, state, next);
    } else {
      h = this.transformerForward(x, ids, batch, time, state, next);
    }
    h = this.drop.forward(h);
    if (this.proj) h = this.proj.forward(h);
    const logits = this.head ? this.head.forward(h) : matmul(h, this.embedding.weight, true); // [B, T, V]
    return { logits, state: next };
  }

  /** The window model sees the last k embeddings; while generating, it keeps the token history. */
  private ffnForward(x: Tensor, ids: ArrayLike<number>, batch: number, time: number, state: LmState, next: LmState): Tensor {
    const k = this.config.window;
    const past = state.history ?? [];
    const keepLast = (a: number[]): number[] => (k > 1 ? a.slice(-(k - 1)) : []);
    next.history = Array.from({ length: batch }, (_, b) =>
      keepLast([...(past[b] ?? []), ...Array.from(ids).slice(b * time, (b + 1) * time)]));
    if (past.length === 0 || past[0].length === 0) return this.ffn!.forward(x);
    const keep = Math.min(past[0].length, k - 1);
    const prev = this.embedding.forward(past.flatMap((p) => p.slice(-keep)), [batch, keep]); // [B, keep, E]
    const all = this.ffn!.forward(concat([prev, x], 1)); // [B, keep + T, H]
    return slice(all, 1, keep, keep + time);
  }

  /** GPT body; with a cache from `state` only the new positions are computed. */
  private transformerForward(x: Tensor, ids: ArrayLike<number>, batch: number, time: number, state: LmState,
    next: LmState): Tensor {
    const offset = state.kv ? state.kv[0].k.shape[2] : 0;
    if (offset + time > this.config.context) {
      throw new SeqlabError(`lm: ${offset + time} positions exceed the context of ${this.config.context}`);
    }
    let h = this.pos!.forward(x, offset); // [B, T, E]
    const mask = causalMask(time, offset + time);
    next.kv = [];
    this.layers.forEach((layer, l) => {
      const y = layer.norm1.forward(h);
      const cached = state.kv?.[l];
      let a: Tensor;
      if (cached) {
        const fresh = layer.self_attn.projectKeyValue(y, y); // [B, H, T, Dh]
        const kv = { k: concat([cached.k, fresh.k], 2), v: concat([cached.v, fresh.v], 2) };
        next.kv!.push(kv);
        a = layer.self_attn.attendProjected(y, kv, { attnMask: mask }).output;
      } else { // a fresh start (training, a prompt): one packed projection, keys and values for the cache on demand
        const sa = layer.self_attn.selfAttention(y, { attnMask: mask });
        next.kv!.push(sa.kv);
        a = sa.output;
      }
      h = add(h, layer.dropout1.forward(a));
      const f = layer.linear1.forward(layer.norm2.forward(h));
      const act = layer.config.activation === 'gelu' ? gelu(f) : relu(f);
      h = add(h, layer.dropout2.forward(layer.linear2.forward(layer.dropout.forward(act))));
    });
    next.history = state.history; // positions come from the cache length
    return this.norm!.forward(h);
  }
}

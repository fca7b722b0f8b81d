/**
 * The decoder of `RnnSeq2Seq` (rnn-seq2seq.ts): one target token per step, a stack of recurrent
 * cells, attention over the encoder's memory and Luong's attentional vector with input feeding
 * (Luong et al. 2015; OpenNMT's InputFeedRNNDecoder). Training (`RnnSeq2Seq.forward`) and
 * decoding run this same `step`, so teacher forcing and step-by-step decoding give the same
 * numbers.
 *
 * Sizes: n rows (sentences, or hypotheses of a beam), S source positions, E embedding width, H
 * hidden units, V target vocabulary, K the context width (2H, the bidirectional memory's; H for dot attention,
 * which attends over the memory projected to H).
 */
import { SeqlabError } from '../errors.js';
import { AdditiveAttention, DotAttention, GeneralAttention } from '../nn/attention.js';
import { type CellState, GruCell, LstmCell, type RecurrentCell } from '../nn/cells.js';
import { Dropout, Embedding, Linear } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import { indexSelect } from '../ops/index-ops.js';
import { matmul } from '../ops/matmul.js';
import { concat } from '../ops/shape-ops.js';
import { tanh } from '../ops/unary.js';
import type { Rng } from '../tensor/random.js';
import { type Tensor, zeros } from '../tensor/tensor.js';
import type { RnnSeq2SeqConfig } from './rnn-seq2seq.js';

/**
 * One encoded batch, as the decoder reads it. Every tensor has the n rows first, so
 * `selectRows` gathers them all along axis 0.
 */
export interface RnnEncoding {
  /** The bidirectional encoder's last layer at every source position [n, S, 2H]; zero at padding. */
  memory: Tensor;
  /** What attention scores and averages: the memory, or W_m·memory [n, S, H] for dot attention. */
  keys: Tensor;
  /** Additive attention's W_k·keys + b_k [n, S, H], computed once per sentence; else null. */
  projectedKeys: Tensor | null;
  /** 1 at source padding, 0 at real tokens [n, S]. */
  mask: Tensor;
  /** The bridged initial state of each decoder layer: [h] (GRU) or [h, c] (LSTM), each [n, H]. */
  initial: CellState[];
}

/** The decoder's state between steps. */
export interface RnnDecoderState {
  /** Each layer's cell state after the last step: [h] or [h, c], each [n, H]. */
  layers: CellState[];
  /** h̃ of the last step [n, H], fed back with the next token (zeros before the first); null without input feeding. */
  feed: Tensor | null;
  /** Attention weights of the last step [n, S]; null before the first step or without attention. */
  attention: Tensor | null;
  /** Target steps taken so far: the time index recorded in an active trace. */
  t: number;
}

/** One of the three scorings of src/nn/attention.ts. */
export type SourceAttention = AdditiveAttention | DotAttention | GeneralAttention;

/**
 * Target embedding → dropout, then per step t (OpenNMT's input-feeding decoder):
 *   x_t  = [emb(y_t); h̃_{t−1}]                      [n, E + H]   (h̃_0 = 0; x_t = emb(y_t) without feeding)
 *   h_t  = cells(x_t, state_{t−1})                  [n, H]       (numLayers deep, dropout between layers)
 *   c_t, a_t = attention(h_t, keys, mask)           [n, K], [n, S]
 *   h̃_t = tanh(W_c [c_t; h_t])                      [n, H]       (h̃_t = h_t with attention 'none')
 *   logits = W_o dropout(h̃_t) + b_o                  [n, V]       (W_o = the embedding when tied)
 * The fed-back h̃_t is the dropped-out one, as OpenNMT feeds it. Parameters (PyTorch-style
 * names below `decoder.`): `embedding.weight` [V, E], `cells.<l>.weight_ih` ..., `memory_proj.weight`
 * [H, 2H] (dot only), `attn.*`, `linear_out.weight` [H, K + H], `out.weight` [V, H] and `out.bias`.
 *
 * Traces: each cell records `h` (and `c`, gates) per target step under `decoder.cells.<l>`; the
 * attention records `attn` [n, S] once per target step under `decoder.attn`.
 */
export class RnnDecoder extends Module {
  embedding: Embedding;
  cells: RecurrentCell[];
  memory_proj: Linear | null;
  attn: SourceAttention | null;
  linear_out: Linear | null;
  out: Linear | null;
  drop: Dropout;

  constructor(readonly config: RnnSeq2SeqConfig, rng: Rng) {
    super();
    const { targetVocab: V, embedDim: E, hiddenSize: H, numLayers, attention } = config;
    const feeding = this.feeding;
    this.embedding = new Embedding(V, E, rng, config.padId);
    this.cells = Array.from({ length: numLayers }, (_, l) => {
      const inputSize = l > 0 ? H : feeding ? E + H : E;
      return config.cell === 'lstm' ? new LstmCell(inputSize, H, rng) : new GruCell(inputSize, H, rng);
    });
    this.memory_proj = attention === 'dot' ? new Linear(2 * H, H, rng, false) : null;
    this.attn = attention === 'additive' ? new AdditiveAttention(H, 2 * H, H, rng)
      : attention === 'general' ? new GeneralAttention(H, 2 * H, rng)
        : attention === 'dot' ? new DotAttention(H) : null;
    const contextSize = attention === 'dot' ? H : 2 * H;
    this.linear_out = attention === 'none' ? null : new Linear(contextSize + H, H, rng, false);
    this.out = config.tieDecoderEmbeddings ? null : new Linear(H, V, rng);
    this.drop = new Dropout(config.dropout, rng);
  }

  /** Whether h̃ is fed back: input feeding is on and there is attention to feed. */
  get feeding(): boolean {
    return this.config.inputFeeding && this.config.attention !== 'none';
  }

  /** memory [n, S, 2H] → the keys attention reads, and additive attention's projection of them. */
  prepare(memory: Tensor): { keys: Tensor; projectedKeys: Tensor | null } {
    const keys = this.memory_proj ? this.memory_proj.forward(memory) : memory; // [n, S, H] (dot) or [n, S, 2H]
    const projectedKeys = this.attn instanceof AdditiveAttention ? this.attn.projectKeys(keys) : null; // [n, S, H]
    return { keys, projectedKeys };
  }

  /** The state before the first target token: the bridged layers, and h̃_0 = 0 when feeding. */
  start(encoding: RnnEncoding): RnnDecoderState {
    const n = encoding.memory.shape[0];
    const feed = this.feeding ? zeros([n, this.config.hiddenSize]) : null;
    return { layers: encoding.initial, feed, attention: null, t: 0 };
  }

  /** tokens [n] (y_t) → logits [n, V] and the state after step t. */
  step(encoding: RnnEncoding, state: RnnDecoderState, tokens: readonly number[]): { logits: Tensor; state: RnnDecoderState } {
    const n = tokens.length;
    const rows = encoding.memory.shape[0];
    const stateRows = state.layers[0][0].shape[0];
    if (n !== rows || n !== stateRows) {
      throw new SeqlabError(`RnnSeq2Seq.step: ${n} tokens for an encoding of ${rows} rows and a state of ${stateRows} (select rows first)`);
    }
    const emb = this.drop.forward(this.embedding.forward(tokens, [n])); // [n, E]
    let x = state.feed ? concat([emb, state.feed], -1) : emb; // [n, E + H] or [n, E]
    const layers: CellState[] = [];
    this.cells.forEach((cell, l) => {
      const next = cell.step(x, state.layers[l], state.t); // records h (c, gates) into a trace
      layers.push(next);
      x = l < this.cells.length - 1 ? this.drop.forward(next[0]) : next[0]; // [n, H]
    });
    const h = x; // h_t [n, H]
    let hTilde = h;
    let weights: Tensor | null = null;
    if (this.attn && this.linear_out) {
      const { context, weights: a } = this.attend(this.attn, h, encoding, state.t); // [n, K], [n, S]
      hTilde = tanh(this.linear_out.forward(concat([context, h], -1))); // [n, K + H] → [n, H]
      weights = a;
    }
    const dropped = this.drop.forward(hTilde); // [n, H]
    const logits = this.out ? this.out.forward(dropped) : matmul(dropped, this.embedding.weight, true); // [n, V]
    return { logits, state: { layers, feed: this.feeding ? dropped : null, attention: weights, t: state.t + 1 } };
  }

  /** The one attention call of target step `step` (so `attn` is traced once per step, with its number). */
  private attend(attn: SourceAttention, h: Tensor, enc: RnnEncoding, step: number): { context: Tensor; weights: Tensor } {
    if (attn instanceof AdditiveAttention) return attn.forward(h, enc.keys, enc.mask, { projectedKeys: enc.projectedKeys ?? undefined, step });
    return attn.forward(h, enc.keys, enc.mask, { step });
  }
}

/** Rows `rows` (repeats allowed) of a tensor whose first axis is the batch. */
function pickRows(t: Tensor, rows: readonly number[]): Tensor {
  return indexSelect(t, 0, rows);
}

/** The encoding restricted to `rows`: every tensor gathered along its first axis. */
export function selectEncodingRows(e: RnnEncoding, rows: readonly number[]): RnnEncoding {
  const memory = pickRows(e.memory, rows);
  return {
    memory,
    keys: e.keys === e.memory ? memory : pickRows(e.keys, rows),
    projectedKeys: e.projectedKeys ? pickRows(e.projectedKeys, rows) : null,
    mask: pickRows(e.mask, rows),
    initial: e.initial.map((s) => s.map((t) => pickRows(t, rows))),
  };
}

/** The decoder state restricted to `rows`. */
export function selectDecoderRows(s: RnnDecoderState, rows: readonly number[]): RnnDecoderState {
  return {
    layers: s.layers.map((layer) => layer.map((t) => pickRows(t, rows))),
    feed: s.feed ? pickRows(s.feed, rows) : null,
    attention: s.attention ? pickRows(s.attention, rows) : null,
    t: s.t,
  };
}


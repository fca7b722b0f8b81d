/**
 * The `transformer` translation model: PyTorch's nn.Transformer (src/nn/transformer.ts) between
 * token embeddings with sinusoidal positions and an output layer (Vaswani et al. 2017; the
 * PyTorch tutorial "Language Translation with nn.Transformer", whose field names it keeps:
 * `transformer.…`, `generator`, `src_tok_emb`, `tgt_tok_emb`).
 *
 * Sizes: B sentences (n rows when decoding: sentences or hypotheses of a beam), S source
 * positions, T target positions, E = dModel, H heads of Dh = E/H, V target vocabulary.
 */
import { ConfigError, type ConfigLayer, checkRange, checkWhole, resolveConfig } from '../config/resolve.js';
import { SeqlabError } from '../errors.js';
import { Dropout, Embedding, Linear } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import { causalMask, type ProjectedKeyValue } from '../nn/multihead.js';
import { SinusoidalPositionalEncoding } from '../nn/positional.js';
import { type DecoderCache, Transformer } from '../nn/transformer.js';
import { mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { indexSelect } from '../ops/index-ops.js';
import { matmul } from '../ops/matmul.js';
import { reshape } from '../ops/shape-ops.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkBatch, paddingMask, type Seq2Seq, type SourceBatch, type TargetBatch } from './seq2seq.js';

/** The feed-forward activation of every layer. */
export type TransformerSeq2SeqActivation = 'relu' | 'gelu';
export const TRANSFORMER_SEQ2SEQ_ACTIVATIONS: readonly TransformerSeq2SeqActivation[] = ['relu', 'gelu'];

/** The shape of a TransformerSeq2Seq (config.json's `model` section). */
export interface TransformerSeq2SeqConfig {
  /** Source and target vocabulary sizes (no default: at least 2 each). */
  sourceVocab: number;
  targetVocab: number;
  /** E: the width of embeddings and of every layer. */
  dModel: number;
  /** Attention heads; must divide dModel. */
  nhead: number;
  numEncoderLayers: number;
  numDecoderLayers: number;
  /** Width of each layer's feed-forward block. */
  dimFeedforward: number;
  /** On embeddings + positions, inside every layer and on attention weights (training only). */
  dropout: number;
  activation: TransformerSeq2SeqActivation;
  /** Pre-norm layers (x + f(norm(x))) when true, post-norm (norm(x + f(x))) as the 2017 paper when false. */
  normFirst: boolean;
  /** Positions of the sinusoidal table: the longest source, and the most target steps. */
  maxLength: number;
  /** One embedding for source and target (a joint vocabulary: sourceVocab must equal targetVocab). */
  sharedEmbeddings: boolean;
  /** The output layer is the target embedding matrix (logits = h·Wᵀ, no bias). */
  tieOutput: boolean;
  /** The padding id of both vocabularies: its embedding rows are zero and get no gradient. */
  padId: number;
}

/**
 * Defaults: the base model's shape scaled down (width 256, 4 heads, 3 + 3 layers, feed-forward
 * 1024), dropout 0.1, relu, pre-norm, 256 positions, separate embeddings, tied output, padding
 * id 1 (seqlab's reserved `<pad>`).
 */
export const defaultTransformerSeq2SeqConfig: Readonly<TransformerSeq2SeqConfig> = Object.freeze({
  sourceVocab: 0, targetVocab: 0, dModel: 256, nhead: 4, numEncoderLayers: 3, numDecoderLayers: 3, dimFeedforward: 1024,
  dropout: 0.1, activation: 'relu', normFirst: true, maxLength: 256, sharedEmbeddings: false, tieOutput: true, padId: 1,
});

const SECTION = 'model';

/** Defaults, then each layer (a preset, the user's settings), checked: errors are ConfigErrors naming `model.<key>`. */
export function resolveTransformerSeq2SeqConfig(...layers: ConfigLayer<TransformerSeq2SeqConfig>[]): TransformerSeq2SeqConfig {
  const c = resolveConfig<TransformerSeq2SeqConfig>(SECTION, defaultTransformerSeq2SeqConfig, layers,
    { activation: TRANSFORMER_SEQ2SEQ_ACTIVATIONS });
  checkWhole(SECTION, c, 'sourceVocab', 2);
  checkWhole(SECTION, c, 'targetVocab', 2);
  for (const key of ['dModel', 'nhead', 'numEncoderLayers', 'numDecoderLayers', 'dimFeedforward', 'maxLength'] as const) {
    checkWhole(SECTION, c, key);
  }
  if (c.dModel % c.nhead !== 0) throw new ConfigError(SECTION, 'nhead', `must divide dModel (${c.dModel}), got ${c.nhead}`);
  checkRange(SECTION, c, 'dropout', 0, 1);
  checkWhole(SECTION, c, 'padId', 0);
  if (c.padId >= Math.min(c.sourceVocab, c.targetVocab)) {
    throw new ConfigError(SECTION, 'padId', `${c.padId} is outside the vocabularies (${c.sourceVocab} source, ${c.targetVocab} target tokens)`);
  }
  if (c.sharedEmbeddings && c.sourceVocab !== c.targetVocab) {
    throw new ConfigError(SECTION, 'sharedEmbeddings',
      `needs one joint vocabulary, but sourceVocab (${c.sourceVocab}) and targetVocab (${c.targetVocab}) differ`);
  }
  return c;
}

/** One encoded batch. Both tensors have the n rows first, so `selectRows` gathers them along axis 0. */
export interface TransformerEncoding {
  /** The encoder's output (after its final LayerNorm) [n, S, E]. */
  memory: Tensor;
  /** 1 at source padding, 0 at real tokens [n, S]: the encoder's and cross-attention's key padding mask. */
  padding: Tensor;
}

/** The decoder's state between steps. */
export interface TransformerDecoderState {
  /**
   * One cache per decoder layer: self-attention keys and values of the t tokens so far
   * [n, H, t, Dh], and the memory's keys and values [n, H, S, Dh] (projected on the first step,
   * then reused). A step extends copies, never the caches of the state it was given.
   */
  caches: DecoderCache[];
  /** Target tokens decoded so far: the position of the next one. */
  t: number;
}

/** Rows `rows` (repeats allowed) of a tensor whose first axis is the batch. */
function pickRows(t: Tensor, rows: readonly number[]): Tensor {
  return indexSelect(t, 0, rows);
}

function pickKeyValue(kv: ProjectedKeyValue | null, rows: readonly number[]): ProjectedKeyValue | null {
  return kv ? { k: pickRows(kv.k, rows), v: pickRows(kv.v, rows) } : null; // each [n, H, ·, Dh]
}

/**
 * An encoder-decoder Transformer for translation:
 *   x = dropout(emb_src(src)·√E + PE[0:S])                      [B, S, E]
 *   y = dropout(emb_tgt(tgt)·√E + PE[0:T])                      [B, T, E]
 *   memory = transformer.encode(x, source padding)              [B, S, E]
 *   h = transformer.decode(y, memory, causal, target and source padding)   [B, T, E]
 *   logits = generator(h), or h·emb_tgtᵀ when tied              [B, T, V]
 * Parameters: `transformer.encoder.layers.<l>.self_attn.in_proj_weight`, … (nn.Transformer's,
 * xavier-uniform as it initialises them), `generator.weight` [V, E] and `.bias` (untied only;
 * U(±1/√E) as nn.Linear), `src_tok_emb.weight` [V_src, E] (absent when shared: the encoder then
 * reads `tgt_tok_emb`), `tgt_tok_emb.weight` [V, E]. The embeddings are drawn N(0, 1/E), not
 * nn.Embedding's N(0, 1), as Vaswani et al. and fairseq draw them: scaled by √E they enter the
 * layers at unit variance, and a tied output layer starts with logits of moderate size.
 *
 * `forward` (teacher forcing) and `encode`/`start`/`step` (one token per row, each decoder
 * layer's self-attention extending a key/value cache) compute the same numbers. An active
 * trace gets every attention's per-head weights `attn` [B, H, Tq, Tk] under its module path
 * (`transformer.decoder.layers.<l>.multihead_attn` for cross-attention).
 */
export class TransformerSeq2Seq extends Module implements Seq2Seq<TransformerEncoding, TransformerDecoderState> {
  readonly config: TransformerSeq2SeqConfig;
  transformer: Transformer;
  generator: Linear | null;
  src_tok_emb: Embedding | null;
  tgt_tok_emb: Embedding;
  positional_encoding: SinusoidalPositionalEncoding;
  dropout: Dropout;

  /** `config` is resolved (and checked) over `defaultTransformerSeq2SeqConfig`. */
  constructor(config: ConfigLayer<TransformerSeq2SeqConfig>, rng: Rng) {
    super();
    const c = resolveTransformerSeq2SeqConfig(config);
    this.config = c;
    const { dModel, nhead, numEncoderLayers, numDecoderLayers, dimFeedforward, dropout, activation, normFirst } = c;
    this.transformer = new Transformer({ dModel, nhead, numEncoderLayers, numDecoderLayers, dimFeedforward, dropout,
      activation, normFirst }, rng);
    this.generator = c.tieOutput ? null : new Linear(dModel, c.targetVocab, rng);
    this.src_tok_emb = c.sharedEmbeddings ? null : this.embeddingOf(c.sourceVocab, rng);
    this.tgt_tok_emb = this.embeddingOf(c.targetVocab, rng);
    this.positional_encoding = new SinusoidalPositionalEncoding(dModel, c.maxLength);
    this.dropout = new Dropout(dropout, rng);
  }

  /** An embedding [vocab, E] ~ N(0, 1/E), its padding row zero. */
  private embeddingOf(vocab: number, rng: Rng): Embedding {
    const emb = new Embedding(vocab, this.config.dModel, rng, this.config.padId);
    const std = 1 / Math.sqrt(this.config.dModel);
    emb.weight.write((data) => { for (let i = 0; i < data.length; i++) data[i] *= std; });
    return emb;
  }

  get sourceVocab(): number {
    return this.config.sourceVocab;
  }

  get targetVocab(): number {
    return this.config.targetVocab;
  }

  /** ids [B, T] → dropout(emb(ids)·√E + PE[offset : offset + T]) [B, T, E]. */
  private embed(emb: Embedding, ids: Int32Array | readonly number[], batch: number, time: number, offset: number): Tensor {
    const x = mul(emb.forward(ids, [batch, time]), Math.sqrt(this.config.dModel)); // [B, T, E]
    return this.dropout.forward(this.positional_encoding.forward(x, offset)); // [B, T, E]
  }

  /** h [B, T, E] → logits [B, T, V] (or h [n, E] → [n, V]). */
  private logits(h: Tensor): Tensor {
    return this.generator ? this.generator.forward(h) : matmul(h, this.tgt_tok_emb.weight, true);
  }

  /** Teacher forcing: src [B, S], tgt [B, T] (starting with <bos>) → logits [B, T, V]. */
  forward(src: SourceBatch, tgt: TargetBatch): Tensor {
    checkBatch('TransformerSeq2Seq', 'target', tgt, this.config.maxLength);
    if (tgt.batch !== src.batch) throw new SeqlabError(`TransformerSeq2Seq: ${tgt.batch} targets for ${src.batch} sources`);
    const { memory, padding } = this.encode(src);
    const y = this.embed(this.tgt_tok_emb, tgt.ids, tgt.batch, tgt.time, 0); // [B, T, E]
    // Target padding only hides padded keys from padded queries (causality hides them from real ones).
    const masks = { tgtMask: causalMask(tgt.time), tgtKeyPaddingMask: paddingMask(tgt), memoryKeyPaddingMask: padding };
    return this.logits(this.transformer.decode(y, memory, masks)); // [B, T, E] → [B, T, V]
  }

  /** src [B, S] → the memory [B, S, E] and the source padding mask [B, S]. */
  encode(src: SourceBatch): TransformerEncoding {
    checkBatch('TransformerSeq2Seq', 'source', src, this.config.maxLength);
    const padding = paddingMask(src); // [B, S]
    const x = this.embed(this.src_tok_emb ?? this.tgt_tok_emb, src.ids, src.batch, src.time, 0); // [B, S, E]
    return { memory: this.transformer.encode(x, { srcKeyPaddingMask: padding }), padding };
  }

  /** Empty caches: nothing decoded yet, the memory's keys and values not yet projected. */
  start(_encoding: TransformerEncoding): TransformerDecoderState {
    return { caches: this.transformer.emptyCaches(), t: 0 };
  }

  /** tokens [n] (position t) → logits [n, V] and the state after it; row i reads row i of `encoding`. */
  step(encoding: TransformerEncoding, state: TransformerDecoderState, tokens: readonly number[]): { logits: Tensor; state: TransformerDecoderState } {
    const n = tokens.length;
    const rows = encoding.memory.shape[0];
    const stateRows = state.caches[0]?.memory?.k.shape[0] ?? rows;
    if (n !== rows || n !== stateRows) {
      throw new SeqlabError(`TransformerSeq2Seq.step: ${n} tokens for an encoding of ${rows} rows and a state of ${stateRows} (select rows first)`);
    }
    if (state.t >= this.config.maxLength) {
      throw new SeqlabError(`TransformerSeq2Seq.step: target position ${state.t} is past maxLength ${this.config.maxLength}`);
    }
    const caches = state.caches.map((c) => ({ self: { kv: c.self.kv }, memory: c.memory, crossWeights: null })); // extended below, not the caller's
    const y = this.embed(this.tgt_tok_emb, tokens, n, 1, state.t); // [n, 1, E]
    // One new query sees every cached key: no target mask; the memory's padding stays masked.
    const h = this.transformer.decode(y, encoding.memory, { memoryKeyPaddingMask: encoding.padding }, caches); // [n, 1, E]
    const logits = this.logits(h); // [n, 1, V]
    return { logits: reshape(logits, [n, this.config.targetVocab]), state: { caches, t: state.t + 1 } };
  }

  get maxPositions(): number {
    return this.config.maxLength;
  }

  selectRows(encoding: TransformerEncoding, rows: readonly number[]): TransformerEncoding {
    return { memory: pickRows(encoding.memory, rows), padding: pickRows(encoding.padding, rows) };
  }

  /** Every cache's keys and values gathered along the batch axis (axis 0 of [n, H, ·, Dh]). */
  selectState(state: TransformerDecoderState, rows: readonly number[]): TransformerDecoderState {
    const caches = state.caches.map((c) => ({
      self: { kv: pickKeyValue(c.self.kv, rows) }, memory: pickKeyValue(c.memory, rows),
      crossWeights: c.crossWeights ? pickRows(c.crossWeights, rows) : null,
    }));
    return { caches, t: state.t };
  }

  /** The last decoder layer's cross-attention of the last step, averaged over heads: [n, H, 1, S] → [n, S]. */
  lastAttention(state: TransformerDecoderState): Tensor | null {
    const w = state.caches[state.caches.length - 1]?.crossWeights;
    if (!w) return null;
    const [n, heads, , s] = w.shape;
    return mul(reshape(sum(w, 1), [n, s]), 1 / heads);
  }
}

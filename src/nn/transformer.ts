/**
 * Transformer encoder and decoder layers and stacks, as torch.nn.TransformerEncoderLayer /
 * TransformerDecoderLayer / TransformerEncoder / TransformerDecoder with batch_first=True.
 * Field names give PyTorch's parameter names (`self_attn.in_proj_weight`, `linear1.weight`,
 * `norm1.bias`, `layers.0.…`), so weights move between the two unchanged.
 */
import { ConfigError, checkRange, checkWhole, resolveConfig } from '../config/resolve.js';
import { SeqlabError } from '../errors.js';
import { add } from '../ops/elementwise.js';
import { gelu, relu } from '../ops/unary.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { Dropout, LayerNorm, Linear } from './layers.js';
import { xavierUniformInPlace } from './init.js';
import { Module } from './module.js';
import { type AttentionMasks, MultiHeadAttention, type ProjectedKeyValue } from './multihead.js';

/** The shape of one encoder or decoder layer. */
export interface TransformerLayerConfig {
  /** Model width E. */
  dModel: number;
  /** Attention heads; must divide dModel. */
  nhead: number;
  /** Width of the feed-forward block. */
  dimFeedforward: number;
  /** Dropout after attention, inside and after the feed-forward block, and on attention weights. */
  dropout: number;
  /** Feed-forward activation; 'gelu' is the exact (erf) GELU, as PyTorch's. */
  activation: 'relu' | 'gelu';
  layerNormEps: number;
  /** Pre-norm (x + f(norm(x))) when true, post-norm (norm(x + f(x))) when false. */
  normFirst: boolean;
}

/**
 * PyTorch's defaults (d_model 512, 8 heads, feed-forward 2048, relu, eps 1e-5, post-norm) except
 * dropout: 0 rather than 0.1, so a run is deterministic unless dropout is asked for.
 */
export const defaultTransformerLayerConfig: Readonly<TransformerLayerConfig> = Object.freeze({
  dModel: 512, nhead: 8, dimFeedforward: 2048, dropout: 0, activation: 'relu', layerNormEps: 1e-5, normFirst: false,
});

/** A stack: the layer shape, how many layers, and whether a final LayerNorm (`norm`) follows. */
export interface TransformerConfig extends TransformerLayerConfig {
  numLayers: number;
  /** A final LayerNorm after the last layer; the usual choice with pre-norm layers. */
  finalNorm: boolean;
}

/** PyTorch's nn.Transformer stack defaults: 6 layers with a final LayerNorm. */
export const defaultTransformerConfig: Readonly<TransformerConfig> = Object.freeze({
  ...defaultTransformerLayerConfig, numLayers: 6, finalNorm: true,
});

const ACTIVATIONS: readonly TransformerLayerConfig['activation'][] = ['relu', 'gelu'];

/**
 * Fills a partial config from `defaults` and checks it (`where` names the section of its
 * `ConfigError`s): unknown keys, wrong types, sizes that are not positive whole numbers, a
 * width not divisible by the heads, dropout outside [0, 1) and a non-positive eps are errors.
 */
export function resolveTransformerConfig<C extends TransformerLayerConfig>(partial: Partial<C>, defaults: Readonly<C>,
  where = 'transformer'): C {
  const c = resolveConfig<C>(where, defaults, [partial], { activation: ACTIVATIONS } as Partial<Record<keyof C, readonly string[]>>);
  const sizes = ['dModel', 'nhead', 'dimFeedforward', 'numLayers', 'numEncoderLayers', 'numDecoderLayers']
    .filter((key) => key in c);
  for (const key of sizes) checkWhole(where, c as Record<string, unknown>, key);
  if (c.dModel % c.nhead !== 0) throw new ConfigError(where, 'nhead', `must divide \`dModel\` (${c.dModel}), got ${c.nhead}`);
  checkRange(where, c, 'dropout', 0, 1);
  if (!(c.layerNormEps > 0)) throw new ConfigError(where, 'layerNormEps', `must be > 0, got ${c.layerNormEps}`);
  return c;
}

/** The pieces of a layer that its feed-forward block and residuals use. */
interface FeedForwardParts {
  linear1: Linear;
  linear2: Linear;
  dropout: Dropout;
  config: TransformerLayerConfig;
}

/** ff(x) = after(linear2(dropout(act(linear1(x))))): [B, T, E] → [B, T, F] → [B, T, E]. */
function feedForward(layer: FeedForwardParts, x: Tensor, after: Dropout): Tensor {
  const h = layer.linear1.forward(x); // [B, T, F]
  const a = layer.config.activation === 'gelu' ? gelu(h) : relu(h);
  return after.forward(layer.linear2.forward(layer.dropout.forward(a)));
}

/** One residual sub-block, pre-norm x + f(norm(x)) or post-norm norm(x + f(x)). */
function residual(normFirst: boolean, x: Tensor, norm: LayerNorm, f: (y: Tensor) => Tensor): Tensor {
  return normFirst ? add(x, f(norm.forward(x))) : norm.forward(add(x, f(x)));
}

function attention(c: TransformerLayerConfig, rng: Rng): MultiHeadAttention {
  return new MultiHeadAttention(c.dModel, c.nhead, rng, { dropout: c.dropout });
}

/**
 * What a self-attention layer keeps between calls while decoding one position at a time: the
 * projected keys and values of every position so far, each [B, H, S, Dh] (null before the first
 * call). A layer given a cache reads it, attends over it and its new positions, and leaves the
 * longer cache in it: the same code as a full forward pass, so the two give the same numbers.
 */
export interface AttentionCache {
  kv: ProjectedKeyValue | null;
}

/** A fresh, empty cache for one self-attention layer. */
export function emptyAttentionCache(): AttentionCache {
  return { kv: null };
}

/**
 * Self-attention of y [B, T, E] → [B, T, E], extending `cache` when given. With keys cached from
 * S earlier positions, the mask must be [T, S + T] (e.g. `causalMask(T, S + T)`).
 */
function selfAttend(attn: MultiHeadAttention, y: Tensor, masks: AttentionMasks, cache?: AttentionCache): Tensor {
  if (!cache) return attn.forward(y, y, y, masks).output;
  if (cache.kv) {
    const sa = attn.selfAttentionAfter(y, cache.kv, masks); // cache [B, H, S, Dh] → [B, H, S + T, Dh]
    cache.kv = sa.kv;
    return sa.output;
  }
  const sa = attn.selfAttention(y, masks); // one packed projection; keys and values split out only if read
  cache.kv = sa.kv;
  return sa.output;
}

/** Masks for an encoder layer; nonzero = masked, as PyTorch's boolean masks. */
export interface EncoderMasks {
  /** [T, T], e.g. `causalMask(T)` (PyTorch's src_mask). */
  mask?: Tensor;
  /** [B, T], padding positions (src_key_padding_mask). */
  keyPaddingMask?: Tensor;
}

/**
 * One encoder layer: self-attention then a feed-forward block, each with a residual and a
 * LayerNorm. Post-norm: x = norm1(x + sa(x)); x = norm2(x + ff(x)). Pre-norm:
 * x = x + sa(norm1(x)); x = x + ff(norm2(x)). sa(x) = dropout1(self_attn(x, x, x)).
 * x [B, T, E] → [B, T, E].
 */
export class TransformerEncoderLayer extends Module {
  // Fields in PyTorch's registration order, so stateDict() lists names as PyTorch does.
  self_attn: MultiHeadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  readonly config: TransformerLayerConfig;

  constructor(config: Partial<TransformerLayerConfig>, rng: Rng) {
    super();
    const c = resolveTransformerConfig(config, defaultTransformerLayerConfig, 'TransformerEncoderLayer');
    this.config = c;
    this.self_attn = attention(c, rng);
    this.linear1 = new Linear(c.dModel, c.dimFeedforward, rng);
    this.dropout = new Dropout(c.dropout, rng);
    this.linear2 = new Linear(c.dimFeedforward, c.dModel, rng);
    this.norm1 = new LayerNorm(c.dModel, c.layerNormEps);
    this.norm2 = new LayerNorm(c.dModel, c.layerNormEps);
    this.dropout1 = new Dropout(c.dropout, rng);
    this.dropout2 = new Dropout(c.dropout, rng);
  }

  /**
   * x [B, T, E] → [B, T, E]. With `cache` (incremental decoding) x holds only the new positions,
   * attention also sees the cached ones, and the cache is extended; `masks.mask` is then [T, S + T].
   */
  forward(x: Tensor, masks: EncoderMasks = {}, cache?: AttentionCache): Tensor {
    const attnMasks: AttentionMasks = { attnMask: masks.mask, keyPaddingMask: masks.keyPaddingMask };
    const sa = (y: Tensor): Tensor => this.dropout1.forward(selfAttend(this.self_attn, y, attnMasks, cache));
    const h = residual(this.config.normFirst, x, this.norm1, sa);
    return residual(this.config.normFirst, h, this.norm2, (y) => feedForward(this, y, this.dropout2));
  }
}

/**
 * A decoder layer's cache while decoding: its self-attention's keys and values so far, and the
 * encoder memory's keys and values (projected once per sentence, then reused at every step).
 */
export interface DecoderCache {
  self: AttentionCache;
  memory: ProjectedKeyValue | null;
  /** Cross-attention weights of the last cached call [B, H, T, S] (alignments); null before one. */
  crossWeights: Tensor | null;
}

export function emptyDecoderCache(): DecoderCache {
  return { self: emptyAttentionCache(), memory: null, crossWeights: null };
}

/** Masks for a decoder layer; nonzero = masked. */
export interface DecoderMasks {
  /** [T, T] on self-attention, usually `causalMask(T)`. */
  tgtMask?: Tensor;
  /** [T, S] on cross-attention. */
  memoryMask?: Tensor;
  /** [B, T] target padding. */
  tgtKeyPaddingMask?: Tensor;
  /** [B, S] source padding. */
  memoryKeyPaddingMask?: Tensor;
}

/**
 * One decoder layer: masked self-attention, cross-attention on the encoder's memory, then a
 * feed-forward block, each with a residual and a LayerNorm (norm1, norm2, norm3), pre- or
 * post-norm as the encoder layer. tgt [B, T, E], memory [B, S, E] → [B, T, E].
 */
export class TransformerDecoderLayer extends Module {
  self_attn: MultiHeadAttention;
  multihead_attn: MultiHeadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;
  readonly config: TransformerLayerConfig;

  constructor(config: Partial<TransformerLayerConfig>, rng: Rng) {
    super();
    const c = resolveTransformerConfig(config, defaultTransformerLayerConfig, 'TransformerDecoderLayer');
    this.config = c;
    this.self_attn = attention(c, rng);
    this.multihead_attn = attention(c, rng);
    this.linear1 = new Linear(c.dModel, c.dimFeedforward, rng);
    this.dropout = new Dropout(c.dropout, rng);
    this.linear2 = new Linear(c.dimFeedforward, c.dModel, rng);
    this.norm1 = new LayerNorm(c.dModel, c.layerNormEps);
    this.norm2 = new LayerNorm(c.dModel, c.layerNormEps);
    this.norm3 = new LayerNorm(c.dModel, c.layerNormEps);
    this.dropout1 = new Dropout(c.dropout, rng);
    this.dropout2 = new Dropout(c.dropout, rng);
    this.dropout3 = new Dropout(c.dropout, rng);
  }

  /**
   * tgt [B, T, E], memory [B, S, E] → [B, T, E]. With `cache`, tgt holds only the new target
   * positions (tgtMask [T, S' + T] over the S' cached ones) and the cache is extended.
   */
  forward(tgt: Tensor, memory: Tensor, masks: DecoderMasks = {}, cache?: DecoderCache): Tensor {
    const nf = this.config.normFirst;
    const selfMasks: AttentionMasks = { attnMask: masks.tgtMask, keyPaddingMask: masks.tgtKeyPaddingMask };
    const crossMasks: AttentionMasks = { attnMask: masks.memoryMask, keyPaddingMask: masks.memoryKeyPaddingMask };
    const sa = (y: Tensor): Tensor => this.dropout1.forward(selfAttend(this.self_attn, y, selfMasks, cache?.self));
    const cross = (y: Tensor): Tensor => {
      if (!cache) return this.multihead_attn.forward(y, memory, memory, crossMasks).output;
      cache.memory ??= this.multihead_attn.projectKeyValue(memory, memory); // [B, H, S, Dh], once
      const out = this.multihead_attn.attendProjected(y, cache.memory, crossMasks);
      cache.crossWeights = out.weights; // [B, H, T, S]
      return out.output;
    };
    const ca = (y: Tensor): Tensor => this.dropout2.forward(cross(y));
    let x = residual(nf, tgt, this.norm1, sa);
    x = residual(nf, x, this.norm2, ca);
    return residual(nf, x, this.norm3, (y) => feedForward(this, y, this.dropout3));
  }
}

/** Splits a stack config into the per-layer part. */
function layerPart(c: TransformerConfig): TransformerLayerConfig {
  const { dModel, nhead, dimFeedforward, dropout, activation, layerNormEps, normFirst } = c;
  return { dModel, nhead, dimFeedforward, dropout, activation, layerNormEps, normFirst };
}

/**
 * N encoder layers (`layers.0.…`) and an optional final LayerNorm (`norm`). x [B, T, E] →
 * [B, T, E]. Each layer gets its own initialisation from `rng` (PyTorch's TransformerEncoder
 * deep-copies one layer, so its layers start equal; nn.Transformer then re-initialises them).
 */
export class TransformerEncoder extends Module {
  layers: TransformerEncoderLayer[];
  norm: LayerNorm | null;
  readonly config: TransformerConfig;

  constructor(config: Partial<TransformerConfig>, rng: Rng) {
    super();
    this.config = resolveTransformerConfig(config, defaultTransformerConfig, 'TransformerEncoder');
    const layer = layerPart(this.config);
    this.layers = Array.from({ length: this.config.numLayers }, () => new TransformerEncoderLayer(layer, rng));
    this.norm = this.config.finalNorm ? new LayerNorm(this.config.dModel, this.config.layerNormEps) : null;
  }

  forward(x: Tensor, masks: EncoderMasks = {}): Tensor {
    let h = x;
    for (const layer of this.layers) h = layer.forward(h, masks);
    return this.norm ? this.norm.forward(h) : h;
  }
}

/**
 * N decoder layers (`layers.0.…`) and an optional final LayerNorm (`norm`).
 * tgt [B, T, E], memory [B, S, E] → [B, T, E]; with `caches` (one per layer, incremental
 * decoding) tgt holds only the new positions, as in `TransformerDecoderLayer.forward`.
 */
export class TransformerDecoder extends Module {
  layers: TransformerDecoderLayer[];
  norm: LayerNorm | null;
  readonly config: TransformerConfig;

  constructor(config: Partial<TransformerConfig>, rng: Rng) {
    super();
    this.config = resolveTransformerConfig(config, defaultTransformerConfig, 'TransformerDecoder');
    const layer = layerPart(this.config);
    this.layers = Array.from({ length: this.config.numLayers }, () => new TransformerDecoderLayer(layer, rng));
    this.norm = this.config.finalNorm ? new LayerNorm(this.config.dModel, this.config.layerNormEps) : null;
  }

  forward(tgt: Tensor, memory: Tensor, masks: DecoderMasks = {}, caches?: readonly DecoderCache[]): Tensor {
    if (caches && caches.length !== this.layers.length) {
      throw new SeqlabError(`TransformerDecoder: ${caches.length} caches for ${this.layers.length} layers`);
    }
    let h = tgt;
    for (const [i, layer] of this.layers.entries()) h = layer.forward(h, memory, masks, caches?.[i]);
    return this.norm ? this.norm.forward(h) : h;
  }

  /** One empty cache per layer, for `forward(…, caches)`. */
  emptyCaches(): DecoderCache[] {
    return this.layers.map(() => emptyDecoderCache());
  }
}

/** The shape of a whole encoder-decoder: one layer shape, and how many layers on each side. */
export interface EncoderDecoderConfig extends TransformerLayerConfig {
  numEncoderLayers: number;
  numDecoderLayers: number;
}

/** PyTorch's nn.Transformer defaults (6 + 6 layers), with dropout 0 as the layers' default. */
export const defaultEncoderDecoderConfig: Readonly<EncoderDecoderConfig> = Object.freeze({
  ...defaultTransformerLayerConfig, numEncoderLayers: 6, numDecoderLayers: 6,
});

/**
 * nn.Transformer's masks; nonzero = masked. S source, T target positions. As in PyTorch,
 * `memoryKeyPaddingMask` is not taken from `srcKeyPaddingMask`: pass the same tensor for both
 * to keep the decoder off padded source positions.
 */
export interface TransformerMasks {
  /** [S, S] on encoder self-attention. */
  srcMask?: Tensor;
  /** [T, T] on decoder self-attention, usually `causalMask(T)`. */
  tgtMask?: Tensor;
  /** [T, S] on cross-attention. */
  memoryMask?: Tensor;
  /** [B, S] source padding, in the encoder. */
  srcKeyPaddingMask?: Tensor;
  /** [B, T] target padding, in decoder self-attention. */
  tgtKeyPaddingMask?: Tensor;
  /** [B, S] source padding, in cross-attention. */
  memoryKeyPaddingMask?: Tensor;
}

/**
 * torch.nn.Transformer with batch_first=True: an encoder stack and a decoder stack, each with a
 * final LayerNorm (`encoder.norm`, `decoder.norm`), parameters named as PyTorch's
 * (`encoder.layers.0.self_attn.in_proj_weight`, `decoder.layers.1.multihead_attn.…`).
 * Embeddings and the output layer stay outside, as in PyTorch.
 *   memory = encoder(src) [B, S, E];  out = decoder(tgt, memory) [B, T, E].
 * Init as PyTorch's: every matrix re-drawn xavier-uniform after the layers are built.
 */
export class Transformer extends Module {
  encoder: TransformerEncoder;
  decoder: TransformerDecoder;
  readonly config: EncoderDecoderConfig;

  constructor(config: Partial<EncoderDecoderConfig>, rng: Rng) {
    super();
    const c = resolveTransformerConfig(config, defaultEncoderDecoderConfig, 'Transformer');
    this.config = c;
    const { numEncoderLayers, numDecoderLayers, ...layer } = c;
    this.encoder = new TransformerEncoder({ ...layer, numLayers: numEncoderLayers, finalNorm: true }, rng);
    this.decoder = new TransformerDecoder({ ...layer, numLayers: numDecoderLayers, finalNorm: true }, rng);
    for (const p of this.parameters()) if (p.rank === 2) xavierUniformInPlace(p, rng);
  }

  /** src [B, S, E], tgt [B, T, E] → [B, T, E]: `decode(tgt, encode(src, masks), masks)`. */
  forward(src: Tensor, tgt: Tensor, masks: TransformerMasks = {}): Tensor {
    if (src.shape[0] !== tgt.shape[0]) {
      throw new SeqlabError(`Transformer: src batch ${src.shape[0]} and tgt batch ${tgt.shape[0]} differ`);
    }
    return this.decode(tgt, this.encode(src, masks), masks);
  }

  /** src [B, S, E] → memory [B, S, E], with `srcMask` and `srcKeyPaddingMask`. */
  encode(src: Tensor, masks: TransformerMasks = {}): Tensor {
    return this.encoder.forward(src, { mask: masks.srcMask, keyPaddingMask: masks.srcKeyPaddingMask });
  }

  /**
   * tgt [B, T, E], memory [B, S, E] → [B, T, E], with the target and memory masks. With `caches`
   * (from `emptyCaches()`, one per decoder layer) tgt holds only the new positions: `tgtMask` is
   * then [T, T' + T] and `tgtKeyPaddingMask` [B, T' + T] over the T' cached ones, and memory's
   * keys and values are projected once, on the first call.
   */
  decode(tgt: Tensor, memory: Tensor, masks: TransformerMasks = {}, caches?: readonly DecoderCache[]): Tensor {
    const { tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask } = masks;
    return this.decoder.forward(tgt, memory, { tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask }, caches);
  }

  /** One empty cache per decoder layer, for `decode(…, caches)`. */
  emptyCaches(): DecoderCache[] {
    return this.decoder.emptyCaches();
  }
}

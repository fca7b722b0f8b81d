/**
 * Multi-head scaled dot-product attention, as torch.nn.MultiheadAttention(batch_first=True).
 */
import { SeqlabError } from '../errors.js';
import { attention, type AttentionOptions, type AttentionResult, headMajorView, type HeadView, interleaved } from '../ops/attention.js';
import { dropout } from '../ops/dropout.js';
import { add } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { concat, permute, reshape, slice } from '../ops/shape-ops.js';
import { traceValue, tracing } from '../inspect/trace.js';
import { isExplicit } from '../tensor/autograd.js';
import type { Rng } from '../tensor/random.js';
import { shapeStr } from '../tensor/shape.js';
import { type Tensor, zeros } from '../tensor/tensor.js';
import { checkMask } from './attention.js';
import { linear, scaledSoftmax } from './functional.js';
import { constantParam, xavierUniformParam } from './init.js';
import { Linear } from './layers.js';
import { Module } from './module.js';

/**
 * A causal mask [T, S] for queries at the last T of S positions: 1 (masked) where key j lies
 * after query i, i.e. j > i + (S − T). With S = T it is the usual upper triangle; with S > T
 * (keys cached from earlier steps) each new query still sees everything up to itself.
 */
export function causalMask(t: number, s = t): Tensor {
  if (s < t) throw new SeqlabError(`causalMask: ${s} keys cannot cover ${t} queries`);
  const m = zeros([t, s]);
  for (let i = 0; i < t; i++) for (let j = i + s - t + 1; j < s; j++) m.data[i * s + j] = 1;
  return m;
}

/** Whether mask [Tq, Tk] is exactly `causalMask(Tq, Tk)` (nonzero where j > i + Tk − Tq). */
export function isCausalMask(mask: Tensor, tq: number, tk: number): boolean {
  if (mask.rank !== 2 || mask.shape[0] !== tq || mask.shape[1] !== tk) return false;
  for (let i = 0; i < tq; i++) {
    for (let j = 0; j < tk; j++) if ((mask.data[i * tk + j] !== 0) !== (j > i + tk - tq)) return false;
  }
  return true;
}

/** Options of `MultiHeadAttention`. */
export interface MultiHeadAttentionOptions {
  /** Dropout probability on the attention weights, in training mode only. Default 0. */
  dropout?: number;
  /** Biases on the input and output projections. Default true. */
  bias?: boolean;
}

/** Masks for one call; nonzero means "masked" in both, as PyTorch's boolean masks. */
export interface AttentionMasks {
  /** [Tq, Tk]: query i may not see key j where set (e.g. `causalMask(T)`). */
  attnMask?: Tensor;
  /** [B, Tk]: key j of batch entry b is padding where set. */
  keyPaddingMask?: Tensor;
}

/** Keys and values already projected and split into heads, each [B, H, Tk, Dh]. */
export interface ProjectedKeyValue {
  k: Tensor;
  v: Tensor;
}

/**
 * The keys and values of a packed projection [B, T, 3E] (q, k, v blocks), split into heads
 * [B, H, T, Dh] only when read: training reads the packed tensor in place and never asks.
 */
class PackedKeyValue implements ProjectedKeyValue {
  private split: ProjectedKeyValue | null = null;

  constructor(private readonly qkv: Tensor, private readonly heads: number) {}

  private get both(): ProjectedKeyValue {
    const [batch, t, e3] = this.qkv.shape;
    const e = e3 / 3;
    const heads = (block: number): Tensor => permute(reshape(slice(this.qkv, 2, block * e, (block + 1) * e),
      [batch, t, this.heads, e / this.heads]), [0, 2, 1, 3]); // [B, H, T, Dh]
    this.split ??= { k: heads(1), v: heads(2) };
    return this.split;
  }

  get k(): Tensor {
    return this.both.k;
  }

  get v(): Tensor {
    return this.both.v;
  }
}

/** What `MultiHeadAttention.forward` returns. */
export interface MultiHeadOutput {
  /** [B, Tq, E] */
  output: Tensor;
  /** Per-head softmax weights [B, H, Tq, Tk] (PyTorch's average_attn_weights=False), before dropout. */
  weights: Tensor;
}

/**
 * Multi-head attention (Vaswani et al. 2017):
 *   Q = query·W_qᵀ + b_q, K = key·W_kᵀ + b_k, V = value·W_vᵀ + b_v, split into H heads of Dh = E/H,
 *   headₕ = softmax(QₕKₕᵀ / √Dh, masked) · Vₕ,  output = concat(heads)·W_oᵀ + b_o.
 * Parameters as PyTorch: `in_proj_weight` [3E, E] (rows W_q, W_k, W_v), `in_proj_bias` [3E],
 * `out_proj.weight` [E, E], `out_proj.bias` [E]. Init as PyTorch: xavier-uniform in_proj_weight,
 * out_proj.weight U(±1/√E), zero biases.
 *
 * Masked positions get weight exactly 0; a query row with every key masked gets all-zero
 * weights, so its output is just `out_proj.bias`. (PyTorch gives NaN for such a row.)
 *
 * For incremental decoding, `projectKeyValue` and `attendProjected` split the forward pass: a
 * cache can keep projected keys and values [B, H, Tk, Dh] and concatenate each step's along Tk.
 *
 * Two paths compute the same thing, chosen in one place (`fusedOptions`): the composed one
 * (`attendComposed`: heads permuted out, QKᵀ, masked scaled softmax, dropout, ·V, permuted
 * back), which is the definition and takes any mask and dropout; and the fused primitive
 * (ops/attention.ts), which reads the heads in place from the projections and runs whenever
 * the masks are causal and/or key padding and no dropout applies to the weights. Inside
 * `explicit(fn)` the composed path always runs.
 */
export class MultiHeadAttention extends Module {
  in_proj_weight: Tensor;
  in_proj_bias: Tensor | null;
  out_proj: Linear;
  readonly headDim: number;
  readonly dropout: number;

  constructor(readonly embedDim: number, readonly numHeads: number, private readonly _rng: Rng,
    options: MultiHeadAttentionOptions = {}) {
    super();
    if (!(Number.isInteger(embedDim) && embedDim > 0 && Number.isInteger(numHeads) && numHeads > 0)) {
      throw new SeqlabError(`MultiHeadAttention: embed dim ${embedDim} and heads ${numHeads} must be positive integers`);
    }
    if (embedDim % numHeads !== 0) {
      throw new SeqlabError(`MultiHeadAttention: embed dim ${embedDim} is not divisible by ${numHeads} heads`);
    }
    this.dropout = options.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout < 1)) {
      throw new SeqlabError(`MultiHeadAttention: dropout ${this.dropout} must be in [0, 1)`);
    }
    const bias = options.bias ?? true;
    this.headDim = embedDim / numHeads;
    this.in_proj_weight = xavierUniformParam([3 * embedDim, embedDim], _rng);
    this.in_proj_bias = bias ? constantParam([3 * embedDim], 0) : null;
    this.out_proj = new Linear(embedDim, embedDim, _rng, bias);
    this.out_proj.bias?.fill(0);
  }

  /** x [B, T, E] · W_iᵀ + b_i for blocks first..last−1 (0 q, 1 k, 2 v) of the packed projection: [B, T, n·E]. */
  private projectBlocks(x: Tensor, first: number, last: number, what: string): Tensor {
    const e = this.embedDim;
    if (x.rank !== 3 || x.shape[2] !== e) {
      throw new SeqlabError(`MultiHeadAttention: ${what} has shape ${shapeStr(x.shape)}, expected [B, T, ${e}]`);
    }
    if (first === 0 && last === 3) return linear(x, this.in_proj_weight, this.in_proj_bias); // no slice to copy
    const w = slice(this.in_proj_weight, 0, first * e, last * e); // [n·E, E]
    const b = this.in_proj_bias ? slice(this.in_proj_bias, 0, first * e, last * e) : null;
    return linear(x, w, b);
  }

  /** Block i (0 q, 1 k, 2 v) of the projection of x [B, T, E], split into heads [B, H, T, Dh]. */
  private project(x: Tensor, block: number, what: string): Tensor {
    const [batch, t] = x.shape;
    const y = reshape(this.projectBlocks(x, block, block + 1, what), [batch, t, this.numHeads, this.headDim]);
    return permute(y, [0, 2, 1, 3]); // [B, T, H, Dh] → [B, H, T, Dh]
  }

  /** Heads of columns block·E.. of a projection [B, T, n·E], read in place. */
  private heads(y: Tensor, block: number): HeadView {
    return interleaved(y, this.numHeads, this.headDim, block * this.embedDim);
  }

  /**
   * The one place the path is chosen: the fused kernel's options when it can run these masks
   * (attnMask absent or causal; key padding as is), no dropout applies to the weights and no
   * `explicit` mode is on; null for the composed path. Checks the masks' shapes first, for either path.
   */
  private fusedOptions(masks: AttentionMasks, batch: number, tq: number, tk: number): AttentionOptions | null {
    checkMask(masks.attnMask, [tq, tk], 'MultiHeadAttention attnMask');
    checkMask(masks.keyPaddingMask, [batch, tk], 'MultiHeadAttention keyPaddingMask');
    if (isExplicit() || (this.training && this.dropout > 0)) return null;
    if (masks.attnMask && !isCausalMask(masks.attnMask, tq, tk)) return null;
    return { causal: masks.attnMask !== undefined, keyPadding: masks.keyPaddingMask ?? null };
  }

  /** Traces the weights and applies the output projection. */
  private finish({ output, weights }: AttentionResult): MultiHeadOutput {
    if (tracing()) traceValue(this, 'attn', weights);
    return { output: this.out_proj.forward(output), weights };
  }

  /** key, value [B, Tk, E] → K, V [B, H, Tk, Dh]: what a KV cache would keep. */
  projectKeyValue(key: Tensor, value: Tensor): ProjectedKeyValue {
    if (key.shape[0] !== value.shape[0] || key.shape[1] !== value.shape[1]) {
      throw new SeqlabError(`MultiHeadAttention: key ${shapeStr(key.shape)} and value ${shapeStr(value.shape)} differ in [B, Tk]`);
    }
    return { k: this.project(key, 1, 'key'), v: this.project(value, 2, 'value') };
  }

  /** query [B, Tq, E], key and value [B, Tk, E] → output [B, Tq, E], weights [B, H, Tq, Tk]. */
  forward(query: Tensor, key: Tensor, value: Tensor, masks: AttentionMasks = {}): MultiHeadOutput {
    if (key.shape[0] !== query.shape[0]) {
      throw new SeqlabError(`MultiHeadAttention: query ${shapeStr(query.shape)} and key ${shapeStr(key.shape)} differ in batch size`);
    }
    const shapesFit = query.rank === 3 && key.rank === 3 && value.rank === 3 && key.shape[1] === value.shape[1];
    const fused = shapesFit && this.fusedOptions(masks, query.shape[0], query.shape[1], key.shape[1]);
    if (!fused) return this.attendProjected(query, this.projectKeyValue(key, value), masks); // (its errors)
    if (query === key && key === value) { // self-attention: one projection [B, T, 3E], read in place
      const qkv = this.projectBlocks(query, 0, 3, 'query');
      return this.finish(attention(this.heads(qkv, 0), this.heads(qkv, 1), this.heads(qkv, 2), fused));
    }
    const q = this.projectBlocks(query, 0, 1, 'query'); // [B, Tq, E]
    if (key === value) {
      const kv = this.projectBlocks(key, 1, 3, 'key'); // [B, Tk, 2E]
      return this.finish(attention(this.heads(q, 0), this.heads(kv, 0), this.heads(kv, 1), fused));
    }
    const k = this.projectBlocks(key, 1, 2, 'key');
    const v = this.projectBlocks(value, 2, 3, 'value');
    return this.finish(attention(this.heads(q, 0), this.heads(k, 0), this.heads(v, 0), fused));
  }

  /**
   * Self-attention of x [B, T, E] that also hands out x's projected keys and values [B, H, T, Dh]
   * (for a cache, as `projectKeyValue(x, x)` gives them; split out only when read).
   */
  selfAttention(x: Tensor, masks: AttentionMasks = {}): MultiHeadOutput & { kv: ProjectedKeyValue } {
    const fused = x.rank === 3 && this.fusedOptions(masks, x.shape[0], x.shape[1], x.shape[1]);
    if (!fused) {
      const kv = this.projectKeyValue(x, x);
      return { ...this.attendProjected(x, kv, masks), kv };
    }
    const qkv = this.projectBlocks(x, 0, 3, 'query'); // [B, T, 3E]
    const out = this.finish(attention(this.heads(qkv, 0), this.heads(qkv, 1), this.heads(qkv, 2), fused));
    return { ...out, kv: new PackedKeyValue(qkv, this.numHeads) };
  }

  /**
   * Self-attention of new positions x [B, T, E] after cached keys and values `past` [B, H, S, Dh]
   * (decoding step by step): x is projected once, packed (no slices of the weights copied per
   * step), and its keys and values are appended to the cache. Returns the output [B, T, E] and
   * the cache for the next step, [B, H, S + T, Dh]. Equal to `projectKeyValue` + `attendProjected`.
   */
  selfAttentionAfter(x: Tensor, past: ProjectedKeyValue, masks: AttentionMasks = {}): MultiHeadOutput & { kv: ProjectedKeyValue } {
    const append = (fresh: ProjectedKeyValue): ProjectedKeyValue => ({
      k: concat([past.k, fresh.k], 2), v: concat([past.v, fresh.v], 2), // [B, H, S + T, Dh]
    });
    const fused = x.rank === 3 && this.fusedOptions(masks, x.shape[0], x.shape[1], past.k.shape[2] + x.shape[1]);
    if (!fused) {
      const kv = append(this.projectKeyValue(x, x));
      return { ...this.attendProjected(x, kv, masks), kv };
    }
    const qkv = this.projectBlocks(x, 0, 3, 'query'); // [B, T, 3E]
    const kv = append(new PackedKeyValue(qkv, this.numHeads));
    return { ...this.finish(attention(this.heads(qkv, 0), headMajorView(kv.k), headMajorView(kv.v), fused)), kv };
  }

  /** Attention of query [B, Tq, E] over projected keys and values [B, H, Tk, Dh]. */
  attendProjected(query: Tensor, kv: ProjectedKeyValue, masks: AttentionMasks = {}): MultiHeadOutput {
    const fused = query.rank === 3 && this.fusedOptions(masks, query.shape[0], query.shape[1], kv.k.shape[2]);
    if (!fused) return this.attendComposed(this.project(query, 0, 'query'), kv, masks);
    const q = this.projectBlocks(query, 0, 1, 'query'); // [B, Tq, E]
    return this.finish(attention(this.heads(q, 0), headMajorView(kv.k), headMajorView(kv.v), fused));
  }

  /** The definition: q [B, H, Tq, Dh] over k, v [B, H, Tk, Dh] by matmul, masked softmax, dropout, matmul. */
  private attendComposed(q: Tensor, kv: ProjectedKeyValue, masks: AttentionMasks): MultiHeadOutput {
    const [batch, h, tq, dh] = q.shape;
    const tk = kv.k.shape[2];
    checkMask(masks.attnMask, [tq, tk], 'MultiHeadAttention attnMask');
    checkMask(masks.keyPaddingMask, [batch, tk], 'MultiHeadAttention keyPaddingMask');
    const scores = matmul(q, kv.k, true); // [B, H, Tq, Dh]·[B, H, Tk, Dh]ᵀ → [B, H, Tq, Tk]
    const weights = scaledSoftmax(scores, 1 / Math.sqrt(dh), combineMasks(masks, batch)); // softmax(scores/√Dh)
    const dropped = dropout(weights, this.dropout, this._rng, this.training);
    const heads = matmul(dropped, kv.v); // [B, H, Tq, Tk]·[B, H, Tk, Dh] → [B, H, Tq, Dh]
    const joined = reshape(permute(heads, [0, 2, 1, 3]), [batch, tq, h * dh]); // [B, Tq, E]
    return this.finish({ output: joined, weights });
  }
}

/** attnMask [Tq, Tk] and keyPaddingMask [B, Tk] → one mask broadcastable to [B, H, Tq, Tk]. */
function combineMasks(masks: AttentionMasks, batch: number): Tensor | undefined {
  const { attnMask, keyPaddingMask } = masks;
  const pad = keyPaddingMask ? reshape(keyPaddingMask, [batch, 1, 1, keyPaddingMask.shape[1]]) : undefined;
  if (attnMask && pad) return add(attnMask, pad); // nonzero where either masks: [B, 1, Tq, Tk]
  return attnMask ?? pad;
}

/**
 * One token per sequence through a `TransformerLm`, for generation and suggestions: the same
 * numbers as `model.forward(tokens, n, 1, state)` in inference (a test holds them equal to the
 * bit), computed straight on the backend's kernels into buffers kept from call to call. The
 * general path builds some forty tensors, views and graph checks per token around the same
 * kernels, and at batch 1 those, not the arithmetic, take most of the time.
 *
 * Per layer l, with x [n, E] the token's embedding plus its position's (x = emb[t] + pos[S]):
 *   y = LN₁(x);  [q k v] = y·W_inᵀ + b_in  [n, 3E];  K, V [n, H, S, Dh] → [n, H, S + 1, Dh]
 *   x += (softmax(q·Kᵀ/√Dh)·V)·W_outᵀ + b_out
 *   x += GELU(LN₂(x)·W₁ᵀ + b₁)·W₂ᵀ + b₂
 * then logits [n, C] = LN_f(x) through the output layer (or the tied embedding).
 *
 *   tokens [n] → logits [n, 1, C], and the caches (keys and values [n, H, S + 1, Dh] per layer).
 */
import { backend, headMajor, interleavedHeads } from '../backend/index.js';
import { SeqlabError } from '../errors.js';
import type { LayerNorm } from '../nn/layers.js';
import type { AttentionCache, TransformerEncoderLayer } from '../nn/transformer.js';
import { linearRows } from '../ops/linear.js';
import { Tensor } from '../tensor/tensor.js';
import type { StepOptions } from './causal-lm.js';
import { outputClasses } from './lm-config.js';
import { outputLogitRows } from './lm-parts.js';
import type { TransformerLm, TransformerState } from './transformer-lm.js';

/** Buffers reused from call to call at one batch size (nothing returned lives in them but `logits` with `reuse`). */
interface StepScratch {
  n: number;
  x: Float32Array; // [n, E], the residual stream
  y: Float32Array; // [n, E], a normalised copy
  qkv: Float32Array; // [n, 3E]
  heads: Float32Array; // [n, E], attention's output, heads interleaved
  sub: Float32Array; // [n, E], a sub-block's output before the residual add
  ff: Float32Array; // [n, F]
  act: Float32Array; // [n, F]
  weights: Float32Array; // [n, H, 1, context], the attention weights (the first S + 1 of each row)
  mean: Float32Array; // [n]
  rstd: Float32Array; // [n]
  logits: Float32Array | null; // [n, C], for `reuse`
}

const scratchOf = new WeakMap<TransformerLm, StepScratch>();

function stepScratch(model: TransformerLm, n: number): StepScratch {
  let s = scratchOf.get(model);
  if (s && s.n === n) return s;
  const { embedDim: E, hiddenSize: F, nhead: H, context } = model.config;
  const alloc = (size: number): Float32Array => backend().alloc(size);
  s = {
    n, x: alloc(n * E), y: alloc(n * E), qkv: alloc(n * 3 * E), heads: alloc(n * E), sub: alloc(n * E), ff: alloc(n * F),
    act: alloc(n * F), weights: alloc(n * H * context), mean: alloc(n), rstd: alloc(n), logits: null,
  };
  scratchOf.set(model, s);
  return s;
}

/** y [n, E] = LN(x) with the norm's weight, bias and eps (the layerNorm kernel, as LayerNorm.forward runs it). */
function normRows(norm: LayerNorm, x: Float32Array, n: number, s: StepScratch, y: Float32Array): void {
  backend().layerNorm(x, n, norm.dim, norm.weight.data, norm.bias.data, norm.eps, y, s.mean, s.rstd);
}

/** x += d, elementwise in float32 (as the `add` kernel rounds). */
function addInto(x: Float32Array, d: Float32Array): void {
  for (let i = 0; i < x.length; i++) x[i] += d[i];
}

/**
 * A cache [n, H, S, Dh] (keys or values) one position longer: the old positions copied, and the
 * new one taken from column block `block` of the packed projection qkv [n, 3E].
 */
function extended(past: Tensor | null, qkv: Float32Array, block: number, n: number, H: number, Dh: number): Tensor {
  const S = past ? past.shape[2] : 0;
  const E = H * Dh;
  const out = backend().alloc(n * H * (S + 1) * Dh, true);
  if (past) backend().axisCopy(past.data, S, 0, out, S + 1, 0, n * H, S, Dh, false);
  for (let b = 0; b < n; b++) {
    for (let h = 0; h < H; h++) {
      const from = b * 3 * E + block * E + h * Dh;
      out.set(qkv.subarray(from, from + Dh), ((b * H + h) * (S + 1) + S) * Dh);
    }
  }
  return new Tensor(out, [n, H, S + 1, Dh], { op: 'transformer_step' });
}

/** Pre-norm self-attention of layer `layer` at the new position: s.x += attention block; extends `cache`. */
function attentionBlock(layer: TransformerEncoderLayer, cache: AttentionCache, n: number, s: StepScratch): void {
  const attn = layer.self_attn;
  const { numHeads: H, headDim: Dh, embedDim: E } = attn;
  normRows(layer.norm1, s.x, n, s, s.y);
  linearRows(s.y, n, attn.in_proj_weight.data, 3 * E, E, attn.in_proj_bias?.data ?? null, s.qkv);
  const k = extended(cache.kv?.k ?? null, s.qkv, 1, n, H, Dh);
  const v = extended(cache.kv?.v ?? null, s.qkv, 2, n, H, Dh);
  cache.kv = { k, v };
  const keys = k.shape[2];
  backend().attention({
    batch: n, heads: H, queries: 1, keys, headDim: Dh, q: s.qkv, qAt: interleavedHeads(1, 3 * E, Dh, 0), k: k.data,
    kAt: headMajor(H, keys, Dh), v: v.data, vAt: headMajor(H, keys, Dh), scale: 1 / Math.sqrt(Dh), causal: true,
    keyPadding: null, weights: s.weights.subarray(0, n * H * keys), out: s.heads,
  });
  attn.out_proj.rows(s.heads, n, s.sub);
  addInto(s.x, s.sub);
}

/** Pre-norm feed-forward block: s.x += W₂·GELU(W₁·LN₂(x) + b₁) + b₂. */
function feedForwardBlock(layer: TransformerEncoderLayer, n: number, s: StepScratch): void {
  normRows(layer.norm2, s.x, n, s, s.y);
  layer.linear1.rows(s.y, n, s.ff);
  backend().unary(layer.config.activation === 'gelu' ? 'gelu' : 'relu', s.ff, s.act);
  layer.linear2.rows(s.act, n, s.sub);
  addInto(s.x, s.sub);
}

/** See the file comment. `state.caches` holds each layer's keys and values so far, or nothing for a fresh start. */
export function transformerStep(model: TransformerLm, tokens: readonly number[], state: TransformerState = {},
  options: StepOptions = {}): { logits: Tensor; state: TransformerState } {
  const n = tokens.length;
  const { embedDim: E, vocabSize: V, context } = model.config;
  const past = state.caches;
  if (past && past.length !== model.layers.length) {
    throw new SeqlabError(`lm: ${past.length} layer caches for a model of ${model.layers.length} layers`);
  }
  const offset = past?.[0].kv ? past[0].kv.k.shape[2] : 0;
  for (const c of past ?? []) {
    const k = c.kv?.k;
    if (k ? !(k.rank === 4 && k.shape[0] === n && k.shape[2] === offset) : offset !== 0) {
      throw new SeqlabError(`lm: a layer cache ${JSON.stringify(k?.shape ?? null)} does not fit ${n} sequences at position ${offset}`);
    }
  }
  if (offset + 1 > context) throw new SeqlabError(`model: ${offset + 1} positions exceed the context of ${context}`);
  for (const t of tokens) {
    if (!(Number.isInteger(t) && t >= 0 && t < V)) throw new SeqlabError(`lm: token id ${t} is outside the vocabulary of ${V}`);
  }
  const s = stepScratch(model, n);
  const emb = model.embedding.weight.data;
  const pos = model.pos.embedding.weight.data.subarray(offset * E, (offset + 1) * E);
  tokens.forEach((t, b) => {
    for (let e = 0; e < E; e++) s.x[b * E + e] = emb[t * E + e] + pos[e];
  });
  const caches: AttentionCache[] = model.layers.map((_, l) => ({ kv: past?.[l].kv ?? null }));
  model.layers.forEach((layer, l) => {
    attentionBlock(layer, caches[l], n, s);
    feedForwardBlock(layer, n, s);
  });
  normRows(model.norm, s.x, n, s, s.y);
  const C = outputClasses(model.config);
  const logits = outputLogitRows(s.y, n, model, options.reuse === true ? (s.logits ??= backend().alloc(n * C)) : undefined);
  return { logits: new Tensor(logits, [n, 1, C], { op: 'transformer_step' }), state: { caches } };
}

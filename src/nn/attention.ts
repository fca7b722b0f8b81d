/**
 * Attention of one query vector over a sequence of keys, as in RNN encoder-decoders:
 * Bahdanau's additive scoring and Luong's dot and general scoring. All three share one
 * interface: query [B, Dq], keys [B, S, Dk], an optional mask [B, S] (nonzero = ignore this
 * key, as PyTorch's masks) → { context [B, Dk], weights [B, S] }.
 *
 * Masked keys get weight exactly 0. A row with every key masked gets all-zero weights and a
 * zero context (F.softmax with a mask), where PyTorch's softmax over all −∞ gives NaN.
 */
import { SeqlabError } from '../errors.js';
import { add } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { reshape, unsqueeze } from '../ops/shape-ops.js';
import { tanh } from '../ops/unary.js';
import { traceValue, tracing } from '../inspect/trace.js';
import type { Rng } from '../tensor/random.js';
import { type Shape, shapeStr } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { softmax } from './functional.js';
import { Linear } from './layers.js';
import { Module } from './module.js';

/** What every single-query attention returns. */
export interface AttentionOutput {
  /** Σₛ weights[b, s] · keys[b, s, :], [B, Dk]. */
  context: Tensor;
  /** Softmax over the keys of the scores, 0 at masked keys, [B, S]. */
  weights: Tensor;
}

/** Throws a SeqlabError naming `where` unless `mask` (or another tensor) is absent or has exactly `shape`. */
export function checkMask(mask: Tensor | undefined, shape: Shape, where: string, what = 'mask'): void {
  if (!mask) return;
  if (mask.rank !== shape.length || mask.shape.some((d, i) => d !== shape[i])) {
    throw new SeqlabError(`${where}: ${what} has shape ${shapeStr(mask.shape)}, expected ${shapeStr(shape)}`);
  }
}

/** Checks query [B, Dq] and keys [B, S, Dk] against the sizes a layer was built for. */
function checkInputs(name: string, query: Tensor, keys: Tensor, queryDim: number, keyDim: number,
  mask: Tensor | undefined): void {
  if (query.rank !== 2 || query.shape[1] !== queryDim) {
    throw new SeqlabError(`${name}: query has shape ${shapeStr(query.shape)}, expected [B, ${queryDim}]`);
  }
  if (keys.rank !== 3 || keys.shape[0] !== query.shape[0] || keys.shape[2] !== keyDim) {
    throw new SeqlabError(`${name}: keys have shape ${shapeStr(keys.shape)}, expected [${query.shape[0]}, S, ${keyDim}]`);
  }
  checkMask(mask, [keys.shape[0], keys.shape[1]], name);
}

/** Options of an attention call: the decoder's target step, which an active trace records with the weights. */
export interface AttendOptions {
  step?: number;
}

/**
 * The part every scoring shares: weights = softmax(scores) over unmasked keys, context =
 * weights · keys. scores [B, S], keys [B, S, Dk]. Records `attn` ([B, S]) into an active trace,
 * at `step` where given.
 */
export function attend(module: object, scores: Tensor, keys: Tensor, mask?: Tensor, options: AttendOptions = {}): AttentionOutput {
  const weights = softmax(scores, -1, mask); // [B, S]
  if (tracing()) traceValue(module, 'attn', weights, options.step ?? null);
  const [b, , dk] = keys.shape;
  const context = reshape(matmul(unsqueeze(weights, 1), keys), [b, dk]); // [B, 1, S]·[B, S, Dk] → [B, Dk]
  return { context, weights };
}

/**
 * Bahdanau (additive) attention:
 *   scoreₛ = v · tanh(W_q q + W_k kₛ + b_k),  weights = softmax(score),  context = Σₛ weightsₛ kₛ.
 * Parameters (PyTorch-style names): `W_q.weight` [A, Dq] (no bias), `W_k.weight` [A, Dk],
 * `W_k.bias` [A], `v.weight` [1, A] (no bias); A is `attnDim`. Init: Linear's U(±1/√in).
 */
export class AdditiveAttention extends Module {
  W_q: Linear;
  W_k: Linear;
  v: Linear;

  constructor(readonly queryDim: number, readonly keyDim: number, readonly attnDim: number, rng: Rng) {
    super();
    this.W_q = new Linear(queryDim, attnDim, rng, false);
    this.W_k = new Linear(keyDim, attnDim, rng);
    this.v = new Linear(attnDim, 1, rng, false);
  }

  /**
   * The projected keys W_k kₛ + b_k, [B, S, A]. They do not depend on the query, so a decoder
   * can compute them once per source sentence and pass them to every step.
   */
  projectKeys(keys: Tensor): Tensor {
    return this.W_k.forward(keys);
  }

  /**
   * query [B, Dq], keys [B, S, Dk], mask [B, S] → context [B, Dk], weights [B, S].
   * `projectedKeys` [B, S, A], from `projectKeys(keys)`, saves recomputing them at every step.
   */
  forward(query: Tensor, keys: Tensor, mask?: Tensor, options: AttendOptions & { projectedKeys?: Tensor } = {}): AttentionOutput {
    const { projectedKeys } = options;
    checkInputs('AdditiveAttention', query, keys, this.queryDim, this.keyDim, mask);
    const [b, s] = keys.shape;
    checkMask(projectedKeys, [b, s, this.attnDim], 'AdditiveAttention', 'projectedKeys');
    const pk = projectedKeys ?? this.projectKeys(keys); // [B, S, A]
    const hidden = tanh(add(unsqueeze(this.W_q.forward(query), 1), pk)); // [B, 1, A] + [B, S, A]
    const scores = reshape(this.v.forward(hidden), [b, s]); // [B, S, 1] → [B, S]
    return attend(this, scores, keys, mask, options);
  }
}

/**
 * Luong's dot attention: scoreₛ = q · kₛ (query and keys of one size D), no parameters.
 * query [B, D], keys [B, S, D], mask [B, S] → context [B, D], weights [B, S].
 */
export class DotAttention extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(query: Tensor, keys: Tensor, mask?: Tensor, options: AttendOptions = {}): AttentionOutput {
    checkInputs('DotAttention', query, keys, this.dim, this.dim, mask);
    const [b, s] = keys.shape;
    const scores = reshape(matmul(unsqueeze(query, 1), keys, true), [b, s]); // [B, 1, D]·[B, S, D]ᵀ → [B, S]
    return attend(this, scores, keys, mask, options);
  }
}

/**
 * Luong's general attention: scoreₛ = qᵀ W kₛ. `W.weight` [Dq, Dk] (a Linear without bias from
 * keys to the query's size, init U(±1/√Dk)). query [B, Dq], keys [B, S, Dk], mask [B, S] →
 * context [B, Dk], weights [B, S].
 */
export class GeneralAttention extends Module {
  W: Linear;

  constructor(readonly queryDim: number, readonly keyDim: number, rng: Rng) {
    super();
    this.W = new Linear(keyDim, queryDim, rng, false);
  }

  forward(query: Tensor, keys: Tensor, mask?: Tensor, options: AttendOptions = {}): AttentionOutput {
    checkInputs('GeneralAttention', query, keys, this.queryDim, this.keyDim, mask);
    const [b, s] = keys.shape;
    const wk = this.W.forward(keys); // [B, S, Dq]
    const scores = reshape(matmul(unsqueeze(query, 1), wk, true), [b, s]); // [B, 1, Dq]·[B, S, Dq]ᵀ → [B, S]
    return attend(this, scores, keys, mask, options);
  }
}

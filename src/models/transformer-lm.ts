import { SeqlabError } from '../errors.js';
import { tracing } from '../inspect/trace.js';
import type { Dropout, Embedding, Linear } from '../nn/layers.js';
import { LayerNorm } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import { causalMask } from '../nn/multihead.js';
import { LearnedPositionalEncoding } from '../nn/positional.js';
import { type AttentionCache, TransformerEncoderLayer } from '../nn/transformer.js';
import { concat } from '../ops/shape-ops.js';
import { isExplicit } from '../tensor/autograd.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import type { StepOptions } from './causal-lm.js';
import type { LmConfig } from './lm-config.js';
import { checkIds, inputParts, outputLogits, outputParts } from './lm-parts.js';
import { pick } from './recurrent-lm.js';
import { transformerStep } from './transformer-step.js';

/** The transformer's state: each layer's attention cache (keys and values [B, H, S, Dh] so far). */
export interface TransformerState {
  caches?: AttentionCache[];
}

/**
 * A GPT-style causal decoder: embedding + learned positions → dropout → pre-norm encoder layers
 * (GELU) under a causal mask → final LayerNorm → dropout → output layer. ids [B, T] → logits
 * [B, T, C]. Incremental decoding hands each layer its own cache: the layer's code, not a copy.
 */
export class TransformerLm extends Module {
  embedding: Embedding;
  drop: Dropout;
  pos: LearnedPositionalEncoding;
  layers: TransformerEncoderLayer[] = [];
  norm: LayerNorm;
  proj: Linear | null;
  head: Linear | null;

  constructor(readonly config: LmConfig, rng: Rng) {
    super();
    const c = config;
    if (c.embedDim % c.nhead !== 0) throw new SeqlabError(`model: embedDim ${c.embedDim} is not divisible by nhead ${c.nhead}`);
    ({ embedding: this.embedding, drop: this.drop } = inputParts(c, rng));
    this.pos = new LearnedPositionalEncoding(c.embedDim, c.context, rng);
    for (let l = 0; l < c.numLayers; l++) {
      this.layers.push(new TransformerEncoderLayer({ dModel: c.embedDim, nhead: c.nhead, dimFeedforward: c.hiddenSize,
        dropout: c.dropout, activation: 'gelu', normFirst: true }, rng));
    }
    this.norm = new LayerNorm(c.embedDim);
    ({ proj: this.proj, head: this.head } = outputParts(c, c.embedDim, rng));
  }

  get contextLimit(): number {
    return this.config.context;
  }

  /** With `state.caches` only the new positions are computed, attending over the cached ones. */
  forward(ids: ArrayLike<number>, batch: number, time: number, state: TransformerState = {}): { logits: Tensor; state: TransformerState } {
    checkIds(ids, batch, time);
    const offset = state.caches?.[0].kv ? state.caches[0].kv.k.shape[2] : 0;
    if (offset + time > this.config.context) {
      throw new SeqlabError(`model: ${offset + time} positions exceed the context of ${this.config.context}`);
    }
    const x = this.drop.forward(this.embedding.forward(Array.from(ids), [batch, time])); // [B, T, E]
    let h = this.pos.forward(x, offset); // [B, T, E]
    const mask = causalMask(time, offset + time); // [T, S + T]
    const caches = state.caches ? state.caches.map((c) => ({ kv: c.kv })) : this.layers.map(() => ({ kv: null }));
    this.layers.forEach((layer, l) => {
      h = layer.forward(h, { mask }, caches[l]);
    });
    return { logits: outputLogits(this.drop.forward(this.norm.forward(h)), this), state: { caches } };
  }

  /**
   * One token per sequence through the lean kernel path (transformer-step.ts); `forward` runs
   * instead in explicit mode, while tracing (explain reads the traced weights) and where dropout
   * is live (training).
   */
  step(tokens: readonly number[], state: TransformerState | undefined, options: StepOptions = {}): { logits: Tensor; state: TransformerState } {
    if (isExplicit() || tracing() || (this.training && this.config.dropout > 0)) return this.forward(tokens, tokens.length, 1, state);
    return transformerStep(this, tokens, state ?? {}, options);
  }

  /** Caches stacked along the batch axis (axis 0 of [B, H, S, Dh]); all must hold the same length. */
  joinStates(states: readonly TransformerState[]): TransformerState {
    if (states.length === 1) return states[0];
    return {
      caches: this.layers.map((_, l) => {
        const kvs = states.map((s) => s.caches![l].kv!);
        return { kv: { k: concat(kvs.map((kv) => kv.k), 0), v: concat(kvs.map((kv) => kv.v), 0) } };
      }),
    };
  }

  splitState(state: TransformerState, n: number): TransformerState[] {
    if (n === 1) return [state];
    return Array.from({ length: n }, (_, i) => ({
      caches: state.caches?.map((c) => ({ kv: c.kv ? { k: pick(c.kv.k, 0, i), v: pick(c.kv.v, 0, i) } : null })),
    }));
  }
}

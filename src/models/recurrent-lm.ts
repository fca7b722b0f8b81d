import type { Dropout, Embedding, Linear } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import { Gru, Lstm, Rnn } from '../nn/recurrent.js';
import { concat, reshape, slice } from '../ops/shape-ops.js';
import { isExplicit } from '../tensor/autograd.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import type { StepOptions } from './causal-lm.js';
import type { LmConfig } from './lm-config.js';
import { checkIds, inputParts, outputLogits, outputParts } from './lm-parts.js';
import { recurrentStep } from './recurrent-step.js';

/**
 * The most tokens a recurrent model reads for one prediction. Its state could carry on forever,
 * but what a trained RNN remembers fades within a few hundred steps, and reading a whole book
 * to suggest a word would cost seconds: predictions read the last 1,024 tokens.
 */
export const RECURRENT_CONTEXT_CAP = 1024;

/** A recurrent model's carried state: hN (and cN for the LSTM), each [L, B, H]. */
export interface RecurrentState {
  h?: Tensor;
  c?: Tensor;
}

/**
 * embedding → dropout → recurrent stack (rnn | gru | lstm) → dropout → output layer.
 * ids [B, T] → logits [B, T, C], carrying the stack's state from call to call.
 */
export class RecurrentLm extends Module {
  // Field order is the parameter order of config.json's era: embedding, rnn, proj, head.
  embedding: Embedding;
  drop: Dropout;
  rnn: Rnn | Gru | Lstm;
  proj: Linear | null;
  head: Linear | null;
  readonly contextLimit = RECURRENT_CONTEXT_CAP;

  constructor(readonly config: LmConfig, rng: Rng) {
    super();
    const c = config;
    ({ embedding: this.embedding, drop: this.drop } = inputParts(c, rng));
    const rc = { inputSize: c.embedDim, hiddenSize: c.hiddenSize, numLayers: c.numLayers, dropout: c.dropout };
    this.rnn = c.arch === 'rnn' ? new Rnn(rc, rng) : c.arch === 'gru' ? new Gru(rc, rng) : new Lstm(rc, rng);
    ({ proj: this.proj, head: this.head } = outputParts(c, c.hiddenSize, rng));
  }

  forward(ids: ArrayLike<number>, batch: number, time: number, state: RecurrentState = {}): { logits: Tensor; state: RecurrentState } {
    checkIds(ids, batch, time);
    const x = this.drop.forward(this.embedding.forward(Array.from(ids), [batch, time])); // [B, T, E]
    const out = this.rnn instanceof Lstm ? this.rnn.forward(x, { h0: state.h, c0: state.c }) : this.rnn.forward(x, { h0: state.h });
    const next: RecurrentState = { h: out.hN };
    if ('cN' in out) next.c = out.cN as Tensor;
    const logits = outputLogits(this.drop.forward(out.output), this); // [B, T, H] → [B, T, C]
    return { logits, state: next };
  }

  /** One token per sequence through the lean kernel path (recurrent-step.ts); explicit mode runs `forward`. */
  step(tokens: readonly number[], state: RecurrentState | undefined, options: StepOptions = {}): { logits: Tensor; state: RecurrentState } {
    if (isExplicit()) return this.forward(tokens, tokens.length, 1, state);
    return recurrentStep(this, tokens, state ?? {}, options);
  }

  /** States of single sequences stacked along the batch axis (axis 1 of [L, B, H]). */
  joinStates(states: readonly RecurrentState[]): RecurrentState {
    if (states.length === 1) return states[0];
    const out: RecurrentState = {};
    if (states[0].h) out.h = concat(states.map((s) => s.h!), 1);
    if (states[0].c) out.c = concat(states.map((s) => s.c!), 1);
    return out;
  }

  splitState(state: RecurrentState, n: number): RecurrentState[] {
    if (n === 1) return [state];
    return Array.from({ length: n }, (_, i) => ({
      ...(state.h ? { h: pick(state.h, 1, i) } : {}),
      ...(state.c ? { c: pick(state.c, 1, i) } : {}),
    }));
  }
}

/** Entry i of `axis`, kept as an axis of size 1 (a contiguous copy). */
export function pick(t: Tensor, axis: number, i: number): Tensor {
  const part = slice(t, axis, i, i + 1);
  return reshape(part, part.shape);
}

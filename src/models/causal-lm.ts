/**
 * Causal sequence models: token ids [B, T] → scores [B, T, C] where position t sees tokens 0..t
 * only. One class per architecture family, behind one small interface:
 *   WindowLm (ffn)            the last k embeddings through a tanh layer: no memory beyond k
 *   RecurrentLm (rnn|gru|lstm) a recurrent stack carrying its state
 *   TransformerLm             a GPT-style decoder (pre-norm layers, learned positions, final norm)
 * A language model scores the next token (C = vocabulary); the memory task scores its own classes.
 */
import type { Module } from '../nn/module.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import type { LmConfig } from './lm-config.js';
import { RecurrentLm } from './recurrent-lm.js';
import { TransformerLm } from './transformer-lm.js';
import { WindowLm } from './window-lm.js';

/** Options of a one-token step. */
export interface StepOptions {
  /**
   * The caller gives `state` up, so its memory may be reused, and reads the logits before the
   * next step (they may live in a buffer the model reuses): generation's loop allocates nothing.
   */
  reuse?: boolean;
}

/**
 * A causal model of family-specific state S (what it carries from one call to the next).
 * `forward` continues from `state` (none: a fresh start) and returns the state after the last
 * position; `step` is one token per sequence, through a fast path where the family has one
 * (the same numbers as `forward`; `explicit()` runs `forward`).
 */
export interface CausalLm<S = unknown> extends Module {
  readonly config: LmConfig;
  /**
   * The most tokens a prediction reads: the window, the transformer's positions, or
   * RECURRENT_CONTEXT_CAP for recurrent models.
   */
  readonly contextLimit: number;
  /** ids [B·T] (row-major [B, T]) → logits [B, T, C], and the state after position T − 1. */
  forward(ids: ArrayLike<number>, batch: number, time: number, state?: S): { logits: Tensor; state: S };
  /** One token per sequence: tokens [n] → logits [n, 1, C]. */
  step(tokens: readonly number[], state: S | undefined, options?: StepOptions): { logits: Tensor; state: S };
  /** Single-sequence states stacked into one batch state, and back. */
  joinStates(states: readonly S[]): S;
  splitState(state: S, n: number): S[];
}

/** Builds the family `config.arch` names; parameters are drawn from `rng` in PyTorch's init. */
export function buildCausalLm(config: LmConfig, rng: Rng): CausalLm {
  switch (config.arch) {
    case 'ffn': return new WindowLm(config, rng);
    case 'rnn': case 'gru': case 'lstm': return new RecurrentLm(config, rng);
    case 'transformer': return new TransformerLm(config, rng);
  }
}

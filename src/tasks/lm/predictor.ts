import { noGrad } from '../../tensor/autograd.js';
import { concat, reshape, slice } from '../../ops/shape-ops.js';
import type { KneserNey } from '../../models/ngram.js';
import type { LanguageModel, LmState } from '../../models/lm.js';
import { recurrentStep } from '../../models/recurrent-step.js';
import type { Tensor } from '../../tensor/tensor.js';

/**
 * Anything that scores the next token after a context: a neural language model or the n-gram
 * baseline. States are opaque; `advance` moves many at once so a neural model runs them as one
 * batch (the beams of a suggestion, for instance).
 */
export interface Predictor<S = unknown> {
  readonly vocabSize: number;
  /** The state after reading `context` (token ids). */
  start(context: readonly number[]): S;
  /** log P(next token) for a state, over the vocabulary. */
  logProbs(state: S): Float64Array;
  /** Each state advanced by one token. */
  advance(states: readonly S[], tokens: readonly number[]): S[];
  /** One state advanced by one token; the caller gives `state` up, so its memory may be reused. */
  step(state: S, token: number): S;
}

/** A neural model's state: its carried state and the logits for the next token. */
interface NeuralState {
  lm: LmState;
  logits: Float32Array;
  /** Tokens read so far (the transformer re-reads its tail when its context is full). */
  tokens: number[];
}

function logSoftmax64(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(logits, (v) => v - lse);
}

/** Predictions from a `LanguageModel`, in inference mode with no graph recorded. */
export class NeuralPredictor implements Predictor<NeuralState> {
  constructor(readonly model: LanguageModel) {
    model.eval();
  }

  get vocabSize(): number {
    return this.model.config.vocabSize;
  }

  start(context: readonly number[]): NeuralState {
    const ids = context.length > 0 ? [...context] : [0];
    const limit = this.model.config.arch === 'transformer' ? Math.max(1, this.model.config.context - 32) : Infinity;
    const tail = ids.slice(-limit);
    return noGrad(() => {
      const { logits, state } = this.model.forward(tail, 1, tail.length);
      const v = this.vocabSize;
      return { lm: state, logits: logits.data.slice((tail.length - 1) * v, tail.length * v), tokens: tail };
    });
  }

  logProbs(state: NeuralState): Float64Array {
    return logSoftmax64(state.logits);
  }

  step(state: NeuralState, token: number): NeuralState {
    if (!this.model.rnn) return this.advance([state], [token])[0];
    return noGrad(() => {
      // Generation's loop: the new state and logits overwrite the old, nothing allocated per token.
      const { logits, state: lm } = recurrentStep(this.model, [token], state.lm, { reuse: true });
      state.logits.set(logits.data);
      state.tokens.push(token);
      return { lm, logits: state.logits, tokens: state.tokens };
    });
  }

  advance(states: readonly NeuralState[], tokens: readonly number[]): NeuralState[] {
    const full = this.model.config.arch === 'transformer' &&
      states.some((s) => s.tokens.length + 1 > this.model.config.context);
    if (full) return states.map((s, i) => this.start([...s.tokens, tokens[i]]));
    return noGrad(() => {
      const n = states.length;
      const joined = n === 1 ? states[0].lm : joinStates(states.map((s) => s.lm));
      // Recurrent models take the lean one-step path (the same numbers as forward, fewer tensors).
      const { logits, state } = this.model.rnn ? recurrentStep(this.model, tokens, joined)
        : this.model.forward(tokens, n, 1, joined);
      const v = this.vocabSize;
      const parts = n === 1 ? [state] : splitState(state, n);
      return parts.map((lm, i) => ({ lm, logits: logits.data.slice(i * v, (i + 1) * v), tokens: [...states[i].tokens, tokens[i]] }));
    });
  }
}

/** Stacks single-sequence states into one batch state (batch is axis 1 of h/c, axis 0 of kv). */
function joinStates(states: LmState[]): LmState {
  const first = states[0];
  const out: LmState = {};
  if (first.h) out.h = concat(states.map((s) => s.h!), 1);
  if (first.c) out.c = concat(states.map((s) => s.c!), 1);
  if (first.kv) out.kv = first.kv.map((_, l) => ({ k: concat(states.map((s) => s.kv![l].k), 0), v: concat(states.map((s) => s.kv![l].v), 0) }));
  if (first.history) out.history = states.flatMap((s) => s.history!);
  return out;
}

/** The inverse of `joinStates`. */
function splitState(state: LmState, n: number): LmState[] {
  const pick = (t: Tensor, axis: number, i: number): Tensor => {
    const part = slice(t, axis, i, i + 1);
    return reshape(part, part.shape);
  };
  return Array.from({ length: n }, (_, i) => ({
    h: state.h ? pick(state.h, 1, i) : undefined,
    c: state.c ? pick(state.c, 1, i) : undefined,
    kv: state.kv?.map((kv) => ({ k: pick(kv.k, 0, i), v: pick(kv.v, 0, i) })),
    history: state.history ? [state.history[i]] : undefined,
  }));
}

/** Predictions from the Kneser-Ney baseline; its state is just the tokens so far. */
export class NgramPredictor implements Predictor<number[]> {
  constructor(readonly model: KneserNey) {}

  get vocabSize(): number {
    return this.model.vocabSize;
  }

  start(context: readonly number[]): number[] {
    return context.slice(-(this.model.config.order - 1 || 1));
  }

  logProbs(state: number[]): Float64Array {
    return this.model.distribution(state).map(Math.log);
  }

  advance(states: readonly number[][], tokens: readonly number[]): number[][] {
    return states.map((s, i) => this.start([...s, tokens[i]]));
  }

  step(state: number[], token: number): number[] {
    return this.start([...state, token]);
  }
}

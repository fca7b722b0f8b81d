import type { CausalLm } from '../models/causal-lm.js';
import { outputClasses } from '../models/lm-config.js';
import { noGrad } from '../tensor/autograd.js';
import { logSoftmax64, type Predictor } from './predictor.js';

/** A causal model's state for decoding: its carried state, the next-token logits, and the tokens read. */
export interface LmPredictorState<S = unknown> {
  model: S;
  logits: Float32Array;
  /** Tokens read so far (a model with a bounded context re-reads its tail when full). */
  tokens: number[];
}

/**
 * Predictions from a `CausalLm`, in inference mode with no graph recorded. A context longer
 * than the model can use is cut to its last `contextLimit` tokens. A transformer starts from its
 * last `contextLimit − headroom` tokens (headroom: a quarter of its positions, at most 32), and
 * when its positions run out while decoding it starts again the same way, so it need not restart
 * at every step.
 */
export class LmPredictor implements Predictor<LmPredictorState> {
  constructor(readonly model: CausalLm) {
    model.eval();
  }

  get vocabSize(): number {
    return outputClasses(this.model.config);
  }

  /** Tokens read at a (re)start: the whole limit for stateful models, less headroom for bounded ones. */
  private get startLimit(): number {
    const limit = this.model.contextLimit;
    if (this.model.config.arch !== 'transformer') return limit;
    return Math.max(1, limit - Math.min(32, Math.floor(limit / 4)));
  }

  start(context: readonly number[]): LmPredictorState {
    const ids = context.length > 0 ? context.slice(-this.startLimit) : [0];
    return noGrad(() => {
      const { logits, state } = this.model.forward(ids, 1, ids.length);
      const v = logits.shape[2];
      return { model: state, logits: logits.data.slice((ids.length - 1) * v, ids.length * v), tokens: [...ids] };
    });
  }

  logProbs(state: LmPredictorState): Float64Array {
    return logSoftmax64(state.logits);
  }

  step(state: LmPredictorState, token: number): LmPredictorState {
    if (!this.fits(state)) return this.start([...state.tokens, token]);
    return noGrad(() => {
      // Generation's loop: the new state and logits overwrite the old, nothing allocated per token.
      const { logits, state: next } = this.model.step([token], state.model, { reuse: true });
      state.logits.set(logits.data);
      state.tokens.push(token);
      return { model: next, logits: state.logits, tokens: state.tokens };
    });
  }

  advance(states: readonly LmPredictorState[], tokens: readonly number[]): LmPredictorState[] {
    if (!states.every((s) => this.fits(s))) return states.map((s, i) => this.start([...s.tokens, tokens[i]]));
    return noGrad(() => {
      const n = states.length;
      const { logits, state } = this.model.step(tokens, this.model.joinStates(states.map((s) => s.model)));
      const v = logits.shape[2];
      return this.model.splitState(state, n).map((model, i) => ({
        model, logits: logits.data.slice(i * v, (i + 1) * v), tokens: [...states[i].tokens, tokens[i]],
      }));
    });
  }

  /** Whether one more token fits the transformer's positions (other families always fit). */
  private fits(state: LmPredictorState): boolean {
    return this.model.config.arch !== 'transformer' || state.tokens.length + 1 <= this.model.contextLimit;
  }
}

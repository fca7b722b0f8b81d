import type { Dropout, Embedding, Linear } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import { FfnWindow } from '../nn/window.js';
import { concat, slice } from '../ops/shape-ops.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import type { LmConfig } from './lm-config.js';
import { checkIds, inputParts, outputLogits, outputParts } from './lm-parts.js';

/** The window model's state: each sequence's last k − 1 tokens (what the next position sees). */
export interface WindowState {
  history?: number[][];
}

/**
 * embedding → dropout → feed-forward window (the last k embeddings through a tanh layer) →
 * dropout → output layer. No memory beyond k tokens: the baseline that shows why sequences
 * need recurrence or attention. ids [B, T] → logits [B, T, C].
 */
export class WindowLm extends Module {
  embedding: Embedding;
  drop: Dropout;
  ffn: FfnWindow;
  proj: Linear | null;
  head: Linear | null;

  constructor(readonly config: LmConfig, rng: Rng) {
    super();
    const c = config;
    ({ embedding: this.embedding, drop: this.drop } = inputParts(c, rng));
    this.ffn = new FfnWindow({ inputSize: c.embedDim, outputSize: c.hiddenSize, window: c.window, hiddenSize: c.hiddenSize }, rng);
    ({ proj: this.proj, head: this.head } = outputParts(c, c.hiddenSize, rng));
  }

  get contextLimit(): number {
    return this.config.window;
  }

  forward(ids: ArrayLike<number>, batch: number, time: number, state: WindowState = {}): { logits: Tensor; state: WindowState } {
    checkIds(ids, batch, time);
    const x = this.drop.forward(this.embedding.forward(Array.from(ids), [batch, time])); // [B, T, E]
    const k = this.config.window;
    const past = state.history ?? [];
    const keepLast = (a: number[]): number[] => (k > 1 ? a.slice(-(k - 1)) : []);
    const history = Array.from({ length: batch }, (_, b) => keepLast([...(past[b] ?? []), ...Array.from(ids).slice(b * time, (b + 1) * time)]));
    let h: Tensor;
    if (past.length === 0 || past[0].length === 0) {
      h = this.ffn.forward(x); // [B, T, H]
    } else { // the window reaches back into the tokens of earlier calls
      const keep = Math.min(past[0].length, k - 1);
      const prev = this.embedding.forward(past.flatMap((p) => p.slice(-keep)), [batch, keep]); // [B, keep, E]
      h = slice(this.ffn.forward(concat([prev, x], 1)), 1, keep, keep + time); // [B, T, H]
    }
    return { logits: outputLogits(this.drop.forward(h), this), state: { history } };
  }

  step(tokens: readonly number[], state: WindowState | undefined): { logits: Tensor; state: WindowState } {
    return this.forward(tokens, tokens.length, 1, state);
  }

  joinStates(states: readonly WindowState[]): WindowState {
    return states.length === 1 ? states[0] : { history: states.flatMap((s) => s.history ?? [[]]) };
  }

  splitState(state: WindowState, n: number): WindowState[] {
    return n === 1 ? [state] : Array.from({ length: n }, (_, i) => ({ history: state.history ? [state.history[i]] : undefined }));
  }
}

/**
 * An Explanation: what one model saw and did on one input, as plain JSON (no tensors), so a Web
 * Worker can post it to the page and the page can draw it with `explanationDiagrams`.
 */

/** One recurrent layer in one direction: its states and gate activations per input step. */
export interface RecurrentTrace {
  /** The cell's module path in the model (`rnn.layers.0.forward.cell`). */
  module: string;
  kind: 'rnn' | 'gru' | 'lstm';
  /** 0-based layer index in the stack. */
  layer: number;
  direction: 'forward' | 'backward';
  /** One display string per step, in time order (the backward direction too). */
  tokens: string[];
  /** `h` (and `c` for an LSTM): [T][H], in time order. */
  states: Record<string, number[][]>;
  /** LSTM i, f, g, o; GRU r, z, n; none for a plain RNN: [T][H], in time order. */
  gates: Record<string, number[][]>;
}

/** One attention module's weights: every head, queries (rows) against keys (columns). */
export interface AttentionTrace {
  module: string;
  kind: 'self' | 'cross';
  layer: number;
  queries: string[];
  keys: string[];
  /** [heads][Tq][Tk]; rows sum to 1. One head for additive/dot RNN attention. */
  heads: number[][][];
}

export interface Prediction {
  /** What the items are (`next token`, `translation`). */
  label: string;
  items: { text: string; prob: number }[];
}

export interface Explanation {
  task: string;
  arch: string;
  input: string;
  /** The input tokens as the model saw them (display strings). */
  tokens: string[];
  /** Translation: the output tokens. */
  target?: string[];
  recurrent: RecurrentTrace[];
  attention: AttentionTrace[];
  /** config.json as stored (for `modelDiagram`). */
  config: Record<string, unknown>;
  prediction?: Prediction;
}

export { explanationDiagrams, type Diagram, type ExplanationDiagramOptions } from '../viz/explanation-diagrams.js';
export { collectAttention, collectRecurrent, type TokensOf } from './collect.js';

/**
 * The feed-forward window baseline: a model with no state at all. Whatever it knows about the
 * past it must read from its last k inputs, so on a task that needs step t−k or earlier it
 * stays at chance, which is the point of showing it beside the recurrent models.
 */
import { checkWhole, resolveConfig } from '../config/resolve.js';
import { SeqlabError } from '../errors.js';
import { concat, slice } from '../ops/shape-ops.js';
import { tanh } from '../ops/unary.js';
import type { Rng } from '../tensor/random.js';
import { shapeStr } from '../tensor/shape.js';
import { type Tensor, zeros } from '../tensor/tensor.js';
import { Linear } from './layers.js';
import { Module } from './module.js';

/** The window model's sizes. */
export interface FfnWindowConfig {
  /** In: features per input step. */
  inputSize: number;
  /** Out: features per output step (e.g. logits over a vocabulary). */
  outputSize: number;
  /** k: how many input steps each prediction sees, the current one included. */
  window: number;
  /** Units of the hidden tanh layer. */
  hiddenSize: number;
}

/** Defaults: 32 inputs, 32 outputs, a window of 4 steps, 64 hidden units. */
export const defaultFfnWindowConfig: Readonly<FfnWindowConfig> = Object.freeze({
  inputSize: 32, outputSize: 32, window: 4, hiddenSize: 64,
});

/**
 * For each position t, an MLP on the concatenation of the last k inputs:
 *   w_t = [x_{t−k+1}, ..., x_{t−1}, x_t]   (x_s = 0 for s < 0)            [B, T, k·In]
 *   y_t = linear2(tanh(linear1(w_t)))                                      [B, T, Out]
 * linear1 [hidden, k·In] and linear2 [Out, hidden] are PyTorch-initialised `Linear`s.
 * x [B, T, In] → y [B, T, Out]. Position t never sees anything before t − k + 1.
 */
export class FfnWindow extends Module {
  readonly config: FfnWindowConfig;
  linear1: Linear;
  linear2: Linear;

  constructor(config: Partial<FfnWindowConfig>, rng: Rng) {
    super();
    this.config = resolveWindowConfig(config);
    const { inputSize, outputSize, window, hiddenSize } = this.config;
    this.linear1 = new Linear(window * inputSize, hiddenSize, rng);
    this.linear2 = new Linear(hiddenSize, outputSize, rng);
  }

  /** x [B, T, In] → y [B, T, Out]. */
  forward(x: Tensor): Tensor {
    return this.linear2.forward(tanh(this.linear1.forward(this.windows(x)))); // [B, T, Out]
  }

  /** The windows w_t, oldest step first: x [B, T, In] → [B, T, k·In], zero-padded at the start. */
  windows(x: Tensor): Tensor {
    const { inputSize, window } = this.config;
    if (x.rank !== 3 || x.shape[2] !== inputSize) {
      throw new SeqlabError(`FfnWindow: input ${shapeStr(x.shape)} should be [batch, time, ${inputSize}]`);
    }
    const [batch, steps] = x.shape;
    if (window === 1) return x;
    const padded = concat([zeros([batch, window - 1, inputSize]), x], 1); // [B, k−1+T, In]
    // Offset j holds x_{t−k+1+j}; the last one (j = k−1) is x itself.
    const shifted = Array.from({ length: window }, (_, j) => slice(padded, 1, j, j + steps)); // k × [B, T, In]
    return concat(shifted, -1); // [B, T, k·In]
  }
}

/** `given` over the defaults; every size must be a positive whole number (`ConfigError` otherwise). */
function resolveWindowConfig(given: Partial<FfnWindowConfig>): FfnWindowConfig {
  const c = resolveConfig('FfnWindow', defaultFfnWindowConfig, [given]);
  for (const key of Object.keys(c) as (keyof FfnWindowConfig)[]) checkWhole('FfnWindow', c, key);
  return c;
}

import { SeqlabError } from '../errors.js';
import { conv1d } from '../ops/conv1d.js';
import { dropout } from '../ops/dropout.js';
import { embedding, type Indices } from '../ops/index-ops.js';
import { linearRows } from '../ops/linear.js';
import { checkMaxPool1dArgs, maxPool1d } from '../ops/max-pool1d.js';
import type { Rng } from '../tensor/random.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { layerNorm, linear } from './functional.js';
import { constantParam, normalParam, uniformParam } from './init.js';
import { Module } from './module.js';

/**
 * y = x·Wᵀ + b. x [..., in] → [..., out]; weight [out, in], bias [out].
 * Init as PyTorch: U(±1/√in) for both.
 */
export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, rng: Rng, bias = true) {
    super();
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = uniformParam([outFeatures, inFeatures], bound, rng);
    this.bias = bias ? uniformParam([outFeatures], bound, rng) : null;
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  /**
   * The same product on plain rows, with no graph (inference fast paths): x [rows, in] →
   * y [rows, out] = x·Wᵀ + b, into `y` when given. The same kernel calls as `forward`.
   */
  rows(x: Float32Array, rows: number, y?: Float32Array): Float32Array {
    return linearRows(x, rows, this.weight.data, this.outFeatures, this.inFeatures, this.bias?.data ?? null, y);
  }
}

/**
 * Lookup table: ids of shape S → [...S, dim]; weight [vocab, dim] ~ N(0, 1) as PyTorch. The
 * `paddingIdx` row starts at zero and receives no gradient.
 */
export class Embedding extends Module {
  weight: Tensor;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, rng: Rng, readonly paddingIdx?: number) {
    super();
    this.weight = normalParam([numEmbeddings, embeddingDim], 1, rng);
    if (paddingIdx !== undefined) {
      if (paddingIdx < 0 || paddingIdx >= numEmbeddings) throw new SeqlabError(`Embedding: paddingIdx ${paddingIdx} out of range`);
      this.weight.fill(0, paddingIdx * embeddingDim, (paddingIdx + 1) * embeddingDim);
    }
  }

  forward(ids: Indices, shape: Shape): Tensor {
    return embedding(this.weight, ids, shape, this.paddingIdx);
  }
}

/** Layer normalisation over the last axis; weight 1, bias 0 at start (PyTorch's init). */
export class LayerNorm extends Module {
  weight: Tensor;
  bias: Tensor;

  constructor(readonly dim: number, readonly eps = 1e-5) {
    super();
    this.weight = constantParam([dim], 1);
    this.bias = constantParam([dim], 0);
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}

/** Inverted dropout with probability p, active only in training mode. */
export class Dropout extends Module {
  constructor(readonly p: number, private readonly _rng: Rng) {
    super();
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this._rng, this.training);
  }
}

/**
 * 1-D convolution over [batch, channels, length], stride 1; weight [out, in, kernel] and bias
 * [out] ~ U(±1/√(in·kernel)) as PyTorch. padding 'same' keeps the length (odd kernels).
 */
export class Conv1d extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly padding: number;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: number, rng: Rng,
    padding: number | 'same' = 0, readonly dilation = 1, bias = true) {
    super();
    if (padding === 'same' && (dilation * (kernelSize - 1)) % 2 !== 0) {
      throw new SeqlabError(`Conv1d: padding 'same' needs an odd kernel, got ${kernelSize}`);
    }
    this.padding = padding === 'same' ? (dilation * (kernelSize - 1)) / 2 : padding;
    const bound = 1 / Math.sqrt(inChannels * kernelSize);
    this.weight = uniformParam([outChannels, inChannels, kernelSize], bound, rng);
    this.bias = bias ? uniformParam([outChannels], bound, rng) : null;
  }

  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, this.padding, this.dilation);
  }
}

/**
 * 1-D max pooling over [batch, channels, length] → [batch, channels, Lout] (ops.maxPool1d), no
 * parameters; stride defaults to the kernel size and padding (which counts as −∞) to 0, as PyTorch.
 */
export class MaxPool1d extends Module {
  readonly stride: number;

  constructor(readonly kernelSize: number, stride?: number, readonly padding = 0) {
    super();
    this.stride = stride ?? kernelSize;
    checkMaxPool1dArgs(kernelSize, this.stride, padding, 'MaxPool1d');
  }

  forward(x: Tensor): Tensor {
    return maxPool1d(x, this.kernelSize, this.stride, this.padding);
  }
}

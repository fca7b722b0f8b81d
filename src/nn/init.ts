import { backend } from '../backend/index.js';
import type { Rng } from '../tensor/random.js';
import { numel, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** Fills `data` with draws from U(−bound, bound), in order. */
function fillUniform(data: Float32Array, bound: number, rng: Rng): void {
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-bound, bound);
}

/** Xavier/Glorot's bound √(6 / (fanIn + fanOut)) for a matrix [fanOut, fanIn]. */
function xavierBound(shape: readonly number[]): number {
  return Math.sqrt(6 / (shape[0] + shape[1]));
}

/** A parameter drawn from U(−bound, bound), PyTorch's default for Linear, RNNs and Conv1d. */
export function uniformParam(shape: Shape, bound: number, rng: Rng): Tensor {
  const data = backend().alloc(numel(shape)); // in the backend's memory: kernels read weights in place
  fillUniform(data, bound, rng);
  return new Tensor(data, shape, { requiresGrad: true });
}

/** A parameter drawn from N(0, std²), PyTorch's default for Embedding (std 1). */
export function normalParam(shape: Shape, std: number, rng: Rng): Tensor {
  const data = backend().alloc(numel(shape)); // in the backend's memory: kernels read weights in place
  for (let i = 0; i < data.length; i++) data[i] = std * rng.normal();
  return new Tensor(data, shape, { requiresGrad: true });
}

/** Xavier/Glorot uniform: U(±√(6 / (fanIn + fanOut))), PyTorch's init for in_proj_weight. */
export function xavierUniformParam(shape: readonly [number, number], rng: Rng): Tensor {
  return uniformParam(shape, xavierBound(shape), rng);
}

/** Redraws a matrix [fanOut, fanIn] in place from Xavier/Glorot uniform, as torch.nn.init.xavier_uniform_. */
export function xavierUniformInPlace(t: Tensor, rng: Rng): void {
  t.write((data) => fillUniform(data, xavierBound(t.shape), rng));
}

export function constantParam(shape: Shape, value: number): Tensor {
  const data = backend().alloc(numel(shape)).fill(value);
  return new Tensor(data, shape, { requiresGrad: true });
}

export { Tensor, tensor, scalar, zeros, ones, full, type BackwardFn } from './tensor.js';
export { backward, noGrad, isRecording, explicit, isExplicit, record } from './autograd.js';
export { Rng } from './random.js';
export { type Shape, numel, shapeStr, broadcastShapes } from './shape.js';

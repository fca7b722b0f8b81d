/** The differentiable primitives: one small file each, forward and backward together. */
export { add, sub, mul, div, pow, eq, gt, lt, asTensor, broadcastTo, type TensorLike } from './elementwise.js';
export { neg, exp, log, tanh, sigmoid, relu, gelu, sqrt, abs } from './unary.js';
export { sum, mean, max, sumTo } from './reduce.js';
export { matmul } from './matmul.js';
export { reshape, unsqueeze, squeeze, permute, transpose, slice, chunk, concat, stack } from './shape-ops.js';
export { indexSelect, embedding, where, maskedFill, oneHot, type Indices } from './index-ops.js';
export { conv1d } from './conv1d.js';
export { maxPool1d } from './max-pool1d.js';
export { dropout } from './dropout.js';
export { recurrence, type RecurrenceResult } from './recurrence.js';
export { attention, interleaved, headMajorView, type HeadView, type AttentionOptions, type AttentionResult } from './attention.js';

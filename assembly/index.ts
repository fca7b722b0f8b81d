// seqlab's WebAssembly SIMD kernels. Every export takes byte addresses into the (imported,
// shared) memory; the JS side in src/backend/wasm/ owns allocation and checks every extent
// before calling, so no kernel reads or writes outside the arrays it was given.
export { gemm, gemmScratchBytes, peakMulAdd } from './gemm';
export { unary, unaryGrad } from './unary';
export { binary, where, stridedCopy } from './elementwise';
export { reduce, axisCopy, gatherRows, im2col1d } from './reduce';
export { barrier, gemmChunk, gemmPackA, gemmPackB } from './parallel';
export {
  recurrenceForward, recurrenceBackward, recurrenceScratchBytes, recurrencePackWhh, recurrencePackedWhhBytes,
} from './recurrence';
export { recurrenceForwardPart, recurrenceBackwardPart, recurrencePartScratchBytes } from './recurrence-parallel';
export { softmax, softmaxGrad } from './softmax';
export { attention, attentionGrad, attentionScratchBytes } from './attention';
export { layerNorm, layerNormGrad } from './layernorm';
export { adamStep } from './adam';

/** Zeroes `bytes` bytes at p: a reused tensor block (memory.fill, several times faster than a JS fill on shared memory). */
export function zero(p: usize, bytes: usize): void {
  memory.fill(p, 0, bytes);
}

/** End of the static data; the JS allocator starts above it. */
export function heapBase(): usize {
  return __heap_base;
}

/** 1 in the relaxed-SIMD build, 0 in the plain one. */
export function relaxed(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}

/** 512 bytes for the JS side to pass shapes and strides (i32) to the broadcasting kernels. */
const META: usize = memory.data(512, 16);

export function metaAddress(): usize {
  return META;
}

/** seqlab: sequence models you can see inside. The library's public surface. */
export * from './tensor/index.js';
export * as ops from './ops/index.js';
export * as F from './nn/functional.js';
export * as nn from './nn/index.js';
export * as train from './train/index.js';
export { SeqlabError } from './errors.js';
export { backend, useBackend, withBackend, referenceBackend, type Backend } from './backend/index.js';
export { Trace, withTrace, tracing, type TraceEntry } from './inspect/trace.js';
export { LanguageModel, type LmConfig, type LmArch } from './models/lm.js';
export { KneserNey } from './models/ngram.js';
export { buildTokenizer, tokenizerFromJson } from './data/tokenizers.js';
export type { Tokenizer, TokenizerKind } from './data/tokenizer.js';
export { lossCurve } from './viz/loss-curve.js';

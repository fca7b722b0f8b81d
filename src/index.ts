/** seqlab: sequence models you can see inside. The library's public surface. */
export * from './tensor/index.js';
export * as ops from './ops/index.js';
export * as F from './nn/functional.js';
export { SeqlabError } from './errors.js';
export { backend, useBackend, withBackend, referenceBackend, type Backend } from './backend/index.js';

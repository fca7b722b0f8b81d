/**
 * The parts every causal family shares: the token embedding with its dropout, and the output
 * layer (a head over the classes, or the embedding matrix itself when tied).
 */
import { SeqlabError } from '../errors.js';
import { Dropout, Embedding, Linear } from '../nn/layers.js';
import { linearRows } from '../ops/linear.js';
import { matmul } from '../ops/matmul.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { type LmConfig, outputClasses } from './lm-config.js';

/** The output side: `proj` maps the body's width W to the embedding width when tied and they differ. */
export interface OutputParts {
  proj: Linear | null;
  head: Linear | null;
  embedding: Embedding;
}

/** The embedding [V, E] and dropout, made first so every family draws its init in one order. */
export function inputParts(c: LmConfig, rng: Rng): { embedding: Embedding; drop: Dropout } {
  if (!(c.vocabSize > 1)) throw new SeqlabError(`model: a vocabulary of ${c.vocabSize} tokens is too small`);
  return { embedding: new Embedding(c.vocabSize, c.embedDim, rng), drop: new Dropout(c.dropout, rng) };
}

/** The output layer for a body of width `width`, made last. */
export function outputParts(c: LmConfig, width: number, rng: Rng): { proj: Linear | null; head: Linear | null } {
  return {
    proj: c.tieWeights && width !== c.embedDim ? new Linear(width, c.embedDim, rng) : null,
    head: c.tieWeights ? null : new Linear(width, outputClasses(c), rng),
  };
}

/** h [B, T, W] → logits [B, T, C]. */
export function outputLogits(h: Tensor, parts: OutputParts): Tensor {
  const x = parts.proj ? parts.proj.forward(h) : h; // [B, T, E] when tied
  return parts.head ? parts.head.forward(x) : matmul(x, parts.embedding.weight, true); // [B, T, C]
}

/**
 * The output layer on plain rows, for the one-token steps: h [n, W] → logits [n, C], through
 * `proj` and the head, or [n, E]·[V, E]ᵀ with the embedding when tied; into `into` when given.
 */
export function outputLogitRows(h: Float32Array, n: number, parts: OutputParts, into?: Float32Array): Float32Array {
  const x = parts.proj ? parts.proj.rows(h, n) : h;
  if (parts.head) return parts.head.rows(x, n, into);
  const [V, E] = parts.embedding.weight.shape;
  return linearRows(x, n, parts.embedding.weight.data, V, E, null, into);
}

/** Checks ids fill [B, T]. */
export function checkIds(ids: ArrayLike<number>, batch: number, time: number): void {
  if (ids.length !== batch * time) throw new SeqlabError(`model: ${ids.length} ids do not fill [${batch}, ${time}]`);
}

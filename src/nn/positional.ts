/**
 * Position information for attention models, which otherwise see a set, not a sequence. Both
 * encodings add a [T, E] table to x [B, T, E], starting at position `offset` (nonzero when
 * decoding one step at a time).
 */
import { SeqlabError } from '../errors.js';
import { add } from '../ops/elementwise.js';
import { slice } from '../ops/shape-ops.js';
import type { Rng } from '../tensor/random.js';
import { shapeStr } from '../tensor/shape.js';
import { type Tensor, zeros } from '../tensor/tensor.js';
import { Embedding } from './layers.js';
import { Module } from './module.js';

/**
 * The sinusoidal table of Vaswani et al. (2017), [maxLen, dModel]:
 *   PE[pos, 2i] = sin(pos / 10000^(2i/dModel)),  PE[pos, 2i+1] = cos(pos / 10000^(2i/dModel)).
 * An odd dModel leaves its last column a sine. Computed in float64, stored as float32.
 */
export function sinusoidalTable(maxLen: number, dModel: number): Tensor {
  if (!(Number.isInteger(maxLen) && maxLen > 0 && Number.isInteger(dModel) && dModel > 0)) {
    throw new SeqlabError(`sinusoidalTable: maxLen ${maxLen} and dModel ${dModel} must be positive integers`);
  }
  const table = zeros([maxLen, dModel]);
  for (let pos = 0; pos < maxLen; pos++) {
    for (let i = 0; i < dModel; i += 2) {
      const angle = pos / Math.pow(10000, i / dModel);
      table.data[pos * dModel + i] = Math.sin(angle);
      if (i + 1 < dModel) table.data[pos * dModel + i + 1] = Math.cos(angle);
    }
  }
  return table;
}

/** Checks x [B, T, dModel] against a table of maxLen rows; returns T. */
function checkRange(name: string, x: Tensor, dModel: number, maxLen: number, offset: number): number {
  if (x.rank !== 3 || x.shape[2] !== dModel) {
    throw new SeqlabError(`${name}: input has shape ${shapeStr(x.shape)}, expected [B, T, ${dModel}]`);
  }
  const t = x.shape[1];
  if (!(Number.isInteger(offset) && offset >= 0) || offset + t > maxLen) {
    throw new SeqlabError(`${name}: positions ${offset}..${offset + t - 1} exceed maxLen ${maxLen}`);
  }
  return t;
}

/**
 * Adds the fixed sinusoidal encoding: x [B, T, E] → x + PE[offset : offset + T] ([B, T, E]).
 * The table is a constant, not a parameter (PyTorch code keeps it as a buffer).
 */
export class SinusoidalPositionalEncoding extends Module {
  private readonly _table: Tensor;

  constructor(readonly dModel: number, readonly maxLen = 4096) {
    super();
    this._table = sinusoidalTable(maxLen, dModel);
  }

  /** The constant table [maxLen, dModel]. */
  get table(): Tensor {
    return this._table;
  }

  forward(x: Tensor, offset = 0): Tensor {
    const t = checkRange('SinusoidalPositionalEncoding', x, this.dModel, this.maxLen, offset);
    return add(x, slice(this._table, 0, offset, offset + t)); // [B, T, E] + [T, E]
  }
}

/**
 * Adds a learned encoding, one trained vector per position: x [B, T, E] →
 * x + P[offset : offset + T], P = `embedding.weight` [maxLen, dModel] ~ N(0, 1) (Embedding's init).
 */
export class LearnedPositionalEncoding extends Module {
  embedding: Embedding;

  constructor(readonly dModel: number, readonly maxLen: number, rng: Rng) {
    super();
    this.embedding = new Embedding(maxLen, dModel, rng);
  }

  forward(x: Tensor, offset = 0): Tensor {
    const t = checkRange('LearnedPositionalEncoding', x, this.dModel, this.maxLen, offset);
    const positions = Array.from({ length: t }, (_, i) => offset + i);
    return add(x, this.embedding.forward(positions, [t])); // [B, T, E] + [T, E]
  }
}

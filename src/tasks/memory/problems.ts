/**
 * The memory problems: synthetic sequences whose answer depends on a token `lag` steps back,
 * each made from a seeded generator, so the same seed gives the same data. They show what each
 * architecture can remember: a window model sees only its last k tokens, a plain RNN's memory
 * fades, gated RNNs and attention hold on.
 *
 *   echo      random symbols; at every position t ≥ lag the answer is the symbol at t − lag.
 *   adding    digits, two of them marked (token = digit + 10·marked); the first mark lies at
 *             least `lag` steps before the end; the answer, at the last position, is the sum of
 *             the two marked digits (0–18). A discrete form of Hochreiter & Schmidhuber's problem.
 *   brackets  '(' and ')'; the answer, at the last position, is whether the whole sequence is
 *             balanced. Half are balanced; the others are balanced ones with one bracket flipped,
 *             or shuffles with as many '(' as ')' that dip below zero somewhere. Length = lag.
 */
import type { Rng } from '../../tensor/random.js';

export type MemoryKind = 'echo' | 'adding' | 'brackets';
export const MEMORY_KINDS: readonly MemoryKind[] = ['echo', 'adding', 'brackets'];

/** Targets at positions that are not scored. */
export const IGNORE = -100;

/** One problem's shape: sequence length, input tokens and answer classes. */
export interface ProblemShape {
  length: number;
  tokens: number;
  classes: number;
}

/** A batch: inputs and targets [B, T] (row-major), IGNORE where nothing is asked. */
export interface MemoryBatch {
  inputs: Int32Array;
  targets: Int32Array;
  batch: number;
  time: number;
}

/** Positions asked at the end of an echo sequence, beyond the lag. */
const ECHO_ASKED = 16;
/** Positions before the adding problem's first mark may fall. */
const ADDING_LEAD = 4;

export function problemShape(kind: MemoryKind, lag: number, symbols: number): ProblemShape {
  switch (kind) {
    case 'echo': return { length: lag + ECHO_ASKED, tokens: symbols, classes: symbols };
    case 'adding': return { length: lag + ADDING_LEAD, tokens: 20, classes: 19 };
    case 'brackets': return { length: Math.max(2, lag + (lag % 2)), tokens: 2, classes: 2 };
  }
}

/** One sequence of `kind` into row b of `out`. */
function fill(kind: MemoryKind, lag: number, shape: ProblemShape, rng: Rng, inputs: Int32Array, targets: Int32Array): void {
  const T = shape.length;
  targets.fill(IGNORE);
  if (kind === 'echo') {
    for (let t = 0; t < T; t++) {
      inputs[t] = rng.int(shape.tokens);
      if (t >= lag) targets[t] = inputs[t - lag];
    }
  } else if (kind === 'adding') {
    const first = rng.int(ADDING_LEAD);
    const second = Math.floor(T / 2) + rng.int(T - Math.floor(T / 2));
    let sum = 0;
    for (let t = 0; t < T; t++) {
      const digit = rng.int(10);
      const marked = t === first || t === second;
      inputs[t] = digit + (marked ? 10 : 0);
      if (marked) sum += digit;
    }
    targets[T - 1] = sum;
  } else {
    const balanced = rng.uniform() < 0.5;
    const seq = balanced ? dyckWord(T, rng) : unbalancedWord(T, rng);
    inputs.set(seq);
    targets[T - 1] = balanced ? 1 : 0;
  }
}

/** A random balanced sequence of T brackets (0 = '(', 1 = ')'), T even. */
function dyckWord(T: number, rng: Rng): Int32Array {
  const out = new Int32Array(T);
  let depth = 0;
  for (let t = 0; t < T; t++) {
    const left = T - t;
    const open = depth === 0 || (depth < left && rng.uniform() < 0.5);
    out[t] = open ? 0 : 1;
    depth += open ? 1 : -1;
  }
  return out;
}

export function isBalanced(seq: ArrayLike<number>): boolean {
  let depth = 0;
  for (let t = 0; t < seq.length; t++) {
    depth += seq[t] === 0 ? 1 : -1;
    if (depth < 0) return false;
  }
  return depth === 0;
}

/** An unbalanced sequence: a balanced one with one bracket flipped, or an equal-count shuffle that dips below zero. */
function unbalancedWord(T: number, rng: Rng): Int32Array {
  if (T < 4 || rng.uniform() < 0.5) {
    const out = dyckWord(T, rng);
    const at = rng.int(T);
    out[at] = 1 - out[at];
    return out;
  }
  for (;;) {
    const order = rng.permutation(T);
    const out = Int32Array.from(order, (i) => (i < T / 2 ? 0 : 1));
    if (!isBalanced(out)) return out;
  }
}

/** A batch of `batch` fresh sequences drawn from `rng`. */
export function memoryBatch(kind: MemoryKind, lag: number, shape: ProblemShape, batch: number, rng: Rng): MemoryBatch {
  const T = shape.length;
  const inputs = new Int32Array(batch * T);
  const targets = new Int32Array(batch * T);
  for (let b = 0; b < batch; b++) fill(kind, lag, shape, rng, inputs.subarray(b * T, (b + 1) * T), targets.subarray(b * T, (b + 1) * T));
  return { inputs, targets, batch, time: T };
}

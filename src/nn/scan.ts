/**
 * Running a recurrent cell over time. The loop is plain code over the differentiable ops, so
 * backpropagation through time is just `backward()` on the unrolled graph.
 */
import { SeqlabError } from '../errors.js';
import { tracing } from '../inspect/trace.js';
import { where } from '../ops/index-ops.js';
import { reshape, slice, stack } from '../ops/shape-ops.js';
import { shapeStr } from '../tensor/shape.js';
import { type Tensor, tensor } from '../tensor/tensor.js';
import { type CellState, type RecurrentCell, traceCell } from './cells.js';

/** How `scan` runs. Every field is optional. */
export interface ScanOptions {
  /** The state before the first step processed, each [B, H]; zeros when omitted. */
  initial?: CellState;
  /**
   * The real length of each sequence in the batch (1..T); later steps are padding. Every
   * sequence is T long when omitted.
   */
  lengths?: readonly number[];
  /**
   * Run from each sequence's last real step back to step 0: the backward half of a
   * bidirectional layer.
   */
  reverse?: boolean;
}

/** What `scan` returns. */
export interface ScanResult {
  /** h after every step [B, T, H], in input order; zero past each sequence's length. */
  output: Tensor;
  /** The state after each sequence's last real step (step 0 when reversed), each [B, H]. */
  final: CellState;
}

/**
 * Drives `cell` over x [B, T, In] (batch-first) → output [B, T, H] and the final state.
 *
 * The input projection x·W_ihᵀ + b_ih of every step is one matmul before the loop (as cuDNN
 * does); each step then runs only the recurrent part. With `lengths`, a sequence's steps past
 * its end leave the state unchanged and output zero, selected with `where` so no gradient leaks
 * through the padding. This is exactly PyTorch's packed-sequence semantics: the final state is
 * the one at the last real step, and in reverse a sequence of length 3 starts at step 2 from the
 * initial state.
 *
 * When a trace is active, each step records the cell's gates (`gate.<name>`) and the carried
 * state (`h`, and `c` for LSTM) under the step's time index t (in processing order, so a
 * reversed scan records t = T−1 first).
 */
export function scan(cell: RecurrentCell, x: Tensor, options: ScanOptions = {}): ScanResult {
  if (x.rank !== 3 || x.shape[2] !== cell.inputSize) {
    throw new SeqlabError(`scan: input ${shapeStr(x.shape)} should be [batch, time, ${cell.inputSize}]`);
  }
  const [batch, steps] = x.shape;
  if (steps === 0) throw new SeqlabError('scan: the input has no time steps');
  let state = options.initial ?? cell.zeroState(batch);
  cell.checkState(state, batch);
  const live = liveMasks(options.lengths, batch, steps);
  const xProj = cell.project(x); // [B, T, G·H]
  const width = xProj.shape[2];
  const trace = tracing();
  const outputs = new Array<Tensor>(steps);
  for (let k = 0; k < steps; k++) {
    const t = options.reverse ? steps - 1 - k : k;
    const xt = reshape(slice(xProj, 1, t, t + 1), [batch, width]); // [B, G·H]
    const { state: next, gates } = cell.recur(xt, state);
    const mask = live[t]; // [B, 1], or null when every sequence is still running
    const previous = state;
    state = mask ? next.map((s, i) => where(mask, s, previous[i])) : next;
    outputs[t] = mask ? where(mask, next[0], 0) : next[0];
    if (trace) traceCell(cell, gates, state, t);
  }
  return { output: stack(outputs, 1), final: state };
}

/**
 * Throws a SeqlabError unless `lengths` holds one integer in 1..T per sequence of the batch
 * (PyTorch refuses empty sequences in a packed batch too).
 */
export function checkLengths(lengths: readonly number[], batch: number, steps: number, where = 'scan'): void {
  if (lengths.length !== batch) {
    throw new SeqlabError(`${where}: ${lengths.length} lengths given for a batch of ${batch}`);
  }
  lengths.forEach((n, b) => {
    if (!Number.isInteger(n) || n < 1 || n > steps) {
      throw new SeqlabError(`${where}: length ${n} of sequence ${b} is not in 1..${steps}`);
    }
  });
}

/**
 * One mask per step: [B, 1] with 1 where step t is a real step of that sequence (t < length),
 * or null where it is real for every sequence.
 */
function liveMasks(lengths: readonly number[] | undefined, batch: number, steps: number): (Tensor | null)[] {
  const masks = new Array<Tensor | null>(steps).fill(null);
  if (!lengths) return masks;
  checkLengths(lengths, batch, steps);
  for (let t = 0; t < steps; t++) {
    if (lengths.every((n) => t < n)) continue;
    masks[t] = tensor(lengths.map((n) => (t < n ? 1 : 0)), [batch, 1]);
  }
  return masks;
}

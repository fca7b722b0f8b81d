/**
 * Recurrent cells: one time step each, with PyTorch's parameter names, layouts, gate order and
 * initialisation, so weights move between seqlab and torch.nn.RNNCell / GRUCell / LSTMCell
 * unchanged. The maths is written with the differentiable ops: no cell needs a gradient of its
 * own.
 *
 * A step is split in two, as cuDNN does: the input projection x·W_ihᵀ + b_ih does not depend on
 * the state, so `scan` computes it for every time step in one matmul, and only `recur` (the part
 * that needs the previous state) runs inside the loop.
 */
import { SeqlabError } from '../errors.js';
import { traceValue, tracing } from '../inspect/trace.js';
import { add, mul, sub } from '../ops/elementwise.js';
import { chunk } from '../ops/shape-ops.js';
import { relu, sigmoid, tanh } from '../ops/unary.js';
import type { Rng } from '../tensor/random.js';
import { shapeStr } from '../tensor/shape.js';
import { type Tensor, zeros } from '../tensor/tensor.js';
import { linear } from './functional.js';
import { uniformParam } from './init.js';
import { Module } from './module.js';

/** A cell's state: `[h]` for the RNN and GRU cells, `[h, c]` for the LSTM cell; each [B, H]. */
export type CellState = readonly Tensor[];

/** One step's result: the new state, and each gate's activation [B, H] by gate name. */
export interface CellStep {
  state: CellState;
  gates: Readonly<Record<string, Tensor>>;
}

/**
 * What every cell shares: G·H rows of input and recurrent weights (G gates of H units, stacked
 * in PyTorch's gate order) and their biases, all drawn from U(±1/√H) as PyTorch does.
 *   weight_ih [G·H, In], weight_hh [G·H, H], bias_ih [G·H], bias_hh [G·H]
 */
export abstract class RecurrentCell extends Module {
  weight_ih: Tensor;
  weight_hh: Tensor;
  bias_ih: Tensor | null;
  bias_hh: Tensor | null;
  /** Names of the state tensors, in `CellState` order; they are also the trace keys. */
  abstract readonly stateNames: readonly string[];

  constructor(readonly inputSize: number, readonly hiddenSize: number, readonly gateCount: number, rng: Rng,
    bias: boolean) {
    super();
    for (const [what, n] of [['input size', inputSize], ['hidden size', hiddenSize]] as const) {
      if (!Number.isInteger(n) || n < 1) throw new SeqlabError(`${this.constructor.name}: ${what} must be a positive integer, got ${n}`);
    }
    const rows = gateCount * hiddenSize;
    const bound = 1 / Math.sqrt(hiddenSize);
    this.weight_ih = uniformParam([rows, inputSize], bound, rng);
    this.weight_hh = uniformParam([rows, hiddenSize], bound, rng);
    this.bias_ih = bias ? uniformParam([rows], bound, rng) : null;
    this.bias_hh = bias ? uniformParam([rows], bound, rng) : null;
  }

  /**
   * The state-free half of a step: x [..., In] → x·W_ihᵀ + b [..., G·H], b = b_ih unless another
   * bias is given (the fused stacks pass b_ih + b_hh).
   */
  project(x: Tensor, bias: Tensor | null = this.bias_ih): Tensor {
    if (x.rank < 1 || x.shape[x.rank - 1] !== this.inputSize) {
      throw new SeqlabError(`${this.constructor.name}: input ${shapeStr(x.shape)} should end in the input size ${this.inputSize}`);
    }
    return linear(x, this.weight_ih, bias);
  }

  /** The recurrent half of a step: the projected input xProj [B, G·H] and state → new state. */
  abstract recur(xProj: Tensor, state: CellState): CellStep;

  /**
   * One whole step: x [B, In] and the state (zeros when omitted) → the new state. `t` is the
   * time index recorded in the active trace, if any.
   */
  step(x: Tensor, state?: CellState, t: number | null = null): CellState {
    const s = state ?? this.zeroState(x.shape[0]);
    this.checkState(s, x.shape[0]);
    const out = this.recur(this.project(x), s);
    if (tracing()) traceCell(this, out.gates, out.state, t);
    return out.state;
  }

  /** The all-zero state for a batch of B: PyTorch's default h0 (and c0). */
  zeroState(batch: number): CellState {
    return this.stateNames.map(() => zeros([batch, this.hiddenSize]));
  }

  /** Throws a SeqlabError naming the state tensor unless each is [B, H]. */
  checkState(state: CellState, batch: number): void {
    if (state.length !== this.stateNames.length) {
      throw new SeqlabError(`${this.constructor.name}: state has ${state.length} tensors, expected ${this.stateNames.length} (${this.stateNames.join(', ')})`);
    }
    state.forEach((t, i) => {
      if (t.rank !== 2 || t.shape[0] !== batch || t.shape[1] !== this.hiddenSize) {
        throw new SeqlabError(`${this.constructor.name}: state ${this.stateNames[i]} is ${shapeStr(t.shape)}, expected [${batch}, ${this.hiddenSize}]`);
      }
    });
  }
}

/**
 * Records one step of a cell into the active trace: `gate.<name>` for each gate and the state
 * tensors under their names (`h`, `c`). Call only when `tracing()` is true.
 */
export function traceCell(cell: RecurrentCell, gates: Readonly<Record<string, Tensor>>, state: CellState,
  step: number | null): void {
  for (const [name, value] of Object.entries(gates)) traceValue(cell, `gate.${name}`, value, step);
  state.forEach((value, i) => traceValue(cell, cell.stateNames[i], value, step));
}

/** The Elman cell's nonlinearity, as torch.nn.RNN's `nonlinearity`. */
export type RnnNonlinearity = 'tanh' | 'relu';

/**
 * The Elman RNN cell (torch.nn.RNNCell): G = 1,
 *   h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh),   act = tanh (default) or relu.
 * x [B, In], h [B, H] → h' [B, H]. No gates.
 */
export class RnnCell extends RecurrentCell {
  readonly stateNames = ['h'] as const;

  constructor(inputSize: number, hiddenSize: number, rng: Rng, readonly nonlinearity: RnnNonlinearity = 'tanh',
    bias = true) {
    super(inputSize, hiddenSize, 1, rng, bias);
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') {
      throw new SeqlabError(`RnnCell: nonlinearity must be 'tanh' or 'relu', got '${String(nonlinearity)}'`);
    }
  }

  recur(xProj: Tensor, [h]: CellState): CellStep {
    const pre = add(xProj, linear(h, this.weight_hh, this.bias_hh)); // [B, H]
    const hNext = this.nonlinearity === 'tanh' ? tanh(pre) : relu(pre);
    return { state: [hNext], gates: {} };
  }
}

/**
 * The gated recurrent unit (torch.nn.GRUCell): G = 3, rows r, z, n.
 *   r  = σ(W_ir x + b_ir + W_hr h + b_hr)          reset gate
 *   z  = σ(W_iz x + b_iz + W_hz h + b_hz)          update gate
 *   n  = tanh(W_in x + b_in + r ∘ (W_hn h + b_hn)) candidate
 *   h' = (1 − z) ∘ n + z ∘ h
 * x [B, In], h [B, H] → h' [B, H]; gates r, z, n [B, H].
 */
export class GruCell extends RecurrentCell {
  readonly stateNames = ['h'] as const;

  constructor(inputSize: number, hiddenSize: number, rng: Rng, bias = true) {
    super(inputSize, hiddenSize, 3, rng, bias);
  }

  recur(xProj: Tensor, [h]: CellState): CellStep {
    const [xr, xz, xn] = chunk(xProj, 3, -1); // each [B, H]
    const [hr, hz, hn] = chunk(linear(h, this.weight_hh, this.bias_hh), 3, -1); // each [B, H]
    const r = sigmoid(add(xr, hr));
    const z = sigmoid(add(xz, hz));
    const n = tanh(add(xn, mul(r, hn)));
    const hNext = add(n, mul(z, sub(h, n))); // (1 − z)·n + z·h with one multiply fewer
    return { state: [hNext], gates: { r, z, n } };
  }
}

/**
 * The long short-term memory cell (torch.nn.LSTMCell): G = 4, rows i, f, g, o.
 *   i  = σ(W_ii x + b_ii + W_hi h + b_hi)      input gate
 *   f  = σ(W_if x + b_if + W_hf h + b_hf)      forget gate
 *   g  = tanh(W_ig x + b_ig + W_hg h + b_hg)   candidate
 *   o  = σ(W_io x + b_io + W_ho h + b_ho)      output gate
 *   c' = f ∘ c + i ∘ g
 *   h' = o ∘ tanh(c')
 * x [B, In], h and c [B, H] → h', c' [B, H]; gates i, f, g, o [B, H].
 */
export class LstmCell extends RecurrentCell {
  readonly stateNames = ['h', 'c'] as const;

  constructor(inputSize: number, hiddenSize: number, rng: Rng, bias = true) {
    super(inputSize, hiddenSize, 4, rng, bias);
  }

  recur(xProj: Tensor, [h, c]: CellState): CellStep {
    const pre = add(xProj, linear(h, this.weight_hh, this.bias_hh)); // [B, 4H]
    const [pi, pf, pg, po] = chunk(pre, 4, -1); // each [B, H]
    const i = sigmoid(pi);
    const f = sigmoid(pf);
    const g = tanh(pg);
    const o = sigmoid(po);
    const cNext = add(mul(f, c), mul(i, g));
    const hNext = mul(o, tanh(cNext));
    return { state: [hNext, cNext], gates: { i, f, g, o } };
  }
}

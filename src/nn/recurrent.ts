/**
 * Multi-layer, optionally bidirectional recurrent stacks that match torch.nn.RNN, GRU and LSTM
 * with batch_first=True: the same parameter names (`weight_ih_l0`, `bias_hh_l1_reverse`, ...),
 * layouts, initialisation and packed-sequence semantics, so a state dict moves both ways.
 *
 * Each layer and direction runs one of two equal paths, chosen in one place (`direction`): the
 * fused primitive `recurrence` (the whole sequence as one op, backpropagation through time in
 * one kernel) by default, and the explicit `scan` over the cell when a trace is active (only
 * the explicit path has each step's gates to record) or inside `explicit(fn)`. Tests hold the
 * two equal.
 */
import type { CellKind } from '../backend/index.js';
import { checkRange, checkWhole, resolveConfig } from '../config/resolve.js';
import { SeqlabError } from '../errors.js';
import { tracing } from '../inspect/trace.js';
import { dropout } from '../ops/dropout.js';
import { add } from '../ops/elementwise.js';
import { recurrence } from '../ops/recurrence.js';
import { concat, reshape, slice, stack } from '../ops/shape-ops.js';
import { isExplicit } from '../tensor/autograd.js';
import type { Rng } from '../tensor/random.js';
import { shapeStr } from '../tensor/shape.js';
import { type Tensor, zeros } from '../tensor/tensor.js';
import { type CellState, GruCell, LstmCell, type RecurrentCell, RnnCell, type RnnNonlinearity } from './cells.js';
import { Module } from './module.js';
import { checkLengths, scan, type ScanResult } from './scan.js';

/** What every stack is configured by (PyTorch's constructor arguments, camel-cased). */
export interface RecurrentConfig {
  /** In: features per input step. */
  inputSize: number;
  /** H: units per layer and direction. */
  hiddenSize: number;
  /** Layers stacked; layer l > 0 reads layer l−1's output [B, T, D·H]. */
  numLayers: number;
  /** D = 2 when true: a reverse direction runs over each sequence's real steps backwards. */
  bidirectional: boolean;
  /** Dropout probability on each layer's output except the last's, in training mode only. */
  dropout: number;
  /** Whether the cells have bias_ih and bias_hh. */
  bias: boolean;
}

/** torch.nn.RNN's settings: the shared ones plus the nonlinearity. */
export interface RnnConfig extends RecurrentConfig {
  nonlinearity: RnnNonlinearity;
}

/** torch.nn.GRU's settings: the shared ones. */
export type GruConfig = RecurrentConfig;
/** torch.nn.LSTM's settings: the shared ones. */
export type LstmConfig = RecurrentConfig;

const sharedDefaults: RecurrentConfig = {
  inputSize: 32, hiddenSize: 64, numLayers: 1, bidirectional: false, dropout: 0, bias: true,
};

const NONLINEARITIES: readonly RnnNonlinearity[] = ['tanh', 'relu'];

/** Defaults: 32 inputs, 64 hidden, 1 layer, one direction, no dropout, biases, tanh. */
export const defaultRnnConfig: Readonly<RnnConfig> = Object.freeze({ ...sharedDefaults, nonlinearity: 'tanh' });
/** Defaults: 32 inputs, 64 hidden, 1 layer, one direction, no dropout, biases. */
export const defaultGruConfig: Readonly<GruConfig> = Object.freeze({ ...sharedDefaults });
/** Defaults: 32 inputs, 64 hidden, 1 layer, one direction, no dropout, biases. */
export const defaultLstmConfig: Readonly<LstmConfig> = Object.freeze({ ...sharedDefaults });

/** Optional inputs of a forward pass. */
export interface RecurrentInput {
  /** Initial hidden state [L·D, B, H] (PyTorch's h0 layout); zeros when omitted. */
  h0?: Tensor;
  /** Real length of each sequence (1..T), as for a packed sequence; all T when omitted. */
  lengths?: readonly number[];
}

/** Optional inputs of an LSTM forward pass: h0 and c0, and lengths. */
export interface LstmInput extends RecurrentInput {
  /** Initial cell state [L·D, B, H]; zeros when omitted. */
  c0?: Tensor;
}

/** What Rnn and Gru return. */
export interface RecurrentOutput {
  /** The last layer's h at every step [B, T, D·H] (forward half first); zero past each length. */
  output: Tensor;
  /** Each layer and direction's h after its last real step [L·D, B, H], index l·D + d. */
  hN: Tensor;
}

/** What Lstm returns: the outputs and final states, cell states included. */
export interface LstmOutput extends RecurrentOutput {
  /** Each layer and direction's final cell state [L·D, B, H]. */
  cN: Tensor;
}

/**
 * `given` over `defaults`, checked (`ConfigError`s in section `kind`): unknown keys and wrong
 * types, sizes that are not positive whole numbers, dropout outside [0, 1), and a string key
 * outside its `choices`.
 */
function resolveStackConfig<C extends RecurrentConfig>(kind: string, defaults: Readonly<C>, given: Partial<C>,
  choices: Partial<Record<keyof C, readonly string[]>> = {}): C {
  const c = resolveConfig(kind, defaults, [given], choices);
  for (const key of ['inputSize', 'hiddenSize', 'numLayers'] as const) checkWhole(kind, c, key);
  checkRange(kind, c, 'dropout', 0, 1);
  return c;
}

/**
 * The shared machinery of Rnn, Gru and Lstm: one cell per layer and direction, their tensors
 * registered under PyTorch's names, and the layer-by-layer forward pass.
 *
 * Traces: each cell records under the path `l<layer>` or `l<layer>_reverse` below this module
 * (e.g. `encoder.l0_reverse`), with keys `h`, `c` (LSTM) and `gate.<name>` per step; see `scan`.
 */
export abstract class RecurrentStack<C extends RecurrentConfig> extends Module {
  /** The cells, [layer][direction]; private to the walk so parameters keep PyTorch's flat names. */
  protected readonly _cells: RecurrentCell[][] = [];
  private readonly _rng: Rng;

  /**
   * `kind` names the cell for the fused kernel; `makeCell` builds the cell of one layer and
   * direction given its input size, drawing its parameters from `rng`.
   */
  constructor(readonly config: C, private readonly _kind: CellKind, rng: Rng,
    makeCell: (inputSize: number) => RecurrentCell) {
    super();
    this._rng = rng;
    const { numLayers, hiddenSize, inputSize } = config;
    for (let l = 0; l < numLayers; l++) {
      const row: RecurrentCell[] = [];
      for (let d = 0; d < this.numDirections; d++) {
        const cell = makeCell(l === 0 ? inputSize : hiddenSize * this.numDirections);
        const suffix = cellName(l, d);
        this.registerParameter(`weight_ih_${suffix}`, cell.weight_ih);
        this.registerParameter(`weight_hh_${suffix}`, cell.weight_hh);
        if (cell.bias_ih) this.registerParameter(`bias_ih_${suffix}`, cell.bias_ih);
        if (cell.bias_hh) this.registerParameter(`bias_hh_${suffix}`, cell.bias_hh);
        row.push(cell);
      }
      this._cells.push(row);
    }
  }

  /** D: 2 when bidirectional, else 1. */
  get numDirections(): number {
    return this.config.bidirectional ? 2 : 1;
  }

  /** The cell of one layer and direction (it shares its tensors with this module). */
  cell(layer: number, reverse = false): RecurrentCell {
    const c = this._cells[layer]?.[reverse ? 1 : 0];
    if (!c) throw new SeqlabError(`${this.constructor.name}: no ${reverse ? 'reverse ' : ''}cell in layer ${layer}`);
    return c;
  }

  /** Adds the cells (as `l0`, `l0_reverse`, ...) so traces and train()/eval() reach them. */
  override namedModules(prefix = ''): [string, Module][] {
    const out = super.namedModules(prefix);
    this._cells.forEach((row, l) => row.forEach((c, d) => {
      out.push(...c.namedModules(prefix ? `${prefix}.${cellName(l, d)}` : cellName(l, d)));
    }));
    return out;
  }

  /** The cell kind the fused kernel runs ('rnn_tanh', 'rnn_relu', 'gru' or 'lstm'). */
  get kind(): CellKind {
    return this._kind;
  }

  /**
   * Runs every layer over x [B, T, In]. `initial` holds one optional [L·D, B, H] tensor per
   * state kind (h, then c); `finals` gives each kind back as [L·D, B, H].
   */
  protected run(x: Tensor, initial: readonly (Tensor | undefined)[], lengths?: readonly number[]): {
    output: Tensor; finals: Tensor[];
  } {
    const { numLayers, inputSize, hiddenSize } = this.config;
    if (x.rank !== 3 || x.shape[2] !== inputSize) {
      throw new SeqlabError(`${this.constructor.name}: input ${shapeStr(x.shape)} should be [batch, time, ${inputSize}]`);
    }
    const [batch, steps] = x.shape;
    if (lengths) checkLengths(lengths, batch, steps, this.constructor.name);
    const starts = initial.map((t, k) => (t ? this.splitState(t, batch, k === 0 ? 'h0' : 'c0') : null));
    const finals: Tensor[][] = initial.map(() => []);
    let input = x; // [B, T, In], then [B, T, D·H]
    for (let l = 0; l < numLayers; l++) {
      const outputs: Tensor[] = [];
      for (let d = 0; d < this.numDirections; d++) {
        const index = l * this.numDirections + d;
        const init = starts.some((s) => s) ? starts.map((s) => s?.[index] ?? zeros([batch, hiddenSize])) : undefined;
        const { output, final } = this.direction(this._cells[l][d], input, init, lengths, d === 1);
        outputs.push(output); // [B, T, H]
        final.forEach((f, k) => finals[k].push(f));
      }
      input = outputs.length === 1 ? outputs[0] : concat(outputs, -1); // [B, T, D·H]
      const p = this.config.dropout;
      if (l < numLayers - 1 && p > 0) input = dropout(input, p, this._rng, this.training);
    }
    return { output: input, finals: finals.map((f) => stack(f, 0)) }; // each [L·D, B, H]
  }

  /**
   * One layer in one direction over x [B, T, In] → output [B, T, H] and the final state. The
   * fused kernel takes b_hh folded into the projection, except in the GRU, where b_hn sits
   * inside r ∘ (W_hn·h + b_hn).
   */
  private direction(cell: RecurrentCell, x: Tensor, initial: CellState | undefined, lengths: readonly number[] | undefined,
    reverse: boolean): ScanResult {
    if (tracing() || isExplicit()) return scan(cell, x, { initial, lengths, reverse });
    const batch = x.shape[0];
    const H = cell.hiddenSize;
    const gru = this._kind === 'gru';
    // b_hh is constant over time in rnn and lstm: it joins b_ih as the projection's bias, so the
    // GEMM starts from b_ih + b_hh and no [B, T, G·H] add (nor its gradient's reduction) runs.
    const folded = !gru && cell.bias_hh ? (cell.bias_ih ? add(cell.bias_ih, cell.bias_hh) : cell.bias_hh) : cell.bias_ih;
    const xProj = cell.project(x, folded); // [B, T, G·H]
    const bHh = gru ? cell.bias_hh : null;
    const [h0, c0] = initial ?? [zeros([batch, H]), zeros([batch, H])];
    const r = recurrence(this._kind, xProj, cell.weight_hh, bHh, h0, this._kind === 'lstm' ? c0 : null,
      lengths ?? null, reverse);
    return { output: r.output, final: r.cN ? [r.hN, r.cN] : [r.hN] };
  }

  /** [L·D, B, H] → one [B, H] per layer and direction. */
  private splitState(t: Tensor, batch: number, what: string): Tensor[] {
    const count = this.config.numLayers * this.numDirections;
    const { hiddenSize } = this.config;
    if (t.rank !== 3 || t.shape[0] !== count || t.shape[1] !== batch || t.shape[2] !== hiddenSize) {
      throw new SeqlabError(`${this.constructor.name}: ${what} is ${shapeStr(t.shape)}, expected [${count}, ${batch}, ${hiddenSize}] (layers·directions, batch, hidden)`);
    }
    if (count === 1) return [reshape(t, [batch, hiddenSize])]; // one layer, one direction: a free view
    return Array.from({ length: count }, (_, i) => reshape(slice(t, 0, i, i + 1), [batch, hiddenSize]));
  }
}

/** PyTorch's suffix for a layer and direction: `l0`, `l0_reverse`, `l1`, ... */
function cellName(layer: number, direction: number): string {
  return `l${layer}${direction === 1 ? '_reverse' : ''}`;
}

/**
 * Elman RNN stack (torch.nn.RNN, batch_first): per layer and direction
 *   h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh).
 * x [B, T, In] → output [B, T, D·H], hN [L·D, B, H].
 */
export class Rnn extends RecurrentStack<RnnConfig> {
  constructor(config: Partial<RnnConfig>, rng: Rng) {
    const c = resolveStackConfig('Rnn', defaultRnnConfig, config, { nonlinearity: NONLINEARITIES });
    super(c, c.nonlinearity === 'relu' ? 'rnn_relu' : 'rnn_tanh', rng, (inputSize) => new RnnCell(inputSize, c.hiddenSize, rng, c.nonlinearity, c.bias));
  }

  /** x [B, T, In], optional h0 [L·D, B, H] and lengths → output [B, T, D·H], hN [L·D, B, H]. */
  forward(x: Tensor, input: RecurrentInput = {}): RecurrentOutput {
    const { output, finals } = this.run(x, [input.h0], input.lengths);
    return { output, hN: finals[0] };
  }
}

/**
 * GRU stack (torch.nn.GRU, batch_first); each step is a `GruCell` (gates r, z, n).
 * x [B, T, In] → output [B, T, D·H], hN [L·D, B, H].
 */
export class Gru extends RecurrentStack<GruConfig> {
  constructor(config: Partial<GruConfig>, rng: Rng) {
    const c = resolveStackConfig('Gru', defaultGruConfig, config);
    super(c, 'gru', rng, (inputSize) => new GruCell(inputSize, c.hiddenSize, rng, c.bias));
  }

  /** x [B, T, In], optional h0 [L·D, B, H] and lengths → output [B, T, D·H], hN [L·D, B, H]. */
  forward(x: Tensor, input: RecurrentInput = {}): RecurrentOutput {
    const { output, finals } = this.run(x, [input.h0], input.lengths);
    return { output, hN: finals[0] };
  }
}

/**
 * LSTM stack (torch.nn.LSTM, batch_first); each step is an `LstmCell` (gates i, f, g, o).
 * x [B, T, In] → output [B, T, D·H], hN and cN [L·D, B, H].
 */
export class Lstm extends RecurrentStack<LstmConfig> {
  constructor(config: Partial<LstmConfig>, rng: Rng) {
    const c = resolveStackConfig('Lstm', defaultLstmConfig, config);
    super(c, 'lstm', rng, (inputSize) => new LstmCell(inputSize, c.hiddenSize, rng, c.bias));
  }

  /** x [B, T, In], optional h0, c0 [L·D, B, H] and lengths → output [B, T, D·H], hN, cN. */
  forward(x: Tensor, input: LstmInput = {}): LstmOutput {
    const { output, finals } = this.run(x, [input.h0, input.c0], input.lengths);
    return { output, hN: finals[0], cN: finals[1] };
  }
}

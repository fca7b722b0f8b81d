/**
 * Recurrent stacks (nn/recurrent.ts: Rnn, Gru, Lstm, any layers, one or two directions) as
 * ONNX's RNN, GRU and LSTM operators, one node per layer. The operators hold the same maths
 * as PyTorch's cells; only the order of the gate blocks differs:
 *
 *   LSTM  PyTorch rows i, f, g, o   →  ONNX i, o, f, c      (c is PyTorch's candidate g)
 *   GRU   PyTorch rows r, z, n      →  ONNX z, r, h         with linear_before_reset = 1, which is
 *                                                            PyTorch's n = tanh(W_in x + b_in + r ∘ (W_hn h + b_hn))
 *   RNN   one block                 →  the same             (tanh)
 *
 * Per layer the operator takes W [D, G·H, In], R [D, G·H, H] and B [D, 2·G·H] (b_ih then b_hh),
 * D = 2 with the reverse direction second, as PyTorch numbers its `_reverse` cells. Inputs run
 * time-major: x [T, B, In] (onnxruntime's CPU kernels take only ONNX's default layout).
 */
import { SeqlabError } from '../../errors.js';
import type { RecurrentCell } from '../../nn/cells.js';
import type { Gru, Lstm, Rnn } from '../../nn/recurrent.js';
import type { OnnxGraph } from './graph.js';

/** For each ONNX gate block, the PyTorch block it is read from. */
const GATE_ORDER: Record<'lstm' | 'gru' | 'rnn', readonly number[]> = {
  lstm: [0, 3, 1, 2],
  gru: [1, 0, 2],
  rnn: [0],
};

const OPERATOR = { lstm: 'LSTM', gru: 'GRU', rnn: 'RNN' } as const;

/** What a stack's export gives: the last layer's output time-major, and the final states. */
export interface RecurrentValues {
  /** [T, B, D·H], forward half first, as PyTorch concatenates the directions. */
  output: string;
  /** [L·D, B, H], index l·D + d. */
  hN: string;
  /** [L·D, B, H] (LSTM only). */
  cN: string | null;
}

/** Rows of `data` ([G·H, cols]) regrouped by gate block: block k of the result is block order[k]. */
function reorderBlocks(data: Float32Array, hidden: number, cols: number, order: readonly number[]): Float32Array {
  const out = new Float32Array(data.length);
  const block = hidden * cols;
  order.forEach((from, to) => out.set(data.subarray(from * block, (from + 1) * block), to * block));
  return out;
}

/** W, R and B of one layer, both directions stacked: [D, G·H, In], [D, G·H, H], [D, 2·G·H]. */
function layerWeights(cells: readonly RecurrentCell[], order: readonly number[]): { w: Float32Array; r: Float32Array; b: Float32Array } {
  const { hiddenSize: h, inputSize: inp, gateCount: g } = cells[0];
  const w = new Float32Array(cells.length * g * h * inp);
  const r = new Float32Array(cells.length * g * h * h);
  const b = new Float32Array(cells.length * 2 * g * h);
  cells.forEach((cell, d) => {
    w.set(reorderBlocks(cell.weight_ih.data, h, inp, order), d * g * h * inp);
    r.set(reorderBlocks(cell.weight_hh.data, h, h, order), d * g * h * h);
    if (cell.bias_ih) b.set(reorderBlocks(cell.bias_ih.data, h, 1, order), d * 2 * g * h);
    if (cell.bias_hh) b.set(reorderBlocks(cell.bias_hh.data, h, 1, order), d * 2 * g * h + g * h);
  });
  return { w, r, b };
}

/** The operator family of a stack, from its fused-kernel kind. */
function family(stack: Rnn | Gru | Lstm): 'lstm' | 'gru' | 'rnn' {
  if (stack.kind === 'lstm' || stack.kind === 'gru') return stack.kind;
  if (stack.kind === 'rnn_tanh') return 'rnn';
  throw new SeqlabError(`ONNX export: the ${stack.kind} recurrent cell is not exported (tanh RNN, GRU and LSTM are)`);
}

/** The initial state of one layer: entries l·D .. l·D + D − 1 of a [L·D, B, H] input ('' when none). */
function layerState(g: OnnxGraph, state: string | null, layer: number, dirs: number, layers: number): string {
  if (!state) return '';
  if (layers === 1) return state;
  return g.op('Slice', [state, g.ints([layer * dirs]), g.ints([(layer + 1) * dirs]), g.ints([0])], {}, 'state_slice');
}

/**
 * The stack over x [T, B, In] from the states h0 (and c0) [L·D, B, H], null for zeros.
 * `name` prefixes the weights (the module's path, e.g. `rnn`).
 */
export function exportRecurrent(g: OnnxGraph, stack: Rnn | Gru | Lstm, x: string, name: string,
  h0: string | null = null, c0: string | null = null): RecurrentValues {
  const kind = family(stack);
  const { numLayers: layers, hiddenSize } = stack.config;
  const dirs = stack.numDirections;
  const hs: string[] = [];
  const cs: string[] = [];
  let input = x; // [T, B, In], then [T, B, D·H]
  for (let l = 0; l < layers; l++) {
    const cells = Array.from({ length: dirs }, (_, d) => stack.cell(l, d === 1));
    const { w, r, b } = layerWeights(cells, GATE_ORDER[kind]);
    const gh = cells[0].gateCount * hiddenSize;
    const inputs = [input, g.weight(`${name}.l${l}.W`, [dirs, gh, cells[0].inputSize], () => w),
      g.weight(`${name}.l${l}.R`, [dirs, gh, hiddenSize], () => r), g.weight(`${name}.l${l}.B`, [dirs, 2 * gh], () => b)];
    if (h0 || c0) inputs.push('', layerState(g, h0, l, dirs, layers)); // sequence_lens absent: every step is real
    if (kind === 'lstm' && c0) inputs.push(layerState(g, c0, l, dirs, layers));
    const attributes = { hidden_size: hiddenSize, direction: dirs === 2 ? 'bidirectional' : 'forward', ...(kind === 'gru' ? { linear_before_reset: 1 } : {}) };
    const [y, yH, yC] = g.ops(OPERATOR[kind], inputs, kind === 'lstm' ? 3 : 2, attributes, `${name}_l${l}`); // Y [T, D, B, H], Y_h [D, B, H]
    hs.push(yH);
    if (yC) cs.push(yC);
    input = g.reshape(g.transpose(y, [0, 2, 1, 3]), [0, 0, -1]); // [T, B, D, H] → [T, B, D·H]
  }
  const joined = (parts: string[]): string => (parts.length === 1 ? parts[0] : g.op('Concat', parts, { axis: 0 }));
  return { output: input, hN: joined(hs), cN: cs.length > 0 ? joined(cs) : null };
}

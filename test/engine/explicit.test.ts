import { describe, expect, it } from 'vitest';
import { type Backend, referenceBackend, wasmBackend, withBackend } from '../../src/backend/index.js';
import { layerNorm, linear, scaledSoftmax, softmax } from '../../src/nn/functional.js';
import { Conv1d, Embedding, LayerNorm, Linear } from '../../src/nn/layers.js';
import type { Module } from '../../src/nn/module.js';
import { causalMask, MultiHeadAttention } from '../../src/nn/multihead.js';
import { Gru, Lstm, Rnn } from '../../src/nn/recurrent.js';
import { TransformerDecoderLayer, TransformerEncoderLayer } from '../../src/nn/transformer.js';
import { concat, reshape } from '../../src/ops/shape-ops.js';
import { softmaxLast } from '../../src/ops/softmax.js';
import { backward, explicit, isExplicit, isRecording, noGrad, Rng, type Tensor, tensor } from '../../src/tensor/index.js';
import { rand } from '../helpers/check-op.js';
import { opsOf } from '../helpers/graph.js';

/**
 * `explicit(fn)` runs every layer by its composed definition. For each layer, on both backends:
 * the default run's graph holds the fused primitives and the explicit run's holds none of them
 * (so the switch is seen to happen), and the two agree in values and in the gradients of every
 * input and parameter, to float32 rounding.
 */

/** The op labels of every fused primitive: none may appear in a graph built inside `explicit`. */
const FUSED_OPS = ['linear', 'softmax', 'layer_norm', 'attention', 'attention_weights',
  'rnn_tanh_sequence', 'rnn_relu_sequence', 'gru_sequence', 'lstm_sequence'];

/** A 0/1 mask tensor from rows of bits. */
const mask = (rows: number[][]): Tensor => tensor(rows.flat(), [rows.length, rows[0].length]);

interface Case {
  name: string;
  /** Fused ops the default path's graph must hold (none for layers that have one path only). */
  fused: string[];
  /** Fresh inputs (copies on each call, same values) and a seeded layer: the same parameters on each call. */
  build: () => { inputs: Tensor[]; module?: Module; forward: (xs: Tensor[]) => Tensor[] };
}

/** One forward and backward (a fixed random upstream gradient on all outputs joined). */
function run(c: Case): { arrays: Float32Array[]; ops: Set<string> } {
  const { inputs, module, forward } = c.build();
  for (const x of inputs) x.requiresGrad = true;
  const params = module?.parameters() ?? [];
  const y = concat(forward(inputs).map((o) => reshape(o, [-1])), 0);
  const ops = opsOf(y);
  const rng = new Rng(4);
  backward(y, tensor(Float32Array.from({ length: y.size }, () => rng.uniform(-1, 1)), y.shape));
  const grad = (t: Tensor): Float32Array => Float32Array.from(t.grad?.data ?? new Float32Array(t.size));
  return { arrays: [Float32Array.from(y.data), ...inputs.map(grad), ...params.map(grad)], ops };
}

function expectModesAgree(c: Case): void {
  const fast = run(c);
  const slow = explicit(() => run(c));
  for (const op of c.fused) expect(fast.ops.has(op), `${c.name}: default path runs '${op}'`).toBe(true);
  for (const op of FUSED_OPS) expect(slow.ops.has(op), `${c.name}: explicit path runs '${op}'`).toBe(false);
  expect(slow.arrays.length).toBe(fast.arrays.length);
  fast.arrays.forEach((got, i) => {
    const want = slow.arrays[i];
    const what = `${c.name}: ${i === 0 ? 'values' : `gradient ${i - 1}`}`;
    expect(got.length, what).toBe(want.length);
    for (let n = 0; n < got.length; n++) {
      if (!(Math.abs(got[n] - want[n]) <= 2e-5 + 2e-4 * Math.abs(want[n]))) {
        expect.fail(`${what}[${n}] is ${got[n]} fused, ${want[n]} explicit`);
      }
    }
  });
}

const functionalCases: Case[] = [
  { name: 'F.linear', fused: ['linear'], build: () => ({ inputs: [rand([2, 3, 5], 1), rand([4, 5], 2), rand([4], 3)],
    forward: ([x, w, b]) => [linear(x, w, b)] }) },
  { name: 'F.softmax, mask [Tq, Tk] over [B, H, Tq, Tk]', fused: ['softmax'], build: () => ({
    inputs: [rand([2, 2, 3, 4], 4, -3, 3)],
    forward: ([x]) => [softmax(x, -1, mask([[0, 0, 1, 1], [1, 0, 0, 1], [1, 1, 1, 1]]))] }) },
  { name: 'F.softmax along axis 1 (one path)', fused: [], build: () => ({ inputs: [rand([2, 5, 3], 5, -3, 3)],
    forward: ([x]) => [softmax(x, 1)] }) },
  { name: 'F.scaledSoftmax, padding mask [B, 1, 1, Tk]', fused: ['softmax'], build: () => ({
    inputs: [rand([2, 2, 3, 4], 6, -3, 3)],
    forward: ([x]) => [scaledSoftmax(x, 0.5, reshape(mask([[0, 0, 0, 1], [0, 1, 1, 1]]), [2, 1, 1, 4]))] }) },
  { name: 'F.layerNorm', fused: ['layer_norm'], build: () => ({ inputs: [rand([3, 6], 7), rand([6], 8), rand([6], 9)],
    forward: ([x, w, b]) => [layerNorm(x, w, b)] }) },
];

const layerCases: Case[] = [
  { name: 'Linear', fused: ['linear'], build: () => {
    const module = new Linear(5, 3, new Rng(1));
    return { module, inputs: [rand([2, 4, 5], 1)], forward: ([x]) => [module.forward(x)] };
  } },
  { name: 'LayerNorm', fused: ['layer_norm'], build: () => {
    const module = new LayerNorm(6);
    return { module, inputs: [rand([2, 3, 6], 2)], forward: ([x]) => [module.forward(x)] };
  } },
  { name: 'Embedding (one path)', fused: [], build: () => {
    const module = new Embedding(7, 4, new Rng(3), 0);
    return { module, inputs: [], forward: () => [module.forward([1, 0, 6, 3], [2, 2])] };
  } },
  { name: 'Conv1d (one path)', fused: [], build: () => {
    const module = new Conv1d(3, 4, 3, new Rng(4), 'same');
    return { module, inputs: [rand([2, 3, 6], 3)], forward: ([x]) => [module.forward(x)] };
  } },
];

/** Multi-head attention, E = 8 over 2 heads, B = 2: each mask kind, self and cross. */
function mhaCase(name: string, fused: string[], tq: number, tk: number | null,
  call: (m: MultiHeadAttention, q: Tensor, kv: Tensor[]) => { output: Tensor; weights: Tensor }): Case {
  return { name: `MultiHeadAttention ${name}`, fused, build: () => {
    const module = new MultiHeadAttention(8, 2, new Rng(5));
    const inputs = [rand([2, tq, 8], 10), ...(tk === null ? [] : [rand([2, tk, 8], 11), rand([2, tk, 8], 12)])];
    return { module, inputs, forward: ([q, ...kv]) => {
      const { output, weights } = call(module, q, kv);
      return [output, weights];
    } };
  } };
}

const padding = mask([[0, 0, 0, 1], [0, 1, 1, 1]]); // [B, 4]
const attentionCases: Case[] = [
  mhaCase('self, no mask', ['attention', 'linear'], 4, null, (m, x) => m.forward(x, x, x)),
  mhaCase('self, causal', ['attention'], 4, null, (m, x) => m.forward(x, x, x, { attnMask: causalMask(4) })),
  mhaCase('self, causal and key padding', ['attention'], 4, null,
    (m, x) => m.forward(x, x, x, { attnMask: causalMask(4), keyPaddingMask: padding })),
  mhaCase('self, a general mask (fused softmax only)', ['softmax', 'linear'], 4, null,
    (m, x) => m.forward(x, x, x, { attnMask: mask([[0, 1, 0, 0], [0, 0, 0, 1], [1, 0, 0, 0], [0, 0, 1, 0]]) })),
  mhaCase('selfAttention with key padding', ['attention'], 4, null,
    (m, x) => m.selfAttention(x, { keyPaddingMask: padding })),
  mhaCase('cross, key = value, key padding', ['attention'], 3, 4,
    (m, q, [k]) => m.forward(q, k, k, { keyPaddingMask: padding })),
  mhaCase('cross, separate key and value, causal over a longer key', ['attention'], 3, 4,
    (m, q, [k, v]) => m.forward(q, k, v, { attnMask: causalMask(3, 4) })),
  mhaCase('over projected keys and values (a cache)', ['attention'], 3, 4,
    (m, q, [k, v]) => m.attendProjected(q, m.projectKeyValue(k, v), { attnMask: causalMask(3, 4), keyPaddingMask: padding })),
];

/** Recurrent stacks In = 3, H = 4, B = 2, T = 5, with h0 (and c0) as inputs and uneven lengths. */
function recurrentCase(kind: 'rnn' | 'gru' | 'lstm', numLayers: number, bidirectional: boolean, lengths?: number[]): Case {
  const config = { inputSize: 3, hiddenSize: 4, numLayers, bidirectional };
  const states = numLayers * (bidirectional ? 2 : 1);
  const sequence = kind === 'rnn' ? 'rnn_tanh_sequence' : `${kind}_sequence`;
  return { name: `${kind} ${numLayers} layer(s)${bidirectional ? ', bidirectional' : ''}${lengths ? `, lengths ${lengths}` : ''}`,
    fused: [sequence, 'linear'], build: () => {
      const rng = new Rng(6);
      const inputs = [rand([2, 5, 3], 20), rand([states, 2, 4], 21), rand([states, 2, 4], 22)];
      if (kind === 'lstm') {
        const module = new Lstm(config, rng);
        return { module, inputs, forward: ([x, h0, c0]) => {
          const { output, hN, cN } = module.forward(x, { h0, c0, lengths });
          return [output, hN, cN];
        } };
      }
      const module = kind === 'gru' ? new Gru(config, rng) : new Rnn(config, rng);
      return { module, inputs: inputs.slice(0, 2), forward: ([x, h0]) => {
        const { output, hN } = module.forward(x, { h0, lengths });
        return [output, hN];
      } };
    } };
}

const recurrentCases: Case[] = (['rnn', 'gru', 'lstm'] as const).flatMap((kind) => [
  recurrentCase(kind, 1, false),
  recurrentCase(kind, 2, false, [5, 3]),
  recurrentCase(kind, 1, true, [2, 5]),
  recurrentCase(kind, 2, true, [4, 5]),
]);

const layer = (normFirst: boolean) => ({ dModel: 8, nhead: 2, dimFeedforward: 16, dropout: 0, normFirst });
const transformerCases: Case[] = [false, true].flatMap((normFirst) => [
  { name: `TransformerEncoderLayer ${normFirst ? 'pre' : 'post'}-norm, causal and padded`,
    fused: ['attention', 'layer_norm', 'linear'], build: () => {
      const module = new TransformerEncoderLayer(layer(normFirst), new Rng(7));
      return { module, inputs: [rand([2, 4, 8], 30)],
        forward: ([x]) => [module.forward(x, { mask: causalMask(4), keyPaddingMask: padding })] };
    } },
  { name: `TransformerDecoderLayer ${normFirst ? 'pre' : 'post'}-norm, causal, memory padded`,
    fused: ['attention', 'layer_norm', 'linear'], build: () => {
      const module = new TransformerDecoderLayer(layer(normFirst), new Rng(8));
      return { module, inputs: [rand([2, 3, 8], 31), rand([2, 4, 8], 32)],
        forward: ([tgt, memory]) => [module.forward(tgt, memory, { tgtMask: causalMask(3), memoryKeyPaddingMask: padding })] };
    } },
]);

const backends: [string, Backend][] = [['wasm', wasmBackend], ['reference', referenceBackend]];
describe.each(backends)('explicit mode on the %s backend: same numbers, no fused op', (_, b) => {
  const groups: [string, Case[]][] = [['functional', functionalCases], ['layers', layerCases],
    ['attention', attentionCases], ['recurrent', recurrentCases], ['transformer', transformerCases]];
  for (const [group, cases] of groups) {
    it(group, () => withBackend(b, () => { for (const c of cases) expectModesAgree(c); }));
  }
});

describe('explicit(fn)', () => {
  it('is a nestable mode that restores itself on throw and leaves recording alone', () => {
    expect(isExplicit()).toBe(false);
    const seen = explicit(() => [isExplicit(), explicit(() => isExplicit()), isExplicit(), noGrad(() => isExplicit())]);
    expect(seen).toEqual([true, true, true, true]);
    expect(isExplicit()).toBe(false);
    expect(() => explicit(() => { throw new Error('inside'); })).toThrow('inside');
    expect(isExplicit()).toBe(false);
    expect(explicit(() => isRecording())).toBe(true);
  });

  it('is exported from the library index', async () => {
    const seqlab = await import('../../src/index.js');
    expect(seqlab.explicit).toBe(explicit);
    expect(seqlab.isExplicit).toBe(isExplicit);
  });

  it('the check above fails when a fused op slips through', () => {
    // A case that calls the fused primitive directly, past the switch: the checker must catch it.
    const leaky: Case = { name: 'leaky', fused: [], build: () => ({ inputs: [rand([2, 3], 1)],
      forward: ([x]) => [softmaxLast(x, null)] }) };
    expect(() => expectModesAgree(leaky)).toThrow(/explicit path runs 'softmax'/);
  });
});

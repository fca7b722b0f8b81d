/**
 * The deterministic cases every diagram is drawn from: hand-made data, and traces of tiny models
 * with fixed seeds (run on the reference backend, so the numbers do not depend on the machine's
 * kernels). Shared by the snapshot tests (test/viz/*.test.ts) and the gallery (scripts/gallery.ts).
 */
import { referenceBackend, withBackend } from '../../src/backend/index.js';
import { collectAttention, collectRecurrent } from '../../src/inspect/collect.js';
import type { AttentionTrace, RecurrentTrace } from '../../src/inspect/explanation.js';
import { withTrace } from '../../src/inspect/trace.js';
import { buildCausalLm } from '../../src/models/causal-lm.js';
import { resolveLmConfig } from '../../src/models/lm-config.js';
import { Gru } from '../../src/nn/recurrent.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { Rng } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';
import {
  alignmentMatrix, attentionHeads, gateHeatmap, lossCurve, modelDiagram, sequenceTrack, unrolledRnn,
} from '../../src/viz/index.js';
import { sequenceLogo } from '../../src/viz/index.js';

/** A smooth, deterministic signed value for hand-made states: unit u at step t. */
export const wave = (t: number, u: number, scale = 1): number => Number((scale * Math.sin(0.7 * t + 1.3 * u) * Math.cos(0.3 * u)).toFixed(3));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const grid = (T: number, H: number, f: (t: number, u: number) => number): number[][] =>
  Array.from({ length: T }, (_, t) => Array.from({ length: H }, (_, u) => Number(f(t, u).toFixed(3))));

export const WORDS = ['the', 'cat', 'sat', 'on', 'the', 'mat'];

/** A hand-made LSTM trace: T = 6 words, H = 5 units. */
export const handLstm: RecurrentTrace = {
  module: 'rnn.l0', kind: 'lstm', layer: 0, direction: 'forward', tokens: WORDS,
  states: { h: grid(6, 5, (t, u) => wave(t, u)), c: grid(6, 5, (t, u) => wave(t, u, 2.5)) },
  gates: {
    i: grid(6, 5, (t, u) => sigmoid(3 * wave(t, u + 1))), f: grid(6, 5, (t, u) => sigmoid(2 * wave(t + 2, u))),
    g: grid(6, 5, (t, u) => Math.tanh(2 * wave(t, u + 3))), o: grid(6, 5, (t, u) => sigmoid(wave(t + 1, u + 2))),
  },
};

/** A tiny char LSTM language model (seed 7, E = 4, H = 6) traced over "hello": a real trace. */
export function tracedLstm(): RecurrentTrace {
  return withBackend(referenceBackend, () => {
    const text = 'hello';
    const chars = [...new Set(text)];
    const model = buildCausalLm(resolveLmConfig('lstm', chars.length + 1, { embedDim: 4, hiddenSize: 6 }), new Rng(7));
    model.eval();
    const ids = [...text].map((c) => chars.indexOf(c) + 1);
    const { trace } = withTrace(model, () => noGrad(() => model.forward(ids, 1, ids.length)));
    return collectRecurrent(trace, () => [...text])[0];
  });
}

/** A bidirectional GRU (seed 3, In = 3, H = 4) traced over 5 steps: forward and backward traces. */
export function tracedBiGru(): RecurrentTrace[] {
  return withBackend(referenceBackend, () => {
    const rng = new Rng(3);
    const gru = new Gru({ inputSize: 3, hiddenSize: 4, bidirectional: true }, rng);
    gru.eval();
    const x = tensor(Array.from({ length: 15 }, (_, i) => Math.sin(i)), [1, 5, 3]);
    const { trace } = withTrace(gru, () => noGrad(() => gru.forward(x)));
    return collectRecurrent(trace, () => ['A', 'C', 'G', 'T', 'A']);
  });
}

/** A tiny transformer LM (seed 5, E = 8, 2 heads, 2 layers) traced over six tokens: its self-attention. */
export function tracedAttention(): AttentionTrace[] {
  return withBackend(referenceBackend, () => {
    const model = buildCausalLm(resolveLmConfig('transformer', 7, { embedDim: 8, hiddenSize: 16, nhead: 2, numLayers: 2, context: 8 }), new Rng(5));
    model.eval();
    const { trace } = withTrace(model, () => noGrad(() => model.forward([1, 2, 3, 4, 5, 6], 1, 6)));
    return collectAttention(trace, () => WORDS);
  });
}

export const handAlignment = {
  source: ['ein', 'Hund', 'läuft', '<&>', '.'],
  target: ['a', 'dog', 'runs', '"&"', '.', '<eos>'],
  weights: Array.from({ length: 6 }, (_, t) => {
    const raw = Array.from({ length: 5 }, (_, s) => Math.exp(-((s - Math.min(t, 4)) ** 2) / 0.5));
    const sum = raw.reduce((a, b) => a + b, 0);
    return raw.map((v) => Number((v / sum).toFixed(3)));
  }),
};

/** A 300-position DNA sequence with two tracks and five regions (deterministic). */
export const dna = {
  sequence: Array.from({ length: 300 }, (_, i) => 'ACGT'[(i * 7 + (i >> 3)) % 4]).join(''),
  tracks: [
    { name: 'P(motif)', values: Array.from({ length: 300 }, (_, i) => Number((0.5 + 0.45 * Math.sin(i / 9)).toFixed(3))), mark: 'area' as const },
    { name: 'saliency', values: Array.from({ length: 300 }, (_, i) => Number((Math.sin(i / 3) * Math.exp(-((i - 150) ** 2) / 2000)).toFixed(3))), mark: 'bar' as const },
  ],
  regions: [
    { start: 20, end: 60, label: 'exon', strand: '+' as const, score: 0.9 },
    { start: 50, end: 90, label: 'CpG', score: 0.4 },
    { start: 120, end: 180, label: 'exon', strand: '-' as const },
    { start: 150, end: 160, label: 'TATA <box>' },
    { start: 250, end: 300, label: 'CpG' },
  ],
};

export const lmConfig = { task: 'lm', arch: 'lstm', model: { arch: 'lstm', vocabSize: 66, embedDim: 64, hiddenSize: 256, numLayers: 2 } };
export const translateRnnConfig = {
  task: 'translate', arch: 'rnn-attention',
  model: { sourceVocab: 8000, targetVocab: 8000, embedDim: 256, hiddenSize: 256, numLayers: 1, cell: 'lstm', attention: 'additive' },
};
export const translateTransformerConfig = {
  task: 'translate', arch: 'transformer',
  model: { sourceVocab: 8000, targetVocab: 8000, dModel: 128, nhead: 4, numEncoderLayers: 3, numDecoderLayers: 3, dimFeedforward: 512 },
};

/** A splice donor site CAG|GTRAGT (exon positions −3..−1, intron +1..+6) over ACGT: hand-made, close to the human consensus. */
export const spliceDonor = {
  name: 'splice donor CAG|GTRAGT',
  letters: 'ACGT',
  pwm: [
    [0.33, 0.36, 0.18, 0.13], [0.6, 0.13, 0.14, 0.13], [0.08, 0.04, 0.8, 0.08],
    [0, 0, 1, 0], [0, 0, 0, 1], [0.59, 0.03, 0.35, 0.03],
    [0.71, 0.08, 0.12, 0.09], [0.07, 0.06, 0.8, 0.07], [0.16, 0.15, 0.19, 0.5],
  ],
};

const AMINO = 'ACDEFGHIKLMNPQRSTVWY';
/** A row over the 20 amino acids: `favoured` share 0.8, the rest share 0.2 ('' for a mild, uneven background). */
const aminoRow = (favoured: string, j: number): number[] => {
  const raw = [...AMINO].map((c, k) => (favoured ? (favoured.includes(c) ? 0.8 / favoured.length : 0.2 / (20 - favoured.length)) : 1 + 0.6 * wave(j, k)));
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((v) => Number((v / sum).toFixed(4)));
};
/** The Walker A (P-loop) motif G-x(4)-G-K-[ST] over the 20 amino acids: hand-made. */
export const walkerA = { name: 'Walker A GxxxxGK[ST]', letters: AMINO, pwm: ['G', '', '', '', '', 'G', 'K', 'ST'].map(aminoRow) };

/** Every gallery case: a file name (its snapshot) and the SVG it draws. */
export interface VizCase {
  name: string;
  title: string;
  svg: () => string;
}

const asUnrolled = (traces: readonly RecurrentTrace[]) => ({
  kind: traces[0].kind, tokens: traces[0].tokens,
  rows: traces.map((t) => ({ direction: t.direction, h: t.states.h, ...(t.states.c ? { c: t.states.c } : {}) })),
});

const attentionLayers = (traces: readonly AttentionTrace[]) => ({ layers: traces.map((a) => ({ label: `layer ${a.layer + 1}`, queries: a.queries, keys: a.keys, heads: a.heads })) });

export const CASES: readonly VizCase[] = [
  { name: 'unrolled-lstm-hand', title: 'Unrolled LSTM (hand-made states)', svg: () => unrolledRnn({ ...asUnrolled([handLstm]), outputs: [...WORDS.slice(1), '.'] }) },
  { name: 'unrolled-lstm-traced', title: 'Unrolled LSTM (tiny traced model)', svg: () => unrolledRnn(asUnrolled([tracedLstm()])) },
  { name: 'unrolled-bigru-traced', title: 'Unrolled bidirectional GRU (traced)', svg: () => unrolledRnn(asUnrolled(tracedBiGru())) },
  { name: 'unrolled-long', title: 'Unrolled RNN capped at maxSteps', svg: () => unrolledRnn({ kind: 'rnn', tokens: 'abcdefghijklmnopqrstuvwxyz'.split(''), rows: [{ direction: 'forward', h: grid(26, 3, (t, u) => wave(t, u)) }] }, { maxSteps: 8 }) },
  { name: 'gates-lstm-hand', title: 'LSTM gates (hand-made)', svg: () => gateHeatmap(handLstm) },
  { name: 'gates-lstm-traced', title: 'LSTM gates (tiny traced model)', svg: () => gateHeatmap(tracedLstm()) },
  { name: 'gates-gru-traced-top2', title: 'GRU gates, top 2 units (traced)', svg: () => gateHeatmap(tracedBiGru()[0], { topUnits: 2 }) },
  { name: 'alignment', title: 'Alignment matrix with cell text', svg: () => alignmentMatrix(handAlignment, { cellText: true }) },
  { name: 'heads-matrix-traced', title: 'Attention heads as matrices (tiny traced transformer)', svg: () => attentionHeads(attentionLayers(tracedAttention())) },
  { name: 'heads-lines-traced', title: 'Attention heads as lines, layer 2 only', svg: () => attentionHeads(attentionLayers(tracedAttention()), { mode: 'lines', layers: [1] }) },
  { name: 'track-full', title: 'Sequence tracks and regions', svg: () => sequenceTrack(dna) },
  { name: 'track-window', title: 'Sequence tracks zoomed to [140, 200) with letters', svg: () => sequenceTrack(dna, { window: [140, 200] }) },
  { name: 'model-lm-lstm', title: 'Model: LSTM language model', svg: () => modelDiagram(lmConfig) },
  { name: 'model-translate-rnn', title: 'Model: RNN encoder-decoder with attention', svg: () => modelDiagram(translateRnnConfig) },
  { name: 'model-translate-transformer', title: 'Model: Transformer translation', svg: () => modelDiagram(translateTransformerConfig) },
  { name: 'loss-curve', title: 'Loss curves', svg: () => lossCurve([{ name: 'lstm', points: [[0, 4], [10, 2.1], [20, 1.6]] }, { name: 'gru', points: [[0, 4.1], [12, 1.9], [24, 1.7]] }], { title: 'validation loss' }) },
  { name: 'logo-splice-donor', title: 'Sequence logo: splice donor (bits)', svg: () => sequenceLogo(spliceDonor) },
  { name: 'logo-splice-donor-probability', title: 'Sequence logo: splice donor (probability)', svg: () => sequenceLogo(spliceDonor, { mode: 'probability' }) },
  { name: 'logo-walker-a', title: 'Sequence logo: Walker A protein motif', svg: () => sequenceLogo(walkerA) },
];

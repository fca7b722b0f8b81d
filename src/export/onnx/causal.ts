/**
 * Causal models (models/causal-lm.ts: language models and memory-task models) as ONNX graphs.
 * Every graph takes `input_ids` int64 [batch, time] and gives `logits` float32 [batch, time, C]
 * (C: the vocabulary, or the model's classes), the same numbers as `model.forward`. The state a
 * family carries is an input and an output, so a caller can run a prompt once and then one
 * token per call, as seqlab's generation does:
 *
 *   rnn, gru, lstm  h_0 [L, batch, H] in, h_n out (and c_0 / c_n for the LSTM); zeros to start
 *   transformer     past_key_l, past_value_l [batch, heads, past, Dh] in, present_key_l,
 *                   present_value_l [batch, heads, past + time, Dh] out, per layer l; to start,
 *                   tensors with past = 0. Positions continue from `past` (at most the context).
 *   ffn             no state: each position reads its last k tokens of this call, so to continue
 *                   a text, pass at least its last k tokens and read the last position.
 */
import { SeqlabError } from '../../errors.js';
import type { CausalLm } from '../../models/causal-lm.js';
import { outputClasses } from '../../models/lm-config.js';
import type { OutputParts } from '../../models/lm-parts.js';
import { RecurrentLm } from '../../models/recurrent-lm.js';
import { TransformerLm } from '../../models/transformer-lm.js';
import { WindowLm } from '../../models/window-lm.js';
import { Lstm } from '../../nn/recurrent.js';
import { type OnnxGraph, TO_END } from './graph.js';
import { DataType } from './onnx-proto.js';
import { exportRecurrent } from './recurrent.js';
import { encoderLayer, type KeyValue, layerNorm } from './transformer.js';

/** Added to the scores of positions a query may not see: exp underflows to exactly 0. */
const MASKED = -1e9;

/** What one family's export adds: its body over x [B, T, E] → h [B, T, W]. */
type Body = (g: OnnxGraph, x: string) => string;

/** h [B, T, W] → logits [B, T, C], as `outputLogits`: a head, or the tied embedding (through `proj`). */
function outputLogits(g: OnnxGraph, h: string, parts: OutputParts, embedding: string): string {
  const x = parts.proj ? g.linear(h, parts.proj.weight, parts.proj.bias, 'proj') : h; // [B, T, E] when tied
  if (parts.head) return g.linear(x, parts.head.weight, parts.head.bias, 'head');
  return g.op('MatMul', [x, g.transpose(embedding, [1, 0])], {}, 'tied_head'); // [B, T, E]·[E, V] → [B, T, V]
}

/** The recurrent family: the stack from h_0 (c_0), its final states as outputs. */
function recurrentBody(model: RecurrentLm): Body {
  return (g, x) => {
    const { numLayers: layers, hiddenSize: hidden } = model.config;
    const lstm = model.rnn instanceof Lstm;
    const h0 = g.input('h_0', DataType.FLOAT, [layers, 'batch', hidden], 'initial hidden state (zeros to start)');
    const c0 = lstm ? g.input('c_0', DataType.FLOAT, [layers, 'batch', hidden], 'initial cell state (zeros to start)') : null;
    const r = exportRecurrent(g, model.rnn, g.transpose(x, [1, 0, 2]), 'rnn', h0, c0); // [B, T, E] → [T, B, E] → [T, B, H]
    g.output(r.hN, 'h_n', DataType.FLOAT, [layers, 'batch', hidden], 'hidden state after the last position');
    if (r.cN) g.output(r.cN, 'c_n', DataType.FLOAT, [layers, 'batch', hidden], 'cell state after the last position');
    return g.transpose(r.output, [1, 0, 2]); // [B, T, H]
  };
}

/**
 * The causal mask rows S..S+T−1, columns 0..S+T−1 of a [context, context] table (0 on and below
 * the diagonal, −1e9 above): [T, S + T], for T new positions after S cached ones.
 */
function causalMask(g: OnnxGraph, context: number, past: string, time: string): string {
  const table = new Float32Array(context * context);
  for (let i = 0; i < context; i++) table.fill(MASKED, i * context + i + 1, (i + 1) * context);
  const end = g.op('Add', [past, time]); // [1]: S + T
  const starts = g.op('Concat', [past, g.ints([0])], { axis: 0 });
  const ends = g.op('Concat', [end, end], { axis: 0 });
  return g.op('Slice', [g.weight('causal_mask', [context, context], () => table), starts, ends, g.ints([0, 1])], {}, 'mask');
}

/** The transformer: learned positions from `past` on, causal layers over their caches, final norm. */
function transformerBody(model: TransformerLm, ids: string): Body {
  return (g, x) => {
    const c = model.config;
    const headDim = c.embedDim / c.nhead;
    const pasts: KeyValue[] = model.layers.map((_, l) => ({
      k: g.input(`past_key_${l}`, DataType.FLOAT, ['batch', c.nhead, 'past', headDim], `layer ${l}'s keys of earlier positions (past = 0 to start)`),
      v: g.input(`past_value_${l}`, DataType.FLOAT, ['batch', c.nhead, 'past', headDim], `layer ${l}'s values of earlier positions`),
    }));
    const past = g.op('Shape', [pasts[0].k], { start: 2, end: 3 }, 'past_length'); // [1]: S
    const time = g.op('Shape', [ids], { start: 1, end: 2 }, 'time'); // [1]: T
    const scalar = (v: string): string => g.op('Squeeze', [v, g.ints([0])]);
    const positions = g.op('Range', [scalar(past), scalar(g.op('Add', [past, time])), scalar(g.ints([1]))], {}, 'positions'); // [T]: S..S+T−1
    let h = g.op('Add', [x, g.op('Gather', [g.param('pos.embedding.weight', model.pos.embedding.weight), positions])]); // [B, T, E] + [T, E]
    const mask = causalMask(g, c.context, past, time);
    model.layers.forEach((layer, l) => {
      const r = encoderLayer(g, layer, h, `layers.${l}`, mask, pasts[l]);
      h = r.y;
      const dims = ['batch', c.nhead, 'past_plus_time', headDim];
      g.output(r.present.k, `present_key_${l}`, DataType.FLOAT, dims, `layer ${l}'s keys of every position so far`);
      g.output(r.present.v, `present_value_${l}`, DataType.FLOAT, dims, `layer ${l}'s values of every position so far`);
    });
    return layerNorm(g, h, model.norm, 'norm');
  };
}

/**
 * The window model: x padded with k − 1 zero vectors in front, each position's window of k
 * embeddings concatenated oldest first, then linear1 → tanh → linear2.
 */
function windowBody(model: WindowLm): Body {
  return (g, x) => {
    const k = model.config.window;
    const ffn = model.ffn;
    let w = x;
    if (k > 1) {
      const padded = g.op('Pad', [x, g.ints([0, k - 1, 0, 0, 0, 0])]); // [B, k − 1 + T, E]
      const shifted = Array.from({ length: k }, (_, j) => g.op('Slice', [padded, g.ints([j]), g.ints([j === k - 1 ? TO_END : j - (k - 1)]), g.ints([1])]));
      w = g.op('Concat', shifted, { axis: -1 }, 'windows'); // k × [B, T, E] → [B, T, k·E]
    }
    const hidden = g.op('Tanh', [g.linear(w, ffn.linear1.weight, ffn.linear1.bias, 'ffn.linear1')]);
    return g.linear(hidden, ffn.linear2.weight, ffn.linear2.bias, 'ffn.linear2'); // [B, T, H]
  };
}

/** Writes `model` into `g`; returns a one-paragraph description of its inputs and outputs. */
export function exportCausal(g: OnnxGraph, model: CausalLm): string {
  const ids = g.input('input_ids', DataType.INT64, ['batch', 'time'], 'token ids');
  let body: Body;
  let state: string;
  let parts: OutputParts;
  if (model instanceof RecurrentLm) {
    parts = model;
    body = recurrentBody(model);
    state = model.rnn instanceof Lstm ? 'h_0, c_0 [layers, batch, hidden] in (zeros to start), h_n, c_n out' : 'h_0 [layers, batch, hidden] in (zeros to start), h_n out';
  } else if (model instanceof TransformerLm) {
    parts = model;
    body = transformerBody(model, ids);
    state = 'past_key_l, past_value_l [batch, heads, past, head_dim] in per layer l (past = 0 to start), present_key_l, present_value_l out';
  } else if (model instanceof WindowLm) {
    parts = model;
    body = windowBody(model);
    state = `no state: each position reads the last ${model.config.window} tokens of the call`;
  } else {
    throw new SeqlabError(`ONNX export: no exporter for the ${model.config.arch} family`);
  }
  const embedding = g.param('embedding.weight', model.embedding.weight); // [V, E]
  const x = g.op('Gather', [embedding, ids], {}, 'embedded'); // [B, T, E]
  const h = body(g, x); // [B, T, W]
  const logits = outputLogits(g, h, parts, embedding);
  g.output(logits, 'logits', DataType.FLOAT, ['batch', 'time', outputClasses(model.config)], 'scores of the next token at each position');
  g.outputFirst('logits');
  return `${model.config.arch} causal model: input_ids int64 [batch, time] → logits float32 [batch, time, ${outputClasses(model.config)}]; state: ${state}.`;
}

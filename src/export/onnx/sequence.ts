/**
 * Networks over DNA and protein (models/sequence-net.ts: cnn, bilstm, cnn-bilstm, transformer;
 * classifiers and taggers) as ONNX graphs.
 *
 *   input_ids  int64 [batch, length]: the alphabet's letter ids (DNA A C G T N = 0..4; protein
 *              the 20 amino acids then X). A classifier with a 'flatten' or 'both' head takes
 *              exactly its `length` positions (seqlab crops or pads to it before the network).
 *   logits     float32 [batch, classes] (classify) or [batch, length, classes] (tag), as
 *              `SequenceNet.forward` gives them for a batch of sequences of one length.
 *   probs      classify only: the class probabilities seqlab's `annotate` reports: softmax of
 *              the logits, or for a strand-symmetric DNA model (reverseComplement 'on') the
 *              mean of both strands' softmax.
 *
 * There is no padding mask: every sequence of a batch counts as full length, so batch
 * sequences of one length (or run them one at a time). A pooling classifier needs at least
 * pool^(pooling layers) letters (seqlab skips a pool its input is too short for; the graph
 * cannot). Taggers are the network over one
 * window: seqlab's `annotate` cuts long sequences into windows and stitches them; a caller
 * of the graph does the same, or runs the whole sequence at once.
 */
import type { Alphabet } from '../../data/alphabet.js';
import type { SequenceNet } from '../../models/sequence-net.js';
import { type OnnxGraph, TO_END } from './graph.js';
import { DataType } from './onnx-proto.js';
import { exportRecurrent } from './recurrent.js';
import { encoderLayer, layerNorm, sinusoidalPositions } from './transformer.js';

/**
 * The one-hot table [letters + 1, letters − 1] that `inputFeatures` computes per letter: known
 * letters one-hot, the unknown letter 1/A everywhere, the padding id (`letters`) all zero.
 */
function oneHotTable(letters: number, unknown: number): Float32Array {
  const a = letters - 1;
  const table = new Float32Array((letters + 1) * a);
  for (let id = 0; id < letters; id++) {
    if (id === unknown) table.fill(1 / a, id * a, (id + 1) * a);
    else table[id * a + (id < unknown ? id : id - 1)] = 1;
  }
  return table;
}

/** Pool width after conv layer l, as `SequenceNet.poolAfter` (classifiers only, never after a cnn's last layer). */
function poolAfter(net: SequenceNet, l: number): number {
  const c = net.config;
  if (c.output === 'position' || c.pool <= 1) return 1;
  return c.arch === 'cnn-bilstm' || l < net.convs.length - 1 ? c.pool : 1;
}

/** Features [B, L, F] through the conv stack → [B, L', K]: conv → ReLU (→ max-pool) per layer. */
function convolve(g: OnnxGraph, net: SequenceNet, x: string): string {
  let h = g.transpose(x, [0, 2, 1]); // [B, F, L]
  net.convs.forEach((conv, l) => {
    const inputs = [h, g.param(`convs.${l}.weight`, conv.weight), ...(conv.bias ? [g.param(`convs.${l}.bias`, conv.bias)] : [])];
    h = g.op('Relu', [g.op('Conv', inputs, { kernel_shape: [conv.kernelSize], pads: [conv.padding, conv.padding], dilations: [conv.dilation] }, `convs.${l}`)]);
    const p = poolAfter(net, l);
    if (p > 1) h = g.op('MaxPool', [h], { kernel_shape: [p], strides: [p] }); // [B, K, ⌊L/p⌋]
  });
  return g.transpose(h, [0, 2, 1]); // [B, L', K]
}

/** Sinusoidal positions and the encoder layers over features [B, L, F] → [B, L, dModel]. */
function encode(g: OnnxGraph, net: SequenceNet, x: string): string {
  const stem = net.stem!;
  const inputs = [g.transpose(x, [0, 2, 1]), g.param('stem.weight', stem.weight), ...(stem.bias ? [g.param('stem.bias', stem.bias)] : [])];
  const conv = g.op('Conv', inputs, { kernel_shape: [stem.kernelSize], pads: [stem.padding, stem.padding], dilations: [stem.dilation] }, 'stem');
  let h = g.transpose(conv, [0, 2, 1]); // [B, F, L] → [B, D, L] → [B, L, D]
  h = g.op('Add', [h, sinusoidalPositions(g, h, net.config.dModel)]); // + [L, D]
  net.layers.forEach((layer, l) => {
    h = encoderLayer(g, layer, h, `layers.${l}`).y;
  });
  return layerNorm(g, h, net.norm!, 'norm');
}

/** The network over ids [B, L] → logits [B, C] or [B, L, C] (weights shared between calls). */
function logitsOf(g: OnnxGraph, net: SequenceNet, ids: string): string {
  const c = net.config;
  const table = net.embed ? g.param('embed.weight', net.embed.weight) : g.weight('one_hot', [c.letters + 1, c.letters - 1], () => oneHotTable(c.letters, c.unknown));
  let h = g.op('Gather', [table, ids], {}, 'features'); // [B, L, F]
  if (net.convs.length > 0) h = convolve(g, net, h);
  if (net.lstm) h = g.transpose(exportRecurrent(g, net.lstm, g.transpose(h, [1, 0, 2]), 'lstm').output, [1, 0, 2]); // [B, L', 2H]
  if (net.stem) h = encode(g, net, h);
  if (c.output === 'position') return g.linear(h, net.head.weight, net.head.bias, 'head'); // [B, L, C]
  const parts: string[] = [];
  if (c.head !== 'pool') parts.push(g.reshape(h, [0, -1])); // [B, L'·W]
  if (c.head !== 'flatten') {
    const top = g.op('ReduceMax', [h], { axes: [1], keepdims: 0 }); // [B, W]
    const mean = g.op('ReduceMean', [h], { axes: [1], keepdims: 0 });
    parts.push(g.op('Concat', [top, mean], { axis: 1 }, 'pooled')); // [B, 2W]
  }
  let pooled = parts.length === 1 ? parts[0] : g.op('Concat', parts, { axis: 1 });
  if (net.fc) pooled = g.op('Relu', [g.linear(pooled, net.fc.weight, net.fc.bias, 'fc')]);
  return g.linear(pooled, net.head.weight, net.head.bias, 'head'); // [B, C]
}

/** ids [B, L] → their reverse complements: each id through `complement` (padding kept), then reversed along L. */
function reverseComplement(g: OnnxGraph, ids: string, complement: Uint8Array): string {
  const flipped = g.op('Gather', [g.ints([...complement, complement.length]), ids]); // the padding id maps to itself
  return g.op('Slice', [flipped, g.ints([-1]), g.ints([-TO_END]), g.ints([1]), g.ints([-1])], {}, 'reverse_complement');
}

/**
 * Writes `net` into `g`. `complement` (DNA classifiers trained on both strands) makes `probs`
 * the mean of both strands. Returns a description of the inputs and outputs.
 */
export function exportSequenceNet(g: OnnxGraph, net: SequenceNet, alphabet: Alphabet, complement: Uint8Array | null): string {
  const c = net.config;
  const fixed = c.output === 'sequence' && c.head !== 'pool';
  const lengthDim = fixed ? c.length : 'length';
  const ids = g.input('input_ids', DataType.INT64, ['batch', lengthDim], `letter ids over '${alphabet.letters}'`);
  const logits = logitsOf(g, net, ids);
  if (c.output === 'position') {
    g.output(logits, 'logits', DataType.FLOAT, ['batch', lengthDim, c.classes], 'label scores at each position');
    return `${c.arch} tagger: input_ids int64 [batch, length] → logits float32 [batch, length, ${c.classes}].`;
  }
  g.output(logits, 'logits', DataType.FLOAT, ['batch', c.classes], 'class scores');
  let probs = g.op('Softmax', [logits], { axis: -1 });
  if (complement) {
    const other = g.op('Softmax', [logitsOf(g, net, reverseComplement(g, ids, complement))], { axis: -1 });
    probs = g.op('Mul', [g.op('Add', [probs, other]), g.scalar(0.5)]); // ½(p(x) + p(rc(x)))
  }
  g.output(probs, 'probs', DataType.FLOAT, ['batch', c.classes], complement ? 'class probabilities, both strands averaged' : 'class probabilities');
  const shape = fixed ? `[batch, ${c.length}]` : '[batch, length]';
  return `${c.arch} classifier: input_ids int64 ${shape} → logits float32 [batch, ${c.classes}], probs float32 [batch, ${c.classes}]${complement ? ' (both strands)' : ''}.`;
}

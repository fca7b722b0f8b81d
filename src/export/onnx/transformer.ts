/**
 * Transformer encoder layers (nn/transformer.ts) and the position tables as ONNX nodes:
 * multi-head self-attention written out (MatMul, Softmax), LayerNormalization, and the exact
 * GELU composed from Erf, so the graph needs nothing past opset 17. onnxruntime fuses the
 * pieces back into its own attention, GELU and layer-norm kernels where it recognises them.
 */
import type { MultiHeadAttention } from '../../nn/multihead.js';
import type { LayerNorm } from '../../nn/layers.js';
import type { TransformerEncoderLayer } from '../../nn/transformer.js';
import type { OnnxGraph, Weights } from './graph.js';

/** The keys and values a layer attends over, each [B, H, S, Dh]. */
export interface KeyValue {
  k: string;
  v: string;
}

/** Rows first..last−1 of a [R, C] matrix, or entries of a vector. */
function rows(w: Weights, first: number, last: number): Weights {
  const cols = w.shape.length === 2 ? w.shape[1] : 1;
  return { data: w.data.subarray(first * cols, last * cols), shape: w.shape.length === 2 ? [last - first, cols] : [last - first] };
}

export function layerNorm(g: OnnxGraph, x: string, norm: LayerNorm, name: string): string {
  return g.op('LayerNormalization', [x, g.param(`${name}.weight`, norm.weight), g.param(`${name}.bias`, norm.bias)],
    { axis: -1, epsilon: { float: norm.eps } }, name);
}

/** The exact GELU: x · ½(1 + erf(x / √2)). */
function gelu(g: OnnxGraph, x: string): string {
  const erf = g.op('Erf', [g.op('Div', [x, g.scalar(Math.SQRT2)])]);
  return g.op('Mul', [g.op('Mul', [x, g.op('Add', [erf, g.scalar(1)])]), g.scalar(0.5)], {}, 'gelu');
}

/** x [B, T, E] → heads [B, H, T, Dh]. */
function splitHeads(g: OnnxGraph, x: string, heads: number, headDim: number): string {
  return g.transpose(g.reshape(x, [0, 0, heads, headDim]), [0, 2, 1, 3]);
}

/**
 * Self-attention of y [B, T, E] → [B, T, E], as `MultiHeadAttention.forward(y, y, y)`:
 * softmax(Q·Kᵀ/√Dh + mask)·V per head. `mask` is additive ([T, S + T]: 0 where seen, −1e9
 * where masked, so masked weights are exactly 0 as seqlab's are); with `past` the keys and
 * values of S earlier positions come first. Returns the output and the keys and values now held.
 */
function selfAttention(g: OnnxGraph, attn: MultiHeadAttention, y: string, name: string, mask: string | null,
  past: KeyValue | null): { out: string; present: KeyValue } {
  const e = attn.embedDim;
  const bias = (i: number): Weights | null => (attn.in_proj_bias ? rows(attn.in_proj_bias, i * e, (i + 1) * e) : null);
  const project = (i: number, what: string): string => splitHeads(g,
    g.linear(y, rows(attn.in_proj_weight, i * e, (i + 1) * e), bias(i), `${name}.${what}_proj`), attn.numHeads, attn.headDim);
  const q = project(0, 'q'); // [B, H, T, Dh]
  let k = project(1, 'k');
  let v = project(2, 'v');
  if (past) { // [B, H, S, Dh] ‖ [B, H, T, Dh] → [B, H, S + T, Dh]
    k = g.op('Concat', [past.k, k], { axis: 2 }, `${name}.present_key`);
    v = g.op('Concat', [past.v, v], { axis: 2 }, `${name}.present_value`);
  }
  let scores = g.op('MatMul', [q, g.transpose(k, [0, 1, 3, 2])]); // [B, H, T, Dh]·[B, H, Dh, S + T] → [B, H, T, S + T]
  scores = g.op('Mul', [scores, g.scalar(1 / Math.sqrt(attn.headDim))]);
  if (mask) scores = g.op('Add', [scores, mask]); // + [T, S + T]
  const weights = g.op('Softmax', [scores], { axis: -1 }, `${name}.weights`);
  const heads = g.op('MatMul', [weights, v]); // [B, H, T, S + T]·[B, H, S + T, Dh] → [B, H, T, Dh]
  const joined = g.reshape(g.transpose(heads, [0, 2, 1, 3]), [0, 0, e]); // [B, T, H, Dh] → [B, T, E]
  return { out: g.linear(joined, attn.out_proj.weight, attn.out_proj.bias, `${name}.out_proj`), present: { k, v } };
}

/**
 * One encoder layer over x [B, T, E] → [B, T, E]: pre-norm x + sa(norm1(x)), then
 * + ff(norm2(·)); post-norm norm1(x + sa(x)), then norm2(· + ff(·)). Dropout is the identity
 * (inference). `past` and the returned `present` are the layer's key/value cache.
 */
export function encoderLayer(g: OnnxGraph, layer: TransformerEncoderLayer, x: string, name: string,
  mask: string | null = null, past: KeyValue | null = null): { y: string; present: KeyValue } {
  const c = layer.config;
  let present: KeyValue | null = null;
  const sa = (y: string): string => {
    const r = selfAttention(g, layer.self_attn, y, `${name}.self_attn`, mask, past);
    present = r.present;
    return r.out;
  };
  const ff = (y: string): string => {
    const h = g.linear(y, layer.linear1.weight, layer.linear1.bias, `${name}.linear1`); // [B, T, F]
    const a = c.activation === 'gelu' ? gelu(g, h) : g.op('Relu', [h]);
    return g.linear(a, layer.linear2.weight, layer.linear2.bias, `${name}.linear2`); // [B, T, E]
  };
  const residual = (h: string, norm: LayerNorm, normName: string, f: (y: string) => string): string => (c.normFirst
    ? g.op('Add', [h, f(layerNorm(g, h, norm, normName))])
    : layerNorm(g, g.op('Add', [h, f(h)]), norm, normName));
  const h = residual(x, layer.norm1, `${name}.norm1`, sa);
  return { y: residual(h, layer.norm2, `${name}.norm2`, ff), present: present! };
}

/**
 * The sinusoidal table rows 0..T−1 for x [B, T, ·] → [T, D] (nn/positional.ts), computed in
 * float64 in the graph as seqlab does, then rounded to float32: PE[p, 2i] = sin(p / 10000^(2i/D)),
 * PE[p, 2i+1] = cos(·). Any T, with no table stored.
 */
export function sinusoidalPositions(g: OnnxGraph, x: string, dModel: number): string {
  const half = Math.ceil(dModel / 2);
  const divisors = Array.from({ length: half }, (_, j) => Math.pow(10000, (2 * j) / dModel));
  const length = g.op('Squeeze', [g.op('Shape', [x], { start: 1, end: 2 }), g.ints([0])]); // scalar T
  const zero = g.op('Squeeze', [g.ints([0]), g.ints([0])]);
  const one = g.op('Squeeze', [g.ints([1]), g.ints([0])]);
  const pos = g.op('Cast', [g.op('Range', [zero, length, one])], { to: 11 }); // [T] float64
  const angle = g.op('Div', [g.op('Unsqueeze', [pos, g.ints([1])]), g.doubles(divisors)]); // [T, 1] / [D/2] → [T, D/2]
  const pair = (op: string): string => g.op('Unsqueeze', [g.op(op, [angle]), g.ints([2])]); // [T, D/2, 1]
  let table = g.reshape(g.op('Concat', [pair('Sin'), pair('Cos')], { axis: 2 }), [0, -1]); // [T, D/2, 2] → [T, 2·(D/2)]
  if (2 * half !== dModel) table = g.op('Slice', [table, g.ints([0]), g.ints([dModel]), g.ints([1])]); // odd D: last column a sine
  return g.op('Cast', [table], { to: 1 }, 'positions'); // [T, D] float32
}

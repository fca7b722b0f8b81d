import { describe, expect, it } from 'vitest';
import { withTrace } from '../../src/inspect/trace.js';
import { layerNorm } from '../../src/nn/functional.js';
import type { Module } from '../../src/nn/module.js';
import { causalMask } from '../../src/nn/multihead.js';
import { LearnedPositionalEncoding, SinusoidalPositionalEncoding, sinusoidalTable } from '../../src/nn/positional.js';
import {
  defaultTransformerLayerConfig, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer,
  type TransformerLayerConfig,
} from '../../src/nn/transformer.js';
import { sum } from '../../src/ops/index.js';
import { backward, noGrad, Rng, type Tensor, tensor, zeros } from '../../src/tensor/index.js';
import { gradCheck, rand } from '../helpers/check-op.js';

const small: Partial<TransformerLayerConfig> = { dModel: 4, nhead: 2, dimFeedforward: 6 };

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], digits);
}

function mask(values: boolean[], shape: number[]): Tensor {
  return tensor(values.map((b) => (b ? 1 : 0)), shape);
}

/** Sets every parameter to small random values (zero-bias init would hide bias gradients). */
function randomise(m: Module, seed: number): void {
  const rng = new Rng(seed);
  for (const p of m.parameters()) for (let i = 0; i < p.size; i++) p.data[i] = rng.uniform(-0.8, 0.8);
}

/** Zeros the attention output projections and the feed-forward output: each sub-block adds 0. */
function silence(m: Module): void {
  for (const [name, p] of m.namedParameters()) if (/out_proj|linear2/.test(name)) p.data.fill(0);
}

describe('TransformerEncoderLayer', () => {
  it('names its parameters exactly as PyTorch', () => {
    const names = new TransformerEncoderLayer(small, new Rng(1)).namedParameters().map(([n]) => n);
    expect(names).toEqual([
      'self_attn.in_proj_weight', 'self_attn.in_proj_bias', 'self_attn.out_proj.weight', 'self_attn.out_proj.bias',
      'linear1.weight', 'linear1.bias', 'linear2.weight', 'linear2.bias',
      'norm1.weight', 'norm1.bias', 'norm2.weight', 'norm2.bias',
    ]);
  });

  it('wires residuals as post-norm norm2(norm1(x)) and pre-norm x when every sub-block adds 0', () => {
    const x = rand([2, 3, 4], 1);
    const post = new TransformerEncoderLayer(small, new Rng(1));
    silence(post);
    const expected = noGrad(() => layerNorm(layerNorm(x, null, null), null, null));
    expectClose(noGrad(() => post.forward(x)).data, expected.data, 5);
    const pre = new TransformerEncoderLayer({ ...small, normFirst: true }, new Rng(1));
    silence(pre);
    expectClose(noGrad(() => pre.forward(x)).data, x.data, 6);
  });

  // A 1e-2 step can straddle a ReLU kink (a hidden unit near 0), so the relu case steps 1e-3.
  for (const [label, cfg, eps] of [
    ['post-norm relu', { ...small }, 1e-3],
    ['pre-norm gelu', { ...small, normFirst: true, activation: 'gelu' as const }, 1e-2],
  ] as const) {
    it(`passes a finite-difference gradient check (${label}, causal and padding masks)`, () => {
      const layer = new TransformerEncoderLayer(cfg, new Rng(2));
      randomise(layer, 3);
      const masks = { mask: causalMask(3), keyPaddingMask: mask([false, false, false, false, false, true], [2, 3]) };
      gradCheck((x) => layer.forward(x, masks), [rand([2, 3, 4], 4), ...layer.parameters()], { eps });
    });
  }

  it('applies dropout only when configured, in training mode, from the seeded generator', () => {
    const x = rand([2, 3, 4], 1);
    const run = (dropout: number, training: boolean): Float32Array =>
      noGrad(() => new TransformerEncoderLayer({ ...small, dropout }, new Rng(5)).train(training).forward(x)).data;
    expectClose(run(0, true), run(0, false), 7);
    expectClose(run(0.3, true), run(0.3, true), 7);
    expectClose(run(0.3, false), run(0, false), 7);
    expect(run(0.3, true).some((v, i) => Math.abs(v - run(0.3, false)[i]) > 1e-4)).toBe(true);
  });
});

describe('TransformerDecoderLayer', () => {
  it('names its parameters exactly as PyTorch', () => {
    const names = new TransformerDecoderLayer(small, new Rng(1)).namedParameters().map(([n]) => n);
    const attn = (p: string): string[] => ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias'].map((n) => `${p}.${n}`);
    expect(names).toEqual([...attn('self_attn'), ...attn('multihead_attn'), 'linear1.weight', 'linear1.bias',
      'linear2.weight', 'linear2.bias', 'norm1.weight', 'norm1.bias', 'norm2.weight', 'norm2.bias', 'norm3.weight', 'norm3.bias']);
  });

  for (const normFirst of [false, true]) {
    it(`passes a finite-difference gradient check (${normFirst ? 'pre' : 'post'}-norm, causal and memory padding masks)`, () => {
      const layer = new TransformerDecoderLayer({ ...small, normFirst, activation: 'gelu' }, new Rng(2));
      randomise(layer, 6);
      const masks = { tgtMask: causalMask(3), memoryKeyPaddingMask: mask([false, true, false, false, false, false, false, true], [2, 4]) };
      gradCheck((tgt, memory) => layer.forward(tgt, memory, masks),
        [rand([2, 3, 4], 7), rand([2, 4, 4], 8), ...layer.parameters()]);
    });
  }

  it('records self- and cross-attention weights per head when traced', () => {
    const layer = new TransformerDecoderLayer(small, new Rng(3));
    const { trace } = withTrace(layer, () => layer.forward(rand([2, 3, 4], 1), rand([2, 5, 4], 2), { tgtMask: causalMask(3) }));
    expect(trace.keys()).toEqual(['self_attn:attn', 'multihead_attn:attn']);
    expect(trace.get('self_attn', 'attn')[0].shape).toEqual([2, 2, 3, 3]);
    expect(trace.get('multihead_attn', 'attn')[0].shape).toEqual([2, 2, 3, 5]);
  });
});

describe('Transformer stacks', () => {
  it('name layers as PyTorch (layers.N.…, norm.…) and trace each layer', () => {
    const enc = new TransformerEncoder({ ...small, numLayers: 2 }, new Rng(1));
    const names = enc.namedParameters().map(([n]) => n);
    expect(names.filter((n) => n.endsWith('in_proj_weight'))).toEqual(['layers.0.self_attn.in_proj_weight', 'layers.1.self_attn.in_proj_weight']);
    expect(names.slice(-2)).toEqual(['norm.weight', 'norm.bias']);
    const { trace } = withTrace(enc, () => enc.forward(rand([2, 3, 4], 1)));
    expect(trace.keys()).toEqual(['layers.0.self_attn:attn', 'layers.1.self_attn:attn']);
    const bare = new TransformerDecoder({ ...small, numLayers: 1, finalNorm: false }, new Rng(1));
    expect(bare.namedParameters().some(([n]) => n.startsWith('norm.'))).toBe(false);
  });

  it('apply the layers in order, then the final norm', () => {
    const enc = new TransformerEncoder({ ...small, numLayers: 2, normFirst: true }, new Rng(2));
    randomise(enc, 3);
    const x = rand([2, 3, 4], 1);
    const manual = noGrad(() => enc.norm!.forward(enc.layers[1].forward(enc.layers[0].forward(x))));
    expectClose(noGrad(() => enc.forward(x)).data, manual.data, 6);
    const dec = new TransformerDecoder({ ...small, numLayers: 2 }, new Rng(4));
    const mem = rand([2, 5, 4], 2);
    const m = { tgtMask: causalMask(3) };
    const manualDec = noGrad(() => dec.norm!.forward(dec.layers[1].forward(dec.layers[0].forward(x, mem, m), mem, m)));
    expectClose(noGrad(() => dec.forward(x, mem, m)).data, manualDec.data, 6);
  });

  it('move weights through a state dict unchanged', () => {
    const a = new TransformerEncoder({ ...small, numLayers: 2 }, new Rng(1));
    randomise(a, 2);
    const b = new TransformerEncoder({ ...small, numLayers: 2 }, new Rng(9));
    b.loadStateDict(a.stateDict());
    const x = rand([1, 3, 4], 1);
    expectClose(noGrad(() => b.forward(x)).data, noGrad(() => a.forward(x)).data, 7);
  });

  it('check configs: unknown keys, wrong types, heads that do not divide the width', () => {
    expect(defaultTransformerLayerConfig).toMatchObject({ dModel: 512, nhead: 8, dimFeedforward: 2048, dropout: 0, normFirst: false });
    expect(() => new TransformerEncoderLayer({ ...small, nhead: 3 }, new Rng(1))).toThrow(/TransformerEncoderLayer\.nhead: must divide `dModel` \(4\), got 3/);
    expect(() => new TransformerEncoderLayer({ ...small, heads: 2 } as Partial<TransformerLayerConfig>, new Rng(1))).toThrow(/TransformerEncoderLayer\.heads: unknown key/);
    expect(() => new TransformerEncoderLayer({ ...small, dModel: '4' } as unknown as Partial<TransformerLayerConfig>, new Rng(1))).toThrow(/TransformerEncoderLayer\.dModel: must be a number/);
    expect(() => new TransformerEncoderLayer({ ...small, activation: 'tanh' } as unknown as Partial<TransformerLayerConfig>, new Rng(1))).toThrow(/TransformerEncoderLayer\.activation: must be one of relu, gelu/);
    expect(() => new TransformerEncoder({ ...small, numLayers: 0 }, new Rng(1))).toThrow(/TransformerEncoder\.numLayers: must be a whole number >= 1, got 0/);
  });
});

describe('positional encodings', () => {
  it('sinusoidal: PE[p, 2i] = sin(p/10000^(2i/d)), PE[p, 2i+1] = cos(…)', () => {
    const pe = sinusoidalTable(50, 6);
    const at = (p: number, j: number): number => pe.data[p * 6 + j];
    expectClose([at(0, 0), at(0, 1), at(0, 4), at(0, 5)], [0, 1, 0, 1], 7);
    expectClose([at(1, 0), at(1, 1)], [Math.sin(1), Math.cos(1)], 6);
    expectClose([at(7, 2), at(7, 3)], [Math.sin(7 / 10000 ** (2 / 6)), Math.cos(7 / 10000 ** (2 / 6))], 6);
    expectClose([at(49, 4), at(49, 5)], [Math.sin(49 / 10000 ** (4 / 6)), Math.cos(49 / 10000 ** (4 / 6))], 6);
    const odd = sinusoidalTable(3, 5);
    expect(odd.data[2 * 5 + 4]).toBeCloseTo(Math.sin(2 / 10000 ** (4 / 5)), 6);
  });

  it('sinusoidal adds the table from an offset and is not a parameter', () => {
    const enc = new SinusoidalPositionalEncoding(4, 10);
    expect(enc.parameters()).toEqual([]);
    const out = enc.forward(zeros([2, 3, 4]), 5);
    expectClose(out.data.slice(12, 24), enc.table.data.slice(20, 32), 7);
    expect(() => enc.forward(zeros([1, 6, 4]), 5)).toThrow(/exceed maxLen 10/);
  });

  it('learned: one trained vector per position, named embedding.weight', () => {
    const enc = new LearnedPositionalEncoding(4, 8, new Rng(1));
    expect(enc.namedParameters().map(([n, t]) => `${n}:${t.shape.join('x')}`)).toEqual(['embedding.weight:8x4']);
    const out = enc.forward(zeros([2, 3, 4]), 2);
    expectClose(out.data.slice(0, 12), enc.embedding.weight.data.slice(8, 20), 7);
    backward(sum(out));
    const g = enc.embedding.weight.grad!.data;
    expect([...g.slice(0, 8)]).toEqual(new Array(8).fill(0));
    expect([...g.slice(8, 20)]).toEqual(new Array(12).fill(2));
  });
});

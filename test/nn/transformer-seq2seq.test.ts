import { describe, expect, it } from 'vitest';
import { causalMask } from '../../src/nn/multihead.js';
import { Transformer, TransformerDecoder, type EncoderDecoderConfig } from '../../src/nn/transformer.js';
import { slice } from '../../src/ops/index.js';
import { noGrad, Rng, type Tensor, tensor } from '../../src/tensor/index.js';
import { rand } from '../helpers/check-op.js';

const small: Partial<EncoderDecoderConfig> = {
  dModel: 4, nhead: 2, dimFeedforward: 6, numEncoderLayers: 2, numDecoderLayers: 2, normFirst: true,
};

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], digits);
}

function mask(values: boolean[], shape: number[]): Tensor {
  return tensor(values.map((b) => (b ? 1 : 0)), shape);
}

describe('Transformer (encoder-decoder)', () => {
  it('names its parameters as PyTorch nn.Transformer and draws every matrix xavier-uniform', () => {
    const m = new Transformer(small, new Rng(1));
    const names = m.namedParameters().map(([n]) => n);
    expect(names.slice(0, 2)).toEqual(['encoder.layers.0.self_attn.in_proj_weight', 'encoder.layers.0.self_attn.in_proj_bias']);
    expect(names).toContain('encoder.norm.weight');
    expect(names).toContain('decoder.layers.1.multihead_attn.out_proj.weight');
    expect(names.slice(-2)).toEqual(['decoder.norm.weight', 'decoder.norm.bias']);
    expect(names.length).toBe(2 * 12 + 2 + 2 * 18 + 2);
    for (const [name, p] of m.namedParameters()) {
      if (p.rank !== 2) continue;
      const bound = Math.sqrt(6 / (p.shape[0] + p.shape[1]));
      expect(Math.max(...p.data.map(Math.abs)), name).toBeLessThanOrEqual(bound);
    }
  });

  it('forward is decode(tgt, encode(src)), and padded source positions change nothing', () => {
    const m = new Transformer(small, new Rng(2));
    const src = rand([2, 5, 4], 3);
    const tgt = rand([2, 3, 4], 4);
    const pad = mask([false, false, false, false, false, false, false, false, true, true], [2, 5]);
    const masks = { tgtMask: causalMask(3), srcKeyPaddingMask: pad, memoryKeyPaddingMask: pad };
    const out = noGrad(() => m.forward(src, tgt, masks));
    expectClose(noGrad(() => m.decode(tgt, m.encode(src, masks), masks)).data, out.data, 6);
    const changed = tensor(src.data.map((v, i) => (i >= 5 * 4 + 3 * 4 ? v + 5 : v)), src.shape); // batch 1, positions 3..4
    expectClose(noGrad(() => m.forward(changed, tgt, masks)).data, out.data, 5);
  });

  it('decodes one position at a time through the caches with the numbers of the full causal pass', () => {
    const m = new Transformer(small, new Rng(5));
    const memory = noGrad(() => m.encode(rand([2, 4, 4], 6)));
    const tgt = rand([2, 3, 4], 7);
    const full = noGrad(() => m.decode(tgt, memory, { tgtMask: causalMask(3) }));
    const caches = m.emptyCaches();
    for (let t = 0; t < 3; t++) {
      const step = noGrad(() => m.decode(slice(tgt, 1, t, t + 1), memory, {}, caches)); // [2, 1, 4]
      expectClose(step.data, noGrad(() => slice(full, 1, t, t + 1)).data, 5);
    }
  });

  it('rejects a batch mismatch and a wrong number of caches', () => {
    const m = new Transformer(small, new Rng(1));
    expect(() => m.forward(rand([2, 3, 4]), rand([3, 3, 4]))).toThrow(/src batch 2 and tgt batch 3 differ/);
    const decoder = new TransformerDecoder({ dModel: 4, nhead: 2, dimFeedforward: 6, numLayers: 2 }, new Rng(1));
    expect(() => decoder.forward(rand([1, 1, 4]), rand([1, 2, 4]), {}, decoder.emptyCaches().slice(1)))
      .toThrow(/1 caches for 2 layers/);
  });

  it('checks its config like the stacks', () => {
    expect(() => new Transformer({ ...small, numEncoderLayers: 1.5 }, new Rng(1))).toThrow(/numEncoderLayers/);
    expect(() => new Transformer({ ...small, numLayers: 2 } as Partial<EncoderDecoderConfig>, new Rng(1))).toThrow(/numLayers/);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/resolve.js';
import { withTrace } from '../../src/inspect/trace.js';
import {
  type TransformerSeq2SeqConfig, TransformerSeq2Seq, resolveTransformerSeq2SeqConfig,
} from '../../src/models/transformer-seq2seq.js';
import type { SourceBatch } from '../../src/models/seq2seq.js';
import { crossEntropy } from '../../src/nn/functional.js';
import { backward, explicit, noGrad, Rng, type Tensor } from '../../src/tensor/index.js';
import { Adam } from '../../src/train/optim.js';
import {
  BOS, batchOf, EOS, PAD, REVERSAL_VOCAB, reversalExactMatch, reversalStrings, rowDiff, rowOf, SRC, TGT, trainReversal,
} from '../helpers/seq2seq.js';
import { applySchedule, makeSchedule } from '../../src/train/schedule.js';

function maxDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  let worst = 0;
  a.data.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - b.data[i])); });
  return worst;
}

function tinyModel(overrides: Partial<TransformerSeq2SeqConfig>, seed = 3): TransformerSeq2Seq {
  const config = { sourceVocab: 11, targetVocab: 13, dModel: 8, nhead: 2, numEncoderLayers: 2, numDecoderLayers: 2,
    dimFeedforward: 16, dropout: 0.3, maxLength: 16, ...overrides };
  return new TransformerSeq2Seq(config, new Rng(seed)).eval();
}

const VARIANTS: [string, Partial<TransformerSeq2SeqConfig>][] = [
  ['pre-norm, tied output', {}],
  ['post-norm, gelu, untied output', { normFirst: false, activation: 'gelu', tieOutput: false }],
  ['shared embeddings, 1 + 3 layers', { sourceVocab: 13, sharedEmbeddings: true, numEncoderLayers: 1, numDecoderLayers: 3 }],
];

describe('TransformerSeq2Seq: step by step equals teacher forcing', () => {
  for (const [name, overrides] of VARIANTS) {
    it(`${name}: each sentence alone, and beams of selected rows`, () => {
      const model = tinyModel(overrides);
      noGrad(() => {
        const full = model.forward(SRC, TGT); // [B, T, V]
        expect(full.shape).toEqual([3, 4, 13]);
        // Each sentence on its own, unpadded: the padded batch must not leak into its numbers.
        for (let b = 0; b < SRC.batch; b++) {
          const enc = model.encode(batchOf([rowOf(SRC, b)]));
          let state = model.start(enc);
          for (let t = 0; t < TGT.lengths[b]; t++) {
            const out = model.step(enc, state, [TGT.ids[b * TGT.time + t]]);
            expect(rowDiff(out.logits, 0, full, b, t)).toBeLessThan(1e-5);
            state = out.state;
          }
        }
        // The padded batch encoded once, its rows selected as a beam would, reordered after each step.
        let rows = [2, 0, 0, 1];
        let enc = model.selectRows(model.encode(SRC), rows);
        let state = model.start(enc);
        for (let t = 0; t < 2; t++) {
          const out = model.step(enc, state, rows.map((b) => TGT.ids[b * TGT.time + t]));
          rows.forEach((b, i) => expect(rowDiff(out.logits, i, full, b, t)).toBeLessThan(1e-5));
          const order = [3, 1, 0, 2];
          state = model.selectState(out.state, order);
          enc = model.selectRows(enc, order);
          rows = order.map((i) => rows[i]);
        }
      });
    });
  }

  it('a step leaves the state it was given as it was: stepping it twice gives the same logits', () => {
    const model = tinyModel({});
    noGrad(() => {
      const enc = model.encode(SRC);
      const first = model.step(enc, model.start(enc), [BOS, BOS, BOS]).state;
      const a = model.step(enc, first, [4, 5, 6]).logits;
      const b = model.step(enc, first, [4, 5, 6]).logits;
      expect(maxDiff(a, b)).toBe(0);
    });
  });

  it('the check can fail: the padded sentence read as if unpadded gives other numbers', () => {
    const model = tinyModel({});
    noGrad(() => {
      const full = model.forward(SRC, TGT);
      const unmasked = model.encode({ ids: SRC.ids.slice(SRC.time, 2 * SRC.time), batch: 1, time: SRC.time, lengths: [SRC.time] });
      const out = model.step(unmasked, model.start(unmasked), [BOS]);
      expect(rowDiff(out.logits, 0, full, 1, 0)).toBeGreaterThan(1e-3);
    });
  });

  it('rows out of step with the encoding, and positions past maxLength, are errors', () => {
    const model = tinyModel({ maxLength: 5 });
    noGrad(() => {
      const enc = model.encode(SRC);
      expect(() => model.step(enc, model.start(enc), [BOS])).toThrow(/1 tokens for an encoding of 3 rows/);
      let state = model.start(enc);
      for (let t = 0; t < 5; t++) state = model.step(enc, state, [BOS, BOS, BOS]).state;
      expect(() => model.step(enc, state, [BOS, BOS, BOS])).toThrow(/target position 5 is past maxLength 5/);
      expect(() => model.encode(batchOf([[4, 5, 6, 7, 8, 9]]))).toThrow(/6 source positions exceed maxLength 5/);
    });
  });
});

describe('TransformerSeq2Seq: padding', () => {
  /** SRC with every padded position set to `id`. */
  function repadded(id: number): SourceBatch {
    const ids = SRC.ids.slice();
    SRC.lengths.forEach((n, b) => ids.fill(id, b * SRC.time + n, (b + 1) * SRC.time));
    return { ...SRC, ids };
  }

  it('what stands at padded source positions does not change any output', () => {
    const model = tinyModel({ tieOutput: false });
    noGrad(() => {
      const base = model.forward(SRC, TGT);
      for (const id of [0, 4, 10]) expect(maxDiff(model.forward(repadded(id), TGT), base)).toBeLessThan(1e-6);
      // The check can fail: a real source token does change them.
      const changed = { ...SRC, ids: SRC.ids.slice() };
      changed.ids[SRC.time] = 4; // sentence 1's first token, 9 → 4
      expect(maxDiff(model.forward(changed, TGT), base)).toBeGreaterThan(1e-3);
    });
  });

  it('padded target positions do not change the real ones', () => {
    const model = tinyModel({});
    noGrad(() => {
      const base = model.forward(SRC, TGT);
      const ids = TGT.ids.slice();
      ids[2 * TGT.time + 3] = 5; // sentence 2's last (padded) position
      const other = model.forward(SRC, { ...TGT, ids });
      TGT.lengths.forEach((n, b) => {
        for (let t = 0; t < n; t++) expect(rowDiff(other, b * TGT.time + t, base, b, t)).toBeLessThan(1e-6); // other as [B·T, V]
      });
      expect(rowDiff(other, 2 * TGT.time + 3, base, 2, 3)).toBeGreaterThan(1e-3); // the check can fail
    });
  });

  it('cross-attention gives source padding exactly zero weight (traced per head)', () => {
    const model = tinyModel({});
    const { trace } = withTrace(model, () => noGrad(() => model.forward(SRC, TGT)));
    for (const layer of [0, 1]) {
      const [entry] = trace.get(`transformer.decoder.layers.${layer}.multihead_attn`, 'attn');
      expect(entry.shape).toEqual([3, 2, 4, 5]); // [B, H, T, S]
      SRC.lengths.forEach((n, b) => {
        for (let i = 0; i < 2 * 4; i++) {
          const row = Array.from(entry.data.subarray((b * 8 + i) * 5, (b * 8 + i + 1) * 5));
          row.slice(n).forEach((w) => expect(w).toBe(0));
          expect(row.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 5);
        }
      });
      expect(trace.get(`transformer.encoder.layers.${layer}.self_attn`, 'attn')[0].shape).toEqual([3, 2, 5, 5]);
    }
  });
});

describe('TransformerSeq2Seq: fast paths, gradients, names', () => {
  it('the fused attention equals explicit() (the composed definitions)', () => {
    const model = tinyModel({ normFirst: false });
    noGrad(() => expect(maxDiff(model.forward(SRC, TGT), explicit(() => model.forward(SRC, TGT)))).toBeLessThan(1e-5));
  });

  for (const [name, overrides] of VARIANTS) {
    it(`${name}: the loss reaches every parameter`, () => {
      const model = tinyModel(overrides).train();
      const gold = batchOf([[4, 7, 12, EOS], [11, 6, EOS], [9, EOS]]);
      backward(crossEntropy(model.forward(SRC, TGT), gold.ids, PAD));
      for (const [param, p] of model.namedParameters()) expect(p.grad?.data.some((g) => g !== 0), param).toBe(true);
    });
  }

  it("parameters carry nn.Transformer's names; tying drops the generator, sharing the source embedding", () => {
    const untied = tinyModel({ sourceVocab: 13, tieOutput: false });
    const names = untied.namedParameters().map(([n]) => n);
    for (const n of ['transformer.encoder.layers.1.self_attn.in_proj_weight', 'transformer.encoder.layers.0.linear1.weight',
      'transformer.encoder.norm.weight', 'transformer.decoder.layers.1.multihead_attn.out_proj.bias',
      'transformer.decoder.layers.0.norm3.bias', 'transformer.decoder.norm.bias', 'generator.weight', 'generator.bias',
      'src_tok_emb.weight', 'tgt_tok_emb.weight']) expect(names).toContain(n);
    const tied = tinyModel({ sourceVocab: 13 });
    const shared = tinyModel({ sourceVocab: 13, sharedEmbeddings: true });
    expect(untied.parameterCount() - tied.parameterCount()).toBe(13 * 8 + 13);
    expect(tied.parameterCount() - shared.parameterCount()).toBe(13 * 8);
    expect(shared.namedParameters().map(([n]) => n)).not.toContain('src_tok_emb.weight');
  });

  it('embeddings start N(0, 1/dModel) with a zero padding row', () => {
    const model = new TransformerSeq2Seq({ sourceVocab: 200, targetVocab: 9, dModel: 64, nhead: 4 }, new Rng(5));
    const w = model.src_tok_emb!.weight.data;
    const rest = w.filter((_, i) => Math.floor(i / 64) !== PAD);
    const variance = rest.reduce((s, v) => s + v * v, 0) / rest.length;
    expect(variance).toBeGreaterThan(0.8 / 64);
    expect(variance).toBeLessThan(1.2 / 64);
    expect(w.subarray(PAD * 64, (PAD + 1) * 64).every((v) => v === 0)).toBe(true);
  });

  it('lastAttention: the last layer\'s cross-attention averaged over heads, 0 at padding, rows summing to 1', () => {
    const model = tinyModel({});
    noGrad(() => {
      const enc = model.encode(SRC);
      let state = model.start(enc);
      expect(model.lastAttention(state)).toBeNull();
      for (let t = 0; t < 3; t++) {
        state = model.step(enc, state, [BOS, 4 + t, 5]).state;
        const a = model.lastAttention(state)!; // [B, S]
        expect(a.shape).toEqual([SRC.batch, SRC.time]);
        SRC.lengths.forEach((n, b) => {
          const row = Array.from(a.data.subarray(b * SRC.time, (b + 1) * SRC.time));
          row.slice(n).forEach((w) => expect(w).toBe(0));
          row.slice(0, n).forEach((w) => expect(w).toBeGreaterThan(0));
          expect(row.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 5);
        });
      }
      const picked = model.selectState(state, [2, 0]);
      expect(Array.from(model.lastAttention(picked)!.data.subarray(0, SRC.time)))
        .toEqual(Array.from(model.lastAttention(state)!.data.subarray(2 * SRC.time, 3 * SRC.time)));
    });
  });
});

describe('TransformerSeq2Seq config', () => {
  const sizes = { sourceVocab: 10, targetVocab: 12 };

  it('defaults as documented', () => {
    expect(resolveTransformerSeq2SeqConfig(sizes)).toEqual({ ...sizes, dModel: 256, nhead: 4, numEncoderLayers: 3,
      numDecoderLayers: 3, dimFeedforward: 1024, dropout: 0.1, activation: 'relu', normFirst: true, maxLength: 256,
      sharedEmbeddings: false, tieOutput: true, padId: 1 });
  });

  it('errors name the key', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ activation: 'swish' }, /^model\.activation: must be one of relu, gelu, got "swish"$/],
      [{ nhead: 3 }, /^model\.nhead: must divide dModel \(256\), got 3$/],
      [{ numEncoderLayers: 0 }, /^model\.numEncoderLayers: must be a whole number >= 1, got 0$/],
      [{ numDecoderLayers: 1.5 }, /^model\.numDecoderLayers: must be a whole number >= 1/],
      [{ dimFeedforward: -4 }, /^model\.dimFeedforward: must be a whole number >= 1/],
      [{ maxLength: 0 }, /^model\.maxLength: must be a whole number >= 1/],
      [{ dropout: 1 }, /^model\.dropout: must be in \[0, 1\)/],
      [{ dModel: '8' }, /^model\.dModel: must be a number/],
      [{ normFirst: 'yes' }, /^model\.normFirst: must be a boolean/],
      [{ hiddenSize: 8 }, /^model\.hiddenSize: unknown key/],
      [{ padId: 10 }, /^model\.padId: 10 is outside the vocabularies/],
      [{ sharedEmbeddings: true }, /^model\.sharedEmbeddings: needs one joint vocabulary, but sourceVocab \(10\) and targetVocab \(12\) differ$/],
    ];
    for (const [layer, message] of bad) expect(() => resolveTransformerSeq2SeqConfig(sizes, layer)).toThrow(message);
    expect(() => resolveTransformerSeq2SeqConfig({ targetVocab: 12 })).toThrow(/^model\.sourceVocab: must be a whole number >= 2, got 0$/);
    expect(() => new TransformerSeq2Seq({ ...sizes, activation: 'swish' } as never, new Rng(1))).toThrow(ConfigError);
  });
});

/**
 * "It learns": reverse a string, as the RNN test. Symbols 4..9 (six), lengths 3..7; the source
 * is the string, the target <bos> + reversed, the expected output reversed + <eos>. The model
 * has to find the anti-diagonal alignment through positions alone; greedy decoding must then
 * reproduce fresh strings exactly.
 */
describe('TransformerSeq2Seq learns to reverse strings', () => {
  const VOCAB = REVERSAL_VOCAB;

  it('dModel 32, 2 heads, 1 + 1 layers, noam warm-up: ≥ 0.9 greedy exact match on 100 fresh strings', () => {
    const started = performance.now();
    const model = new TransformerSeq2Seq({ sourceVocab: VOCAB, targetVocab: VOCAB, dModel: 32, nhead: 2, numEncoderLayers: 1,
      numDecoderLayers: 1, dimFeedforward: 64, dropout: 0, maxLength: 16 }, new Rng(1));
    const optim = new Adam(model, { betas: [0.9, 0.98], eps: 1e-9 });
    const schedule = makeSchedule({ kind: 'noam', lr: 0.01, warmupSteps: 50 });
    const data = new Rng(7);
    const valid = reversalStrings(new Rng(8), 100);
    const updates = trainReversal(model, optim, data, valid, 800, () => applySchedule(optim, schedule));
    const accuracy = reversalExactMatch(model, reversalStrings(new Rng(9), 100));
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(`transformer reverse: ${accuracy.toFixed(2)} exact match after ${updates} updates in ${seconds.toFixed(1)}s\n`);
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
  });
});

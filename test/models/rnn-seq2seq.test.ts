import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/resolve.js';
import { withTrace } from '../../src/inspect/trace.js';
import {
  RNN_SEQ2SEQ_ATTENTIONS, RNN_SEQ2SEQ_CELLS, type RnnSeq2SeqConfig, RnnSeq2Seq, resolveRnnSeq2SeqConfig,
} from '../../src/models/rnn-seq2seq.js';
import { crossEntropy } from '../../src/nn/functional.js';
import { backward, explicit, noGrad, Rng } from '../../src/tensor/index.js';
import { Adam } from '../../src/train/optim.js';
import {
  BOS, batchOf, EOS, PAD, REVERSAL_VOCAB, reversalExactMatch, reversalStrings, rowDiff, rowOf, SRC, TGT, trainReversal,
} from '../helpers/seq2seq.js';

function tinyModel(overrides: Partial<RnnSeq2SeqConfig>, seed = 3): RnnSeq2Seq {
  const config = { sourceVocab: 11, targetVocab: 13, embedDim: 6, hiddenSize: 8, dropout: 0.3, ...overrides };
  return new RnnSeq2Seq(config, new Rng(seed)).eval();
}

describe('RnnSeq2Seq: step by step equals teacher forcing', () => {
  for (const cell of RNN_SEQ2SEQ_CELLS) {
    for (const attention of RNN_SEQ2SEQ_ATTENTIONS) {
      for (const numLayers of [1, 2]) {
        it(`${cell}, ${attention} attention, ${numLayers} layer(s): each sentence alone, and beams of selected rows`, () => {
          const model = tinyModel({ cell, attention, numLayers });
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
            // The padded batch encoded once, its rows selected as a beam would, reordered after step 0.
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
    }
  }

  it('the check can fail: the padded sentence read as if unpadded gives other numbers', () => {
    const model = tinyModel({});
    noGrad(() => {
      const full = model.forward(SRC, TGT);
      const unmasked = model.encode({ ids: SRC.ids.slice(SRC.time, 2 * SRC.time), batch: 1, time: SRC.time, lengths: [SRC.time] });
      const out = model.step(unmasked, model.start(unmasked), [BOS]);
      expect(rowDiff(out.logits, 0, full, 1, 0)).toBeGreaterThan(1e-3);
    });
  });
});

describe('RnnSeq2Seq: fast paths and gradients', () => {
  it('the fused encoder equals explicit() (the composed definitions)', () => {
    const model = tinyModel({ cell: 'lstm', numLayers: 2 });
    noGrad(() => {
      const fast = model.forward(SRC, TGT).data;
      const slow = explicit(() => model.forward(SRC, TGT)).data;
      fast.forEach((v, i) => expect(Math.abs(v - slow[i])).toBeLessThan(1e-5));
    });
  });

  for (const attention of RNN_SEQ2SEQ_ATTENTIONS) {
    it(`${attention}: the loss reaches every parameter`, () => {
      const model = tinyModel({ cell: 'lstm', numLayers: 2, attention }).train();
      const gold = batchOf([[4, 7, 12, EOS], [11, 6, EOS], [9, EOS]]);
      backward(crossEntropy(model.forward(SRC, TGT), gold.ids, PAD));
      for (const [name, p] of model.namedParameters()) {
        expect(p.grad?.data.some((g) => g !== 0), name).toBe(true);
      }
    });
  }
});

describe('RnnSeq2Seq: attention and traces', () => {
  for (const attention of ['additive', 'dot', 'general'] as const) {
    it(`${attention}: source padding gets exactly zero weight, real positions sum to 1`, () => {
      const model = tinyModel({ attention, cell: 'lstm' });
      noGrad(() => {
        const enc = model.encode(SRC);
        let state = model.start(enc);
        expect(model.lastAttention(state)).toBeNull();
        for (let t = 0; t < 3; t++) {
          state = model.step(enc, state, [BOS, 4 + t, 5]).state;
          const a = model.lastAttention(state)!; // [B, S]
          expect(a.shape).toEqual([3, 5]);
          SRC.lengths.forEach((n, b) => {
            const row = Array.from(a.data.subarray(b * 5, (b + 1) * 5));
            row.slice(n).forEach((w) => expect(w).toBe(0));
            row.slice(0, n).forEach((w) => expect(w).toBeGreaterThan(0));
            expect(row.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 5);
          });
        }
      });
    });
  }

  it("'none' has no attention weights, no input feeding and no attentional layer", () => {
    const model = tinyModel({ attention: 'none' });
    const names = model.namedParameters().map(([n]) => n);
    expect(names.some((n) => n.startsWith('decoder.attn') || n.startsWith('decoder.linear_out'))).toBe(false);
    expect(model.decoder.cells[0].inputSize).toBe(6); // the embedding alone
    noGrad(() => {
      const enc = model.encode(SRC);
      expect(model.lastAttention(model.step(enc, model.start(enc), [BOS, BOS, BOS]).state)).toBeNull();
    });
  });

  it('a trace holds the decoder states and the attention once per target step', () => {
    const model = tinyModel({ numLayers: 2 });
    const { trace } = withTrace(model, () => noGrad(() => model.forward(SRC, TGT)));
    const attn = trace.get('decoder.attn', 'attn');
    expect(attn.map((e) => e.step)).toEqual([0, 1, 2, 3]);
    expect(attn[0].shape).toEqual([3, 5]);
    for (const layer of [0, 1]) {
      expect(trace.get(`decoder.cells.${layer}`, 'h').map((e) => e.step)).toEqual([0, 1, 2, 3]);
    }
    expect(trace.get('encoder.rnn.l1_reverse', 'h').length).toBe(SRC.time);
  });

  it('parameters carry PyTorch-style names, and tying drops the output matrix', () => {
    const model = tinyModel({ cell: 'lstm', numLayers: 2, attention: 'dot' });
    const names = model.namedParameters().map(([n]) => n);
    for (const n of ['encoder.embedding.weight', 'encoder.rnn.weight_ih_l1_reverse', 'encoder.bridge_h.1.weight',
      'encoder.bridge_c.0.bias', 'decoder.cells.0.weight_ih', 'decoder.cells.1.bias_hh', 'decoder.memory_proj.weight',
      'decoder.linear_out.weight', 'decoder.out.weight', 'decoder.out.bias']) expect(names).toContain(n);
    expect(model.decoder.cells[0].inputSize).toBe(6 + 8); // [embedding; h̃]
    const untied = tinyModel({ hiddenSize: 6 });
    const tied = tinyModel({ hiddenSize: 6, tieDecoderEmbeddings: true });
    expect(untied.parameterCount() - tied.parameterCount()).toBe(13 * 6 + 13);
    noGrad(() => expect(tied.forward(SRC, TGT).shape).toEqual([3, 4, 13]));
  });
});

describe('RnnSeq2Seq config', () => {
  const sizes = { sourceVocab: 10, targetVocab: 12 };

  it('defaults as documented', () => {
    const c = resolveRnnSeq2SeqConfig(sizes);
    expect(c).toMatchObject({ embedDim: 256, hiddenSize: 256, numLayers: 1, cell: 'gru', attention: 'additive',
      dropout: 0.2, inputFeeding: true, tieDecoderEmbeddings: false, padId: 1 });
  });

  it('errors name the key', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ cell: 'rnn' }, /^model\.cell: must be one of gru, lstm, got "rnn"$/],
      [{ attention: 'luong' }, /^model\.attention: must be one of additive, dot, general, none/],
      [{ numLayers: 3 }, /^model\.numLayers: must be 1 or 2, got 3$/],
      [{ numLayers: 0 }, /^model\.numLayers: must be a whole number >= 1/],
      [{ dropout: 1 }, /^model\.dropout: must be in \[0, 1\)/],
      [{ hiddenSize: '8' }, /^model\.hiddenSize: must be a number/],
      [{ hidden: 8 }, /^model\.hidden: unknown key/],
      [{ padId: 10 }, /^model\.padId: 10 is outside the vocabularies/],
      [{ embedDim: 16, hiddenSize: 32, tieDecoderEmbeddings: true }, /^model\.tieDecoderEmbeddings: needs embedDim \(16\) equal to hiddenSize \(32\)$/],
    ];
    for (const [layer, message] of bad) {
      expect(() => resolveRnnSeq2SeqConfig(sizes, layer)).toThrow(message);
    }
    expect(() => resolveRnnSeq2SeqConfig({ targetVocab: 12 })).toThrow(/^model\.sourceVocab: must be a whole number >= 2, got 0$/);
    expect(() => new RnnSeq2Seq({ ...sizes, cell: 'rnn' } as never, new Rng(1))).toThrow(ConfigError);
  });
});

/**
 * "It learns": reverse a string. Symbols 4..9 (six), lengths 3..7; the source is the string,
 * the target <bos> + reversed, the expected output reversed + <eos>. Additive attention has to
 * learn the anti-diagonal alignment; greedy decoding must then reproduce fresh strings exactly.
 */
describe('RnnSeq2Seq learns to reverse strings', () => {
  const VOCAB = REVERSAL_VOCAB;

  it('additive attention, GRU: ≥ 0.9 greedy exact match on 100 fresh strings', () => {
    const started = performance.now();
    const model = new RnnSeq2Seq({ sourceVocab: VOCAB, targetVocab: VOCAB, embedDim: 16, hiddenSize: 32, dropout: 0 }, new Rng(1));
    const optim = new Adam(model, { lr: 0.01 });
    const data = new Rng(7);
    const valid = reversalStrings(new Rng(8), 100);
    const updates = trainReversal(model, optim, data, valid, 600);
    const accuracy = reversalExactMatch(model, reversalStrings(new Rng(9), 100));
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(`reverse: ${accuracy.toFixed(2)} exact match after ${updates} updates in ${seconds.toFixed(1)}s\n`);
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
  });
});

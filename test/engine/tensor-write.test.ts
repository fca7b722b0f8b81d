import { describe, expect, it } from 'vitest';
import { type Backend, referenceBackend, wasmBackend, withBackend } from '../../src/backend/index.js';
import { defaultLmConfig } from '../../src/models/lm-config.js';
import { RecurrentLm } from '../../src/models/recurrent-lm.js';
import { recurrentStep } from '../../src/models/recurrent-step.js';
import { noGrad, Rng, type Tensor, tensor } from '../../src/tensor/index.js';

/**
 * `Tensor.write` (and `set`, `fill` on top of it) is the one way to change values in place; each
 * call bumps `version` once, which is how caches built from a tensor's values (the batch-1
 * step's token table and folded biases, packed W_hh) learn they are stale.
 */

describe('Tensor.write, set and fill', () => {
  it('each writes the values and bumps the version exactly once', () => {
    const t = tensor([1, 2, 3, 4], [2, 2]);
    expect(t.version).toBe(0);
    expect(t.write((d) => { d[0] = 10; d[3] = 40; })).toBe(t);
    expect([Array.from(t.data), t.version]).toEqual([[10, 2, 3, 40], 1]);
    t.set([7, 8], 1);
    expect([Array.from(t.data), t.version]).toEqual([[10, 7, 8, 40], 2]);
    t.set(new Float32Array([5, 6, 7, 8]));
    expect([Array.from(t.data), t.version]).toEqual([[5, 6, 7, 8], 3]);
    t.fill(0, 2);
    expect([Array.from(t.data), t.version]).toEqual([[5, 6, 0, 0], 4]);
    t.fill(-1);
    expect([Array.from(t.data), t.version]).toEqual([[-1, -1, -1, -1], 5]);
  });

  it('bumps the version even when the write throws part-way', () => {
    const t = tensor([1, 2]);
    expect(() => t.write((d) => { d[0] = 9; throw new Error('half done'); })).toThrow('half done');
    expect([Array.from(t.data), t.version]).toEqual([[9, 2], 1]);
    expect(() => t.set([1, 2, 3])).toThrow(RangeError); // Float32Array.set: too many values
    expect(t.version).toBe(2);
  });
});

/** A small char LSTM, its parameters by name, in eval mode (no dropout). */
function lstm(): { model: RecurrentLm; param: (name: string) => Tensor } {
  const model = new RecurrentLm({ ...defaultLmConfig, arch: 'lstm', vocabSize: 10, embedDim: 8, hiddenSize: 16 }, new Rng(1)).eval();
  const params = new Map(model.namedParameters());
  return { model, param: (name) => params.get(name)! };
}

/** Two steps of token 3 (the second multiplies a nonzero h by W_hh): the lean step's logits and the general forward's. */
function twoSteps(model: RecurrentLm): { lean: number[]; general: number[] } {
  const first = recurrentStep(model, [3]);
  const lean = recurrentStep(model, [3], first.state);
  const general = model.forward([3], 1, 1, model.forward([3], 1, 1).state);
  return { lean: Array.from(lean.logits.data), general: Array.from(general.logits.data) };
}

const edits: [string, (param: (name: string) => Tensor) => void][] = [
  ['an embedding row (the token table)', (p) => p('embedding.weight').write((d) => { for (let i = 24; i < 32; i++) d[i] += 0.5; })],
  ['W_hh (the packed recurrent weight)', (p) => p('rnn.weight_hh_l0').set([0.9, -0.7, 0.5, 0.3], 16 * 5)],
  ['b_hh (the folded bias and the token table)', (p) => p('rnn.bias_hh_l0').fill(0.4, 0, 32)],
];

const backends: [string, Backend][] = [['wasm', wasmBackend], ['reference', referenceBackend]];
describe.each(backends)('batch-1 generation sees in-place writes on the %s backend', (_, b) => {
  for (const [what, edit] of edits) {
    it(`after writing ${what}, the step equals the general forward again`, () => withBackend(b, () => noGrad(() => {
      const { model, param } = lstm();
      const before = twoSteps(model); // builds the token table, folds the biases, packs W_hh
      expect(before.lean).toEqual(before.general);
      edit(param);
      const after = twoSteps(model);
      expect(after.lean).toEqual(after.general);
      expect(after.lean).not.toEqual(before.lean);
    })));
  }

  it('a write around the API goes unseen by the cache: what the check above would catch', () => withBackend(b, () => noGrad(() => {
    const { model, param } = lstm();
    twoSteps(model);
    const w = param('embedding.weight').data;
    for (let i = 24; i < 32; i++) w[i] += 0.5; // no version bump: the token table keeps token 3's old row
    const stale = twoSteps(model);
    expect(stale.lean).not.toEqual(stale.general);
  })));
});

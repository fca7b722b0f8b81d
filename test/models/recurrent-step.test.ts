import { describe, expect, it } from 'vitest';
import { buildCausalLm } from '../../src/models/causal-lm.js';
import type { RecurrentLm } from '../../src/models/recurrent-lm.js';
import { recurrentStep } from '../../src/models/recurrent-step.js';
import { resolveLmConfig } from '../../src/models/lm-config.js';
import { noGrad, Rng } from '../../src/tensor/index.js';
import type { LmArch } from '../../src/models/lm-config.js';

describe('recurrentStep: the lean generation step equals the general forward', () => {
  const cases: { arch: LmArch; set: Record<string, unknown> }[] = [
    { arch: 'lstm', set: { numLayers: 2 } },
    { arch: 'gru', set: { numLayers: 2 } },
    { arch: 'rnn', set: {} },
    { arch: 'lstm', set: { tieWeights: true } }, // tied through a projection (hidden ≠ embed)
    // Sizes that are not multiples of 4: the batch-1 W_hh packing's row groups and column tails.
    { arch: 'gru', set: { hiddenSize: 7 } },
    { arch: 'rnn', set: { hiddenSize: 13, numLayers: 2 } },
  ];
  for (const { arch, set } of cases) {
    it(`${arch} ${JSON.stringify(set)}: logits and state over several tokens, batch 1 and 3`, () => {
      const config = resolveLmConfig(arch, 11, { embedDim: 8, hiddenSize: 12, ...set });
      const model = (buildCausalLm(config, new Rng(5)).eval() as RecurrentLm);
      noGrad(() => {
        for (const n of [1, 3]) {
          let general = model.forward(Array.from({ length: n }, (_, b) => 1 + b), n, 1);
          let lean = recurrentStep(model, Array.from({ length: n }, (_, b) => 1 + b));
          for (const t of [4, 0, 10, 7]) {
            const ids = Array.from({ length: n }, (_, b) => (t + b) % 11);
            general = model.forward(ids, n, 1, general.state);
            lean = recurrentStep(model, ids, lean.state);
            expect(lean.logits.shape).toEqual([n, 1, 11]);
            expect(Array.from(lean.logits.data)).toEqual(Array.from(general.logits.data));
            expect(Array.from(lean.state.h!.data)).toEqual(Array.from(general.state.h!.data));
            if (arch === 'lstm') expect(Array.from(lean.state.c!.data)).toEqual(Array.from(general.state.c!.data));
          }
        }
      });
    });
  }

  it('follows every parameter when an optimizer changes it (their versions), at batch 1 and 3', () => {
    const model = (buildCausalLm(resolveLmConfig('lstm', 7, { embedDim: 4, hiddenSize: 8 }), new Rng(2)).eval() as RecurrentLm);
    noGrad(() => {
      recurrentStep(model, [1]);
      recurrentStep(model, [1, 2, 3]); // batch 3 keeps W_hh packed between calls
      for (const [, p] of model.namedParameters()) {
        p.write((d) => d.forEach((_, i) => { d[i] += 0.25 * (i % 3); }));
      }
      for (const ids of [[3], [3, 4, 5]]) {
        // Two steps: the second multiplies a nonzero h by W_hh.
        const lean = recurrentStep(model, ids, recurrentStep(model, ids).state);
        const general = model.forward(ids, ids.length, 1, model.forward(ids, ids.length, 1).state);
        expect(Array.from(lean.logits.data)).toEqual(Array.from(general.logits.data));
      }
    });
  });

  it('with reuse, writes the new state into the old arrays and gives the same numbers', () => {
    for (const arch of ['lstm', 'gru'] as const) {
      const model = (buildCausalLm(resolveLmConfig(arch, 9, { embedDim: 5, hiddenSize: 6, numLayers: 2 }), new Rng(3)).eval() as RecurrentLm);
      noGrad(() => {
        let fresh = recurrentStep(model, [2]);
        let reused = recurrentStep(model, [2], undefined, { reuse: true }); // no state yet: new arrays
        for (const t of [1, 8, 0, 4]) {
          const h = reused.state.h!.data;
          fresh = recurrentStep(model, [t], fresh.state);
          reused = recurrentStep(model, [t], reused.state, { reuse: true });
          expect(reused.state.h!.data).toBe(h);
          expect(Array.from(reused.logits.data)).toEqual(Array.from(fresh.logits.data));
          expect(Array.from(reused.state.h!.data)).toEqual(Array.from(fresh.state.h!.data));
          if (arch === 'lstm') expect(Array.from(reused.state.c!.data)).toEqual(Array.from(fresh.state.c!.data));
        }
      });
    }
  });

  it('refuses token ids outside the vocabulary and states of the wrong shape', () => {
    const model = (buildCausalLm(resolveLmConfig('gru', 5, { embedDim: 4, hiddenSize: 4 }), new Rng(1)).eval() as RecurrentLm);
    expect(() => recurrentStep(model, [5])).toThrow(/token id 5 is outside the vocabulary of 5/);
    const { state } = recurrentStep(model, [1, 2]);
    expect(() => recurrentStep(model, [1], state)).toThrow(/does not fit \[1, 1, 4\]/);
  });
});

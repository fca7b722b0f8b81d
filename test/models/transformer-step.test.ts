import { describe, expect, it } from 'vitest';
import { withTrace } from '../../src/inspect/trace.js';
import { buildCausalLm } from '../../src/models/causal-lm.js';
import { resolveLmConfig } from '../../src/models/lm-config.js';
import type { TransformerLm, TransformerState } from '../../src/models/transformer-lm.js';
import { transformerStep } from '../../src/models/transformer-step.js';
import { explicit, noGrad, Rng } from '../../src/tensor/index.js';

const V = 13;

function model(set: Record<string, unknown> = {}): TransformerLm {
  const config = resolveLmConfig('transformer', V, { embedDim: 12, hiddenSize: 20, nhead: 3, numLayers: 2, context: 8, ...set });
  return buildCausalLm(config, new Rng(4)).eval() as TransformerLm;
}

const cacheData = (state: TransformerState): number[][] =>
  state.caches!.flatMap((c) => [Array.from(c.kv!.k.data), Array.from(c.kv!.v.data)]);

describe('transformerStep: the lean generation step equals the general forward', () => {
  const cases: Record<string, unknown>[] = [{}, { tieWeights: true }, { numLayers: 1, nhead: 1 }, { embedDim: 10, nhead: 5 }];
  for (const set of cases) {
    it(`${JSON.stringify(set)}: logits and caches to the bit, from a fresh start and after a prompt, batch 1 and 3`, () => {
      const m = model(set);
      noGrad(() => {
        for (const n of [1, 3]) {
          for (const prompt of [0, 3]) {
            const ids = Array.from({ length: n * Math.max(prompt, 1) }, (_, i) => (5 * i + 1) % V);
            let general = prompt > 0 ? m.forward(ids, n, prompt) : m.forward(ids, n, 1);
            let lean = prompt > 0 ? m.forward(ids, n, prompt) : transformerStep(m, ids);
            if (prompt === 0) expect(Array.from(lean.logits.data)).toEqual(Array.from(general.logits.data));
            // Steps up to the last position the context allows.
            for (let t = (prompt || 1); t < 8; t++) {
              const next = Array.from({ length: n }, (_, b) => (3 * t + 2 * b) % V);
              general = m.forward(next, n, 1, general.state);
              lean = transformerStep(m, next, lean.state);
              expect(lean.logits.shape).toEqual([n, 1, V]);
              expect(Array.from(lean.logits.data)).toEqual(Array.from(general.logits.data));
              expect(cacheData(lean.state)).toEqual(cacheData(general.state));
            }
            expect(() => transformerStep(m, Array(n).fill(0), lean.state)).toThrow(/9 positions exceed the context of 8/);
          }
        }
      });
    });
  }

  it('with reuse, hands back the same numbers in one buffer; the old state stays valid', () => {
    const m = model();
    noGrad(() => {
      const first = transformerStep(m, [2]);
      const a = transformerStep(m, [5], first.state, { reuse: true });
      const kept = Array.from(a.logits.data);
      const b = transformerStep(m, [5], first.state, { reuse: true }); // branching from one state: caches are not overwritten
      expect(b.logits.data).toBe(a.logits.data);
      expect(Array.from(b.logits.data)).toEqual(kept);
      expect(Array.from(transformerStep(m, [5], first.state).logits.data)).toEqual(kept);
    });
  });

  it('follows the weights when they change in place (nothing derived from them is kept)', () => {
    const m = model();
    noGrad(() => {
      transformerStep(m, [1]);
      for (const [, p] of m.namedParameters()) p.write((d) => d.forEach((_, i) => { d[i] += 0.125 * (i % 3); }));
      const lean = transformerStep(m, [4], transformerStep(m, [1]).state);
      const general = m.forward([4], 1, 1, m.forward([1], 1, 1).state);
      expect(Array.from(lean.logits.data)).toEqual(Array.from(general.logits.data));
    });
  });

  it('refuses a token outside the vocabulary and a cache of another batch, naming them', () => {
    const m = model();
    noGrad(() => {
      expect(() => transformerStep(m, [V])).toThrow(/token id 13 is outside the vocabulary of 13/);
      expect(() => transformerStep(m, [1.5])).toThrow(/token id 1.5/);
      const state = transformerStep(m, [1, 2]).state;
      expect(() => transformerStep(m, [1], state)).toThrow(/does not fit 1 sequences at position 1/);
    });
  });

  it('step() takes the general path in explicit mode, while tracing and in training with dropout, and agrees', () => {
    const m = model({ dropout: 0.5 });
    noGrad(() => {
      const lean = Array.from(m.step([3], m.step([1], undefined).state).logits.data);
      // Explicit mode composes its ops (matmul then add, softmax apart), so it rounds a little differently.
      const viaExplicit = explicit(() => Array.from(m.step([3], m.step([1], undefined).state).logits.data));
      expect(viaExplicit).toEqual(explicit(() => Array.from(m.forward([3], 1, 1, m.forward([1], 1, 1).state).logits.data)));
      viaExplicit.forEach((x, i) => expect(x).toBeCloseTo(lean[i], 5));
      const { trace } = withTrace(m, () => m.step([3], undefined));
      expect(trace.get('layers.0.self_attn', 'attn')).toHaveLength(1); // the general path traced its weights
      m.train();
      const a = Array.from(m.step([3], undefined).logits.data);
      const b = Array.from(m.step([3], undefined).logits.data);
      expect(a).not.toEqual(b); // dropout is live: two draws differ
    });
  });
});

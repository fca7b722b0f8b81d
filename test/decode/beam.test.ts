import { describe, expect, it } from 'vitest';
import { beamSearch, beamSearchMany, type BeamRules, bestIndices, lengthPenalty } from '../../src/decode/beam.js';
import type { Predictor } from '../../src/decode/predictor.js';
import { Rng } from '../../src/tensor/random.js';

/** A first-order Markov chain over 4 tokens, token 3 = end of sentence; the state is the last token. */
const P = [
  [0.1, 0.5, 0.2, 0.2],
  [0.3, 0.1, 0.3, 0.3],
  [0.45, 0.05, 0.05, 0.45],
  [0.25, 0.25, 0.25, 0.25],
];
const EOS = 3;

const chain: Predictor<number> = {
  vocabSize: 4,
  start: (context) => context[context.length - 1],
  logProbs: (s) => Float64Array.from(P[s], Math.log),
  advance: (states, tokens) => tokens.slice(),
  step: (_s, t) => t,
};

/** Every sentence of up to `max` tokens before <eos>, with its log-probability, by enumeration. */
function exhaustive(first: number, max: number, alpha: number): { tokens: number[]; score: number }[] {
  const out: { tokens: number[]; score: number }[] = [];
  const walk = (tokens: number[], logp: number, last: number): void => {
    const end = logp + Math.log(P[last][EOS]);
    out.push({ tokens, score: end / lengthPenalty(tokens.length + 1, alpha) });
    if (tokens.length === max) return;
    for (let t = 0; t < EOS; t++) walk([...tokens, t], logp + Math.log(P[last][t]), t);
  };
  walk([], 0, first);
  return out.sort((a, b) => b.score - a.score);
}

describe('beam search', () => {
  // extend must return non-null data for allowed tokens: use the token list as the data.
  const allowAll: BeamRules<number, number[]> = {
    extend: (h, t) => (t === EOS ? null : [...h.data, t]),
    end: (_h, lp) => lp[EOS],
  };
  it('with a beam wide enough to keep everything, finds the exact n-best of an enumeration', () => {
    for (const alpha of [0, 0.6, 1.5]) {
      const found = beamSearch(chain, 0, [] as number[], allowAll, { beam: 81, nbest: 5, maxSteps: 4, lengthPenalty: alpha });
      const truth = exhaustive(0, 3, alpha).slice(0, 5);
      // maxSteps 4 lets hypotheses of up to 3 tokens end (the 4th step would add a 4th token).
      expect(found.map((f) => f.tokens)).toEqual(truth.map((t) => t.tokens));
      found.forEach((f, i) => expect(f.score).toBeCloseTo(truth[i].score, 12));
    }
  });

  it('n-best lists distinct hypotheses, best first, and a narrow beam still returns the greedy-reachable best', () => {
    const found = beamSearch(chain, 0, [] as number[], allowAll, { beam: 2, nbest: 3, maxSteps: 10 });
    expect(new Set(found.map((f) => f.tokens.join(','))).size).toBe(found.length);
    for (let i = 1; i < found.length; i++) expect(found[i - 1].score).toBeGreaterThanOrEqual(found[i].score);
    expect(found[0].tokens).toEqual(exhaustive(0, 9, 0)[0].tokens);
  });

  it('the length penalty lets longer sentences win', () => {
    const short = beamSearch(chain, 0, [] as number[], allowAll, { beam: 8, nbest: 1, maxSteps: 8, lengthPenalty: 0 })[0];
    const long = beamSearch(chain, 0, [] as number[], allowAll, { beam: 8, nbest: 1, maxSteps: 8, lengthPenalty: 2 })[0];
    expect(long.tokens.length).toBeGreaterThan(short.tokens.length);
  });

  it('rules constrain what a hypothesis may become, and keyed hypotheses merge', () => {
    const onlyOnes: BeamRules<number, number[]> = { ...allowAll, extend: (h, t) => (t === 1 ? [...h.data, t] : null), key: () => 'one' };
    const found = beamSearch(chain, 0, [] as number[], onlyOnes, { beam: 4, nbest: 3, maxSteps: 5 });
    expect(found).toHaveLength(1);
    expect(found[0].tokens.every((t) => t === 1)).toBe(true);
  });

  it('keepUnfinished returns live hypotheses when nothing ended in time', () => {
    const never: BeamRules<number, number[]> = { ...allowAll, end: () => -Infinity };
    expect(beamSearch(chain, 0, [] as number[], never, { beam: 2, maxSteps: 3 })).toEqual([]);
    const kept = beamSearch(chain, 0, [] as number[], never, { beam: 2, maxSteps: 3, keepUnfinished: true });
    expect(kept).toHaveLength(1);
    expect(kept[0].tokens).toHaveLength(3);
  });

  it('checks its options', () => {
    expect(() => beamSearch(chain, 0, [] as number[], allowAll, { beam: 0 })).toThrow(/beam must be/);
    expect(() => beamSearch(chain, 0, [] as number[], allowAll, { lengthPenalty: -1 })).toThrow(/lengthPenalty/);
  });
});

describe('beam search where endings compete (translation)', () => {
  const allow: BeamRules<number, number[]> = { extend: (h, t) => (t === EOS ? null : [...h.data, t]), end: (_h, lp) => lp[EOS] };
  const greedy = (first: number, max: number): number[] => {
    const out: number[] = [];
    let s = first;
    for (let i = 0; i < max; i++) {
      const best = P[s].indexOf(Math.max(...P[s]));
      if (best === EOS) break;
      out.push(best);
      s = best;
    }
    return out;
  };

  it('beam 1 is greedy decoding, from every start', () => {
    for (let first = 0; first < 4; first++) {
      const found = beamSearch(chain, first, [] as number[], allow, { beam: 1, maxSteps: 12, endsCompete: true, keepUnfinished: true });
      expect(found[0].tokens).toEqual(greedy(first, 12));
    }
  });

  it('a wider beam never scores worse than greedy under the same scoring', () => {
    for (const alpha of [0, 0.6, 1]) {
      for (let first = 0; first < 4; first++) {
        const g = beamSearch(chain, first, [] as number[], allow, { beam: 1, maxSteps: 12, endsCompete: true, keepUnfinished: true, lengthPenalty: alpha })[0];
        const b = beamSearch(chain, first, [] as number[], allow, { beam: 5, maxSteps: 12, endsCompete: true, keepUnfinished: true, lengthPenalty: alpha })[0];
        expect(b.score).toBeGreaterThanOrEqual(g.score - 1e-12);
      }
    }
  });

  it('many searches in lockstep give what each gives alone, in fewer advance calls', () => {
    let calls = 0;
    const counting: Predictor<number> = { ...chain, advance: (s, t) => { calls++; return chain.advance(s, t); } };
    const alone = [0, 1, 2].map((f) => beamSearch(chain, f, [] as number[], allow, { beam: 3, nbest: 2, maxSteps: 8, endsCompete: true }));
    const together = beamSearchMany(counting, [0, 1, 2], [] as number[], allow, { beam: 3, nbest: 2, maxSteps: 8, endsCompete: true });
    expect(together).toEqual(alone);
    expect(calls).toBeLessThanOrEqual(8);
  });
});

describe('bestIndices', () => {
  it('equals a stable sort of the indices by value, −∞ left out, for every m', () => {
    const rng = new Rng(5);
    for (let k = 0; k < 50; k++) {
      const n = 1 + rng.int(40);
      const v = Float64Array.from({ length: n }, () => (rng.uniform() < 0.1 ? -Infinity : rng.int(6) - 3));
      const sorted = [...v.keys()].filter((t) => v[t] !== -Infinity).sort((a, b) => v[b] - v[a]);
      for (const m of [0, 1, 2, 5, n, n + 3]) expect(bestIndices(v, m)).toEqual(sorted.slice(0, m));
    }
  });
});

/**
 * Beam search over any `Predictor`: keyboard suggestions spell words out with it, translation
 * decodes sentences with it. What a hypothesis may become and when it may end are the caller's
 * rules; the search keeps the `beam` best live hypotheses, collects finished ones (merged by key),
 * and stops when no live hypothesis can still beat the n-th best finished one.
 *
 * Scores: a hypothesis of log-probability L and length n scores L / lp(n), with GNMT's length
 * penalty lp(n) = ((5 + n) / 6)^α (Wu et al. 2016); α = 0 ranks by L. Since L only falls as a
 * hypothesis grows and lp(n) ≤ lp(maxSteps), no live hypothesis can score above
 * L / lp(maxSteps + 1), which is what pruning compares.
 */
import { SeqlabError } from '../errors.js';
import type { Predictor } from './predictor.js';

/** A live hypothesis: its tokens after the start, log-probability, decoder state and the caller's data. */
export interface Hypothesis<S, D> {
  tokens: number[];
  logp: number;
  state: S;
  data: D;
}

/** A finished hypothesis, as returned. */
export interface Finished<D> {
  tokens: number[];
  /** log P(tokens, end). */
  logp: number;
  /** logp / lp(length): what the n-best list is sorted by. */
  score: number;
  data: D;
}

/** A candidate extension of one step, as `observe` sees them (best first). */
export interface Candidate<S, D> {
  from: Hypothesis<S, D>;
  token: number;
  logp: number;
  data: D;
}

/** The caller's rules. */
export interface BeamRules<S, D> {
  /** The data of `h` extended by `token` (whose log-probability would then be `logp`); null: not allowed. */
  extend(h: Hypothesis<S, D>, token: number, logp: number): D | null;
  /**
   * log P(h ends here) from the next-token log-probabilities `lp` (for an end-of-sentence token,
   * lp[eos]); −Infinity where it may not end.
   */
  end(h: Hypothesis<S, D>, lp: Float64Array): number;
  /** Finished hypotheses with one key are merged, keeping the best (default: the token sequence). */
  key?(h: Hypothesis<S, D>): string;
  /** Sees every step's candidates, best first, before the beam is cut. */
  observe?(candidates: readonly Candidate<S, D>[]): void;
}

export interface BeamOptions {
  /** Live hypotheses kept per step. */
  beam: number;
  /** Finished hypotheses returned (n-best). */
  nbest: number;
  /** Most tokens a hypothesis may have. */
  maxSteps: number;
  /** GNMT length penalty α (0: none). */
  lengthPenalty: number;
  /** When fewer than `nbest` finished by `maxSteps`, return the best live ones as they are. */
  keepUnfinished: boolean;
}

export const defaultBeamOptions: Readonly<BeamOptions> = Object.freeze({
  beam: 4, nbest: 1, maxSteps: 100, lengthPenalty: 0, keepUnfinished: false,
});

/** GNMT's length penalty ((5 + n) / 6)^α. */
export function lengthPenalty(n: number, alpha: number): number {
  return alpha === 0 ? 1 : ((5 + n) / 6) ** alpha;
}

/**
 * Beam search from `state` (the predictor's state after the context) with `data` as the empty
 * hypothesis' data. Returns up to `nbest` finished hypotheses, best first.
 */
export function beamSearch<S, D>(predictor: Predictor<S>, state: S, data: D, rules: BeamRules<S, D>,
  options: Partial<BeamOptions> = {}): Finished<D>[] {
  const o = { ...defaultBeamOptions, ...options };
  for (const key of ['beam', 'nbest'] as const) {
    if (!(Number.isInteger(o[key]) && o[key] >= 1)) throw new SeqlabError(`beam search: ${key} must be a whole number >= 1, got ${o[key]}`);
  }
  if (!(o.lengthPenalty >= 0)) throw new SeqlabError(`beam search: lengthPenalty must be >= 0, got ${o.lengthPenalty}`);
  const key = rules.key ?? ((h: Hypothesis<S, D>) => h.tokens.join(' '));
  const finished = new Map<string, Finished<D>>();
  const nthBest = (): number => [...finished.values()].map((f) => f.score).sort((a, b) => b - a)[o.nbest - 1] ?? -Infinity;
  const bestPossible = (logp: number): number => logp / lengthPenalty(o.maxSteps + 1, o.lengthPenalty);
  let beams: Hypothesis<S, D>[] = [{ tokens: [], logp: 0, state, data }];
  for (let step = 0; step < o.maxSteps && beams.length > 0; step++) {
    const next: Candidate<S, D>[] = [];
    for (const h of beams) {
      const lp = predictor.logProbs(h.state);
      for (let t = 0; t < lp.length; t++) {
        const logp = h.logp + lp[t];
        if (logp === -Infinity) continue;
        const d = rules.extend(h, t, logp);
        if (d !== null) next.push({ from: h, token: t, logp, data: d });
      }
      const end = rules.end(h, lp);
      if (end > -Infinity) {
        const f: Finished<D> = { tokens: h.tokens, logp: h.logp + end, score: (h.logp + end) / lengthPenalty(h.tokens.length + 1, o.lengthPenalty), data: h.data };
        const k = key(h);
        const had = finished.get(k);
        if (!had || f.score > had.score) finished.set(k, f);
      }
    }
    next.sort((a, b) => b.logp - a.logp);
    rules.observe?.(next);
    const bar = nthBest();
    const kept = next.slice(0, o.beam).filter((n) => bestPossible(n.logp) > bar);
    if (kept.length === 0) {
      beams = [];
      break;
    }
    const states = predictor.advance(kept.map((n) => n.from.state), kept.map((n) => n.token));
    beams = kept.map((n, i) => ({ tokens: [...n.from.tokens, n.token], logp: n.logp, state: states[i], data: n.data }));
  }
  const out = [...finished.values()].sort((a, b) => b.score - a.score).slice(0, o.nbest);
  if (o.keepUnfinished && out.length < o.nbest) {
    const live = beams.map((h) => ({ tokens: h.tokens, logp: h.logp, score: h.logp / lengthPenalty(h.tokens.length, o.lengthPenalty), data: h.data }));
    out.push(...live.sort((a, b) => b.score - a.score).slice(0, o.nbest - out.length));
  }
  return out;
}

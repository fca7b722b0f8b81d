/**
 * Beam search over any `Stepper` (a `Predictor`, or a translation model's): keyboard suggestions spell words out with it, translation
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
import type { Stepper } from './predictor.js';

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
  /**
   * Endings compete with extensions for the beam, as in translation toolkits: a hypothesis ends
   * only where its ending ranks among the step's `beam` best candidates, and the search stops
   * once it holds `nbest` endings and the step's best candidate was an ending. With beam 1 this
   * is greedy decoding. Otherwise (keyboard suggestions) every hypothesis' ending is recorded.
   */
  endsCompete: boolean;
  /** Most extensions considered per hypothesis and step (the best by log-probability); Infinity: all. */
  perHypothesis: number;
}

export const defaultBeamOptions: Readonly<BeamOptions> = Object.freeze({
  beam: 4, nbest: 1, maxSteps: 100, lengthPenalty: 0, keepUnfinished: false, endsCompete: false, perHypothesis: Infinity,
});

/** GNMT's length penalty ((5 + n) / 6)^α. */
export function lengthPenalty(n: number, alpha: number): number {
  return alpha === 0 ? 1 : ((5 + n) / 6) ** alpha;
}

/** What a search asks of its driver: advance these states by these tokens, and send the new states back. */
export interface AdvanceRequest<S> {
  states: S[];
  tokens: number[];
}

function checkOptions(o: BeamOptions): void {
  for (const key of ['beam', 'nbest'] as const) {
    if (!(Number.isInteger(o[key]) && o[key] >= 1)) throw new SeqlabError(`beam search: ${key} must be a whole number >= 1, got ${o[key]}`);
  }
  if (!(o.lengthPenalty >= 0)) throw new SeqlabError(`beam search: lengthPenalty must be >= 0, got ${o.lengthPenalty}`);
}

/** The best `k` of `items` by `logp`, best first (a stable order among equals). */
function topByLogp<T extends { logp: number }>(items: T[], k: number): T[] {
  items.sort((a, b) => b.logp - a.logp);
  return k < items.length ? items.slice(0, k) : items;
}

/**
 * The allowed extensions of `h`, or its best `k` by log-probability (best first, lower token
 * first among equals). For a small k, only the best few tokens are looked at (a partial
 * selection over the vocabulary), and the whole vocabulary only where the rules reject so many
 * of them that fewer than k are left.
 */
function extensions<S, D>(h: Hypothesis<S, D>, lp: Float64Array, rules: BeamRules<S, D>, k: number): Candidate<S, D>[] {
  const consider = (tokens: Iterable<number>, limit: number): Candidate<S, D>[] => {
    const out: Candidate<S, D>[] = [];
    for (const t of tokens) {
      const logp = h.logp + lp[t];
      if (logp === -Infinity) continue;
      const d = rules.extend(h, t, logp);
      if (d !== null) out.push({ from: h, token: t, logp, data: d });
      if (out.length >= limit) break;
    }
    return out;
  };
  if (2 * k + 4 < lp.length) {
    const few = consider(bestIndices(lp, 2 * k + 4), k);
    if (few.length >= k) return few;
  }
  const all = consider(lp.keys(), Infinity);
  return k < all.length ? topByLogp(all, k) : all;
}

/** Indices of the `m` largest values of `v` (−∞ excluded), largest first, lower index first among equals. */
export function bestIndices(v: Float64Array, m: number): number[] {
  const idx: number[] = [];
  if (m <= 0) return idx;
  for (let t = 0; t < v.length; t++) {
    const x = v[t];
    if (x === -Infinity) continue;
    if (idx.length === m) {
      if (!(x > v[idx[m - 1]])) continue; // an equal value keeps the earlier index ahead
      idx.pop();
    }
    let i = idx.length;
    idx.push(t);
    while (i > 0 && x > v[idx[i - 1]]) {
      idx[i] = idx[i - 1];
      i--;
    }
    idx[i] = t;
  }
  return idx;
}

/**
 * One beam search as a generator: it yields each step's advance request and takes the new
 * states back, so a driver can run many searches in lockstep with one `advance` for all their
 * hypotheses (translation decodes a batch of sentences this way). Returns the n-best.
 */
export function* beamSearchSteps<S, D>(logProbs: (state: S) => Float64Array, state: S, data: D, rules: BeamRules<S, D>,
  options: Partial<BeamOptions> = {}): Generator<AdvanceRequest<S>, Finished<D>[], S[]> {
  const o = { ...defaultBeamOptions, ...options };
  checkOptions(o);
  const key = rules.key ?? ((h: Hypothesis<S, D>) => h.tokens.join(' '));
  const finished = new Map<string, Finished<D>>();
  const nthBest = (): number => [...finished.values()].map((f) => f.score).sort((a, b) => b - a)[o.nbest - 1] ?? -Infinity;
  const bestPossible = (logp: number): number => logp / lengthPenalty(o.maxSteps + 1, o.lengthPenalty);
  const finish = (h: Hypothesis<S, D>, end: number): void => {
    const f: Finished<D> = { tokens: h.tokens, logp: h.logp + end, score: (h.logp + end) / lengthPenalty(h.tokens.length + 1, o.lengthPenalty), data: h.data };
    const k = key(h);
    const had = finished.get(k);
    if (!had || f.score > had.score) finished.set(k, f);
  };
  let beams: Hypothesis<S, D>[] = [{ tokens: [], logp: 0, state, data }];
  for (let step = 0; step < o.maxSteps && beams.length > 0; step++) {
    let next: Candidate<S, D>[] = [];
    const ends: { h: Hypothesis<S, D>; end: number; logp: number }[] = [];
    for (const h of beams) {
      const lp = logProbs(h.state);
      next.push(...extensions(h, lp, rules, o.perHypothesis));
      const end = rules.end(h, lp);
      if (end > -Infinity) ends.push({ h, end, logp: h.logp + end });
    }
    next.sort((a, b) => b.logp - a.logp);
    let endedFirst = false;
    if (o.endsCompete) {
      // An ending counts where it ranks among the step's `beam` best candidates, endings and extensions together.
      const ranked = topByLogp(ends, o.beam);
      ranked.forEach((e, i) => {
        if (i + countAbove(next, e.logp) < o.beam) finish(e.h, e.end);
      });
      endedFirst = ranked.length > 0 && (next.length === 0 || ranked[0].logp > next[0].logp);
    } else {
      for (const e of ends) finish(e.h, e.end);
    }
    rules.observe?.(next);
    if (o.endsCompete && endedFirst && finished.size >= o.nbest) {
      beams = [];
      break;
    }
    const bar = nthBest();
    next = next.slice(0, o.beam).filter((n) => bestPossible(n.logp) > bar);
    if (next.length === 0) {
      beams = [];
      break;
    }
    const states: S[] = yield { states: next.map((n) => n.from.state), tokens: next.map((n) => n.token) };
    beams = next.map((n, i) => ({ tokens: [...n.from.tokens, n.token], logp: n.logp, state: states[i], data: n.data }));
  }
  const out = [...finished.values()].sort((a, b) => b.score - a.score).slice(0, o.nbest);
  if (o.keepUnfinished && out.length < o.nbest) {
    const live = beams.map((h) => ({ tokens: h.tokens, logp: h.logp, score: h.logp / lengthPenalty(h.tokens.length, o.lengthPenalty), data: h.data }));
    out.push(...live.sort((a, b) => b.score - a.score).slice(0, o.nbest - out.length));
  }
  return out;
}

/** How many candidates (sorted best first) rank above an ending of `logp`: extensions win ties. */
function countAbove<T extends { logp: number }>(sorted: readonly T[], logp: number): number {
  let n = 0;
  while (n < sorted.length && sorted[n].logp >= logp) n++;
  return n;
}

/**
 * Beam search from `state` (the predictor's state after the context) with `data` as the empty
 * hypothesis' data. Returns up to `nbest` finished hypotheses, best first.
 */
export function beamSearch<S, D>(predictor: Stepper<S>, state: S, data: D, rules: BeamRules<S, D>,
  options: Partial<BeamOptions> = {}): Finished<D>[] {
  const search = beamSearchSteps((s: S) => predictor.logProbs(s), state, data, rules, options);
  let r = search.next();
  while (!r.done) r = search.next(predictor.advance(r.value.states, r.value.tokens));
  return r.value;
}

/**
 * Many beam searches in lockstep, one per start state: at each step every live hypothesis of
 * every search advances in one `predictor.advance` call. Returns each search's n-best.
 */
export function beamSearchMany<S, D>(predictor: Stepper<S>, starts: readonly S[], data: D, rules: BeamRules<S, D>,
  options: Partial<BeamOptions> | ((i: number) => Partial<BeamOptions>) = {}): Finished<D>[][] {
  const searches = starts.map((s, i) => beamSearchSteps((x: S) => predictor.logProbs(x), s, data, rules,
    typeof options === 'function' ? options(i) : options));
  const results: Finished<D>[][] = new Array(starts.length);
  let pending = searches.map((search, i) => ({ i, r: search.next() }));
  for (;;) {
    for (const p of pending) if (p.r.done) results[p.i] = p.r.value;
    pending = pending.filter((p) => !p.r.done);
    if (pending.length === 0) return results;
    const states = pending.flatMap((p) => (p.r.done ? [] : p.r.value.states));
    const tokens = pending.flatMap((p) => (p.r.done ? [] : p.r.value.tokens));
    const advanced = predictor.advance(states, tokens);
    let at = 0;
    pending = pending.map((p) => {
      const n = p.r.done ? 0 : p.r.value.states.length;
      const mine = advanced.slice(at, at + n);
      at += n;
      return { i: p.i, r: searches[p.i].next(mine) };
    });
  }
}

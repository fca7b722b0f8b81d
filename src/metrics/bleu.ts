/**
 * BLEU (Papineni et al., 2002) exactly as sacreBLEU 2.5.1 computes it under its defaults: the
 * `13a` tokenizer, n-grams up to order 4, `exp` smoothing, statistics summed over the corpus.
 *
 * For each segment, with hypothesis tokens h and references r_1..r_k (empty ones are dropped):
 *   total_n   += number of n-grams of h
 *   correct_n += Σ_g min(count_h(g), max_j count_{r_j}(g))          (clipped matches)
 *   sysLen    += |h|
 *   refLen    += the |r_j| closest to |h| (the shorter one on a tie)
 * Then over the corpus:
 *   p_n  = 100 · correct_n / total_n
 *   BP   = 1 if sysLen ≥ refLen, else exp(1 − refLen / sysLen) (0 when sysLen = 0)
 *   BLEU = BP · exp( (1/N) Σ_{n=1..N} log p_n ),  log 0 taken as −9999999999
 * `exp` smoothing (NIST, Chen & Cherry's method 3): the k-th order with no match gets
 *   p_n = 100 / (2^k · total_n).
 * The loop over orders stops at the first order with total_n = 0. With `effectiveOrder`, N is the
 * last order that had any n-grams (sentence BLEU); otherwise N = maxOrder. No match at any order
 * gives BLEU 0 straight away.
 */
import { SeqlabError, assert } from '../errors.js';
import { countNgrams, rstrip, tokenize13a } from './tokenize-13a.js';

/** The sacreBLEU release whose numbers these functions reproduce; it ends every signature. */
export const SACREBLEU_VERSION = '2.5.1';

/** `exp`: NIST's geometric decay for zero-match orders (sacreBLEU's default); `none`: no smoothing. */
export type BleuSmoothing = 'exp' | 'none';

export interface BleuOptions {
  /** Lowercase hypotheses and references before tokenizing. Default false. */
  lowercase?: boolean;
  /** Highest n-gram order N. Default 4. */
  maxNgramOrder?: number;
  /** Default `exp`, as sacreBLEU's corpus and sentence BLEU. */
  smooth?: BleuSmoothing;
  /** Average only over the orders that had n-grams. Default false (true in `sentenceBleu`). */
  effectiveOrder?: boolean;
}

export const defaultBleuOptions: Required<BleuOptions> = {
  lowercase: false,
  maxNgramOrder: 4,
  smooth: 'exp',
  effectiveOrder: false,
};

/** BLEU's sufficient statistics, summed over segments; `counts`/`totals` are indexed by n − 1. */
export interface BleuStats {
  sysLen: number;
  refLen: number;
  counts: number[];
  totals: number[];
}

export interface BleuScore extends BleuStats {
  /** BLEU on sacreBLEU's 0-100 scale. */
  score: number;
  /** p_n on the 0-100 scale, after smoothing; all 0 when nothing matched. */
  precisions: number[];
  /** Brevity penalty. */
  bp: number;
  /** e.g. `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.5.1`. */
  signature: string;
}

/** sacreBLEU's `my_log`: log 0 is a large negative number rather than −∞. */
function safeLog(x: number): number {
  return x === 0 ? -9999999999 : Math.log(x);
}

/** Statistics of one segment against its (non-empty) references. */
function segmentStats(hyp: string[], refs: string[][], maxOrder: number): BleuStats {
  const refNgrams = new Map<string, number>();
  for (const ref of refs) {
    for (const [g, c] of countNgrams(ref, 1, maxOrder)) refNgrams.set(g, Math.max(refNgrams.get(g) ?? 0, c));
  }
  const counts = new Array<number>(maxOrder).fill(0);
  const totals = new Array<number>(maxOrder).fill(0);
  for (const [g, c] of countNgrams(hyp, 1, maxOrder)) {
    const n = g.split(' ').length;
    totals[n - 1] += c;
    counts[n - 1] += Math.min(c, refNgrams.get(g) ?? 0);
  }
  return { sysLen: hyp.length, refLen: closestRefLen(hyp.length, refs.map((r) => r.length)), counts, totals };
}

/** The reference length closest to the hypothesis length; the shorter one on a tie. */
function closestRefLen(hypLen: number, refLens: number[]): number {
  let best = refLens[0];
  for (const len of refLens) {
    const d = Math.abs(hypLen - len);
    const bestD = Math.abs(hypLen - best);
    if (d < bestD || (d === bestD && len < best)) best = len;
  }
  return best;
}

/** BLEU from summed statistics (sacreBLEU's `compute_bleu`), without the signature. */
export function bleuFromStats(stats: BleuStats, options: BleuOptions = {}): Omit<BleuScore, 'signature'> {
  const { smooth, effectiveOrder, maxNgramOrder: maxOrder } = { ...defaultBleuOptions, ...options };
  const { sysLen, refLen, counts, totals } = stats;
  assert(counts.length === maxOrder && totals.length === maxOrder, 'BLEU statistics of another order');
  let bp = 1;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0;
  const precisions = new Array<number>(maxOrder).fill(0);
  const result = { sysLen, refLen, counts: [...counts], totals: [...totals], precisions, bp };
  if (counts.every((c) => c === 0)) return { ...result, score: 0 };

  let smoothDenominator = 1;
  let order = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (totals[n - 1] === 0) break;
    if (effectiveOrder) order = n;
    if (counts[n - 1] > 0) {
      precisions[n - 1] = (100 * counts[n - 1]) / totals[n - 1];
    } else if (smooth === 'exp') {
      smoothDenominator *= 2;
      precisions[n - 1] = 100 / (smoothDenominator * totals[n - 1]);
    }
  }
  let logSum = 0;
  for (let n = 0; n < order; n++) logSum += safeLog(precisions[n]);
  return { ...result, score: bp * Math.exp(logSum / order) };
}

/**
 * The signature sacreBLEU prints beside the score: `nrefs` is `var` when segments have different
 * numbers of (non-empty) references.
 */
export function bleuSignature(numRefs: number | 'var', options: BleuOptions = {}): string {
  const o = { ...defaultBleuOptions, ...options };
  const case_ = o.lowercase ? 'lc' : 'mixed';
  return `nrefs:${numRefs}|case:${case_}|eff:${o.effectiveOrder ? 'yes' : 'no'}|tok:13a|smooth:${o.smooth}|version:${SACREBLEU_VERSION}`;
}

function preprocess(sentence: string, lowercase: boolean): string[] {
  return tokenize13a(rstrip(lowercase ? sentence.toLowerCase() : sentence));
}

/**
 * The references of each segment, with empty ones dropped as sacreBLEU drops them, and the
 * signature's `nrefs`. `refs` is a list of reference streams, each as long as `hyps`.
 */
export function segmentReferences(
  hyps: readonly string[],
  refs: readonly (readonly string[])[],
  metric: string,
): { perSegment: string[][]; numRefs: number | 'var' } {
  if (hyps.length === 0) throw new SeqlabError(`${metric}: no hypotheses given`);
  if (refs.length === 0) throw new SeqlabError(`${metric}: no reference streams given`);
  refs.forEach((stream, j) => {
    if (stream.length !== hyps.length) {
      throw new SeqlabError(`${metric}: reference stream ${j} has ${stream.length} segments but there are ${hyps.length} hypotheses`);
    }
  });
  const perSegment = hyps.map((_, i) => {
    const present = refs.map((stream) => stream[i]).filter((r) => r !== '');
    if (present.length === 0) throw new SeqlabError(`${metric}: segment ${i} has no non-empty reference`);
    return present;
  });
  const sizes = new Set(perSegment.map((r) => r.length));
  const numRefs = sizes.size === 1 ? [...sizes][0] : 'var';
  return { perSegment, numRefs };
}

/**
 * Corpus BLEU of `hyps` against reference streams `refs` (`refs[j][i]` is the j-th reference of
 * segment i), as `sacrebleu.corpus_bleu(hyps, refs)`.
 */
export function corpusBleu(hyps: readonly string[], refs: readonly (readonly string[])[], options: BleuOptions = {}): BleuScore {
  const o = { ...defaultBleuOptions, ...options };
  const { perSegment, numRefs } = segmentReferences(hyps, refs, 'BLEU');
  const zeros = () => new Array<number>(o.maxNgramOrder).fill(0);
  const sum: BleuStats = { sysLen: 0, refLen: 0, counts: zeros(), totals: zeros() };
  hyps.forEach((hyp, i) => {
    const refTokens = perSegment[i].map((r) => preprocess(r, o.lowercase));
    const s = segmentStats(preprocess(hyp, o.lowercase), refTokens, o.maxNgramOrder);
    sum.sysLen += s.sysLen;
    sum.refLen += s.refLen;
    for (let n = 0; n < o.maxNgramOrder; n++) {
      sum.counts[n] += s.counts[n];
      sum.totals[n] += s.totals[n];
    }
  });
  return { ...bleuFromStats(sum, o), signature: bleuSignature(numRefs, o) };
}

/**
 * Sentence BLEU of one hypothesis against its references, as `sacrebleu.sentence_bleu`:
 * `exp` smoothing with effective order on by default.
 */
export function sentenceBleu(hyp: string, refs: readonly string[], options: BleuOptions = {}): BleuScore {
  return corpusBleu([hyp], refs.map((r) => [r]), { effectiveOrder: true, ...options });
}

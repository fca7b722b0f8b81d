/**
 * chrF (Popović, 2015) and chrF++ (Popović, 2017) exactly as sacreBLEU 2.5.1 computes them under
 * its defaults: character n-grams up to 6 with whitespace removed, word n-grams up to 0 (chrF) or
 * 2 (chrF++), β = 2, statistics summed over the corpus.
 *
 * For each segment and each order (character orders 1..C, then word orders 1..W), against one
 * reference:
 *   hyp_n   = number of hypothesis n-grams (0 if the reference has no n-grams of that order)
 *   ref_n   = number of reference n-grams
 *   match_n = Σ_g min(count_hyp(g), count_ref(g))
 * With several references, the segment keeps the statistics of the reference whose segment-level
 * chrF is highest (the first one on a tie). Over the corpus, with the sums of those:
 *   P_n = match_n / hyp_n,  R_n = match_n / ref_n   over the orders with hyp_n > 0 and ref_n > 0
 *   P = mean P_n,  R = mean R_n                      (averaged over those orders only)
 *   chrF = 100 · (1 + β²) · P · R / (β² · P + R)     (0 when P + R = 0)
 * This is the `eps_smoothing=False` default. With `epsSmoothing`, chrF is instead the mean over
 * all C + W orders of the per-order F_β, with ε = 1e-16 standing in for an undefined P_n or R_n.
 *
 * Character n-grams are over code points of the segment with all whitespace removed. Word n-grams
 * are over whitespace-separated words, each of length ≥ 2 with one ASCII punctuation character
 * split off its end, or else off its start (so `(hi)` gives `(hi` and `)`, as in sacreBLEU).
 */
import { SACREBLEU_VERSION, segmentReferences } from './bleu.js';
import { codePoints, countNgrams, splitWords } from './tokenize-13a.js';

export interface ChrfOptions {
  /** Highest character n-gram order C. Default 6. */
  charOrder?: number;
  /** Highest word n-gram order W: 0 for chrF, 2 for chrF++. Default 0. */
  wordOrder?: number;
  /** Recall weighs β times as much as precision. Default 2. */
  beta?: number;
  /** Lowercase hypotheses and references first. Default false. */
  lowercase?: boolean;
  /** Keep whitespace inside character n-grams. Default false. */
  whitespace?: boolean;
  /** Average per-order F scores with ε smoothing (chrF's original definition). Default false. */
  epsSmoothing?: boolean;
}

export const defaultChrfOptions: Required<ChrfOptions> = {
  charOrder: 6,
  wordOrder: 0,
  beta: 2,
  lowercase: false,
  whitespace: false,
  epsSmoothing: false,
};

export interface ChrfScore {
  /** chrF on sacreBLEU's 0-100 scale. */
  score: number;
  /** Summed `[hyp_n, ref_n, match_n]` for each character order, then each word order. */
  stats: number[];
  /** e.g. `nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.5.1`. */
  signature: string;
}

/** The characters of ASCII punctuation, Python's `string.punctuation`. */
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

/** sacreBLEU's `_remove_punctuation`: split one punctuation character off a word's end or start. */
export function chrfWords(sentence: string): string[] {
  const words: string[] = [];
  for (const w of splitWords(sentence)) {
    const chars = codePoints(w);
    const last = chars[chars.length - 1];
    if (chars.length === 1) words.push(w);
    else if (PUNCTUATION.has(last)) words.push(chars.slice(0, -1).join(''), last);
    else if (PUNCTUATION.has(chars[0])) words.push(chars[0], chars.slice(1).join(''));
    else words.push(w);
  }
  return words;
}

/** One n-gram table per order: character orders 1..C, then word orders 1..W. */
function ngramTables(sentence: string, o: Required<ChrfOptions>): Map<string, number>[] {
  const text = o.whitespace ? sentence : splitWords(sentence).join('');
  // Character n-grams are keyed by their characters joined with a space, which is unambiguous
  // because every key of one table has the same number of characters.
  const chars = codePoints(text);
  const tables: Map<string, number>[] = [];
  for (let n = 1; n <= o.charOrder; n++) tables.push(countNgrams(chars, n, n));
  const words = o.wordOrder > 0 ? chrfWords(sentence) : [];
  for (let n = 1; n <= o.wordOrder; n++) tables.push(countNgrams(words, n, n));
  return tables;
}

/** `[hyp_n, ref_n, match_n]` for one order. */
function matchStats(hyp: Map<string, number>, ref: Map<string, number>): [number, number, number] {
  let hypCount = 0;
  let matches = 0;
  let refCount = 0;
  for (const [g, c] of hyp) {
    hypCount += c;
    matches += Math.min(c, ref.get(g) ?? 0);
  }
  for (const c of ref.values()) refCount += c;
  return [ref.size > 0 ? hypCount : 0, refCount, matches];
}

/** chrF from flattened `[hyp_n, ref_n, match_n]` statistics (sacreBLEU's `_compute_f_score`). */
export function chrfFromStats(stats: readonly number[], options: ChrfOptions = {}): number {
  const o = { ...defaultChrfOptions, ...options };
  const eps = 1e-16;
  const factor = o.beta ** 2;
  let epsScore = 0;
  let avgPrec = 0;
  let avgRec = 0;
  let effectiveOrder = 0;
  for (let i = 0; i + 2 < stats.length; i += 3) {
    const [nHyp, nRef, nMatch] = [stats[i], stats[i + 1], stats[i + 2]];
    const prec = nHyp > 0 ? nMatch / nHyp : eps;
    const rec = nRef > 0 ? nMatch / nRef : eps;
    const denom = factor * prec + rec;
    epsScore += denom > 0 ? ((1 + factor) * prec * rec) / denom : eps;
    if (nHyp > 0 && nRef > 0) {
      avgPrec += prec;
      avgRec += rec;
      effectiveOrder += 1;
    }
  }
  if (o.epsSmoothing) return (100 * epsScore) / (o.charOrder + o.wordOrder);
  if (effectiveOrder === 0) return 0;
  avgPrec /= effectiveOrder;
  avgRec /= effectiveOrder;
  if (avgPrec + avgRec === 0) return 0;
  return (100 * (1 + factor) * avgPrec * avgRec) / (factor * avgPrec + avgRec);
}

/** The signature sacreBLEU prints for chrF; `eff:yes` means no ε smoothing. */
export function chrfSignature(numRefs: number | 'var', options: ChrfOptions = {}): string {
  const o = { ...defaultChrfOptions, ...options };
  const parts = [
    `nrefs:${numRefs}`,
    `case:${o.lowercase ? 'lc' : 'mixed'}`,
    `eff:${o.epsSmoothing ? 'no' : 'yes'}`,
    `nc:${o.charOrder}`,
    `nw:${o.wordOrder}`,
    `space:${o.whitespace ? 'yes' : 'no'}`,
    `version:${SACREBLEU_VERSION}`,
  ];
  return parts.join('|');
}

/** Statistics of one segment: those of the reference with the best segment-level chrF. */
function segmentStats(hyp: string, refs: string[], o: Required<ChrfOptions>): number[] {
  const hypTables = ngramTables(hyp, o);
  let best: number[] = [];
  let bestScore = -1;
  for (const ref of refs) {
    const refTables = ngramTables(ref, o);
    const stats = hypTables.flatMap((h, k) => matchStats(h, refTables[k]));
    const score = chrfFromStats(stats, o);
    if (score > bestScore) [best, bestScore] = [stats, score];
  }
  return best;
}

/**
 * Corpus chrF of `hyps` against reference streams `refs` (`refs[j][i]` is the j-th reference of
 * segment i), as `sacrebleu.corpus_chrf`; `{ wordOrder: 2 }` gives chrF++.
 */
export function corpusChrf(hyps: readonly string[], refs: readonly (readonly string[])[], options: ChrfOptions = {}): ChrfScore {
  const o = { ...defaultChrfOptions, ...options };
  const { perSegment, numRefs } = segmentReferences(hyps, refs, o.wordOrder > 0 ? 'chrF++' : 'chrF');
  const prep = (s: string) => (o.lowercase ? s.toLowerCase() : s);
  const stats = new Array<number>(3 * (o.charOrder + o.wordOrder)).fill(0);
  hyps.forEach((hyp, i) => {
    const s = segmentStats(prep(hyp), perSegment[i].map(prep), o);
    s.forEach((v, k) => (stats[k] += v));
  });
  return { score: chrfFromStats(stats, o), stats, signature: chrfSignature(numRefs, o) };
}

/** chrF of one hypothesis against its references, as `sacrebleu.sentence_chrf`. */
export function sentenceChrf(hyp: string, refs: readonly string[], options: ChrfOptions = {}): ChrfScore {
  return corpusChrf([hyp], refs.map((r) => [r]), options);
}

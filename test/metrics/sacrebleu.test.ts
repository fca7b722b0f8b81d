import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SeqlabError } from '../../src/errors.js';
import { chrfWords, corpusBleu, corpusChrf, sentenceBleu, sentenceChrf, tokenize13a } from '../../src/metrics/index.js';

/** One set of hypotheses and reference streams with what sacreBLEU 2.5.1 computes for it. */
interface SacrebleuCase {
  name: string;
  hypotheses: string[];
  references: string[][];
  bleu: number;
  bleu_counts: number[];
  bleu_totals: number[];
  bleu_bp: number;
  sys_len: number;
  ref_len: number;
  bleu_lowercase: number;
  chrf: number;
  chrf_plus_plus: number;
  sentence_bleu: number[];
}

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here, '../fixtures/metrics/sacrebleu-cases.json');
const loadCases = (): SacrebleuCase[] => (JSON.parse(readFileSync(fixture, 'utf8')) as { cases: SacrebleuCase[] }).cases;

/** Scores agree to this (sacreBLEU's 0-100 scale); counts, totals and lengths agree exactly. */
const SCORE_TOL = 0.01;

interface Comparison {
  mismatches: string[];
  maxDeviation: number;
}

/** Compares seqlab's metrics with sacreBLEU's numbers for one case, naming every disagreement. */
function compareCase(c: SacrebleuCase): Comparison {
  const mismatches: string[] = [];
  let maxDeviation = 0;
  const score = (what: string, ours: number, theirs: number) => {
    const dev = Math.abs(ours - theirs);
    maxDeviation = Math.max(maxDeviation, dev);
    if (!(dev <= SCORE_TOL)) mismatches.push(`${c.name}: ${what} is ${ours}, sacreBLEU ${theirs}`);
  };
  const exact = (what: string, ours: unknown, theirs: unknown) => {
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
      mismatches.push(`${c.name}: ${what} is ${JSON.stringify(ours)}, sacreBLEU ${JSON.stringify(theirs)}`);
    }
  };

  const bleu = corpusBleu(c.hypotheses, c.references);
  score('BLEU', bleu.score, c.bleu);
  score('BLEU brevity penalty (x100)', 100 * bleu.bp, 100 * c.bleu_bp);
  exact('BLEU counts', bleu.counts, c.bleu_counts);
  exact('BLEU totals', bleu.totals, c.bleu_totals);
  exact('BLEU sys_len', bleu.sysLen, c.sys_len);
  exact('BLEU ref_len', bleu.refLen, c.ref_len);
  score('lowercased BLEU', corpusBleu(c.hypotheses, c.references, { lowercase: true }).score, c.bleu_lowercase);
  score('chrF', corpusChrf(c.hypotheses, c.references).score, c.chrf);
  score('chrF++', corpusChrf(c.hypotheses, c.references, { wordOrder: 2 }).score, c.chrf_plus_plus);
  exact('number of sentence BLEU scores', c.hypotheses.length, c.sentence_bleu.length);
  c.hypotheses.forEach((hyp, i) => {
    const refs = c.references.map((stream) => stream[i]);
    score(`sentence BLEU ${i}`, sentenceBleu(hyp, refs).score, c.sentence_bleu[i]);
  });
  return { mismatches, maxDeviation };
}

describe('sacreBLEU 2.5.1 fixtures', () => {
  const cases = loadCases();

  it('holds the 11 cases', () => {
    expect(cases.map((c) => c.name)).toHaveLength(11);
  });

  for (const c of cases) {
    it(`agrees with sacreBLEU on ${c.name}`, () => {
      const { mismatches, maxDeviation } = compareCase(c);
      expect(mismatches).toEqual([]);
      // The fixture rounds to 6 decimals, the brevity penalty on its 0-1 scale: 5e-5 once scaled.
      expect(maxDeviation).toBeLessThan(1e-4);
    });
  }

  it('fails when one expected count is off by one', () => {
    const c = loadCases().find((x) => x.name === 'two_references')!;
    c.bleu_counts[2] += 1;
    expect(compareCase(c).mismatches).toEqual(['two_references: BLEU counts is [428,225,141,93], sacreBLEU [428,225,142,93]']);
  });

  it('fails when one expected score is off by more than the tolerance', () => {
    const c = loadCases().find((x) => x.name === 'unicode_punctuation')!;
    c.chrf_plus_plus += 0.011;
    c.sentence_bleu[4] -= 0.02;
    const { mismatches } = compareCase(c);
    expect(mismatches).toHaveLength(2);
    expect(mismatches[0]).toMatch(/^unicode_punctuation: chrF\+\+ is /);
    expect(mismatches[1]).toMatch(/^unicode_punctuation: sentence BLEU 4 is /);
  });

  it('prints the signatures sacreBLEU prints', () => {
    const c = cases.find((x) => x.name === 'two_references')!;
    expect(corpusBleu(c.hypotheses, c.references).signature).toBe('nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.5.1');
    expect(corpusBleu(c.hypotheses, c.references, { lowercase: true }).signature).toBe('nrefs:2|case:lc|eff:no|tok:13a|smooth:exp|version:2.5.1');
    expect(sentenceBleu('a', ['a']).signature).toBe('nrefs:1|case:mixed|eff:yes|tok:13a|smooth:exp|version:2.5.1');
    expect(corpusChrf(c.hypotheses, [c.references[0]]).signature).toBe('nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.5.1');
    expect(corpusChrf(c.hypotheses, c.references, { wordOrder: 2 }).signature).toBe('nrefs:2|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.5.1');
  });
});

describe('13a tokenizer', () => {
  it('splits punctuation and symbols but keeps numbers, apostrophes and hyphens together', () => {
    expect(tokenize13a('Hello, world!')).toEqual(['Hello', ',', 'world', '!']);
    expect(tokenize13a('Es kostet 3.50 € (ca. $4).')).toEqual(['Es', 'kostet', '3.50', '€', '(', 'ca', '.', '$', '4', ')', '.']);
    expect(tokenize13a("it's a well-known e.g. 1,000")).toEqual(["it's", 'a', 'well-known', 'e', '.', 'g', '.', '1,000']);
    expect(tokenize13a('ein 5-jähriges')).toEqual(['ein', '5', '-', 'jähriges']);
  });

  it('unescapes entities and drops <skipped> and line-break hyphens first', () => {
    expect(tokenize13a('a &quot;b&quot; &amp;lt; c<skipped>')).toEqual(['a', '"', 'b', '"', '<', 'c']);
    expect(tokenize13a('pre-\nfix\nnext')).toEqual(['prefix', 'next']);
  });

  it("splits on Python's whitespace, not JavaScript's", () => {
    expect(tokenize13a('a\u00a0b\u0085c\u001fd')).toEqual(['a', 'b', 'c', 'd']);
    expect(tokenize13a('a\ufeffb')).toEqual(['a\ufeffb']); // U+FEFF is \s in JavaScript only
  });
});

describe('BLEU, hand-computed', () => {
  // hyp "the cat sat on the mat", ref "the cat is on the mat": matches 5/6, 3/5, 1/4, 0/3.
  const hyp = 'the cat sat on the mat';
  const ref = 'the cat is on the mat';

  it('smooths the first order without a match by 1/2 (exp)', () => {
    const b = corpusBleu([hyp], [[ref]]);
    expect(b.counts).toEqual([5, 3, 1, 0]);
    expect(b.totals).toEqual([6, 5, 4, 3]);
    expect(b.precisions[3]).toBeCloseTo(100 / (2 * 3), 12);
    // BLEU = (5/6 · 3/5 · 1/4 · 1/6)^(1/4) = (1/48)^(1/4)
    expect(b.score).toBeCloseTo(100 * (1 / 48) ** 0.25, 10);
    expect(b.bp).toBe(1);
  });

  it('gives 0 without smoothing when an order has no match', () => {
    expect(corpusBleu([hyp], [[ref]], { smooth: 'none' }).score).toBe(0);
  });

  it('applies the brevity penalty, and effective order for sentence BLEU', () => {
    // 2 tokens against 6: counts [2, 1], no 3-grams. Corpus BLEU averages log 0 in; sentence BLEU
    // stops at order 2: BP · 100 with BP = exp(1 − 6/2).
    const corpus = corpusBleu(['the cat'], [['the cat sat on the mat']]);
    expect(corpus.totals).toEqual([2, 1, 0, 0]);
    expect(corpus.score).toBe(0);
    expect(sentenceBleu('the cat', ['the cat sat on the mat']).score).toBeCloseTo(100 * Math.exp(-2), 10);
  });

  it('takes the closest reference length, the shorter on a tie, and clips by the max count over references', () => {
    const b = corpusBleu(['a a b c'], [['a x y'], ['a a z w q']]);
    expect(b.refLen).toBe(3);
    expect(b.counts[0]).toBe(2); // "a" clipped at 2 (second reference), b and c unmatched
  });

  it('drops empty references and reports a variable number of them', () => {
    const b = corpusBleu(['a b', 'c d'], [['a b', 'c d'], ['', 'c e']]);
    expect(b.signature).toMatch(/^nrefs:var\|/);
    expect(corpusBleu(['a b'], [['a b'], ['']]).signature).toMatch(/^nrefs:1\|/);
  });

  it('scores empty hypotheses as zero and names bad input', () => {
    expect(corpusBleu([''], [['a b']]).score).toBe(0);
    expect(() => corpusBleu(['a', 'b'], [['a']])).toThrow(SeqlabError);
    expect(() => corpusBleu(['a'], [['']])).toThrow(/segment 0 has no non-empty reference/);
  });
});

describe('chrF, hand-computed', () => {
  it('averages precision and recall over the orders present in both', () => {
    // "ab" vs "ac": 1-grams 1/2 and 1/2, 2-grams 0/1 and 0/1, higher orders absent.
    // P = R = (1/2 + 0) / 2 = 1/4, so F_2 = 1/4.
    const s = sentenceChrf('ab', ['ac']);
    expect(s.stats.slice(0, 6)).toEqual([2, 2, 1, 1, 1, 0]);
    expect(s.score).toBeCloseTo(25, 12);
  });

  it('weighs recall by beta', () => {
    // "ab" vs "abc": P = (1 + 1)/2 = 1, R = (2/3 + 1/2)/2 = 7/12; F_2 = 5·P·R / (4P + R).
    const r = 7 / 12;
    expect(sentenceChrf('ab', ['abc']).score).toBeCloseTo((100 * 5 * r) / (4 + r), 10);
  });

  it('ignores whitespace in character n-grams and counts code points', () => {
    expect(sentenceChrf('a b', ['ab']).score).toBe(100);
    expect(sentenceChrf('😀', ['😀']).stats.slice(0, 3)).toEqual([1, 1, 1]);
  });

  it("splits one punctuation mark off a word's end, else its start (chrF++)", () => {
    expect(chrfWords('(hi) "Hallo Welt, x . "ab,')).toEqual(['(hi', ')', '"', 'Hallo', 'Welt', ',', 'x', '.', '"ab', ',']);
    expect(sentenceChrf('a b', ['a b'], { wordOrder: 2 }).score).toBe(100);
  });

  it('keeps the statistics of the best reference per sentence', () => {
    expect(corpusChrf(['ab'], [['xy'], ['ab']]).score).toBe(100);
    expect(corpusChrf(['ab'], [['xy']]).score).toBe(0);
  });
});

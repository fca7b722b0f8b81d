import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyMerges, applyMergesByHeap, BpeTokenizer } from '../../src/data/bpe-tokenizer.js';
import { countByFrequency, SPECIALS, wordPieces } from '../../src/data/tokenizer.js';
import { Rng } from '../../src/tensor/random.js';

/**
 * The learner as it was before the incremental rewrite, kept verbatim as the definition: recount
 * every pair over all words at each merge. Returns the merges, the vocabulary, and how many merges
 * were chosen among tied counts (so a test can show that ties were exercised).
 */
function referenceLearn(text: string, vocabSize: number): { merges: [string, string][]; tokens: string[]; ties: number } {
  const words = countByFrequency(wordPieces(text)).map(([w, n]) => ({ symbols: Array.from(w), count: n }));
  const alphabet = [...new Set(words.flatMap((w) => w.symbols))].sort();
  const tokens = [...SPECIALS, ...alphabet.filter((a) => !SPECIALS.includes(a))];
  const merges: [string, string][] = [];
  let ties = 0;
  while (tokens.length < vocabSize) {
    const best = mostFrequentPair(words);
    if (!best) break;
    if (best.tied) ties++;
    merges.push(best.pair);
    tokens.push(best.pair[0] + best.pair[1]);
    for (const w of words) w.symbols = mergePair(w.symbols, best.pair[0], best.pair[1]);
  }
  return { merges, tokens, ties };
}

function pairKey(a: string, b: string): string {
  return `${a}\u0000${b}`;
}

function mostFrequentPair(words: { symbols: string[]; count: number }[]): { pair: [string, string]; tied: boolean } | null {
  const counts = new Map<string, number>();
  let best: string | null = null;
  let bestCount = 1; // a pair seen once overall is not worth a merge
  for (const w of words) {
    for (let i = 0; i + 1 < w.symbols.length; i++) {
      const key = pairKey(w.symbols[i], w.symbols[i + 1]);
      const n = (counts.get(key) ?? 0) + w.count;
      counts.set(key, n);
      if (n > bestCount) {
        bestCount = n;
        best = key;
      }
    }
  }
  if (best === null) return null;
  const [a, b] = best.split('\u0000');
  const tied = [...counts.values()].filter((n) => n === bestCount).length > 1;
  return { pair: [a, b], tied };
}

function mergePair(symbols: string[], a: string, b: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === a && symbols[i + 1] === b) {
      out.push(a + b);
      i++;
    } else {
      out.push(symbols[i]);
    }
  }
  return out;
}

/** Learns with both learners and expects the same merges and vocabulary; returns the tie count. */
function expectSameAsReference(text: string, vocabSize: number): number {
  const ref = referenceLearn(text, vocabSize);
  const tok = BpeTokenizer.fromText(text, { vocabSize });
  expect(tok.merges).toEqual(ref.merges);
  expect(tok.vocab.tokens).toEqual(ref.tokens);
  return ref.ties;
}

/** Random text over a tiny alphabet: short words, many repeats, many equal counts. */
function randomText(rng: Rng, alphabet: string[], length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += rng.int(5) === 0 ? ' ' : alphabet[rng.int(alphabet.length)];
  return s;
}

describe('incremental BPE learning matches the recount-everything definition', () => {
  it('follows the tie rule: equal counts go to the pair whose last occurrence comes first, not the first seen', () => {
    // "abcbc" then " ab": (a, b) is seen first, but (b, c) reaches its count of 2 first.
    const tok = BpeTokenizer.fromText('abcbc ab', { vocabSize: 100 });
    expect(tok.merges[0]).toEqual(['b', 'c']);
    expectSameAsReference('abcbc ab', 100);
  });

  it('random strings with many ties, including runs of one letter', () => {
    const rng = new Rng(7);
    let ties = 0;
    for (let trial = 0; trial < 150; trial++) {
      const alphabet = trial % 3 === 0 ? ['a'] : trial % 3 === 1 ? ['a', 'b'] : ['a', 'b', 'c', 'd'];
      const text = randomText(rng, alphabet, 20 + rng.int(300));
      ties += expectSameAsReference(text, 4 + alphabet.length + 1 + rng.int(60));
    }
    // A comparison that never met a tie would not test the tie rule.
    expect(ties).toBeGreaterThan(100);
  });

  it('the shakespeare fixture at vocabulary sizes 300 and 1000', () => {
    const text = readFileSync(new URL('../fixtures/shakespeare-20k.txt', import.meta.url), 'utf8');
    expect(expectSameAsReference(text, 300)).toBeGreaterThan(0);
    expectSameAsReference(text, 1000);
  });

  it('unicode: accents, combining marks, CJK, and astral characters (surrogate pairs)', () => {
    const rng = new Rng(11);
    const alphabet = ['é', 'e\u0301', 'ß', '字', '字', '😀', '𝔘', 'a', '’', 'ñ'];
    const samples = ['Ünïcödé “quotes” — naïve café 😀😀 字字字 𝔘𝔘 straße', randomText(rng, alphabet, 400)];
    for (const text of samples) {
      for (const vocabSize of [10, 30, 200]) expectSameAsReference(text, vocabSize);
    }
  });

  it('edge cases: empty text, no repeated pair, a vocabulary already full', () => {
    for (const [text, vocabSize] of [['', 10], ['abcdef', 100], ['aaaa aaaa', 3], ['aaaa aaaa', 6]] as const) {
      expectSameAsReference(text, vocabSize);
    }
  });

  it('the comparison can fail: one changed merge is caught', () => {
    const ref = referenceLearn('abcbc ab abab', 100);
    const tok = BpeTokenizer.fromText('abcbc ab abab', { vocabSize: 100 });
    const corrupted = ref.merges.map((m, i): [string, string] => (i === 0 ? [m[1], m[0]] : m));
    expect(tok.merges).not.toEqual(corrupted);
  });
});

describe('BPE encoding of long pieces', () => {
  const shakespeare = readFileSync(new URL('../fixtures/shakespeare-20k.txt', import.meta.url), 'utf8');

  it('the heap encoder gives the plain definition on every piece, and on long runs with repeats', () => {
    const rng = new Rng(3);
    for (const [text, vocabSize] of [[shakespeare, 1000], [randomText(rng, ['a', 'b'], 3000), 80],
      [randomText(rng, ['a'], 3000), 40]] as const) {
      const tok = BpeTokenizer.fromText(text, { vocabSize });
      const ranks = new Map(tok.merges.map(([a, b], i) => [`${a}\u0000${b}`, i]));
      const pieces = [...new Set(wordPieces(text))];
      pieces.push(text.replace(/\s/g, '').slice(0, 2000), 'a'.repeat(777), 'ab'.repeat(300) + 'a');
      for (const piece of pieces) {
        const chars = Array.from(piece);
        expect(applyMergesByHeap(chars, tok.merges, ranks)).toEqual(applyMerges(chars, tok.merges, ranks));
      }
    }
  });

  it('encodes a very long single word piece and round-trips it', () => {
    const tok = BpeTokenizer.fromText(shakespeare, { vocabSize: 500 });
    const long = shakespeare.replace(/[^a-z]/g, '').repeat(5); // one piece of ~70k letters
    expect(tok.decode(tok.encode(long))).toBe(long);
    expect(tok.encode(long).length).toBeLessThan(0.6 * long.length);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyMerges, applyMergesByHeap, BpeTokenizer, BYTE_TOKENS } from '../../src/data/bpe-tokenizer.js';
import { countByFrequency, SPECIALS, wordPieces } from '../../src/data/tokenizer.js';
import { tokenizerFromJson } from '../../src/data/tokenizers.js';
import { Rng } from '../../src/tensor/random.js';

/**
 * The learner as it was before the incremental rewrite, kept verbatim as the definition: recount
 * every pair over all words at each merge. Returns the merges, the vocabulary, and how many merges
 * were chosen among tied counts (so a test can show that ties were exercised).
 */
function referenceLearn(text: string, vocabSize: number): { merges: [string, string][]; tokens: string[]; ties: number } {
  const words = countByFrequency(wordPieces(text)).map(([w, n]) => ({ symbols: Array.from(w), count: n }));
  const alphabet = [...new Set(words.flatMap((w) => w.symbols))].sort();
  const tokens = [...SPECIALS, ...BYTE_TOKENS, ...alphabet.filter((a) => !SPECIALS.includes(a))];
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

/** The byte tokens every new vocabulary holds: vocabulary sizes below are this plus room for the alphabet and merges. */
const BYTES = 256;

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
    const tok = BpeTokenizer.fromText('abcbc ab', { vocabSize: BYTES + 100 });
    expect(tok.merges[0]).toEqual(['b', 'c']);
    expectSameAsReference('abcbc ab', BYTES + 100);
  });

  it('random strings with many ties, including runs of one letter', () => {
    const rng = new Rng(7);
    let ties = 0;
    for (let trial = 0; trial < 150; trial++) {
      const alphabet = trial % 3 === 0 ? ['a'] : trial % 3 === 1 ? ['a', 'b'] : ['a', 'b', 'c', 'd'];
      const text = randomText(rng, alphabet, 20 + rng.int(300));
      ties += expectSameAsReference(text, BYTES + 4 + alphabet.length + 1 + rng.int(60));
    }
    // A comparison that never met a tie would not test the tie rule.
    expect(ties).toBeGreaterThan(100);
  });

  it('the shakespeare fixture at vocabulary sizes 300 and 1000', () => {
    const text = readFileSync(new URL('../fixtures/shakespeare-20k.txt', import.meta.url), 'utf8');
    expect(expectSameAsReference(text, BYTES + 300)).toBeGreaterThan(0);
    expectSameAsReference(text, BYTES + 1000);
  });

  it('unicode: accents, combining marks, CJK, and astral characters (surrogate pairs)', () => {
    const rng = new Rng(11);
    const alphabet = ['é', 'e\u0301', 'ß', '字', '字', '😀', '𝔘', 'a', '’', 'ñ'];
    const samples = ['Ünïcödé “quotes” — naïve café 😀😀 字字字 𝔘𝔘 straße', randomText(rng, alphabet, 400)];
    for (const text of samples) {
      for (const vocabSize of [10, BYTES + 30, BYTES + 200]) expectSameAsReference(text, vocabSize);
    }
  });

  it('edge cases: empty text, no repeated pair, a vocabulary already full', () => {
    // 'aaaa aaaa': 4 reserved + 256 bytes + 2 characters fill 262, so 263 leaves room for one merge.
    for (const [text, vocabSize] of [['', 10], ['abcdef', BYTES + 100], ['aaaa aaaa', 3], ['aaaa aaaa', BYTES + 6],
      ['aaaa aaaa', BYTES + 7]] as const) {
      expectSameAsReference(text, vocabSize);
    }
  });

  it('the comparison can fail: one changed merge is caught', () => {
    const ref = referenceLearn('abcbc ab abab', BYTES + 100);
    const tok = BpeTokenizer.fromText('abcbc ab abab', { vocabSize: BYTES + 100 });
    const corrupted = ref.merges.map((m, i): [string, string] => (i === 0 ? [m[1], m[0]] : m));
    expect(tok.merges).not.toEqual(corrupted);
  });
});

describe('BPE encoding of long pieces', () => {
  const shakespeare = readFileSync(new URL('../fixtures/shakespeare-20k.txt', import.meta.url), 'utf8');

  it('the heap encoder gives the plain definition on every piece, and on long runs with repeats', () => {
    const rng = new Rng(3);
    for (const [text, vocabSize] of [[shakespeare, BYTES + 1000], [randomText(rng, ['a', 'b'], 3000), BYTES + 80],
      [randomText(rng, ['a'], 3000), BYTES + 40]] as const) {
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
    const tok = BpeTokenizer.fromText(shakespeare, { vocabSize: BYTES + 500 });
    const long = shakespeare.replace(/[^a-z]/g, '').repeat(5); // one piece of ~70k letters
    expect(tok.decode(tok.encode(long))).toBe(long);
    expect(tok.encode(long).length).toBeLessThan(0.6 * long.length);
  });
});

describe('BPE byte fallback', () => {
  const shakespeare = readFileSync(new URL('../fixtures/shakespeare-20k.txt', import.meta.url), 'utf8');
  const tok = BpeTokenizer.fromText(shakespeare, { vocabSize: BYTES + 300 }); // the fixture is plain ASCII
  const tokens = (ids: number[]): string[] => ids.map((id) => tok.token(id));
  const id = (token: string): number => {
    expect(tok.vocab.has(token)).toBe(true);
    return tok.vocab.id(token);
  };

  it('a new vocabulary holds <0x00> ... <0xFF> at ids 4-259, and vocabSize counts them', () => {
    expect(tok.vocab.tokens.slice(0, 6)).toEqual(['<unk>', '<pad>', '<bos>', '<eos>', '<0x00>', '<0x01>']);
    expect(tok.vocab.tokens.slice(4, 260)).toEqual(BYTE_TOKENS);
    expect([tok.vocab.id('<0x0A>'), tok.vocab.id('<0xE4>'), tok.vocab.id('<0xFF>')]).toEqual([14, 232, 259]);
    expect(tok.vocabSize).toBe(BYTES + 300);
    expect(tok.toJSON().byteFallback).toBe(true);
    // Too small for any merge: the reserved tokens, the bytes and the alphabet, nothing more.
    const small = BpeTokenizer.fromText('low lower', { vocabSize: 30 });
    expect(small.merges).toEqual([]);
    expect(small.vocabSize).toBe(4 + 256 + 6);
  });

  it('spells an unseen character as its UTF-8 bytes, a surrogate pair as one character', () => {
    expect(tokens(tok.encode('😀'))).toEqual(['<0xF0>', '<0x9F>', '<0x98>', '<0x80>']);
    expect(tokens(tok.encode('字'))).toEqual(['<0xE5>', '<0xAD>', '<0x97>']);
    expect(tok.vocab.has('ï')).toBe(false);
    const naive = tokens(tok.encode('naïve'));
    expect(naive.slice(naive.indexOf('<0xC3>'), naive.indexOf('<0xC3>') + 2)).toEqual(['<0xC3>', '<0xAF>']);
    expect(naive.filter((t) => t.startsWith('<0x'))).toHaveLength(2);
  });

  it('round-trips any text exactly, with nothing sent to <unk>', () => {
    const texts = ['naïve café', '漢字と かな, 한국어 — “quotes”', 'emoji 😀😀 and 👩‍👩‍👧 (a joined family)',
      'combining: e\u0301 a\u0308\u0323 and 𝔘𝔫𝔦', '\uFEFFa byte-order mark, \uFEFF twice', 'control \u0000\u0007 and tab\t',
      'First Citizen: speak, 字! ', '', ' ', 'ïïï ï'];
    for (const text of texts) {
      const ids = tok.encode(text);
      expect(ids).not.toContain(0);
      expect(tok.decode(ids)).toBe(text);
    }
  });

  it('known text encodes exactly as without fallback: merges still apply between unseen characters', () => {
    const plain = new BpeTokenizer(tok.vocab, tok.merges); // same vocabulary and ids, no fallback
    const known = shakespeare.slice(0, 2000);
    expect(tok.encode(known)).toEqual(plain.encode(known));
    expect(tok.encode(known).length).toBeLessThan(0.6 * Array.from(known).length);
    const mixed = 'the naïve citizen 字 speaks😀 to the people';
    const isByte = (i: number): boolean => BYTE_TOKENS.includes(tok.token(i));
    expect(tok.encode(mixed).filter((i) => !isByte(i))).toEqual(plain.encode(mixed).filter((i) => i !== 0));
    expect(plain.encode(mixed).filter((i) => i === 0)).toHaveLength(3);
  });

  it('decodes a run of byte tokens together, and invalid UTF-8 as U+FFFD rather than throwing', () => {
    expect(tok.decode([id('a'), id('<0xE5>'), id('<0xAD>'), id('<0x97>'), id('b')])).toBe('a字b');
    expect(tok.decode([id('<0x80>')])).toBe('\uFFFD');
    expect(tok.decode([id('a'), id('<0xBF>'), id('b')])).toBe('a\uFFFDb');
    // A character split by another token is two broken runs: a cut-off lead byte, then two lone
    // continuation bytes, one U+FFFD each (the WHATWG decoder's rule).
    expect(tok.decode([id('<0xE5>'), id('a'), id('<0xAD>'), id('<0x97>')])).toBe('\uFFFDa\uFFFD\uFFFD');
    expect(tok.token(id('<0xE4>'))).toBe('<0xE4>');
  });

  it('toJSON, load, encode gives the same ids and text', () => {
    const again = tokenizerFromJson(JSON.parse(JSON.stringify(tok.toJSON())));
    const text = `${shakespeare.slice(0, 500)} naïve 字 😀`;
    expect(again.encode(text)).toEqual(tok.encode(text));
    expect(again.decode(tok.encode(text))).toBe(text);
  });

  it('a vocabulary saved before byte fallback loads as before: unseen characters become <unk>', () => {
    const old = tokenizerFromJson({ kind: 'bpe', vocab: ['<unk>', '<pad>', '<bos>', '<eos>', ' ', 'l', 'o', 'w', 'lo', 'low'],
      merges: [['l', 'o'], ['lo', 'w']] });
    expect(old.encode('low ïw')).toEqual([9, 4, 0, 7]);
    expect(old.decode(old.encode('low 字'))).toBe('low <unk>');
    expect('byteFallback' in old.toJSON()).toBe(false);
  });

  it('rejects a fallback vocabulary without its byte tokens, and a flag that is not a boolean', () => {
    const vocab = tok.vocab.tokens.filter((t) => t !== '<0x41>');
    expect(() => tokenizerFromJson({ kind: 'bpe', vocab, merges: tok.merges, byteFallback: true })).toThrow(/<0x41>/);
    expect(() => tokenizerFromJson({ ...tok.toJSON(), byteFallback: 'yes' as unknown as boolean })).toThrow(/byteFallback/);
  });
});

import { describe, expect, it } from 'vitest';
import { BpeTokenizer } from '../../src/data/bpe-tokenizer.js';
import { CharTokenizer } from '../../src/data/char-tokenizer.js';
import { wordPieces } from '../../src/data/tokenizer.js';
import { buildTokenizer, tokenizerFromJson } from '../../src/data/tokenizers.js';
import { WordTokenizer } from '../../src/data/word-tokenizer.js';

const corpus = `First Citizen:
Before we proceed any further, hear me speak.

All:
Speak, speak.  Ünïcödé — “quotes” and tabs\there.
First Citizen:
You are all resolved rather to die than to famish?
`;

describe('word pieces', () => {
  it('split words with their leading space, symbols and whitespace, and join back exactly', () => {
    expect(wordPieces('To be, or not')).toEqual(['To', ' be', ',', ' or', ' not']);
    expect(wordPieces(corpus).join('')).toBe(corpus);
  });
});

describe('tokenizers round-trip exactly', () => {
  for (const kind of ['char', 'word', 'bpe'] as const) {
    it(`${kind}: decode(encode(text)) === text, also after a JSON round trip`, () => {
      // BPE's 80 beyond its 256 byte tokens, so that it learns merges.
      const tok = buildTokenizer(kind, corpus, { minCount: 1, vocabSize: kind === 'bpe' ? 256 + 80 : 80 });
      expect(tok.decode(tok.encode(corpus))).toBe(corpus);
      const again = tokenizerFromJson(JSON.parse(JSON.stringify(tok.toJSON())));
      expect(again.encode(corpus)).toEqual(tok.encode(corpus));
      expect(again.vocabSize).toBe(tok.vocabSize);
    });
  }
});

describe('unknown tokens', () => {
  it('char: an unseen character becomes <unk> (id 0)', () => {
    const tok = CharTokenizer.fromText('abc');
    expect(tok.encode('abz')).toEqual([4, 5, 0]);
    expect(tok.decode([0])).toBe('<unk>');
  });
  it('word: the frequency cutoff sends rare words to <unk>', () => {
    const tok = WordTokenizer.fromText('the cat the dog the cat', { minCount: 2 });
    // "the" (sentence-initial) and " dog" are seen once; ties keep first-seen order.
    expect(tok.vocab.tokens).toEqual(['<unk>', '<pad>', '<bos>', '<eos>', ' cat', ' the']);
    expect(tok.decode(tok.encode('the cat the dog'))).toBe('<unk> cat the<unk>');
  });
  it('bpe: an unseen character is spelled in byte tokens, never <unk>, while known parts still encode', () => {
    const tok = BpeTokenizer.fromText('low lower lowest low low', { vocabSize: 256 + 20 });
    expect(tok.encode(' low').length).toBe(1);
    expect(tok.encode('q').map((i) => tok.token(i))).toEqual(['<0x71>']);
  });
});

describe('reserved tokens', () => {
  it('every new vocabulary reserves <unk>, <pad>, <bos> and <eos> at 0-3, and they decode to nothing but <unk>', () => {
    for (const tok of [CharTokenizer.fromText('ab<pad>'), WordTokenizer.fromText('a b a b', { minCount: 1 }),
      BpeTokenizer.fromText('low lower', { vocabSize: 30 })]) {
      expect(tok.vocab.tokens.slice(0, 4)).toEqual(['<unk>', '<pad>', '<bos>', '<eos>']);
      expect([tok.vocab.pad, tok.vocab.bos, tok.vocab.eos]).toEqual([1, 2, 3]);
      expect(tok.vocab.specialIds).toEqual([0, 1, 2, 3]);
      expect(tok.decode([1, 2, 3])).toBe('');
      expect(new Set(tok.vocab.tokens).size).toBe(tok.vocab.tokens.length);
    }
  });
  it('a vocabulary saved before the reservation still loads, with only <unk> reserved', () => {
    const tok = tokenizerFromJson({ kind: 'char', vocab: ['<unk>', 'a', 'b'] });
    expect(tok.encode('ab')).toEqual([1, 2]);
    expect(tok.vocab.specialIds).toEqual([0]);
    expect(tok.vocab.eos).toBeNull();
  });
});

describe('BPE learning', () => {
  it('merges the most frequent pair first and encodes by merge rank', () => {
    const tok = BpeTokenizer.fromText('aaab aaab aaab', { vocabSize: 256 + 100 });
    expect(tok.merges[0]).toEqual(['a', 'a']);
    expect(tok.decode(tok.encode('aaab'))).toBe('aaab');
    expect(tok.encode(' aaab')).toHaveLength(1);
  });
  it('stops when no pair repeats', () => {
    const tok = BpeTokenizer.fromText('abcdef', { vocabSize: 256 + 100 });
    expect(tok.merges).toEqual([]);
  });
});

import { SeqlabError } from '../errors.js';
import { BpeTokenizer } from './bpe-tokenizer.js';
import { CharTokenizer } from './char-tokenizer.js';
import type { Tokenizer, TokenizerJson, TokenizerKind } from './tokenizer.js';
import { Vocab } from './tokenizer.js';
import { WordTokenizer } from './word-tokenizer.js';

export interface TokenizerOptions {
  /** Word level: minimum count to enter the vocabulary. */
  minCount?: number;
  /** Word and BPE level: vocabulary size. */
  vocabSize?: number;
}

/** Builds a tokenizer of `kind` from training text. */
export function buildTokenizer(kind: TokenizerKind, text: string, options: TokenizerOptions = {}): Tokenizer {
  switch (kind) {
    case 'char': return CharTokenizer.fromText(text);
    case 'word': return WordTokenizer.fromText(text, { minCount: options.minCount, maxVocab: options.vocabSize });
    case 'bpe': return BpeTokenizer.fromText(text, { vocabSize: options.vocabSize });
    default: throw new SeqlabError(`unknown tokenizer '${String(kind)}' (expected char, word or bpe)`);
  }
}

/** Rebuilds a tokenizer saved with `toJSON()`. */
export function tokenizerFromJson(json: TokenizerJson): Tokenizer {
  const vocab = new Vocab(json.vocab);
  switch (json.kind) {
    case 'char': return new CharTokenizer(vocab);
    case 'word': return new WordTokenizer(vocab);
    case 'bpe': return new BpeTokenizer(vocab, json.merges ?? [], byteFallback(json.byteFallback));
    default: throw new SeqlabError(`config: unknown tokenizer kind '${String(json.kind)}'`);
  }
}

/** The saved `byteFallback` flag: absent (a vocabulary saved before byte fallback) reads as false. */
function byteFallback(flag: unknown): boolean {
  if (flag === undefined || typeof flag === 'boolean') return flag === true;
  throw new SeqlabError(`config: tokenizer 'byteFallback' must be true or false, got ${JSON.stringify(flag)}`);
}

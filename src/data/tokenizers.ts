import { jsonText } from '../config/resolve.js';
import { SeqlabError } from '../errors.js';
import { BpeTokenizer } from './bpe-tokenizer.js';
import { CharTokenizer } from './char-tokenizer.js';
import type { Tokenizer, TokenizerJson, TokenizerKind } from './tokenizer.js';
import { UNK, Vocab } from './tokenizer.js';
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

/** The largest vocabulary a saved tokenizer may hold (2^20 tokens). */
export const MAX_VOCAB = 2 ** 20;

const TOKENIZER_KEYS = ['kind', 'vocab', 'merges', 'byteFallback'];

/**
 * Checks a saved tokenizer (config.json's `tokenizer`, `source`, `target`, or vocab.json) before
 * anything is built from it: an object with known keys, a known kind, a vocabulary of strings
 * (at most MAX_VOCAB, `<unk>` first, no token twice), BPE merges as pairs of strings. `at` is
 * where it sits ('tokenizer', 'source', or '' at the top of a file); errors name the key there,
 * as `tokenizer.vocab[5]: ...`.
 */
export function checkTokenizerJson(json: unknown, at: string): TokenizerJson {
  const fail = (key: string, problem: string): never => {
    const name = [at, key].filter(Boolean).join('.');
    throw new SeqlabError(name ? `${name}: ${problem}` : problem);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('', `must be an object, got ${jsonText(json)}`);
  const obj = json as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!TOKENIZER_KEYS.includes(key)) fail(key, `unknown key (expected one of ${TOKENIZER_KEYS.join(', ')})`);
  }
  if (!['char', 'word', 'bpe'].includes(obj.kind as string)) fail('kind', `must be one of char, word, bpe, got ${jsonText(obj.kind)}`);
  const vocab = obj.vocab;
  if (!Array.isArray(vocab)) fail('vocab', `must be a list of token strings, got ${jsonText(vocab)}`);
  const tokens = vocab as unknown[];
  if (tokens.length > MAX_VOCAB) fail('vocab', `${tokens.length} tokens is past the limit of ${MAX_VOCAB}`);
  const seen = new Map<string, number>();
  tokens.forEach((t, i) => {
    if (typeof t !== 'string') fail(`vocab[${i}]`, `must be a string, got ${jsonText(t)}`);
    const first = seen.get(t as string);
    if (first !== undefined) fail(`vocab[${i}]`, `duplicate token ${JSON.stringify(t)} (first at vocab[${first}])`);
    seen.set(t as string, i);
  });
  if (tokens[0] !== UNK) fail('vocab', `the first token must be ${UNK}, got ${tokens.length === 0 ? 'an empty list' : jsonText(tokens[0])}`);
  if (tokens.length < 2) fail('vocab', 'must hold at least 2 tokens');
  if (obj.merges !== undefined) {
    if (obj.kind !== 'bpe') fail('merges', `only a bpe tokenizer has merges (kind is ${obj.kind as string})`);
    if (!Array.isArray(obj.merges)) fail('merges', `must be a list of [left, right] pairs, got ${jsonText(obj.merges)}`);
    (obj.merges as unknown[]).forEach((m, i) => {
      if (!Array.isArray(m) || m.length !== 2 || typeof m[0] !== 'string' || typeof m[1] !== 'string') {
        fail(`merges[${i}]`, `must be a [left, right] pair of strings, got ${jsonText(m)}`);
      }
      const [left, right] = m as [string, string];
      if (!seen.has(left + right)) fail(`merges[${i}]`, `${JSON.stringify(left + right)} is not in the vocabulary`);
    });
  }
  if (obj.byteFallback !== undefined && typeof obj.byteFallback !== 'boolean') {
    fail('byteFallback', `must be true or false, got ${jsonText(obj.byteFallback)}`);
  }
  return obj as unknown as TokenizerJson;
}

/** Rebuilds a tokenizer saved with `toJSON()`, checked first (`checkTokenizerJson`; `at` names it in errors). */
export function tokenizerFromJson(json: TokenizerJson, at = 'tokenizer'): Tokenizer {
  checkTokenizerJson(json, at);
  const vocab = new Vocab(json.vocab);
  switch (json.kind) {
    case 'char': return new CharTokenizer(vocab);
    case 'word': return new WordTokenizer(vocab);
    case 'bpe': return bpeFromJson(vocab, json, at);
    default: throw new SeqlabError(`${at}.kind: unknown tokenizer kind '${String(json.kind)}'`);
  }
}

function bpeFromJson(vocab: Vocab, json: TokenizerJson, at: string): Tokenizer {
  try {
    return new BpeTokenizer(vocab, json.merges ?? [], json.byteFallback === true);
  } catch (err) {
    if (err instanceof SeqlabError) throw new SeqlabError(`${at}: ${err.message}`);
    throw err;
  }
}

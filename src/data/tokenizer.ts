import { SeqlabError } from '../errors.js';

/** The kinds of text tokenizer; DNA and protein alphabets live with the bio task. */
export type TokenizerKind = 'char' | 'word' | 'bpe';

/**
 * Text ↔ token ids. Id 0 is always `<unk>` (text outside the vocabulary). For text inside the
 * vocabulary `decode(encode(text)) === text` exactly: no lower-casing and no Unicode
 * normalisation, so what a person typed comes back unchanged.
 */
export interface Tokenizer {
  readonly kind: TokenizerKind;
  readonly vocabSize: number;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  /** The token string of one id. */
  token(id: number): string;
  /** Everything needed to rebuild this tokenizer (stored in config.json). */
  toJSON(): TokenizerJson;
}

export interface TokenizerJson {
  kind: TokenizerKind;
  vocab: string[];
  /** BPE merges in rank order, each as [left, right]. */
  merges?: [string, string][];
}

export const UNK = '<unk>';

/**
 * A vocabulary: token string ↔ id, `<unk>` at 0. Built once from the training data, then fixed.
 */
export class Vocab {
  readonly tokens: string[];
  private readonly index: Map<string, number>;

  constructor(tokens: readonly string[]) {
    if (tokens[0] !== UNK) throw new SeqlabError(`vocabulary: the first token must be ${UNK}`);
    this.tokens = [...tokens];
    this.index = new Map(this.tokens.map((t, i) => [t, i]));
    if (this.index.size !== this.tokens.length) throw new SeqlabError('vocabulary: duplicate tokens');
  }

  get size(): number {
    return this.tokens.length;
  }

  id(token: string): number {
    return this.index.get(token) ?? 0;
  }

  has(token: string): boolean {
    return this.index.has(token);
  }

  token(id: number): string {
    const t = this.tokens[id];
    if (t === undefined) throw new SeqlabError(`vocabulary: id ${id} is out of range [0, ${this.tokens.length})`);
    return t;
  }
}

/**
 * Splits text into word pieces the way the word and BPE tokenizers see it: a run of letters,
 * digits and apostrophes with at most one leading space (" the"), a single other symbol with at
 * most one leading space (" ,"), or one whitespace character. The pieces concatenate back to the
 * text exactly.
 */
export function wordPieces(text: string): string[] {
  return text.match(/ ?[\p{L}\p{N}\p{M}'’]+| ?[^\s\p{L}\p{N}\p{M}'’]|\s/gu) ?? [];
}

/** Counts items, most frequent first (ties by first appearance, so the order is reproducible). */
export function countByFrequency(items: Iterable<string>): [string, number][] {
  const counts = new Map<string, number>();
  for (const x of items) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}

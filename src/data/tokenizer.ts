import { SeqlabError } from '../errors.js';

/** The kinds of text tokenizer; DNA and protein alphabets live with the bio task. */
export type TokenizerKind = 'char' | 'word' | 'bpe';

/**
 * Text ↔ token ids. Id 0 is always `<unk>` (text outside the vocabulary); vocabularies built now
 * reserve `<pad>`, `<bos>` and `<eos>` at 1, 2 and 3 (see `SPECIALS`). For text inside the
 * vocabulary `decode(encode(text)) === text` exactly: no lower-casing and no Unicode
 * normalisation, so what a person typed comes back unchanged. BPE with byte fallback has every
 * text inside its vocabulary.
 */
export interface Tokenizer {
  readonly kind: TokenizerKind;
  readonly vocabSize: number;
  readonly vocab: Vocab;
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
  /**
   * BPE: unseen characters are spelled as UTF-8 byte tokens `<0x00>` ... `<0xFF>`. Absent in
   * vocabularies saved before byte fallback, which map unseen characters to `<unk>`.
   */
  byteFallback?: boolean;
}

export const UNK = '<unk>';
export const PAD = '<pad>';
export const BOS = '<bos>';
export const EOS = '<eos>';
/** The reserved tokens, at ids 0-3 of every vocabulary built now: unknown text, padding, start and end. */
export const SPECIALS: readonly string[] = [UNK, PAD, BOS, EOS];

/**
 * A vocabulary: token string ↔ id, `<unk>` at 0, then `<pad>`, `<bos>`, `<eos>`. Built once from
 * the training data, then fixed. A vocabulary saved before the reservation (only `<unk>`) still
 * loads: its `pad`, `bos` and `eos` are then null.
 */
export class Vocab {
  readonly tokens: string[];
  private readonly index: Map<string, number>;
  /** Ids of the reserved tokens this vocabulary has. */
  readonly specialIds: readonly number[];

  constructor(tokens: readonly string[]) {
    if (tokens[0] !== UNK) throw new SeqlabError(`vocabulary: the first token must be ${UNK}`);
    this.tokens = [...tokens];
    this.index = new Map(this.tokens.map((t, i) => [t, i]));
    if (this.index.size !== this.tokens.length) throw new SeqlabError('vocabulary: duplicate tokens');
    this.specialIds = SPECIALS.map((t) => this.index.get(t)).filter((i): i is number => i !== undefined);
  }

  /** A new vocabulary: the reserved tokens, then `tokens` in order (any reserved among them dropped). */
  static withSpecials(tokens: Iterable<string>): Vocab {
    return new Vocab([...SPECIALS, ...[...tokens].filter((t) => !SPECIALS.includes(t))]);
  }

  get pad(): number | null {
    return this.index.get(PAD) ?? null;
  }

  get bos(): number | null {
    return this.index.get(BOS) ?? null;
  }

  get eos(): number | null {
    return this.index.get(EOS) ?? null;
  }

  /** Whether `id` is a reserved token (never a piece of text a model should write). */
  isSpecial(id: number): boolean {
    return this.specialIds.includes(id);
  }

  /** The text of one id when decoding: padding and sentence marks write nothing. */
  text(id: number): string {
    const t = this.token(id);
    return t === PAD || t === BOS || t === EOS ? '' : t;
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

import { SeqlabError } from '../errors.js';
import { BinaryHeap } from './binary-heap.js';
import { learnMerges } from './bpe-learn.js';
import { countByFrequency, SPECIALS, type Tokenizer, type TokenizerJson, Vocab, wordPieces } from './tokenizer.js';

export interface BpeConfig {
  /**
   * Target vocabulary size: the reserved tokens (`SPECIALS`) + the 256 byte tokens + base
   * characters + merges. Below the first three together no merges are learned.
   */
  vocabSize: number;
}

export const defaultBpeConfig: BpeConfig = { vocabSize: 2000 };

/**
 * Byte-pair encoding over characters (Sennrich et al. 2016), learned on the corpus: start from
 * single characters inside each word piece, and repeatedly merge the most frequent adjacent
 * pair into a new symbol. Merges never cross word pieces, so " the" can become one token.
 * Encoding applies the merges in the order they were learned.
 *
 * Byte fallback: a character never seen in training is spelled as the tokens of its UTF-8
 * bytes (`<0xE5>` ...), so nothing is lost and `decode(encode(text)) === text` for any
 * well-formed text (a lone surrogate is not: UTF-8 writes it as U+FFFD). Merges never involve
 * byte tokens. Vocabularies saved before byte fallback have no byte tokens; there an unseen
 * character becomes `<unk>` (id 0), as it always did.
 */
export class BpeTokenizer implements Tokenizer {
  readonly kind = 'bpe' as const;
  private readonly ranks: Map<string, number>;
  private readonly cache = new Map<string, number[]>();
  /** The id of each byte's token (empty without byte fallback), and the byte of each such id. */
  private readonly byteIds: readonly number[];
  private readonly byteOf: ReadonlyMap<number, number>;

  constructor(readonly vocab: Vocab, readonly merges: [string, string][], readonly byteFallback = false) {
    this.ranks = new Map(merges.map(([a, b], i) => [pairKey(a, b), i]));
    for (const [a, b] of merges) {
      if (!vocab.has(a + b)) throw new SeqlabError(`bpe: merge '${a}' + '${b}' has no token in the vocabulary`);
    }
    const missing = byteFallback ? BYTE_TOKENS.find((t) => !vocab.has(t)) : undefined;
    if (missing !== undefined) throw new SeqlabError(`bpe: byte fallback needs the token '${missing}' in the vocabulary`);
    this.byteIds = byteFallback ? BYTE_TOKENS.map((t) => vocab.id(t)) : [];
    this.byteOf = new Map(this.byteIds.map((id, b) => [id, b]));
  }

  /** Learns merges from `text` until the vocabulary reaches `vocabSize`. */
  static fromText(text: string, config: Partial<BpeConfig> = {}): BpeTokenizer {
    const vocabSize = config.vocabSize ?? defaultBpeConfig.vocabSize;
    const pieces = countByFrequency(wordPieces(text));
    const alphabet = [...new Set(pieces.flatMap(([w]) => Array.from(w)))].sort();
    const tokens = [...SPECIALS, ...BYTE_TOKENS, ...alphabet.filter((a) => !SPECIALS.includes(a))];
    const budget = vocabSize - tokens.length;
    const merges = budget > 0 ? learnMerges(pieces, budget) : [];
    return new BpeTokenizer(new Vocab([...tokens, ...merges.map(([a, b]) => a + b)]), merges, true);
  }

  get vocabSize(): number {
    return this.vocab.size;
  }

  encode(text: string): number[] {
    return wordPieces(text).flatMap((piece) => this.encodePiece(piece));
  }

  /**
   * The ids of one word piece after applying the merges (cached: text repeats its words). An
   * unseen character is in no merge, so it stays a symbol of its own: with byte fallback it
   * becomes its UTF-8 bytes, without it `<unk>`.
   */
  private encodePiece(piece: string): number[] {
    const hit = this.cache.get(piece);
    if (hit) return hit;
    const chars = Array.from(piece);
    // The plain rescan costs O(length x merges applied); past a few dozen symbols the heap wins.
    const symbols = chars.length <= LONG_PIECE ? applyMerges(chars, this.merges, this.ranks)
      : applyMergesByHeap(chars, this.merges, this.ranks);
    const ids: number[] = [];
    for (const s of symbols) {
      if (this.vocab.has(s) || !this.byteFallback) ids.push(this.vocab.id(s));
      else for (const b of UTF8_ENCODER.encode(s)) ids.push(this.byteIds[b]);
    }
    if (this.cache.size < 100000) this.cache.set(piece, ids);
    return ids;
  }

  /**
   * The text of `ids`. A run of byte tokens is decoded as UTF-8 together, since one character
   * spans several; bytes that are not valid UTF-8 (a model may write a lone continuation byte)
   * become U+FFFD.
   */
  decode(ids: readonly number[]): string {
    let text = '';
    let bytes: number[] = [];
    for (const id of ids) {
      const b = this.byteOf.get(id);
      if (b !== undefined) {
        bytes.push(b);
        continue;
      }
      if (bytes.length > 0) {
        text += UTF8_DECODER.decode(Uint8Array.from(bytes));
        bytes = [];
      }
      text += this.vocab.text(id);
    }
    return bytes.length > 0 ? text + UTF8_DECODER.decode(Uint8Array.from(bytes)) : text;
  }

  token(id: number): string {
    return this.vocab.token(id);
  }

  toJSON(): TokenizerJson {
    return { kind: 'bpe', vocab: this.vocab.tokens, merges: this.merges, ...(this.byteFallback ? { byteFallback: true } : {}) };
  }
}

/** The spelling of the token for byte `b` (0-255): `<0x00>` ... `<0xFF>`. */
export function byteToken(b: number): string {
  return `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
}

/** The 256 byte tokens in byte order; a new vocabulary holds them right after `SPECIALS`. */
export const BYTE_TOKENS: readonly string[] = Array.from({ length: 256 }, (_, b) => byteToken(b));

const UTF8_ENCODER = new TextEncoder();
// `ignoreBOM`: a U+FEFF spelled in bytes is text to keep, not a byte-order mark to drop.
const UTF8_DECODER = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Pieces longer than this many symbols are encoded with `applyMergesByHeap`. */
const LONG_PIECE = 48;

function pairKey(a: string, b: string): string {
  return `${a}\u0000${b}`;
}

/**
 * The definition of BPE encoding: while some adjacent pair has a merge, take the lowest-ranked
 * one and merge all its occurrences, left to right without overlap. `ranks` maps `pairKey` of
 * each merge to its index in `merges`.
 */
export function applyMerges(symbols: string[], merges: readonly [string, string][], ranks: Map<string, number>): string[] {
  for (;;) {
    let bestRank = Infinity;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const r = ranks.get(pairKey(symbols[i], symbols[i + 1]));
      if (r !== undefined && r < bestRank) bestRank = r;
    }
    if (bestRank === Infinity) return symbols;
    const [a, b] = merges[bestRank];
    symbols = mergePair(symbols, a, b);
  }
}

// A heap item packs (rank, position) into one exact double, so plain `<` orders it.
const POS = 2 ** 32;
/** `prev` of a symbol merged into its left neighbour. */
const GONE = -2;

/**
 * `applyMerges` in O(n log n) for long pieces: symbols in a linked list, and a heap of
 * (rank, position) for every mergeable adjacent pair. Each round takes all queued occurrences of
 * the lowest rank, in position order, and merges those still present, as `mergePair` does.
 */
export function applyMergesByHeap(chars: readonly string[], merges: readonly [string, string][], ranks: Map<string, number>): string[] {
  const symbols = [...chars];
  const next = Int32Array.from(symbols, (_, i) => (i + 1 < symbols.length ? i + 1 : -1));
  const prev = Int32Array.from(symbols, (_, i) => i - 1);
  const heap = new BinaryHeap<number>((x, y) => x < y);
  const queue = (i: number): void => {
    const r = next[i] < 0 ? undefined : ranks.get(pairKey(symbols[i], symbols[next[i]]));
    if (r !== undefined) heap.push(r * POS + i);
  };
  for (let i = 0; i + 1 < symbols.length; i++) queue(i);
  for (let top = heap.pop(); top !== undefined; top = heap.pop()) {
    const rank = Math.floor(top / POS);
    const round = [top % POS];
    while (heap.size > 0 && Math.floor(heap.peek()! / POS) === rank) round.push(heap.pop()! % POS);
    const [a, b] = merges[rank];
    for (const i of round) {
      const j = next[i];
      // Stale entries: the left symbol was merged away, or the pair here has changed since.
      if (prev[i] === GONE || j < 0 || symbols[i] !== a || symbols[j] !== b) continue;
      symbols[i] = a + b;
      next[i] = next[j];
      if (next[j] >= 0) prev[next[j]] = i;
      prev[j] = GONE;
      if (prev[i] >= 0) queue(prev[i]);
      queue(i);
    }
  }
  return symbols.filter((_, i) => prev[i] !== GONE);
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

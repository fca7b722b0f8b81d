import { SeqlabError } from '../errors.js';
import { BinaryHeap } from './binary-heap.js';
import { learnMerges } from './bpe-learn.js';
import { countByFrequency, SPECIALS, type Tokenizer, type TokenizerJson, Vocab, wordPieces } from './tokenizer.js';

export interface BpeConfig {
  /** Target vocabulary size: the reserved tokens (`SPECIALS`) + base characters + merges. */
  vocabSize: number;
}

export const defaultBpeConfig: BpeConfig = { vocabSize: 2000 };

/**
 * Byte-pair encoding over characters (Sennrich et al. 2016), learned on the corpus: start from
 * single characters inside each word piece, and repeatedly merge the most frequent adjacent
 * pair into a new symbol. Merges never cross word pieces, so " the" can become one token.
 * Encoding applies the merges in the order they were learned; characters never seen in
 * training become `<unk>`.
 */
export class BpeTokenizer implements Tokenizer {
  readonly kind = 'bpe' as const;
  private readonly ranks: Map<string, number>;
  private readonly cache = new Map<string, number[]>();

  constructor(readonly vocab: Vocab, readonly merges: [string, string][]) {
    this.ranks = new Map(merges.map(([a, b], i) => [pairKey(a, b), i]));
    for (const [a, b] of merges) {
      if (!vocab.has(a + b)) throw new SeqlabError(`bpe: merge '${a}' + '${b}' has no token in the vocabulary`);
    }
  }

  /** Learns merges from `text` until the vocabulary reaches `vocabSize`. */
  static fromText(text: string, config: Partial<BpeConfig> = {}): BpeTokenizer {
    const vocabSize = config.vocabSize ?? defaultBpeConfig.vocabSize;
    const pieces = countByFrequency(wordPieces(text));
    const alphabet = [...new Set(pieces.flatMap(([w]) => Array.from(w)))].sort();
    const tokens = [...SPECIALS, ...alphabet.filter((a) => !SPECIALS.includes(a))];
    const merges = learnMerges(pieces, vocabSize - tokens.length);
    return new BpeTokenizer(new Vocab([...tokens, ...merges.map(([a, b]) => a + b)]), merges);
  }

  get vocabSize(): number {
    return this.vocab.size;
  }

  encode(text: string): number[] {
    return wordPieces(text).flatMap((piece) => this.encodePiece(piece));
  }

  /** The ids of one word piece after applying the merges (cached: text repeats its words). */
  private encodePiece(piece: string): number[] {
    const hit = this.cache.get(piece);
    if (hit) return hit;
    const chars = Array.from(piece);
    // The plain rescan costs O(length x merges applied); past a few dozen symbols the heap wins.
    const symbols = chars.length <= LONG_PIECE ? applyMerges(chars, this.merges, this.ranks)
      : applyMergesByHeap(chars, this.merges, this.ranks);
    const ids = symbols.map((s) => this.vocab.id(s));
    if (this.cache.size < 100000) this.cache.set(piece, ids);
    return ids;
  }

  decode(ids: readonly number[]): string {
    return ids.map((i) => this.vocab.text(i)).join('');
  }

  token(id: number): string {
    return this.vocab.token(id);
  }

  toJSON(): TokenizerJson {
    return { kind: 'bpe', vocab: this.vocab.tokens, merges: this.merges };
  }
}

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

import { SeqlabError } from '../errors.js';
import { countByFrequency, SPECIALS, type Tokenizer, type TokenizerJson, Vocab, wordPieces } from './tokenizer.js';

export interface BpeConfig {
  /** Target vocabulary size: base characters + merges + `<unk>`. */
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
    const words = countByFrequency(wordPieces(text)).map(([w, n]) => ({ symbols: Array.from(w), count: n }));
    const alphabet = [...new Set(words.flatMap((w) => w.symbols))].sort();
    const tokens = [...SPECIALS, ...alphabet.filter((a) => !SPECIALS.includes(a))];
    const merges: [string, string][] = [];
    while (tokens.length < vocabSize) {
      const best = mostFrequentPair(words);
      if (!best) break;
      merges.push(best);
      tokens.push(best[0] + best[1]);
      for (const w of words) w.symbols = mergePair(w.symbols, best[0], best[1]);
    }
    return new BpeTokenizer(new Vocab(tokens), merges);
  }

  get vocabSize(): number {
    return this.vocab.size;
  }

  encode(text: string): number[] {
    return wordPieces(text).flatMap((piece) => this.encodePiece(piece));
  }

  /** The symbols of one word piece after applying merges lowest rank first. */
  private encodePiece(piece: string): number[] {
    const hit = this.cache.get(piece);
    if (hit) return hit;
    let symbols = Array.from(piece);
    for (;;) {
      let bestRank = Infinity;
      let bestAt = -1;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const r = this.ranks.get(pairKey(symbols[i], symbols[i + 1]));
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          bestAt = i;
        }
      }
      if (bestAt < 0) break;
      const [a, b] = this.merges[bestRank];
      symbols = mergePair(symbols, a, b);
    }
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

function pairKey(a: string, b: string): string {
  return `${a}\u0000${b}`;
}

/** The most frequent adjacent pair over all words, weighted by word count (ties: first seen). */
function mostFrequentPair(words: { symbols: string[]; count: number }[]): [string, string] | null {
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
  return [a, b];
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

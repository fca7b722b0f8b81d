import { countByFrequency, SPECIALS, type Tokenizer, type TokenizerJson, Vocab, wordPieces } from './tokenizer.js';

export interface WordTokenizerConfig {
  /** Words seen fewer times than this become `<unk>`. */
  minCount: number;
  /** At most this many tokens (most frequent first), `<unk>` included. */
  maxVocab: number;
}

export const defaultWordTokenizerConfig: WordTokenizerConfig = { minCount: 2, maxVocab: 20000 };

/**
 * Word-level tokens: the pieces of `wordPieces` (" the", ",", "\n"), case kept. Rare words
 * (below `minCount`, or past `maxVocab`) map to `<unk>`; everything else round-trips exactly.
 */
export class WordTokenizer implements Tokenizer {
  readonly kind = 'word' as const;

  constructor(readonly vocab: Vocab) {}

  static fromText(text: string, config: Partial<WordTokenizerConfig> = {}): WordTokenizer {
    const minCount = config.minCount ?? defaultWordTokenizerConfig.minCount;
    const maxVocab = config.maxVocab ?? defaultWordTokenizerConfig.maxVocab;
    const kept = countByFrequency(wordPieces(text))
      .filter(([w, n]) => n >= minCount && !SPECIALS.includes(w))
      .slice(0, Math.max(0, maxVocab - SPECIALS.length))
      .map(([w]) => w);
    return new WordTokenizer(Vocab.withSpecials(kept));
  }

  get vocabSize(): number {
    return this.vocab.size;
  }

  encode(text: string): number[] {
    return wordPieces(text).map((w) => this.vocab.id(w));
  }

  decode(ids: readonly number[]): string {
    return ids.map((i) => this.vocab.text(i)).join('');
  }

  token(id: number): string {
    return this.vocab.token(id);
  }

  toJSON(): TokenizerJson {
    return { kind: 'word', vocab: this.vocab.tokens };
  }
}

import { type Tokenizer, type TokenizerJson, Vocab } from './tokenizer.js';

/**
 * One token per Unicode code point. The vocabulary is the reserved tokens then every code point
 * of the training text, sorted, so the same corpus always gives the same ids.
 */
export class CharTokenizer implements Tokenizer {
  readonly kind = 'char' as const;

  constructor(readonly vocab: Vocab) {}

  static fromText(text: string): CharTokenizer {
    const chars = [...new Set(Array.from(text))].sort();
    return new CharTokenizer(Vocab.withSpecials(chars));
  }

  get vocabSize(): number {
    return this.vocab.size;
  }

  encode(text: string): number[] {
    return Array.from(text, (c) => this.vocab.id(c));
  }

  decode(ids: readonly number[]): string {
    return ids.map((i) => this.vocab.text(i)).join('');
  }

  token(id: number): string {
    return this.vocab.token(id);
  }

  toJSON(): TokenizerJson {
    return { kind: 'char', vocab: this.vocab.tokens };
  }
}

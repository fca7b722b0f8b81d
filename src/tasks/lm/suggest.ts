import { SeqlabError } from '../../errors.js';
import type { Tokenizer } from '../../data/tokenizer.js';
import { type BeamRules, beamSearch } from '../../decode/beam.js';
import type { Predictor } from '../../decode/predictor.js';
import type { Suggestion } from '../task.js';

export interface SuggestOptions {
  k: number;
  /** Hypotheses kept per step while spelling words out token by token. */
  beam: number;
  /** Longest word, in tokens. */
  maxTokens: number;
}

export const defaultSuggestOptions: Readonly<SuggestOptions> = Object.freeze({ k: 3, beam: 12, maxTokens: 24 });

const WORD_CHAR = /[\p{L}\p{N}\p{M}'’]/u;
const ALL_WORD_CHARS = /^[\p{L}\p{N}\p{M}'’]*$/u;

/**
 * Splits typed text into what is settled and the word being typed: the trailing letters with at
 * most one space before them. "to be or not to " → ["to be or not to", " "];
 * "to be or no" → ["to be or", " no"].
 */
export function splitTyped(text: string): { committed: string; partial: string } {
  const m = /( ?[\p{L}\p{N}\p{M}'’]*)$/u.exec(text);
  const partial = m ? m[1] : '';
  return { committed: text.slice(0, text.length - partial.length), partial };
}

/**
 * The k most likely next words after `text`, as a phone keyboard shows them. When the text ends
 * mid-word the suggestions complete that word. Decoding is constrained, not filtered: a beam
 * search (decode/beam.ts) spells words out token by token (characters, BPE pieces or whole
 * words, whatever the tokenizer makes), keeping only continuations consistent with the typed
 * prefix. A word is finished when the model's next token starts with something that is not a
 * word character (a space, punctuation, a line end); its probability is
 *   P(word) = Π P(tokens of the word) · P(a boundary comes next),
 * reported relative to the typed prefix: P(word | context, prefix) = P(word) / P(prefix).
 */
export function suggestWords<S>(predictor: Predictor<S>, tokenizer: Tokenizer, text: string,
  options: Partial<SuggestOptions> = {}): Suggestion[] {
  const { k, beam, maxTokens } = { ...defaultSuggestOptions, ...options };
  if (!(Number.isInteger(k) && k >= 1)) throw new SeqlabError(`suggest: k must be a whole number >= 1, got ${k}`);
  const { committed, partial } = splitTyped(text);
  const tokenText = tokenTexts(tokenizer, predictor.vocabSize);
  // P(typed prefix | context): the mass of the candidates that have just spelled out `partial`.
  let prefixMass = partial.length === 0 ? 1 : 0;
  const rules: BeamRules<S, string> = {
    // A token may extend the word while the text stays one word consistent with the typed prefix.
    extend: (h, t) => (tokenizer.vocab.isSpecial(t) ? null : wordPart(h.data + tokenText[t], partial)),
    // The word may end where it holds the prefix plus a letter: the mass of the tokens that start a boundary.
    end: (h, lp) => {
      if (!isFinished(h.data, partial)) return -Infinity;
      let boundary = 0;
      for (let t = 0; t < lp.length; t++) {
        if (tokenizer.vocab.isSpecial(t) || !startsBoundary(tokenText[t])) continue;
        if (wordPart(h.data + tokenText[t], partial) === null) boundary += Math.exp(lp[t]);
      }
      return boundary > 0 ? Math.log(boundary) : -Infinity;
    },
    key: (h) => h.data.slice(h.data.startsWith(' ') ? 1 : 0),
    observe: (candidates) => {
      for (const c of candidates) {
        if (c.from.data.length < partial.length && c.data.length >= partial.length) prefixMass += Math.exp(c.logp);
      }
    },
  };
  const start = predictor.start(tokenizer.encode(committed));
  const found = beamSearch(predictor, start, '', rules, { beam, nbest: k, maxSteps: maxTokens });
  // Report P(word | context, typed prefix), as a keyboard means it.
  const norm = prefixMass > 0 ? prefixMass : 1;
  return found.map((f) => ({ word: f.data.slice(f.data.startsWith(' ') ? 1 : 0), prob: Math.min(1, Math.exp(f.logp) / norm) }));
}

const textCache = new WeakMap<Tokenizer, string[]>();

/** Every token's text by id (the reserved tokens as a character that is never a word). */
function tokenTexts(tokenizer: Tokenizer, size: number): string[] {
  let texts = textCache.get(tokenizer);
  if (!texts) {
    texts = Array.from({ length: size }, (_, i) => (tokenizer.vocab.isSpecial(i) ? '\u0000' : tokenizer.token(i)));
    textCache.set(tokenizer, texts);
  }
  return texts;
}

/**
 * The word spelled so far if `text` is still one word consistent with the typed `partial`
 * (its prefix, or extending it with word characters); null if the text has left the word.
 */
function wordPart(text: string, partial: string): string | null {
  if (text.length <= partial.length) return partial.startsWith(text) ? text : null;
  if (!text.startsWith(partial)) return null;
  const rest = text.slice(partial.length);
  const body = partial.length > 0 ? rest : rest.replace(/^ /, '');
  return ALL_WORD_CHARS.test(body) ? text : null;
}

/** Whether `text` already holds a whole word: the typed prefix plus at least one word character. */
function isFinished(text: string, partial: string): boolean {
  return text.length >= partial.length && WORD_CHAR.test(text.slice(-1)) && text.startsWith(partial);
}

function startsBoundary(piece: string): boolean {
  return piece.length > 0 && !WORD_CHAR.test(piece[0]);
}

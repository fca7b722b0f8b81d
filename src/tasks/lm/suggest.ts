import { SeqlabError } from '../../errors.js';
import type { Tokenizer } from '../../data/tokenizer.js';
import type { Predictor } from './predictor.js';

/** One keyboard suggestion: the word and the model's probability of it coming next. */
export interface Suggestion {
  word: string;
  prob: number;
}

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

interface Hypothesis<S> {
  text: string;
  logp: number;
  state: S;
}

/**
 * The k most likely next words after `text`, as a phone keyboard shows them. When the text ends
 * mid-word the suggestions complete that word. Decoding is constrained, not filtered: a beam
 * search spells words out token by token (characters, BPE pieces or whole words, whatever the
 * tokenizer makes), keeping only continuations consistent with the typed prefix. A word is
 * finished when the model's next token starts with something that is not a word character
 * (a space, punctuation, a line end); its probability is
 *   P(word) = Π P(tokens of the word) · P(a boundary comes next),
 * reported relative to the typed prefix: P(word | context, prefix) = P(word) / P(prefix).
 */
export function suggestWords<S>(predictor: Predictor<S>, tokenizer: Tokenizer, text: string,
  options: Partial<SuggestOptions> = {}): Suggestion[] {
  const { k, beam, maxTokens } = { ...defaultSuggestOptions, ...options };
  if (!(Number.isInteger(k) && k >= 1)) throw new SeqlabError(`-k must be a whole number >= 1, got ${k}`);
  const { committed, partial } = splitTyped(text);
  const tokenText = tokenTexts(tokenizer, predictor.vocabSize);
  const found = new Map<string, number>();
  // P(typed prefix | context): the mass of the hypotheses that have just spelled out `partial`.
  let prefixMass = partial.length === 0 ? 1 : 0;
  let beams: Hypothesis<S>[] = [{ text: '', logp: 0, state: predictor.start(tokenizer.encode(committed)) }];
  const kthBest = (): number => [...found.values()].sort((a, b) => b - a)[k - 1] ?? -Infinity;
  for (let step = 0; step < maxTokens && beams.length > 0; step++) {
    const next: { from: Hypothesis<S>; token: number; text: string; logp: number }[] = [];
    for (const h of beams) {
      const lp = predictor.logProbs(h.state);
      let boundary = 0;
      for (let t = 1; t < lp.length; t++) {
        const piece = tokenText[t];
        const text2 = h.text + piece;
        const word = wordPart(text2, partial);
        if (word === null) {
          // The token ends the word: its mass is the chance that the word stops here.
          if (isFinished(h.text, partial) && startsBoundary(piece)) boundary += Math.exp(lp[t]);
          continue;
        }
        next.push({ from: h, token: t, text: text2, logp: h.logp + lp[t] });
      }
      if (boundary > 0) {
        const word = h.text.slice(h.text.startsWith(' ') ? 1 : 0);
        found.set(word, Math.max(found.get(word) ?? -Infinity, h.logp + Math.log(boundary)));
      }
    }
    next.sort((a, b) => b.logp - a.logp);
    for (const n of next) {
      if (n.from.text.length < partial.length && n.text.length >= partial.length) prefixMass += Math.exp(n.logp);
    }
    const kept = next.slice(0, beam).filter((n) => n.logp > kthBest());
    if (kept.length === 0) break;
    const states = predictor.advance(kept.map((n) => n.from.state), kept.map((n) => n.token));
    beams = kept.map((n, i) => ({ text: n.text, logp: n.logp, state: states[i] }));
  }
  // Report P(word | context, typed prefix), as a keyboard means it.
  const norm = prefixMass > 0 ? prefixMass : 1;
  return [...found.entries()].sort((a, b) => b[1] - a[1]).slice(0, k)
    .map(([word, lp]) => ({ word, prob: Math.min(1, Math.exp(lp) / norm) }));
}

const textCache = new WeakMap<Tokenizer, string[]>();

/** Every token's text by id (id 0, `<unk>`, as a character that is never a word). */
function tokenTexts(tokenizer: Tokenizer, size: number): string[] {
  let texts = textCache.get(tokenizer);
  if (!texts) {
    texts = Array.from({ length: size }, (_, i) => (i === 0 ? '\u0000' : tokenizer.token(i)));
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

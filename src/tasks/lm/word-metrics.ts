import type { Tokenizer } from '../../data/tokenizer.js';
import type { Predictor } from '../../decode/predictor.js';
import { suggestWords } from './suggest.js';

/** What a keyboard user would see on a test text. */
export interface WordMetrics {
  /** Share of words that are the first suggestion before any letter is typed. */
  top1: number;
  /** Share of words among the first three suggestions before any letter is typed. */
  top3: number;
  /**
   * Keystroke savings: the share of word characters a user would not type, taking the word as
   * soon as it shows among the top 3 suggestions (Trnka & McCoy 2008's KS, letters only).
   */
  keystrokeSavings: number;
  words: number;
}

const WORD = /[\p{L}\p{N}\p{M}'’]+/gu;

/**
 * Scores next-word suggestions on `text`: up to `maxWords` words, spread evenly over the text,
 * each preceded by a space, with at most `contextChars` characters of context before it.
 */
export function wordMetrics<S>(predictor: Predictor<S>, tokenizer: Tokenizer, text: string,
  options: { maxWords?: number; contextChars?: number } = {}): WordMetrics {
  const { maxWords = 200, contextChars = 200 } = options;
  const starts: { at: number; word: string }[] = [];
  for (const m of text.matchAll(WORD)) {
    if (m.index > 0 && text[m.index - 1] === ' ') starts.push({ at: m.index, word: m[0] });
  }
  const step = Math.max(1, starts.length / maxWords);
  const picked = Array.from({ length: Math.min(maxWords, starts.length) }, (_, i) => starts[Math.floor(i * step)]);
  let top1 = 0;
  let top3 = 0;
  let saved = 0;
  let letters = 0;
  for (const { at, word } of picked) {
    let from = Math.max(0, at - contextChars);
    const space = text.indexOf(' ', from);
    if (from > 0 && space >= 0 && space < at) from = space + 1;
    const context = text.slice(from, at);
    const chars = Array.from(word);
    letters += chars.length;
    for (let j = 0; j < chars.length; j++) {
      const shown = suggestWords(predictor, tokenizer, context + chars.slice(0, j).join(''), { k: 3 }).map((s) => s.word);
      if (j === 0) {
        if (shown[0] === word) top1++;
        if (shown.includes(word)) top3++;
      }
      if (shown.includes(word)) {
        saved += chars.length - j;
        break;
      }
    }
  }
  const n = Math.max(1, picked.length);
  return { top1: top1 / n, top3: top3 / n, keystrokeSavings: letters ? saved / letters : 0, words: picked.length };
}

/**
 * Translation decoding over a batch of sentences: beam search (greedy at beam 1) for each
 * sentence, all run in lockstep so one decoder step serves every live hypothesis of the batch.
 * A hypothesis ends with <eos> after at least one token; it may be at most `maxLengthA·|source| + maxLengthB` tokens long;
 * with `noRepeatNgram` = n no n-gram appears twice in it. Scores use GNMT's length penalty.
 */
import { SeqlabError } from '../errors.js';
import type { SourceBatch } from '../models/seq2seq.js';
import { type BeamRules, beamSearchMany } from './beam.js';
import type { Seq2SeqPredictor, Seq2SeqState } from './seq2seq-predictor.js';

export interface TranslateOptions {
  beam: number;
  nbest: number;
  /** GNMT length penalty α. */
  lengthPenalty: number;
  maxLengthA: number;
  maxLengthB: number;
  /** Block repeated n-grams of this order (0: off). */
  noRepeatNgram: number;
  /** Keep each target token's attention over the source. */
  alignments: boolean;
  /** Most target tokens whatever the source's length (the model's own limit). */
  maxTarget: number;
}

export const defaultTranslateOptions: Readonly<TranslateOptions> = Object.freeze({
  beam: 5, nbest: 1, lengthPenalty: 0.6, maxLengthA: 1.5, maxLengthB: 10, noRepeatNgram: 0, alignments: false, maxTarget: Infinity,
});

/** One translation: target tokens (without <eos>), log P, the length-penalised score, and alignments. */
export interface Translation {
  tokens: number[];
  logp: number;
  score: number;
  /** Per target token, its attention over the source tokens; null unless asked (or the model has none). */
  attention: number[][] | null;
}

/** Whether `tokens` + `next` ends in an n-gram seen earlier in `tokens`. */
export function repeatsNgram(tokens: readonly number[], next: number, n: number): boolean {
  if (n <= 0 || tokens.length < n) return false;
  const tail = [...tokens.slice(tokens.length - n + 1), next];
  for (let i = 0; i + n <= tokens.length; i++) {
    let same = true;
    for (let j = 0; j < n && same; j++) same = tokens[i + j] === tail[j];
    if (same) return true;
  }
  return false;
}

/** Translates every sentence of `src`: up to `nbest` translations each, best first. */
export function translateBatch(predictor: Seq2SeqPredictor, src: SourceBatch, special: { eos: number; banned: readonly number[] },
  options: Partial<TranslateOptions> = {}): Translation[][] {
  const o = { ...defaultTranslateOptions, ...options };
  if (!(Number.isInteger(o.beam) && o.beam >= 1)) throw new SeqlabError(`translate: beam must be a whole number >= 1, got ${o.beam}`);
  if (!(Number.isInteger(o.nbest) && o.nbest >= 1 && o.nbest <= o.beam)) {
    throw new SeqlabError(`translate: nbest must be a whole number from 1 to the beam (${o.beam}), got ${o.nbest}`);
  }
  const banned = new Set([...special.banned, special.eos]);
  // A hypothesis' data: the attention row of each of its tokens (kept only with `alignments`).
  const rules: BeamRules<Seq2SeqState, Float32Array[]> = {
    extend: (h, t) => {
      if (banned.has(t) || repeatsNgram(h.tokens, t, o.noRepeatNgram)) return null;
      return o.alignments && h.state.attention ? [...h.data, h.state.attention] : h.data;
    },
    // At least one token: an empty translation of a non-empty sentence is never the answer.
    end: (h, lp) => (h.tokens.length === 0 ? -Infinity : lp[special.eos]),
  };
  const starts = predictor.startBatch(src);
  const found = beamSearchMany(predictor, starts, [] as Float32Array[], rules, (i) => ({
    beam: o.beam, nbest: o.nbest, lengthPenalty: o.beam === 1 ? 0 : o.lengthPenalty, endsCompete: true, keepUnfinished: true,
    perHypothesis: o.beam, maxSteps: Math.max(1, Math.min(o.maxTarget, Math.floor(o.maxLengthA * src.lengths[i] + o.maxLengthB))),
  }));
  return found.map((list) => list.map((f) => ({
    tokens: f.tokens, logp: f.logp, score: f.score,
    attention: o.alignments && f.data.length === f.tokens.length ? f.data.map((row) => Array.from(row)) : null,
  })));
}

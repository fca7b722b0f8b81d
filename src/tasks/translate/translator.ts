/**
 * Text in, translations out: sentences are tokenized, sorted by length into batches (so little
 * padding is decoded), translated by the decoding seam, and returned in their input order. An
 * empty source translates to an empty line. A source longer than the model's positions (a
 * Transformer's table) is cut to them, and its translations say so (`truncated`): one line
 * past the limit does not stop a whole file.
 */
import type { Tokenizer } from '../../data/tokenizer.js';
import { Seq2SeqPredictor } from '../../decode/seq2seq-predictor.js';
import { type TranslateOptions, translateBatch } from '../../decode/translate.js';
import type { Seq2Seq } from '../../models/seq2seq.js';
import { sourceBatch } from './batches.js';

/** Sentences decoded together. */
export const DECODE_BATCH = 32;

/** One translation of one sentence, as text, with its source and target pieces for alignments. */
export interface TextTranslation {
  text: string;
  score: number;
  logp: number;
  sourceTokens: string[];
  targetTokens: string[];
  /** [target token][source token] attention weights, when asked for and the model has attention. */
  attention: number[][] | null;
  /** Set when the source was cut to the model's positions: its length in tokens, and the tokens translated. */
  truncated?: { tokens: number; kept: number };
}

export interface TranslatorContext {
  source: Tokenizer;
  target: Tokenizer;
  special: { pad: number; bos: number; eos: number };
}

/** Each sentence's n-best translations, best first, in input order. */
export function translateTexts(net: Seq2Seq, ctx: TranslatorContext, texts: readonly string[],
  options: Partial<TranslateOptions> = {}): TextTranslation[][] {
  const limit = net.maxPositions ?? Infinity;
  const full = texts.map((t) => ctx.source.encode(t));
  const encoded = full.map((ids) => (ids.length > limit ? ids.slice(0, limit) : ids));
  const out: TextTranslation[][] = texts.map(() => [{ text: '', score: 0, logp: 0, sourceTokens: [], targetTokens: [], attention: null }]);
  const order = [...encoded.keys()].filter((i) => encoded[i].length > 0).sort((a, b) => encoded[a].length - encoded[b].length || a - b);
  const predictor = new Seq2SeqPredictor(net, ctx.special.bos);
  const banned = [ctx.special.pad, ctx.special.bos, ...ctx.target.vocab.specialIds.filter((id) => id !== ctx.special.eos && id !== 0)];
  for (let at = 0; at < order.length; at += DECODE_BATCH) {
    const rows = order.slice(at, at + DECODE_BATCH);
    const src = sourceBatch(rows.map((i) => encoded[i]), ctx.special.pad);
    // Target positions: one is taken by <bos>, and the search may step once past its last token.
    const found = translateBatch(predictor, src, { eos: ctx.special.eos, banned }, { maxTarget: limit - 1, ...options });
    rows.forEach((i, r) => {
      out[i] = found[r].map((t) => ({
        text: ctx.target.decode(t.tokens), score: t.score, logp: t.logp,
        sourceTokens: encoded[i].map((id) => ctx.source.token(id)), targetTokens: t.tokens.map((id) => ctx.target.token(id)),
        attention: t.attention,
        ...(full[i].length > limit ? { truncated: { tokens: full[i].length, kept: limit } } : {}),
      }));
    });
  }
  return out;
}

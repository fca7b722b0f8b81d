import type { Tokenizer, TokenizerKind } from '../../data/tokenizer.js';
import { buildTokenizer } from '../../data/tokenizers.js';
import { SeqlabError } from '../../errors.js';
import type { LmTokenizerSettings } from './config.js';

/** The token streams of a run. */
export interface LmData {
  tokenizer: Tokenizer;
  train: Int32Array;
  valid: Int32Array;
}

/**
 * Tokenizes training and validation text. Without validation text, the last 10% of the training
 * text (cut at a line start) is held out. The tokenizer is learned on the training part only.
 * `names` name the texts in errors (their paths).
 */
export function prepareLmData(trainText: string, validText: string | null, kind: TokenizerKind, options: LmTokenizerSettings,
  names: { train: string; valid: string | null }): LmData {
  if (trainText.trim().length === 0) throw new SeqlabError(`${names.train}: the training text is empty`);
  let train = trainText;
  let valid = validText;
  if (valid === null) {
    let cut = Math.floor(train.length * 0.9);
    const nl = train.indexOf('\n', cut);
    if (nl >= 0 && nl < train.length - 1) cut = nl + 1;
    valid = train.slice(cut);
    train = train.slice(0, cut);
  }
  if (valid.trim().length === 0) throw new SeqlabError(`${names.valid ?? names.train}: the validation text is empty`);
  const tokenizer = buildTokenizer(kind, train, {
    ...(options.minCount > 0 ? { minCount: options.minCount } : {}),
    ...(options.vocabSize > 0 ? { vocabSize: options.vocabSize } : {}),
  });
  return { tokenizer, train: Int32Array.from(tokenizer.encode(train)), valid: Int32Array.from(tokenizer.encode(valid)) };
}

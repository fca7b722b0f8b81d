/**
 * The decoding seam: anything that scores the next token, with a state it carries forward one
 * token at a time. Sampling, beam search, keyboard suggestions and (next)
 * translation are written against this interface only, never against a model family.
 */
export interface Stepper<S = unknown> {
  readonly vocabSize: number;
  /** log P(next token) for a state, over the vocabulary. */
  logProbs(state: S): Float64Array;
  /** Each state advanced by one token, run as one batch where the model can. */
  advance(states: readonly S[], tokens: readonly number[]): S[];
  /** One state advanced by one token; the caller gives `state` up, so its memory may be reused. */
  step(state: S, token: number): S;
}

/**
 * A stepper that starts from a context of tokens (a language model). A translation model starts
 * from an encoded source instead (Seq2SeqPredictor.startBatch); beam search needs only the steps.
 */
export interface Predictor<S = unknown> extends Stepper<S> {
  /** The state after reading `context` (token ids; only the last `contextLimit` are read). */
  start(context: readonly number[]): S;
}

/** log softmax in float64 (the decoders sum many log-probabilities). */
export function logSoftmax64(logits: ArrayLike<number>): Float64Array {
  const n = logits.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i] > max || Number.isNaN(logits[i])) max = logits[i];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(logits[i] - max);
  const lse = max + Math.log(sum);
  // A plain loop: Float64Array.from with a map function runs the iterator protocol per element.
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = logits[i] - lse;
  return out;
}

import { SeqlabError } from '../errors.js';
import type { Rng } from '../tensor/random.js';
import type { Predictor } from './predictor.js';
import { type SamplingConfig, sampleToken } from './sampling.js';

/**
 * Samples `length` tokens after `context`, handing each to `emit` as soon as it is drawn, so a
 * long generation streams instead of arriving at the end. The context primes the model once
 * (recurrent state, or the transformer's key/value cache); each new token then costs one step.
 * Tokens in `banned` (the vocabulary's reserved ids) are never drawn.
 */
export function sampleTokens<S>(predictor: Predictor<S>, context: readonly number[], length: number,
  sampling: SamplingConfig, rng: Rng, emit: (token: number) => void, banned: readonly number[] = [0]): void {
  if (!(Number.isInteger(length) && length >= 0)) throw new SeqlabError(`generate: length must be a whole number >= 0, got ${length}`);
  let state = predictor.start(context);
  for (let i = 0; i < length; i++) {
    const logits = predictor.logProbs(state);
    for (const b of banned) logits[b] = -Infinity;
    const token = sampleToken(logits, sampling, rng);
    emit(token);
    if (i + 1 < length) state = predictor.step(state, token);
  }
}

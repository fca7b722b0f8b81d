import type { Tokenizer } from '../../data/tokenizer.js';
import { type SamplingConfig, sampleToken } from '../../decode/sampling.js';
import { SeqlabError } from '../../errors.js';
import type { Rng } from '../../tensor/random.js';
import type { Predictor } from './predictor.js';

/**
 * Continues `prompt` by `length` tokens. The prompt primes the model's state once (recurrent
 * state, or the transformer's key/value cache); each new token then costs one step.
 * Token 0 (`<unk>`) is never produced.
 */
export function generateText<S>(predictor: Predictor<S>, tokenizer: Tokenizer, prompt: string, length: number,
  sampling: SamplingConfig, rng: Rng): string {
  if (!(Number.isInteger(length) && length >= 0)) throw new SeqlabError(`--length must be a whole number >= 0, got ${length}`);
  let state = predictor.start(tokenizer.encode(prompt));
  const out: number[] = [];
  for (let i = 0; i < length; i++) {
    const logits = predictor.logProbs(state);
    logits[0] = -Infinity;
    const token = sampleToken(logits, sampling, rng);
    out.push(token);
    state = predictor.step(state, token);
  }
  return tokenizer.decode(out);
}

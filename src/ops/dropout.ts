import { backend } from '../backend/index.js';
import { SeqlabError } from '../errors.js';
import type { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { mul } from './elementwise.js';

/**
 * Inverted dropout: each value is zeroed with probability p and the survivors are scaled by
 * 1/(1−p), so the expected value is unchanged and evaluation needs no rescaling. The mask comes
 * from the seeded `rng`. Backward: the same mask times the gradient.
 */
export function dropout(x: Tensor, p: number, rng: Rng, training = true): Tensor {
  if (!(p >= 0 && p < 1)) throw new SeqlabError(`dropout: probability ${p} must be in [0, 1)`);
  if (!training || p === 0) return x;
  const keep = 1 / (1 - p);
  const mask = backend().alloc(x.size, true); // backend memory is reused from step to step; fresh pages fault
  for (let i = 0; i < mask.length; i++) mask[i] = rng.uniform() < p ? 0 : keep;
  return mul(x, new Tensor(mask, x.shape));
}

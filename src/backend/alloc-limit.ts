/**
 * The one limit on a tensor's size, for every backend: an allocation past it, or one the machine
 * cannot give, is a SeqlabError that says how large it was, never a RangeError or a TypeError from
 * deep inside a kernel. A config asking for `hiddenSize: 2000000000` ends here, with a message.
 */
import { SeqlabError } from '../errors.js';

/** Floats one tensor may hold: 2^29 (2 GiB of float32). */
export const MAX_TENSOR_FLOATS = 2 ** 29;

/** Checks `n` is a whole number of floats within the limit. */
export function checkAllocation(n: number): void {
  if (!(Number.isInteger(n) && n >= 0)) throw new SeqlabError(`cannot allocate a tensor of ${n} floats: not a whole number >= 0`);
  if (n > MAX_TENSOR_FLOATS) {
    throw new SeqlabError(`a tensor of ${n.toLocaleString('en-US')} floats (${(n * 4 / 2 ** 30).toFixed(1)} GiB) is past the limit of ${MAX_TENSOR_FLOATS * 4 / 2 ** 30} GiB per tensor: the model or the batch is too large`);
  }
}

/** A plain Float32Array of n floats, checked; the machine running out of memory is a SeqlabError too. */
export function plainFloats(n: number): Float32Array {
  checkAllocation(n);
  try {
    return new Float32Array(n);
  } catch (err) {
    throw new SeqlabError(`out of memory allocating a tensor of ${n.toLocaleString('en-US')} floats (${(n * 4 / 2 ** 20).toFixed(0)} MiB): ${err instanceof Error ? err.message : String(err)}`);
  }
}

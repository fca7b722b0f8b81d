/**
 * Shared pieces of the fuzz tests: one seed for every property (a failure prints the seed and
 * path, and the same seed replays it), and the one property every reader has: it returns a
 * result or throws a SeqlabError with a clear one-line message, never anything else.
 */
import fc from 'fast-check';
import { SeqlabError } from '../../src/errors.js';

/** The seed of every property here; change it locally to explore, keep it fixed in the suite. */
export const SEED = 20261203;

/** fast-check parameters: the fixed seed and `numRuns` runs. */
export function params(numRuns: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns };
}

/**
 * Runs `fn`: its result, or null when it threw a SeqlabError whose message is one non-empty
 * line (and, with `mentions`, matches it). Anything else thrown (a TypeError, a RangeError, an
 * internal assertion) is re-thrown, failing the property with the input that caused it.
 */
export function resultOrCleanError<T>(fn: () => T, mentions?: RegExp): T | null {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof SeqlabError)) throw err;
    const message = err.message;
    if (message.trim() === '' || message.includes('\n')) throw new Error(`unclear SeqlabError message: ${JSON.stringify(message)}`);
    if (mentions && !mentions.test(message)) throw new Error(`SeqlabError ${JSON.stringify(message)} does not match ${mentions}`);
    return null;
  }
}

/** Text over a small alphabet of characters that matter to a format, so random inputs hit its branches. */
export function textOver(pieces: readonly string[], maxLength = 200): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...pieces), { maxLength }).map((a) => a.join(''));
}

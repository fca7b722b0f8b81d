import { expect } from 'vitest';
import { SeqlabError } from '../../src/errors.js';

/** The SeqlabError message `fn` throws (failing the test when it throws something else, or nothing). */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SeqlabError);
    return (err as Error).message;
  }
  throw new Error('expected a SeqlabError, nothing was thrown');
}

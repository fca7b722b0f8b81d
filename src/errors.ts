/**
 * Errors a user can cause: a bad shape, a bad file, a bad flag. The message names the place at
 * fault. Internal invariants use `assert` instead, which signals a bug in seqlab itself.
 */
export class SeqlabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeqlabError';
  }
}

/** An internal invariant: failing it is a bug in seqlab, not a user mistake. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`internal error: ${message}`);
}

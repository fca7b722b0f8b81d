/**
 * Writing to stdout from a loop that never yields (generation streams token by token without
 * returning to the event loop). `process.stdout.write` reports a closed pipe (`seqlab generate
 * ... | head`) only as an 'error' event on a later turn of the loop, which such a loop never
 * reaches: it would generate on, to its full length, into nothing. `writeStdout` writes at once
 * and tells the caller when the reader has gone, so the loop can stop.
 */
import { writeSync } from 'node:fs';

/** Thrown by `writeStdout` once the reader of stdout has gone (EPIPE). */
export class StdoutClosed extends Error {}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes `text` to stdout (fd 1) whole, before returning; throws StdoutClosed when nothing reads it any more. */
export function writeStdout(text: string): void {
  let bytes = Buffer.from(text, 'utf8');
  while (bytes.length > 0) {
    try {
      bytes = bytes.subarray(writeSync(1, bytes));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') throw new StdoutClosed('stdout was closed');
      if (code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 1); // a full non-blocking pipe: wait a millisecond for the reader
    }
  }
}

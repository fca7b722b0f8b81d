/**
 * File access for the CLI (Node only). Reads check their input and name the file at fault;
 * writes go to a temporary file that is renamed into place, so a failure never leaves a
 * half-written file behind.
 */
import {
  closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { TextChunkDecoder } from '../data/text-decoder.js';
import { SeqlabError } from '../errors.js';

/** A missing path or a folder is a SeqlabError naming it. */
function checkFile(path: string, what: string): void {
  if (!existsSync(path)) throw new SeqlabError(`${what} '${path}' does not exist`);
  if (statSync(path).isDirectory()) throw new SeqlabError(`${what} '${path}' is a folder, not a file`);
}

/** Reads a whole file as bytes (checkpoints); a missing path or a folder names it. */
export function readBytes(path: string, what = 'file'): Uint8Array {
  checkFile(path, what);
  return new Uint8Array(readFileSync(path));
}

/** Bytes read per block when streaming a text file. */
const BLOCK_BYTES = 1 << 20;

/**
 * Reads a UTF-8 text file in blocks (the whole file is never held as bytes and text at once),
 * giving its text piece by piece to `sink`. Invalid UTF-8 is an error naming the file and the
 * line of the first bad byte; a byte-order mark is dropped and CRLF line ends become LF.
 */
export function streamText(path: string, sink: (text: string) => void, what = 'file'): void {
  checkFile(path, what);
  const decoder = new TextChunkDecoder(path);
  const block = new Uint8Array(BLOCK_BYTES);
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, block); n > 0; n = readSync(fd, block)) {
      const text = decoder.push(block.subarray(0, n));
      if (text) sink(text);
    }
  } finally {
    closeSync(fd);
  }
  const rest = decoder.end();
  if (rest) sink(rest);
}

/** A UTF-8 text file as one string, streamed as `streamText` reads it. */
export function readText(path: string, what = 'file'): string {
  const parts: string[] = [];
  streamText(path, (text) => parts.push(text), what);
  return parts.join('');
}

/** Writes `data` to `path` atomically: a temporary file beside it, then a rename. */
export function writeAtomic(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${Date.now()}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Parses a JSON file, naming the file on a syntax error. */
export function readJson(path: string, what = 'file'): unknown {
  const text = readText(path, what);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SeqlabError(`${path}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

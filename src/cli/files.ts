/**
 * File access for the CLI (Node only). Reads check their input and name the file at fault;
 * writes go to a temporary file that is renamed into place, so a failure never leaves a
 * half-written file behind.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SeqlabError } from '../errors.js';

/** Reads a whole file as bytes; a missing path or a folder is a SeqlabError naming it. */
export function readBytes(path: string, what = 'file'): Uint8Array {
  if (!existsSync(path)) throw new SeqlabError(`${what} '${path}' does not exist`);
  if (statSync(path).isDirectory()) throw new SeqlabError(`${what} '${path}' is a folder, not a file`);
  return new Uint8Array(readFileSync(path));
}

/**
 * Reads a UTF-8 text file. Invalid UTF-8 is an error naming the file and the line of the first
 * bad byte; a byte-order mark is dropped and CRLF line ends become LF.
 */
export function readText(path: string, what = 'file'): string {
  const bytes = readBytes(path, what);
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    return text.replace(/\r\n/g, '\n');
  } catch {
    const at = firstInvalidUtf8(bytes);
    const line = bytes.subarray(0, at).reduce((n, b) => n + (b === 10 ? 1 : 0), 1);
    throw new SeqlabError(`${path}:${line}: not valid UTF-8 (byte ${at})`);
  }
}

/** Offset of the first byte that breaks UTF-8 (the longest prefix that decodes, streaming). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    try {
      // A prefix may end inside a character; streaming mode accepts that, so validity is monotone.
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  return lo;
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

/**
 * File access for the CLI (Node only). Reads check their input and name the file at fault;
 * writes go to a temporary file that is renamed into place, so a failure never leaves a
 * half-written file behind.
 */
import {
  closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync,
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

/** What a failed write means to the user, by the system's error code. */
const WRITE_FAILURES: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'the file is larger than this file system or the file-size limit (ulimit -f) allows',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  EEXIST: 'a file is in the way of a folder on the path',
  ENOENT: 'a folder on the way does not exist',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  EIO: 'an input/output error on the device',
};

/**
 * A failed write as the user should see it: a SeqlabError naming `path` and the cause (a full
 * disk, a read-only or unwritable folder); anything else is passed on unchanged (a bug).
 */
export function writeFailure(err: unknown, path: string): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !(code in WRITE_FAILURES)) return err;
  return new SeqlabError(`cannot write '${path}': ${WRITE_FAILURES[code]} (${code})`);
}

/** Creates folder `dir` (and those above it); a failure is a SeqlabError naming it. */
export function makeFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw writeFailure(err, dir);
  }
}

/** The name of a temporary file `writeAtomic` writes beside its target. */
const TEMPORARY = /^\.\d+\.\d+\.[0-9a-z]*\.tmp$/;

/**
 * Writes `data` to `path` atomically: a temporary file beside it, then a rename, so `path` is
 * always either the old file or the new one, whole, even if the process is killed meanwhile. A
 * failure (a full disk, an unwritable folder) removes the temporary file and is a SeqlabError
 * naming `path`.
 */
export function writeAtomic(path: string, data: Uint8Array | string): void {
  makeFolder(dirname(path));
  const tmp = join(dirname(path), `.${Date.now()}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // The write's own error is the one to report.
    }
    throw writeFailure(err, path);
  }
}

/**
 * Removes the temporary files that writers killed mid-write left in folder `dir` (a run killed
 * with SIGKILL, a power cut); the files they were replacing are untouched, whole.
 */
export function removeTemporaryFiles(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (TEMPORARY.test(name)) rmSync(join(dir, name), { force: true });
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

/**
 * Fuzz: the UTF-8 text reader. Random bytes cut into random blocks decode to what one whole
 * decode gives (BOM dropped, CRLF as LF), or fail as it does, with a SeqlabError naming the
 * source and line; real files read through `readText` the same way.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TextChunkDecoder } from '../../src/data/text-decoder.js';
import { readText } from '../../src/store/files.js';
import { params, resultOrCleanError } from './helpers.js';

/** The definition: one fatal decode of the whole, the first BOM dropped, CRLF → LF. */
function wholeDecode(bytes: Uint8Array): string | null {
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).replace(/\r\n/g, '\n');
  } catch {
    return null;
  }
}

/** Decodes `bytes` in blocks cut at `cuts`. */
function chunked(bytes: Uint8Array, cuts: number[]): string {
  const d = new TextChunkDecoder('fuzz.txt');
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: string[] = [];
  let from = 0;
  for (const c of [...at, bytes.length]) {
    parts.push(d.push(bytes.subarray(from, c)));
    from = c;
  }
  parts.push(d.end());
  return parts.join('');
}

/** Bytes that stress UTF-8: ASCII, CR, LF, a BOM, lead and continuation bytes, overlongs, surrogates. */
const utf8ish = fc.array(fc.oneof(
  fc.constantFrom([0x0d], [0x0a], [0x0d, 0x0a], [0xef, 0xbb, 0xbf], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80],
    [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xff], [0xe2], [0xf0, 0x9f]),
  fc.integer({ min: 0x20, max: 0x7e }).map((b) => [b]),
  fc.integer({ min: 0, max: 255 }).map((b) => [b]),
), { maxLength: 120 }).map((parts) => Uint8Array.from(parts.flat()));

describe('fuzz: UTF-8 text', () => {
  it('decoding in random blocks equals one whole decode, or both fail (a SeqlabError naming the file and line)', () => {
    fc.assert(fc.property(utf8ish, fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
      const want = wholeDecode(bytes);
      const got = resultOrCleanError(() => chunked(bytes, cuts), /^fuzz\.txt:\d+: not valid UTF-8/);
      expect(got).toBe(want);
    }), params(800));
  });

  const dir = mkdtempSync(join(tmpdir(), 'seqlab-fuzz-text-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('readText over a real file gives the same text or a SeqlabError naming the file', () => {
    let n = 0;
    fc.assert(fc.property(utf8ish, (bytes) => {
      const path = join(dir, `f${n++}.txt`);
      writeFileSync(path, bytes);
      const got = resultOrCleanError(() => readText(path), new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: not valid UTF-8`));
      expect(got).toBe(wholeDecode(bytes));
    }), params(150));
  });

  it('a 3 MB line with no newline, cut across the 1 MiB read blocks mid-character, reads whole', () => {
    const line = 'é€😀a'.repeat(300_000); // 10 bytes a repeat: characters straddle every block edge
    const path = join(dir, 'long.txt');
    writeFileSync(path, `\ufeff${line}\r\n`);
    expect(readText(path)).toBe(`${line}\n`);
  });
});

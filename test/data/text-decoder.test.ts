import { describe, expect, it } from 'vitest';
import { TextChunkDecoder } from '../../src/data/text-decoder.js';

/** Feeds `bytes` to a decoder in blocks of `size` and joins what comes out. */
function decodeInBlocks(bytes: Uint8Array, size: number): string {
  const d = new TextChunkDecoder('t.txt');
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(d.push(bytes.subarray(i, i + size)));
  parts.push(d.end());
  return parts.join('');
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('TextChunkDecoder: streamed UTF-8 equals decoding the whole file', () => {
  const text = 'héllo wörld\r\n€ 𝄞 ok\r\nlast line é\r\n\r\nend\r';
  for (const size of [1, 2, 3, 5, 7, 64]) {
    it(`blocks of ${size} bytes: characters and CRLF cut by block ends`, () => {
      expect(decodeInBlocks(utf8(text), size)).toBe(text.replace(/\r\n/g, '\n'));
    });
  }

  it('drops a byte-order mark at the start only', () => {
    expect(decodeInBlocks(utf8('\uFEFFab\uFEFFc'), 2)).toBe('ab\uFEFFc');
  });

  it('names the line and byte of the first invalid byte, wherever the block ends', () => {
    const bytes = new Uint8Array([...utf8('ok\né\nthird '), 0xff, ...utf8(' tail')]);
    for (const size of [1, 3, 4, 100]) {
      expect(() => decodeInBlocks(bytes, size)).toThrow('t.txt:3: not valid UTF-8 (byte 12)');
    }
  });

  it('a character broken by the next byte, and a file ending inside a character', () => {
    const broken = new Uint8Array([...utf8('a\n'), 0xe2, 0x82, 0x41]); // € cut short by 'A'
    expect(() => decodeInBlocks(broken, 4)).toThrow(/t\.txt:2: not valid UTF-8/);
    const cut = new Uint8Array([...utf8('a\nb\n'), 0xe2, 0x82]);
    expect(() => decodeInBlocks(cut, 2)).toThrow('t.txt:3: not valid UTF-8 (the file ends inside a character at byte 4)');
  });
});

/**
 * UTF-8 text from a stream of byte chunks, as seqlab reads every text file: a byte-order mark
 * is dropped, CRLF line ends become LF (also when a chunk ends between the CR and the LF), and
 * invalid UTF-8 is a SeqlabError naming the source, the line and the byte offset of the first
 * bad byte. Pure (no I/O), so the CLI can feed it file blocks and the browser fetched ones; a
 * large file then never sits in memory as bytes and as text at once.
 *
 *   const d = new TextChunkDecoder('corpus.txt');
 *   for (const block of blocks) parts.push(d.push(block));
 *   parts.push(d.end());
 */
import { SeqlabError } from '../errors.js';

export class TextChunkDecoder {
  /** Keeps a BOM (ignoreBOM), so only the one at the very start is dropped, by hand. */
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  /** Byte offset of `carry`'s start in the source, and the line it is on (for error messages). */
  private offset = 0;
  private line = 1;
  /** The bytes of a character that the last block cut short. */
  private carry = new Uint8Array(0);
  /** A CR at the very end of the last text, held back until we know whether LF follows. */
  private pendingCr = false;
  private started = false;

  constructor(private readonly source: string) {}

  /** Decodes the next block of bytes; returns the text it completes (possibly empty). */
  push(bytes: Uint8Array): string {
    const data = this.carry.length === 0 ? bytes : concatBytes(this.carry, bytes);
    const cut = completeLength(data);
    const text = this.decode(data.subarray(0, cut));
    this.carry = data.slice(cut);
    return this.normalise(text, false);
  }

  /** Ends the stream: a source that stops inside a character is invalid. */
  end(): string {
    if (this.carry.length > 0) {
      throw new SeqlabError(`${this.source}:${this.line}: not valid UTF-8 (the file ends inside a character at byte ${this.offset})`);
    }
    return this.normalise('', true);
  }

  /** Whole characters only; advances the offset and line past them. */
  private decode(whole: Uint8Array): string {
    let text: string;
    try {
      text = this.decoder.decode(whole);
    } catch {
      const at = firstInvalidUtf8(whole);
      throw new SeqlabError(`${this.source}:${this.line + newlines(whole, at)}: not valid UTF-8 (byte ${this.offset + at})`);
    }
    this.offset += whole.length;
    this.line += newlines(whole, whole.length);
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    return text;
  }

  private normalise(text: string, last: boolean): string {
    let t = this.pendingCr ? `\r${text}` : text;
    this.pendingCr = !last && t.endsWith('\r');
    if (this.pendingCr) t = t.slice(0, -1);
    return t.includes('\r') ? t.replace(/\r\n/g, '\n') : t;
  }
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function newlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 10) n++;
  return n;
}

/**
 * How many leading bytes form whole characters: all of them, unless the last lead byte in the
 * final four starts a sequence longer than what follows it (a character cut by the block end).
 */
function completeLength(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let i = n - 1; i >= Math.max(0, n - 4); i--) {
    const b = bytes[i];
    if (b < 0x80) return n;
    if (b >= 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return n - i < need ? i : n;
    }
  }
  return n;
}

/**
 * Offset of the first byte of `bytes` that breaks UTF-8: the longest prefix that decodes in
 * streaming mode (where ending inside a character is fine, so validity is monotone).
 */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  return lo;
}

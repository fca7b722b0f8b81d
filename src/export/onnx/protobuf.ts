/**
 * The protocol-buffers wire format, as much of it as an ONNX file needs: a message is a run of
 * fields, each a key (field number << 3 | wire type) then its value.
 *
 *   wire type 0  varint             int32, int64, enum (negatives take ten bytes, two's complement)
 *   wire type 2  length-delimited   bytes, strings, nested messages, packed repeated scalars
 *   wire type 5  32-bit             float (little-endian IEEE 754)
 *
 * Nested messages are written bottom-up: a sub-message is finished into its own bytes, then
 * written as a length-delimited field of its parent. A model of a few megabytes is copied a few
 * times on the way up, which costs milliseconds.
 */

const VARINT = 0;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** A growing byte buffer that fields are appended to. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  /**
   * A bare varint: 7 bits a byte, low bits first, the top bit set on every byte but the last.
   * Whole numbers up to 2^53 go through as numbers; negatives as 64-bit two's complement.
   */
  rawVarint(value: number | bigint): void {
    let v = typeof value === 'bigint' ? value : BigInt(value);
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new Error(`internal error: varint ${value} is not a whole number`);
    if (v < 0n) v = BigInt.asUintN(64, v);
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  private key(field: number, wireType: number): void {
    this.rawVarint(field * 8 + wireType);
  }

  /** An int32, int64 or enum field. */
  varint(field: number, value: number | bigint): void {
    this.key(field, VARINT);
    this.rawVarint(value);
  }

  /** A float field (32-bit, little-endian). */
  float(field: number, value: number): void {
    this.key(field, FIXED32);
    this.reserve(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, value, true);
    this.len += 4;
  }

  /** A bytes field, or a nested message already finished into bytes. */
  bytes(field: number, data: Uint8Array): void {
    this.key(field, LENGTH_DELIMITED);
    this.rawVarint(data.length);
    this.reserve(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  /** A string field, UTF-8 encoded. */
  string(field: number, text: string): void {
    this.bytes(field, new TextEncoder().encode(text));
  }

  /** A nested message, written by `fill` into a writer of its own. */
  message(field: number, fill: (w: ProtoWriter) => void): void {
    const inner = new ProtoWriter();
    fill(inner);
    this.bytes(field, inner.finish());
  }

  /** A packed repeated varint field (int64s, int32s): one length-delimited run of varints. */
  packedVarints(field: number, values: readonly (number | bigint)[]): void {
    if (values.length === 0) return;
    const inner = new ProtoWriter();
    for (const v of values) inner.rawVarint(v);
    this.bytes(field, inner.finish());
  }

  /** A packed repeated float field: the little-endian floats, back to back. */
  packedFloats(field: number, values: readonly number[]): void {
    if (values.length === 0) return;
    const data = new Uint8Array(4 * values.length);
    const view = new DataView(data.buffer);
    values.forEach((v, i) => view.setFloat32(4 * i, v, true));
    this.bytes(field, data);
  }

  /** The bytes written so far (a copy sized to fit). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** One field read back: its number, wire type and value (varints as bigint, the rest as bytes). */
export interface ProtoField {
  field: number;
  wireType: number;
  value: bigint | Uint8Array;
}

/**
 * Splits a message into its fields, for tests and for checking a written file; it decodes
 * only the three wire types the writer produces and throws on any other.
 */
export function readFields(data: Uint8Array): ProtoField[] {
  const out: ProtoField[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= data.length) throw new Error('protobuf: truncated varint');
      const b = data[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < data.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wireType = key & 7;
    if (wireType === VARINT) out.push({ field, wireType, value: varint() });
    else if (wireType === FIXED32) {
      out.push({ field, wireType, value: data.subarray(pos, pos + 4) });
      pos += 4;
    } else if (wireType === LENGTH_DELIMITED) {
      const n = Number(varint());
      if (pos + n > data.length) throw new Error('protobuf: truncated field');
      out.push({ field, wireType, value: data.subarray(pos, pos + n) });
      pos += n;
    } else {
      throw new Error(`protobuf: wire type ${wireType} is not read here`);
    }
  }
  return out;
}

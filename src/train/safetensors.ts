import { SeqlabError } from '../errors.js';

/**
 * The safetensors format (https://github.com/huggingface/safetensors), on Uint8Array only so it
 * runs in browsers as well as Node:
 *
 *   [8 bytes]  N, the header length, unsigned 64-bit little-endian
 *   [N bytes]  UTF-8 JSON: { name: {dtype, shape, data_offsets: [begin, end]}, ...,
 *              optional "__metadata__": {string: string} }, padded with spaces
 *   [rest]     the tensors' bytes, little-endian, row-major; offsets count from here
 */

/** A named array as stored: a shape and float32 values, row-major. */
export interface StoredArray {
  shape: readonly number[];
  data: Float32Array;
}

/** A parsed file: tensors by name (as float32) and the free-form string metadata. */
export interface SafetensorsFile {
  tensors: Map<string, StoredArray>;
  metadata: Record<string, string>;
}

/** Bytes per element of every dtype the format defines. */
const DTYPE_SIZES: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8,
};

/** The float dtypes seqlab reads (all converted to float32). */
const READABLE = ['F32', 'F16', 'BF16', 'F64'];

const METADATA_KEY = '__metadata__';

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function fail(message: string): never {
  throw new SeqlabError(`safetensors: ${message}`);
}

/** Orders strings by Unicode code point, which is Rust's (and so the Python library's) byte order. */
function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * Encodes float32 tensors as a safetensors file, byte for byte as the Python library lays it
 * out: tensors sorted by name (all of one dtype, so its dtype-then-name order is name order),
 * data packed in that order, `__metadata__` first in the header, the header padded with spaces
 * to a multiple of 8. Metadata keys are written sorted so the output is deterministic. `dtype`
 * 'F16' stores every value rounded to half precision (to nearest, ties to even), half the size.
 */
export function serializeSafetensors(tensors: ReadonlyMap<string, StoredArray>,
  metadata?: Readonly<Record<string, string>>, dtype: 'F32' | 'F16' = 'F32'): Uint8Array {
  const size = DTYPE_SIZES[dtype];
  const names = [...tensors.keys()].sort(compareCodePoints);
  // Null prototypes: a tensor named '__proto__' must be a plain key.
  const header: Record<string, unknown> = Object.create(null);
  if (metadata && Object.keys(metadata).length > 0) {
    const meta: Record<string, string> = Object.create(null);
    for (const key of Object.keys(metadata).sort(compareCodePoints)) {
      const value = metadata[key];
      if (typeof value !== 'string') fail(`metadata '${key}' must be a string, got ${typeof value}`);
      meta[key] = value;
    }
    header[METADATA_KEY] = meta;
  }
  let offset = 0;
  for (const name of names) {
    if (name === '' || name === METADATA_KEY) fail(`'${name}' cannot name a tensor`);
    const t = tensors.get(name)!;
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0) || count !== t.data.length) {
      fail(`tensor '${name}' has ${t.data.length} values, which do not fill shape [${t.shape.join(', ')}]`);
    }
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + size * count] };
    offset += size * count;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let at = 8 + headerLen;
  for (const name of names) {
    const data = tensors.get(name)!.data;
    if (dtype === 'F16') for (let i = 0; i < data.length; i++) view.setUint16(at + 2 * i, floatToHalf(data[i]), true);
    else if (LITTLE_ENDIAN_HOST) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    else for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i], true);
    at += size * data.length;
  }
  return out;
}

const F32_BITS = new Float32Array(1);
const U32_BITS = new Uint32Array(F32_BITS.buffer);

/**
 * The IEEE half-precision bits nearest to x (ties to even): overflow becomes ±Infinity, values
 * below half the smallest subnormal ±0, NaN a quiet NaN.
 */
export function floatToHalf(x: number): number {
  F32_BITS[0] = x;
  const bits = U32_BITS[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 112; // the half's biased exponent: exp − 127 + 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e > 0) {
    const h = sign | (e << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    return rest > 0x1000 || (rest === 0x1000 && (h & 1)) ? h + 1 : h; // a carry may reach the exponent, or Infinity: both right
  }
  // Subnormal: m·2^−24 with m = (1.mant · 2^23) / 2^(126 − exp), rounded.
  const shift = 126 - exp;
  if (shift > 24) return sign;
  const full = mant | 0x800000;
  let m = full >>> shift;
  const rest = full & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rest > half || (rest === half && (m & 1))) m++;
  return sign | m;
}

/** One header entry once its fields are checked. */
interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Reads the 8-byte length and the JSON header; returns the header and where the data starts. */
function readHeader(bytes: Uint8Array): { header: Record<string, unknown>; dataStart: number } {
  if (bytes.length < 8) fail(`file is truncated: ${bytes.length} bytes, less than the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) {
    fail(`header length ${n} runs past the end of the file (${bytes.length} bytes): the file is truncated or not safetensors`);
  }
  const dataStart = 8 + Number(n);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    fail('header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail('header is not a JSON object');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    fail(`header is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isRecord(header)) fail('header is not a JSON object');
  return { header, dataStart };
}

function readMetadata(value: unknown): Record<string, string> {
  if (value === undefined) return Object.create(null);
  if (!isRecord(value)) fail(`'${METADATA_KEY}' must be an object of strings`);
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') fail(`metadata '${k}' must be a string, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return out;
}

/** Checks one tensor's header fields, its dtype, and its offsets against the data size. */
function readEntry(name: string, value: unknown, dataLength: number): Entry {
  const where = `tensor '${name}'`;
  if (!isRecord(value)) fail(`${where}: header entry is not an object`);
  for (const key of Object.keys(value)) {
    if (key !== 'dtype' && key !== 'shape' && key !== 'data_offsets') fail(`${where}: unexpected field '${key}'`);
  }
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') fail(`${where}: missing or invalid 'dtype'`);
  if (!Array.isArray(shape) || !shape.every(isCount)) fail(`${where}: missing or invalid 'shape' (a list of sizes)`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    fail(`${where}: missing or invalid 'data_offsets' (two byte offsets)`);
  }
  const itemSize = Object.hasOwn(DTYPE_SIZES, dtype) ? DTYPE_SIZES[dtype] : undefined;
  if (itemSize === undefined) fail(`${where}: unknown dtype '${dtype}'`);
  if (!READABLE.includes(dtype)) fail(`${where}: dtype ${dtype} is not supported (seqlab reads ${READABLE.join(', ')})`);
  const [begin, end] = offsets as number[];
  if (begin > end) fail(`${where}: data_offsets [${begin}, ${end}] run backwards`);
  if (end > dataLength) fail(`${where}: data_offsets [${begin}, ${end}] are out of range: the data is ${dataLength} bytes`);
  const bytes = (shape as number[]).reduce((a, b) => a * b, 1) * itemSize;
  if (bytes !== end - begin) {
    fail(`${where}: shape [${shape.join(', ')}] of ${dtype} needs ${bytes} bytes, data_offsets [${begin}, ${end}] hold ${end - begin}`);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** The tensors must tile the data exactly: no overlaps, no gaps, nothing left over. */
function checkTiling(entries: readonly Entry[], dataLength: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let previous: Entry | null = null;
  for (const e of sorted) {
    if (e.begin < at) {
      fail(`tensors '${previous!.name}' and '${e.name}' have overlapping data_offsets ([${previous!.begin}, ${previous!.end}] and [${e.begin}, ${e.end}])`);
    }
    if (e.begin > at) fail(`bytes ${at} to ${e.begin} of the data belong to no tensor (gap before '${e.name}')`);
    at = e.end;
    previous = e;
  }
  if (at !== dataLength) fail(`the data is ${dataLength} bytes but the tensors cover ${at}: ${dataLength - at} bytes belong to no tensor`);
}

/** The number of IEEE half-precision bits h. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Converts one tensor's bytes (at `start` in `bytes`) to float32. */
function decode(bytes: Uint8Array, start: number, e: Entry): Float32Array {
  const count = (e.end - e.begin) / DTYPE_SIZES[e.dtype];
  const out = new Float32Array(count);
  if (e.dtype === 'F32' && LITTLE_ENDIAN_HOST) {
    // Copy rather than view: the data may sit at an offset that is not a multiple of 4.
    new Uint8Array(out.buffer).set(bytes.subarray(start, start + 4 * count));
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, e.end - e.begin);
  switch (e.dtype) {
    case 'F32': for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true); break;
    case 'F64': for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true); break;
    case 'F16': {
      const table = halfTable();
      for (let i = 0; i < count; i++) out[i] = table[view.getUint16(2 * i, true)];
      break;
    }
    default: { // BF16 is the top half of a float32.
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
    }
  }
  return out;
}

let halfValues: Float32Array | null = null;

/** Every half-precision value by its bits (256 KiB, made once): a lookup per weight instead of a power. */
function halfTable(): Float32Array {
  if (!halfValues) {
    halfValues = new Float32Array(1 << 16);
    for (let h = 0; h < 1 << 16; h++) halfValues[h] = halfToFloat(h);
  }
  return halfValues;
}

/**
 * Reads a safetensors file strictly: any truncation, malformed header, unknown field,
 * unsupported dtype, or data_offsets that overlap, leave gaps, run out of range or disagree
 * with the shape is a SeqlabError naming the problem (and the tensor). F16, BF16 and F64 are
 * converted to float32; integer and boolean dtypes are refused.
 */
export function parseSafetensors(bytes: Uint8Array): SafetensorsFile {
  const { header, dataStart } = readHeader(bytes);
  const dataLength = bytes.length - dataStart;
  const metadata = readMetadata(header[METADATA_KEY]);
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name !== METADATA_KEY) entries.push(readEntry(name, value, dataLength));
  }
  checkTiling(entries, dataLength);
  const tensors = new Map<string, StoredArray>();
  for (const e of entries.sort((a, b) => compareCodePoints(a.name, b.name))) {
    tensors.set(e.name, { shape: e.shape, data: decode(bytes, dataStart + e.begin, e) });
  }
  return { tensors, metadata };
}

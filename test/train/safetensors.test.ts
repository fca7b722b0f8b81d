import { describe, expect, it } from 'vitest';
import { SeqlabError } from '../../src/errors.js';
import { Embedding, Linear } from '../../src/nn/layers.js';
import { Module } from '../../src/nn/module.js';
import { Rng } from '../../src/tensor/index.js';
import { loadModelBytes, saveModelBytes } from '../../src/train/checkpoint.js';
import { floatToHalf, halfToFloat, parseSafetensors, serializeSafetensors, type StoredArray } from '../../src/train/safetensors.js';
import { errorOf } from '../helpers/errors.js';

/** Embedding + projection: parameters `embed.weight`, `proj.weight`, `proj.bias`. */
class Tiny extends Module {
  embed: Embedding;
  proj: Linear;

  constructor(seed: number, vocab = 5, dim = 4, out = 3) {
    super();
    const rng = new Rng(seed);
    this.embed = new Embedding(vocab, dim, rng);
    this.proj = new Linear(dim, out, rng);
  }
}

/** A file from a raw header text and data bytes, with the 8-byte length in front. */
function rawFile(headerText: string, data: ArrayLike<number> = [], declaredLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function fileWith(header: object, dataBytes: number): Uint8Array {
  return rawFile(JSON.stringify(header), new Uint8Array(dataBytes));
}

function f32(name: string, shape: number[], begin: number, end: number): Record<string, unknown> {
  return { [name]: { dtype: 'F32', shape, data_offsets: [begin, end] } };
}


describe('safetensors layout', () => {
  it('writes a tiny known file byte for byte as the Python library does', () => {
    const tensors = new Map<string, StoredArray>([
      ['b', { shape: [2], data: Float32Array.of(1, -2) }],
      ['a', { shape: [1, 1], data: Float32Array.of(0.5) }],
    ]);
    const bytes = serializeSafetensors(tensors, { format: 'pt' });
    // Reference: safetensors.numpy.save({'b': ..., 'a': ...}, metadata={'format': 'pt'}) (0.8.0).
    const json = '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},'
      + '"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}';
    expect(json.length).toBe(141);
    expect(bytes.length).toBe(8 + 144 + 12);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([144, 0, 0, 0, 0, 0, 0, 0]);
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + 144))).toBe(`${json}   `);
    expect(Array.from(bytes.subarray(152))).toEqual([
      0x00, 0x00, 0x00, 0x3f, // 0.5
      0x00, 0x00, 0x80, 0x3f, // 1
      0x00, 0x00, 0x00, 0xc0, // -2
    ]);
  });

  it('pads the header to a multiple of 8 and omits empty metadata', () => {
    const bytes = serializeSafetensors(new Map([['x', { shape: [], data: Float32Array.of(3) }]]));
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + n)).trimEnd()).toBe('{"x":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}');
  });

  it('round-trips tensors and metadata, and reads data at any alignment', () => {
    const tensors = new Map<string, StoredArray>([
      ['w', { shape: [2, 3], data: Float32Array.of(1, 2, 3, -4, 5.5, 1e-30) }],
      ['empty', { shape: [0, 4], data: new Float32Array(0) }],
    ]);
    const bytes = serializeSafetensors(tensors, { note: 'héllo' });
    const shifted = new Uint8Array(bytes.length + 3).subarray(3);
    shifted.set(bytes);
    for (const b of [bytes, shifted]) {
      const file = parseSafetensors(b);
      expect(file.metadata).toEqual({ note: 'héllo' });
      expect([...file.tensors.keys()]).toEqual(['empty', 'w']);
      expect(file.tensors.get('w')).toEqual(tensors.get('w'));
      expect(file.tensors.get('empty')!.shape).toEqual([0, 4]);
    }
  });

  it('converts F16, BF16 and F64 to float32', () => {
    const data = new Uint8Array(2 + 2 + 8 + 2);
    const view = new DataView(data.buffer);
    view.setUint16(0, 0x3c00, true); // F16 1.0
    view.setUint16(2, 0xc000, true); // BF16 -2.0
    view.setFloat64(4, 0.1, true);
    view.setUint16(12, 0x0001, true); // F16 smallest subnormal 2^-24
    const header = {
      h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] },
      bf: { dtype: 'BF16', shape: [1], data_offsets: [2, 4] },
      d: { dtype: 'F64', shape: [1], data_offsets: [4, 12] },
      sub: { dtype: 'F16', shape: [1], data_offsets: [12, 14] },
    };
    const { tensors } = parseSafetensors(rawFile(JSON.stringify(header), data));
    expect(tensors.get('h')!.data[0]).toBe(1);
    expect(tensors.get('bf')!.data[0]).toBe(-2);
    expect(tensors.get('d')!.data[0]).toBe(Math.fround(0.1));
    expect(tensors.get('sub')!.data[0]).toBe(2 ** -24);
  });

  it('refuses to write values that do not fill the shape, or a reserved name', () => {
    expect(errorOf(() => serializeSafetensors(new Map([['x', { shape: [2, 2], data: new Float32Array(3) }]]))))
      .toMatch(/tensor 'x' has 3 values, which do not fill shape \[2, 2\]/);
    expect(errorOf(() => serializeSafetensors(new Map([['__metadata__', { shape: [1], data: new Float32Array(1) }]]))))
      .toMatch(/'__metadata__' cannot name a tensor/);
  });
});

describe('safetensors model round trip', () => {
  it('a Linear + Embedding model comes back with identical parameters', () => {
    const source = new Tiny(1);
    const target = new Tiny(2);
    expect(target.proj.weight.data).not.toEqual(source.proj.weight.data);
    const bytes = saveModelBytes(source, { epoch: '3' });
    const metadata = loadModelBytes(target, bytes);
    expect(metadata).toEqual({ format: 'pt', epoch: '3' });
    for (const [name, p] of source.namedParameters()) {
      expect(target.stateDict().get(name)!.data, name).toEqual(p.data);
    }
    expect([...parseSafetensors(bytes).tensors.keys()]).toEqual(['embed.weight', 'proj.bias', 'proj.weight']);
    expect(target.proj.weight.version).toBe(1);
  });
});

describe('safetensors corrupt input', () => {
  const good = serializeSafetensors(new Map([
    ['a', { shape: [2], data: Float32Array.of(1, 2) }],
    ['b', { shape: [1], data: Float32Array.of(3) }],
  ]));

  it('a file shorter than 8 bytes', () => {
    expect(errorOf(() => parseSafetensors(new Uint8Array(5)))).toMatch(/truncated: 5 bytes, less than the 8-byte header length/);
  });

  it('a header length past the end of the file', () => {
    expect(errorOf(() => parseSafetensors(rawFile('{}', [], 1000n)))).toMatch(/header length 1000 runs past the end of the file \(10 bytes\)/);
    expect(errorOf(() => parseSafetensors(rawFile('{}', [], 2n ** 64n - 1n)))).toMatch(/header length 18446744073709551615 runs past the end/);
  });

  it('a file cut short inside its data', () => {
    expect(errorOf(() => parseSafetensors(good.subarray(0, good.length - 2))))
      .toMatch(/tensor 'b': data_offsets \[8, 12\] are out of range: the data is 10 bytes/);
  });

  it('a header that is not JSON, not an object, or not UTF-8', () => {
    expect(errorOf(() => parseSafetensors(rawFile('{"a": ')))).toMatch(/header is not valid JSON/);
    expect(errorOf(() => parseSafetensors(rawFile('[1, 2]')))).toMatch(/header is not a JSON object/);
    expect(errorOf(() => parseSafetensors(rawFile('')))).toMatch(/header is not a JSON object/);
    const bad = rawFile('{"a":1}');
    bad[10] = 0xff;
    expect(errorOf(() => parseSafetensors(bad))).toMatch(/header is not valid UTF-8/);
  });

  it('missing or invalid fields', () => {
    expect(errorOf(() => parseSafetensors(fileWith({ a: { dtype: 'F32', data_offsets: [0, 4] } }, 4))))
      .toMatch(/tensor 'a': missing or invalid 'shape'/);
    expect(errorOf(() => parseSafetensors(fileWith({ a: { shape: [1], data_offsets: [0, 4] } }, 4))))
      .toMatch(/tensor 'a': missing or invalid 'dtype'/);
    expect(errorOf(() => parseSafetensors(fileWith({ a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, 4))))
      .toMatch(/tensor 'a': missing or invalid 'data_offsets'/);
    expect(errorOf(() => parseSafetensors(fileWith({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4))))
      .toMatch(/tensor 'a': missing or invalid 'shape'/);
    expect(errorOf(() => parseSafetensors(fileWith({ a: [1] }, 0)))).toMatch(/tensor 'a': header entry is not an object/);
    expect(errorOf(() => parseSafetensors(fileWith({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4], x: 1 } }, 4))))
      .toMatch(/tensor 'a': unexpected field 'x'/);
    expect(errorOf(() => parseSafetensors(fileWith({ __metadata__: { n: 1 } }, 0)))).toMatch(/metadata 'n' must be a string/);
  });

  it('overlapping offsets', () => {
    const header = { ...f32('a', [2], 0, 8), ...f32('b', [2], 4, 12) };
    expect(errorOf(() => parseSafetensors(fileWith(header, 12))))
      .toMatch(/tensors 'a' and 'b' have overlapping data_offsets \(\[0, 8\] and \[4, 12\]\)/);
  });

  it('offsets that leave a gap or leave bytes over', () => {
    const gap = { ...f32('a', [1], 0, 4), ...f32('b', [1], 8, 12) };
    expect(errorOf(() => parseSafetensors(fileWith(gap, 12)))).toMatch(/bytes 4 to 8 of the data belong to no tensor \(gap before 'b'\)/);
    expect(errorOf(() => parseSafetensors(fileWith(f32('a', [1], 0, 4), 6)))).toMatch(/the data is 6 bytes but the tensors cover 4/);
  });

  it('out-of-range offsets', () => {
    expect(errorOf(() => parseSafetensors(fileWith(f32('a', [4], 0, 16), 8))))
      .toMatch(/tensor 'a': data_offsets \[0, 16\] are out of range: the data is 8 bytes/);
    expect(errorOf(() => parseSafetensors(fileWith(f32('a', [0], 8, 4), 8)))).toMatch(/tensor 'a': data_offsets \[8, 4\] run backwards/);
  });

  it('offsets that do not match shape × dtype size', () => {
    expect(errorOf(() => parseSafetensors(fileWith(f32('a', [3], 0, 8), 8))))
      .toMatch(/tensor 'a': shape \[3\] of F32 needs 12 bytes, data_offsets \[0, 8\] hold 8/);
  });

  it('an unsupported or unknown dtype', () => {
    const i64 = { ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } };
    expect(errorOf(() => parseSafetensors(fileWith(i64, 16)))).toMatch(/tensor 'ids': dtype I64 is not supported \(seqlab reads F32, F16, BF16, F64\)/);
    const bool = { mask: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } };
    expect(errorOf(() => parseSafetensors(fileWith(bool, 2)))).toMatch(/tensor 'mask': dtype BOOL is not supported/);
    const odd = { a: { dtype: 'toString', shape: [1], data_offsets: [0, 4] } };
    expect(errorOf(() => parseSafetensors(fileWith(odd, 4)))).toMatch(/tensor 'a': unknown dtype 'toString'/);
  });

  it('a shape that does not match the model', () => {
    const bytes = saveModelBytes(new Tiny(1, 5, 4, 3));
    expect(errorOf(() => loadModelBytes(new Tiny(1, 5, 4, 2), bytes)))
      .toMatch(/parameter 'proj.weight' has shape \[3, 4\], the model expects \[2, 4\]/);
  });

  it('a missing or unexpected parameter', () => {
    const linearOnly = saveModelBytes(new Linear(4, 3, new Rng(1)));
    expect(errorOf(() => loadModelBytes(new Tiny(1), linearOnly))).toMatch(/parameter 'embed.weight' is missing/);
    const withExtra = new Map<string, StoredArray>(new Tiny(1).stateDict());
    withExtra.set('proj.extra', { shape: [1], data: new Float32Array(1) });
    const extra = serializeSafetensors(withExtra);
    expect(errorOf(() => loadModelBytes(new Tiny(1), extra))).toMatch(/unexpected parameter 'proj.extra'/);
  });

  it('a failed load leaves the model unchanged', () => {
    const model = new Tiny(2);
    const before = model.parameters().map((p) => Float32Array.from(p.data));
    expect(() => loadModelBytes(model, saveModelBytes(new Tiny(1, 5, 4, 2)))).toThrow(SeqlabError);
    expect(model.parameters().map((p) => [...p.data])).toEqual(before.map((b) => [...b]));
  });
});

describe('half precision', () => {
  it('rounds to the nearest half, ties to even, with overflow, underflow, subnormals and NaN', () => {
    const cases: [number, number][] = [[0, 0], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65519, 0x7bff],
      [65520, 0x7c00], [1e6, 0x7c00], [-Infinity, 0xfc00], [2 ** -24, 0x0001], [2 ** -25, 0], [1.5 * 2 ** -25, 0x0001],
      [3 * 2 ** -25, 0x0002], [2 ** -14, 0x0400], [1 / 3, 0x3555], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02]];
    for (const [x, bits] of cases) expect(floatToHalf(x), String(x)).toBe(bits);
    expect(floatToHalf(NaN) & 0x7c00).toBe(0x7c00);
    expect(floatToHalf(NaN) & 0x3ff).not.toBe(0);
  });

  it('every half survives float → half → float exactly, and other values land on a neighbour within half a step', () => {
    for (let h = 0; h < 0x10000; h++) {
      const x = halfToFloat(h);
      if (Number.isNaN(x)) continue;
      expect(floatToHalf(x), `0x${h.toString(16)}`).toBe(h);
    }
    const rng = new Rng(4);
    for (let i = 0; i < 2000; i++) {
      const x = Math.fround(rng.normal() * 2 ** (rng.int(30) - 15));
      const y = halfToFloat(floatToHalf(x));
      expect(Math.abs(y - x)).toBeLessThanOrEqual(Math.max(Math.abs(x) * 2 ** -11, 2 ** -25));
    }
  });

  it('an F16 file is half the data and loads back as the rounded values', () => {
    const data = Float32Array.of(1, -2.5, 1 / 3, 70000);
    const bytes = serializeSafetensors(new Map([['w', { shape: [4], data }]]), undefined, 'F16');
    const back = parseSafetensors(bytes).tensors.get('w')!;
    expect(Array.from(back.data)).toEqual([1, -2.5, halfToFloat(0x3555), Infinity]);
    expect(bytes.length).toBeLessThan(serializeSafetensors(new Map([['w', { shape: [4], data }]])).length);
  });
});

/**
 * Fuzz: safetensors, model and optimizer files. Random bytes, valid files cut or with bytes
 * flipped, and headers made adversarial field by field (a length of 2^63 or 100 GB, offsets past
 * the end or overlapping, shapes whose product overflows, unknown dtypes, odd names) give a
 * result or a SeqlabError, quickly and without allocating more than the file; a failed load
 * leaves the model and optimizer as they were; what is written reads back bit for bit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Embedding, Linear } from '../../src/nn/layers.js';
import { Module } from '../../src/nn/module.js';
import { Rng } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';
import { loadModelBytes, loadOptimizerBytes, saveModelBytes, saveOptimizerBytes } from '../../src/train/checkpoint.js';
import { makeOptimizer } from '../../src/train/optim.js';
import { floatToHalf, halfToFloat, parseSafetensors, serializeSafetensors, type StoredArray } from '../../src/train/safetensors.js';
import { params, resultOrCleanError } from './helpers.js';

class Tiny extends Module {
  embed: Embedding;
  proj: Linear;

  constructor(seed: number) {
    super();
    const rng = new Rng(seed);
    this.embed = new Embedding(5, 4, rng);
    this.proj = new Linear(4, 3, rng);
  }
}

/** A file from a header value (any JSON, or raw text) and data bytes; `length` overrides the 8-byte header length. */
function rawFile(header: unknown, data: Uint8Array, length?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Numbers a hostile header would hold where sizes and offsets go. */
const hostileNumber = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 4, 7, 8, 12, 16, 48, -1, -8, 0.5, 1e300, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 1e11, Number.MAX_SAFE_INTEGER),
  fc.integer({ min: -4, max: 64 }),
);
const hostileValue = fc.oneof(hostileNumber, fc.constantFrom(null, true, 'F32', 'F16', 'BF16', 'F64', 'I64', 'U8', 'F8_E4M3', 'f32', '', 'toString', '__proto__'),
  fc.array(hostileNumber, { maxLength: 4 }), fc.constant({}), fc.constant([[1]]));
const entry = fc.record({
  dtype: fc.oneof(fc.constantFrom('F32', 'F16', 'BF16', 'F64', 'I32', 'BOOL', 'X', 'constructor'), hostileValue),
  shape: fc.oneof(fc.array(hostileNumber, { maxLength: 4 }), hostileValue),
  data_offsets: fc.oneof(fc.tuple(hostileNumber, hostileNumber), fc.array(hostileNumber, { maxLength: 3 }), hostileValue),
}, { requiredKeys: [] }).chain((e) => fc.oneof({ weight: 4, arbitrary: fc.constant(e) }, { weight: 1, arbitrary: fc.constant({ ...e, extra: 1 }) }));
const name = fc.oneof(fc.constantFrom('embed.weight', 'proj.weight', 'proj.bias', '__proto__', '__metadata__', 'constructor', '', 'a'), fc.string({ maxLength: 6 }));
const hostileHeader = fc.dictionary(name, fc.oneof({ weight: 5, arbitrary: entry }, { weight: 1, arbitrary: hostileValue }), { maxKeys: 5 });
const headerLength = fc.oneof(fc.constant(undefined), fc.constantFrom(0n, 1n, 2n ** 63n, 2n ** 64n - 1n, 100_000_000_000n, 7n), fc.bigInt({ min: 0n, max: 400n }));

describe('fuzz: safetensors', () => {
  it('random bytes parse or fail with a SeqlabError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
      resultOrCleanError(() => parseSafetensors(bytes), /^safetensors: /);
    }), params(1000));
  });

  it('adversarial headers (lengths, offsets, shapes, dtypes, names) fail with a SeqlabError or parse within the file', () => {
    fc.assert(fc.property(hostileHeader, fc.uint8Array({ maxLength: 64 }), headerLength, (header, data, length) => {
      const bytes = rawFile(header, data, length);
      const file = resultOrCleanError(() => parseSafetensors(bytes), /^safetensors: /);
      if (!file) return;
      let floats = 0;
      for (const t of file.tensors.values()) {
        expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
        floats += t.data.length;
      }
      expect(floats).toBeLessThanOrEqual(bytes.length); // nothing bigger than the file itself
    }), params(2000));
  });

  it('a header length of 2^63, of 100 GB, or of 2^64 - 1 is refused at once', () => {
    for (const length of [2n ** 63n, 100_000_000_000n, 2n ** 64n - 1n]) {
      expect(resultOrCleanError(() => parseSafetensors(rawFile({}, new Uint8Array(8), length)), /header length \d+ runs past the end/)).toBeNull();
    }
    const huge = { w: { dtype: 'F32', shape: [2 ** 31, 2 ** 31, 2 ** 31], data_offsets: [0, 16] } };
    expect(resultOrCleanError(() => parseSafetensors(rawFile(huge, new Uint8Array(16))), /needs \d.* bytes/)).toBeNull();
  });

  const tensorMap = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((n) => n !== '__metadata__'),
    fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }).chain((shape) => {
      const count = shape.reduce((a, b) => a * b, 1);
      return fc.array(fc.float(), { minLength: count, maxLength: count }).map((v): StoredArray => ({ shape, data: Float32Array.from(v) }));
    }), { maxKeys: 5 });
  const metadata = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 8 }), { maxKeys: 3 });

  it('tensors and metadata written as F32 read back bit for bit, and as F16 as their rounded halves', () => {
    fc.assert(fc.property(tensorMap, metadata, (tensors, meta) => {
      const map = new Map(Object.entries(tensors));
      const back = parseSafetensors(serializeSafetensors(map, meta));
      expect({ ...back.metadata }).toEqual(meta);
      expect([...back.tensors.keys()].sort()).toEqual([...map.keys()].sort());
      for (const [k, t] of map) {
        const got = back.tensors.get(k)!;
        expect(got.shape).toEqual(t.shape);
        expect(new Uint32Array(got.data.buffer)).toEqual(new Uint32Array(t.data.buffer));
      }
      const half = parseSafetensors(serializeSafetensors(map, meta, 'F16'));
      for (const [k, t] of map) {
        const want = Float32Array.from(t.data, (v) => halfToFloat(floatToHalf(v)));
        expect(Array.from(half.tensors.get(k)!.data)).toEqual(Array.from(want));
      }
    }), params(300));
  });

  /** A valid file with a few bytes overwritten, or cut short. */
  const damage = (bytes: Uint8Array): fc.Arbitrary<Uint8Array> => fc.oneof(
    fc.array(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((edits) => {
      const out = bytes.slice();
      for (const [at, v] of edits) out[at] = v;
      return out;
    }),
    fc.nat({ max: bytes.length - 1 }).map((n) => bytes.slice(0, n)),
  );

  it('a damaged model file loads or fails with a SeqlabError, and a failed load leaves the model unchanged', () => {
    const good = saveModelBytes(new Tiny(1));
    fc.assert(fc.property(damage(good), (bytes) => {
      const model = new Tiny(2);
      const before = saveModelBytes(model);
      if (resultOrCleanError(() => loadModelBytes(model, bytes)) === null) expect(saveModelBytes(model)).toEqual(before);
    }), params(600));
  });

  it('a damaged optimizer file loads or fails with a SeqlabError, and a failed load leaves the optimizer unchanged', () => {
    const model = new Tiny(1);
    const opt = makeOptimizer('adam', model);
    for (const [, p] of model.namedParameters()) p.grad = tensor(new Float32Array(p.size).fill(0.5), p.shape);
    opt.step();
    const good = saveOptimizerBytes(opt);
    fc.assert(fc.property(damage(good), (bytes) => {
      const fresh = makeOptimizer('adam', new Tiny(3));
      const before = saveOptimizerBytes(fresh);
      if (resultOrCleanError(() => loadOptimizerBytes(fresh, bytes)) === null) expect(saveOptimizerBytes(fresh)).toEqual(before);
    }), params(600));
  });

  it('model and optimizer files with adversarial headers load or fail with a SeqlabError', () => {
    fc.assert(fc.property(hostileHeader, fc.uint8Array({ maxLength: 128 }), (header, data) => {
      const bytes = rawFile(header, data);
      resultOrCleanError(() => loadModelBytes(new Tiny(1), bytes));
      resultOrCleanError(() => loadOptimizerBytes(makeOptimizer('sgd', new Tiny(1), { momentum: 0.9 }), bytes));
    }), params(800));
  });
});

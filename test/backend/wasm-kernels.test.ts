import { describe, expect, it } from 'vitest';
import type { BinaryOp, GemmArgs, UnaryOp } from '../../src/backend/backend.js';
import { BINARY_OPS, CELL_KINDS, REDUCE_OPS, UNARY_OPS } from '../../src/backend/op-table.js';
import { referenceBackend as reference } from '../../src/backend/reference.js';
import { WASM_BINARIES } from '../../src/backend/wasm/binaries.generated.js';
import { createWasmBackend, loadWasmBackend, loadWasmBackendSync, wasmBackend, type WasmBackend }
  from '../../src/backend/wasm/index.js';
import type { KernelExports } from '../../src/backend/wasm/kernels.js';
import { backendFor, expectClose, expectSame, filled, type Placement, Rng, uniform, variants } from './helpers.js';

/**
 * Every WebAssembly kernel against the reference backend, on random shapes with odd sizes and
 * tails, for each SIMD build this engine validates, with operands in the heap and in plain
 * arrays (which the backend stages through scratch). The ops come from op-table.ts, so an op added
 * there is tested here without a line of its own.
 */

const placements: Placement[] = ['heap', 'plain'];
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

interface GemmCase {
  batch: number; m: number; n: number; k: number; transA: boolean; transB: boolean;
  shareA: boolean; shareB: boolean; accumulate: boolean;
}

/** Runs one GEMM on both backends; the bound scales with Σ|a||b| (float32 accumulation). */
function checkGemm(w: WasmBackend, rng: Rng, g: GemmCase, placement: Placement): void {
  const { batch, m, n, k } = g;
  const a = uniform(rng, w, (g.shareA ? 1 : batch) * m * k, placement);
  const b = uniform(rng, w, (g.shareB ? 1 : batch) * k * n, placement);
  const c = uniform(rng, w, batch * m * n, placement);
  const expected = Float32Array.from(c);
  const args: Omit<GemmArgs, 'c'> = {
    batch, m, n, k, a, b, transA: g.transA, transB: g.transB, accumulate: g.accumulate,
    strideA: g.shareA ? 0 : m * k, strideB: g.shareB ? 0 : k * n, strideC: m * n,
  };
  const magnitude = new Float32Array(c.length);
  reference.gemm({ ...args, a: a.map(Math.abs), b: b.map(Math.abs), c: magnitude, accumulate: false });
  const start = Float32Array.from(c);
  w.gemm({ ...args, c });
  reference.gemm({ ...args, c: expected });
  const label = `gemm ${JSON.stringify(g)} ${placement}`;
  expectClose(c, expected, (i) => 1e-5 * (magnitude[i] + (g.accumulate ? Math.abs(start[i]) : 0)) + 1e-6, label);
}

/** Values that probe each unary op's domain edges, mixed into random data. */
const SPECIALS = [0, -0, 1e-30, -1e-30, 1e-40, -1e-40, 0.625, -0.625, 9, -9, 13, -13, 20, -20, 87.5, -87.5, 88.8,
  -88.8, 100, -104, 1e6, -1e6, NaN, Infinity, -Infinity];

function unaryInput(rng: Rng, w: WasmBackend, n: number, placement: Placement, op: UnaryOp): Float32Array {
  const positive = op === 'log' || op === 'sqrt';
  return filled(w, n, placement, () => {
    const v = rng.uniform() < 0.15 ? pick(rng, SPECIALS) : rng.normal() * pick(rng, [0.5, 3, 12]);
    return positive && rng.uniform() < 0.9 ? Math.abs(v) : v;
  });
}

const EXACT_UNARY = new Set<UnaryOp>(['neg', 'relu', 'sqrt', 'abs']);
/** Vector exp/log/tanh/erf are within a few ulps; GELU's derivative cancels near x ≈ −0.75. */
const unaryBound = (r: number): number => 1e-6 + 4e-6 * Math.abs(r);

/** A random broadcast layout: per axis, broadcast (stride 0) or not, stored in a random axis order. */
function randomStrides(rng: Rng, shape: readonly number[], broadcastChance: number): { strides: number[]; size: number } {
  const own = shape.map((d) => (rng.uniform() < broadcastChance ? 1 : d));
  const order = Array.from(rng.permutation(shape.length));
  const strides = new Array<number>(shape.length).fill(0);
  let s = 1;
  for (let i = order.length - 1; i >= 0; i--) {
    const ax = order[i];
    strides[ax] = own[ax] === 1 ? 0 : s;
    s *= own[ax];
  }
  return { strides, size: s };
}

function randomShape(rng: Rng, maxRank: number, dims: readonly number[]): number[] {
  return Array.from({ length: rng.int(maxRank + 1) }, () => pick(rng, dims));
}

const numel = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

describe.each(variants)('wasm kernels, %s build', (variant) => {
  const w = backendFor(variant);

  it('loads the build it was asked for', () => {
    expect(w.variant).toBe(variant);
    expect(w.sharedMemory).toBe(true);
  });

  describe('gemm', () => {
    const DIMS = [1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 17, 33];

    it('matches the reference on random odd shapes, every transpose, batches, stride 0 and accumulate', () => {
      const rng = new Rng(11);
      for (let t = 0; t < 120; t++) {
        checkGemm(w, rng, {
          batch: pick(rng, [1, 1, 2, 3]), m: pick(rng, DIMS), n: pick(rng, DIMS), k: pick(rng, DIMS),
          transA: rng.uniform() < 0.5, transB: rng.uniform() < 0.5, shareA: rng.uniform() < 0.25,
          shareB: rng.uniform() < 0.4, accumulate: rng.uniform() < 0.4,
        }, pick(rng, placements));
      }
    });

    it('runs the matrix-vector paths (m = 1, n = 1) in every orientation', () => {
      const rng = new Rng(12);
      for (const [m, n] of [[1, 37], [1, 1], [41, 1], [1, 300]]) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            for (const accumulate of [false, true]) {
              checkGemm(w, rng, { batch: 2, m, n, k: pick(rng, [1, 3, 4, 31, 130]), transA, transB, shareA: false,
                shareB: true, accumulate }, 'heap');
            }
          }
        }
      }
    });

    it('blocks depth beyond 256 and rows beyond 64 (the KC and MB blocks)', () => {
      const rng = new Rng(13);
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          checkGemm(w, rng, { batch: 1, m: 70, n: 45, k: 515, transA, transB, shareA: false, shareB: false,
            accumulate: transA }, 'heap');
        }
      }
    });

    it('with k = 0 writes zeros, or leaves C alone when accumulating', () => {
      const rng = new Rng(14);
      for (const accumulate of [false, true]) {
        checkGemm(w, rng, { batch: 2, m: 3, n: 5, k: 0, transA: false, transB: false, shareA: false, shareB: false,
          accumulate }, 'heap');
      }
    });

    it('reads operands at subarray offsets and leaves gaps between strided C blocks alone', () => {
      const rng = new Rng(15);
      const a = uniform(rng, w, 1 + 2 * 5 * 6);
      const b = uniform(rng, w, 6 * 7);
      for (const placement of placements) {
        const c = uniform(rng, w, 3 + 2 * 40, placement);
        const expected = Float32Array.from(c);
        const args = { batch: 2, m: 5, n: 7, k: 6, a: a.subarray(1), b, transA: false, transB: false, strideA: 30,
          strideB: 0, strideC: 40, accumulate: false };
        w.gemm({ ...args, c: c.subarray(3) });
        reference.gemm({ ...args, c: expected.subarray(3) });
        expectClose(c, expected, () => 1e-5, `strided C, ${placement}`);
      }
    });

    it('hands calls with too-short operands to the reference', () => {
      const rng = new Rng(16);
      const a = uniform(rng, w, 5);
      const b = uniform(rng, w, 6);
      const c = w.alloc(4);
      const expected = new Float32Array(4);
      const args = { batch: 1, m: 2, n: 2, k: 3, a, b, transA: false, transB: false, strideA: 0, strideB: 0,
        strideC: 0, accumulate: false };
      w.gemm({ ...args, c });
      reference.gemm({ ...args, c: expected });
      expectSame(c, expected, 'short A');
    });
  });

  describe('unary and unaryGrad', () => {
    for (const op of UNARY_OPS) {
      it(`${op}: forward and gradient, tails and special values`, () => {
        const rng = new Rng(20 + UNARY_OPS.indexOf(op));
        for (const n of [0, 1, 3, 4, 5, 17, 1001]) {
          for (const placement of placements) {
            const x = unaryInput(rng, w, n, placement, op);
            const y = filled(w, n, placement, () => 0);
            const expected = new Float32Array(n);
            w.unary(op, x, y);
            reference.unary(op, x, expected);
            if (EXACT_UNARY.has(op)) expectSame(y, expected, `${op} n=${n} ${placement}`);
            else expectClose(y, expected, (i) => unaryBound(expected[i]), `${op} n=${n} ${placement}`);

            const g = uniform(rng, w, n, placement);
            const dx = filled(w, n, placement, () => 0);
            const dxExpected = new Float32Array(n);
            w.unaryGrad(op, x, expected, g, dx);
            reference.unaryGrad(op, x, expected, g, dxExpected);
            expectClose(dx, dxExpected, (i) => unaryBound(dxExpected[i]), `${op}' n=${n} ${placement}`);
          }
        }
      });
    }

    it('computes in place (out === x)', () => {
      const rng = new Rng(30);
      for (const placement of placements) {
        const x = unaryInput(rng, w, 37, placement, 'tanh');
        const expected = new Float32Array(37);
        reference.unary('tanh', x, expected);
        w.unary('tanh', x, x);
        expectClose(x, expected, (i) => unaryBound(expected[i]), `in place, ${placement}`);
      }
    });
  });

  describe('binary', () => {

    /** Operand values: small integers (ties for comparisons), some NaN, positive bases for pow. */
    const values = (rng: Rng, op: BinaryOp, side: 'a' | 'b'): number => {
      if (rng.uniform() < 0.03) return NaN;
      if (op === 'pow') return side === 'a' ? rng.uniform(0, 3) : pick(rng, [2, 0.5, -1, 3, rng.uniform(-3, 3)]);
      return rng.uniform() < 0.3 ? rng.int(3) - 1 : rng.normal();
    };

    const run = (rng: Rng, op: BinaryOp, shape: number[], aLay: { strides: number[]; size: number },
      bLay: { strides: number[]; size: number }, placement: Placement): void => {
      const a = filled(w, aLay.size, placement, () => values(rng, op, 'a'));
      const b = filled(w, bLay.size, placement, () => values(rng, op, 'b'));
      const out = filled(w, numel(shape), placement, () => 0);
      const expected = new Float32Array(numel(shape));
      w.binary(op, a, aLay.strides, b, bLay.strides, out, shape);
      reference.binary(op, a, aLay.strides, b, bLay.strides, expected, shape);
      expectSame(out, expected, `${op} [${shape}] a${JSON.stringify(aLay.strides)} b${JSON.stringify(bLay.strides)}`);
    };

    for (const op of BINARY_OPS) {
      it(`${op}: same shape, scalar, row and column broadcasts, strided and random layouts`, () => {
        const rng = new Rng(40 + BINARY_OPS.indexOf(op));
        const contiguous = (shape: number[]) => randomStrides({ uniform: () => 1, permutation: (n: number) =>
          Int32Array.from({ length: n }, (_, i) => i) } as unknown as Rng, shape, 0);
        const B = 3;
        const T = 5;
        const C = 19;
        const shape = [B, T, C];
        const full = contiguous(shape);
        const row = { strides: [0, 0, 1], size: C };
        const column = { strides: [T, 1, 0], size: B * T };
        const middle = { strides: [C, 0, 1], size: B * C };
        const scalar = { strides: [0, 0, 0], size: 1 };
        const transposed = { strides: [T * C, 1, T], size: B * T * C };
        for (const placement of placements) {
          for (const [x, y] of [[full, full], [full, row], [row, full], [full, column], [column, full], [full, scalar],
            [scalar, full], [middle, column], [transposed, full], [full, transposed], [scalar, scalar]]) {
            run(rng, op, shape, x, y, placement);
          }
        }
        run(rng, op, [], { strides: [], size: 1 }, { strides: [], size: 1 }, 'heap');
        run(rng, op, [0, 3], { strides: [3, 1], size: 0 }, { strides: [0, 1], size: 3 }, 'heap');
        for (let t = 0; t < 40; t++) {
          const s = randomShape(rng, 5, [1, 2, 3, 4, 5, 7]);
          run(rng, op, s, randomStrides(rng, s, 0.3), randomStrides(rng, s, 0.3), pick(rng, placements));
        }
      });
    }
  });

  it('where: broadcast condition, NaN and −0 conditions, random layouts', () => {
    const rng = new Rng(50);
    for (let t = 0; t < 60; t++) {
      const shape = randomShape(rng, 4, [1, 2, 3, 5, 8, 9]);
      const placement = pick(rng, placements);
      const lays = [0, 1, 2].map(() => randomStrides(rng, shape, 0.35));
      const cond = filled(w, lays[0].size, placement, () => pick(rng, [0, 1, -0, NaN, 2, 0]));
      const a = uniform(rng, w, lays[1].size, placement);
      const b = uniform(rng, w, lays[2].size, placement);
      const out = filled(w, numel(shape), placement, () => 0);
      const expected = new Float32Array(numel(shape));
      w.where(cond, lays[0].strides, a, lays[1].strides, b, lays[2].strides, out, shape);
      reference.where(cond, lays[0].strides, a, lays[1].strides, b, lays[2].strides, expected, shape);
      expectSame(out, expected, `where [${shape}]`);
    }
  });

  it('reduce: every op over the middle axis, inner 1 and wide, empty axes, NaN', () => {
    const rng = new Rng(60);
    const DIMS = [0, 1, 2, 3, 5, 8, 9, 17, 33];
    for (let t = 0; t < 150; t++) {
      const op = pick(rng, REDUCE_OPS);
      const [outer, n, inner] = [pick(rng, DIMS), pick(rng, [...DIMS, 100]), pick(rng, [1, 1, ...DIMS])];
      const placement = pick(rng, placements);
      const x = filled(w, outer * n * inner, placement, () => (rng.uniform() < 0.01 ? NaN : rng.normal() * 10));
      const out = filled(w, outer * inner, placement, () => 0);
      const expected = new Float32Array(outer * inner);
      w.reduce(op, x, outer, n, inner, out);
      reference.reduce(op, x, outer, n, inner, expected);
      const magnitude = new Float32Array(outer * inner);
      reference.reduce('sum', x.map(Math.abs), outer, n, inner, magnitude);
      const label = `${op} [${outer}, ${n}, ${inner}] ${placement}`;
      if (op === 'max') expectSame(out, expected, label);
      else expectClose(out, expected, (i) => 2e-7 * magnitude[i], label);
    }
  });

  it('permute: random shapes and permutations', () => {
    const rng = new Rng(70);
    for (let t = 0; t < 80; t++) {
      const shape = randomShape(rng, 5, [1, 2, 3, 4, 5, 6]);
      const perm = Array.from(rng.permutation(shape.length));
      const placement = pick(rng, placements);
      const x = uniform(rng, w, numel(shape), placement);
      const out = filled(w, numel(shape), placement, () => 0);
      const expected = new Float32Array(numel(shape));
      w.permute(x, shape, perm, out);
      reference.permute(x, shape, perm, expected);
      expectSame(out, expected, `permute [${shape}] by [${perm}]`);
    }
  });

  it('axisCopy: slices and concatenation, copy and accumulate', () => {
    const rng = new Rng(80);
    for (let t = 0; t < 80; t++) {
      const [outer, inner] = [rng.int(4) + 1, pick(rng, [1, 2, 3, 4, 7, 16])];
      const srcN = rng.int(6) + 1;
      const dstN = rng.int(6) + 1;
      const count = rng.int(Math.min(srcN, dstN)) + 1;
      const srcStart = rng.int(srcN - count + 1);
      const dstStart = rng.int(dstN - count + 1);
      const accumulate = rng.uniform() < 0.5;
      const placement = pick(rng, placements);
      const src = uniform(rng, w, outer * srcN * inner, placement);
      const dst = uniform(rng, w, outer * dstN * inner, placement);
      const expected = Float32Array.from(dst);
      w.axisCopy(src, srcN, srcStart, dst, dstN, dstStart, outer, count, inner, accumulate);
      reference.axisCopy(src, srcN, srcStart, expected, dstN, dstStart, outer, count, inner, accumulate);
      expectSame(dst, expected, `axisCopy ${JSON.stringify({ outer, srcN, dstN, count, inner, accumulate })}`);
    }
  });

  it('gatherRows: lookups with repeated indices, scatter-add, out-of-range indices via the reference', () => {
    const rng = new Rng(90);
    for (let t = 0; t < 60; t++) {
      const [outer, rows, inner, m] = [rng.int(3) + 1, rng.int(9) + 1, pick(rng, [1, 3, 4, 8, 13]), rng.int(12) + 1];
      const scatterAdd = rng.uniform() < 0.5;
      const placement = pick(rng, placements);
      const index = Int32Array.from({ length: m }, () => (t % 10 === 9 && rng.uniform() < 0.2 ? rows : rng.int(rows)));
      const x = uniform(rng, w, outer * rows * inner, placement);
      const out = uniform(rng, w, outer * m * inner, placement);
      const xExpected = Float32Array.from(x);
      const outExpected = Float32Array.from(out);
      w.gatherRows(x, rows, index, out, outer, inner, scatterAdd);
      reference.gatherRows(xExpected, rows, index, outExpected, outer, inner, scatterAdd);
      const label = `gatherRows ${JSON.stringify({ outer, rows, inner, m, scatterAdd })}`;
      expectSame(x, xExpected, `${label} x`);
      expectSame(out, outExpected, `${label} out`);
    }
  });

  it('im2col1d: padding and dilation, forward and col2im', () => {
    const rng = new Rng(100);
    for (let t = 0; t < 60; t++) {
      const [batch, cin, len, kernel] = [rng.int(3) + 1, rng.int(4) + 1, rng.int(12) + 1, rng.int(4) + 1];
      const padding = rng.int(3);
      const dilation = rng.int(3) + 1;
      const lenOut = len + 2 * padding - dilation * (kernel - 1);
      if (lenOut <= 0) continue;
      const placement = pick(rng, placements);
      const transpose = rng.uniform() < 0.5;
      const x = uniform(rng, w, batch * cin * len, placement);
      const cols = uniform(rng, w, batch * lenOut * cin * kernel, placement);
      const xExpected = Float32Array.from(x);
      const colsExpected = Float32Array.from(cols);
      w.im2col1d(x, cols, batch, cin, len, kernel, padding, dilation, transpose);
      reference.im2col1d(xExpected, colsExpected, batch, cin, len, kernel, padding, dilation, transpose);
      const label = `im2col1d ${JSON.stringify({ batch, cin, len, kernel, padding, dilation, transpose })}`;
      expectSame(x, xExpected, `${label} x`);
      expectSame(cols, colsExpected, `${label} cols`);
    }
  });
});

describe('loading', () => {
  it('compiles asynchronously too, and shares one default instance behind wasmBackend', async () => {
    const fresh = await createWasmBackend({ simd: 'simd' });
    expect(fresh.variant).toBe('simd');
    const x = fresh.alloc(5);
    x.set([0, 1, -1, 2, -2]);
    const y = fresh.alloc(5);
    fresh.unary('abs', x, y);
    expect(Array.from(y)).toEqual([0, 1, 1, 2, 2]);
    const loaded = await loadWasmBackend();
    expect(loadWasmBackendSync()).toBe(loaded);
    expect(loaded.owns(wasmBackend.alloc(3))).toBe(true);
    expect(wasmBackend.name).toBe('wasm');
  });
});

describe('SIMD builds', () => {
  it('include plain SIMD; relaxed SIMD validates with the flag on Node 20 (and by default later)', () => {
    expect(variants).toContain('simd');
    const major = Number(process.versions.node.split('.')[0]);
    if (major >= 20) expect(variants).toContain('relaxed-simd');
  });
});

describe('op codes', () => {
  /** The plain-SIMD module's raw exports over a small memory of its own, to call with any code. */
  function rawKernels(): { k: KernelExports; at: number } {
    const memory = new WebAssembly.Memory({ initial: 16 });
    const env = { memory, 'Math.exp': Math.exp, 'Math.log': Math.log, 'Math.tanh': Math.tanh, 'Math.pow': Math.pow };
    const module = new WebAssembly.Module(Buffer.from(WASM_BINARIES.simd.unshared, 'base64'));
    const k = new WebAssembly.Instance(module, { env }).exports as unknown as KernelExports;
    new Int32Array(memory.buffer, k.metaAddress(), 3).set([4, 1, 1]); // binary's meta: shape [4], strides [1], [1]
    return { k, at: k.heapBase() }; // one 16-byte operand at `at`, read and written in place
  }

  // Each kernel's last code runs; the next one (no op in the table) traps instead of computing a neighbour.
  it('trap on a code past the table instead of falling back to another op', () => {
    const { k, at } = rawKernels();
    const meta = k.metaAddress();
    const calls: [string, number, (code: number) => void][] = [
      ['unary', UNARY_OPS.length, (code) => k.unary(code, at, at, 4)],
      ['unaryGrad', UNARY_OPS.length, (code) => k.unaryGrad(code, at, at, at, at, 4)],
      ['binary', BINARY_OPS.length, (code) => k.binary(code, at, at, at, 1, meta)],
      ['reduce', REDUCE_OPS.length, (code) => k.reduce(code, at, 1, 4, 1, at)],
      ['recurrenceForward', CELL_KINDS.length,
        (code) => k.recurrenceForward(code, 0, 0, 0, at, at, 0, at, 0, 0, 0, at, 0, 0, at, 0)],
      ['recurrenceBackward', CELL_KINDS.length,
        (code) => k.recurrenceBackward(code, 0, 0, 0, at, at, 0, 0, 0, at, at, at, at, 0, at, at, 0, at, 0, at)],
    ];
    for (const [name, count, call] of calls) {
      expect(() => call(count - 1), `${name} ${count - 1}`).not.toThrow();
      expect(() => call(count), `${name} ${count}`).toThrow(/unreachable/);
    }
  });
});

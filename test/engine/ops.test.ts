import { describe, expect, it } from 'vitest';
import { ops } from '../../src/index.js';
import { backward, Rng, tensor } from '../../src/tensor/index.js';
import { checkOp, rand } from '../helpers/check-op.js';

const t = (values: number[], shape?: number[]): ReturnType<typeof tensor> => tensor(values, shape);

describe('elementwise binary ops with broadcasting', () => {
  it('add: same shapes, hand-computed', () => {
    checkOp(ops.add, [t([1, 2, 3]), t([10, 20, 30])], [11, 22, 33]);
  });
  it('add: row vector broadcast over a matrix', () => {
    checkOp(ops.add, [t([1, 2, 3, 4, 5, 6], [2, 3]), t([10, 20, 30], [3])], [11, 22, 33, 14, 25, 36]);
  });
  it('add: column [2,1] against row [1,3] broadcasts both ways', () => {
    checkOp(ops.add, [t([1, 2], [2, 1]), t([10, 20, 30], [1, 3])], [11, 21, 31, 12, 22, 32]);
  });
  it('add: scalar tensor against rank 3', () => {
    checkOp(ops.add, [rand([2, 3, 4], 1), t([0.5], [])]);
  });
  it('add: missing leading axes and inner size-1 axes', () => {
    checkOp(ops.add, [rand([2, 1, 4], 2), rand([3, 1], 3)]);
  });
  it('sub', () => {
    checkOp(ops.sub, [t([5, 7], [2, 1]), t([1, 2, 3], [3])], [4, 3, 2, 6, 5, 4]);
  });
  it('mul', () => {
    checkOp(ops.mul, [t([1, 2, 3, 4], [2, 2]), t([2, -1], [2])], [2, -2, 6, -4]);
  });
  it('mul with the same tensor twice accumulates both paths', () => {
    checkOp((a) => ops.mul(a, a), [t([1.5, -2])], [2.25, 4]);
  });
  it('div', () => {
    checkOp(ops.div, [t([1, 2, 3, 4], [2, 2]), t([2, 4], [2, 1])], [0.5, 1, 0.75, 1]);
  });
  it('pow with a tensor exponent (both gradients)', () => {
    checkOp(ops.pow, [t([1.5, 2, 0.5]), t([2, 0.5, 3])], [2.25, Math.SQRT2, 0.125]);
  });
  it('rejects shapes that cannot broadcast', () => {
    expect(() => ops.add(rand([2, 3]), rand([4]))).toThrow(/\[2, 3\] and \[4\] cannot be broadcast/);
  });
});

describe('elementwise unary ops', () => {
  const x = (): ReturnType<typeof tensor> => t([-1.3, -0.2, 0.4, 1.7]);
  it('neg', () => checkOp(ops.neg, [x()], [1.3, 0.2, -0.4, -1.7]));
  it('exp', () => checkOp(ops.exp, [x()], [-1.3, -0.2, 0.4, 1.7].map(Math.exp)));
  it('log', () => checkOp(ops.log, [t([0.5, 1, 2.5])], [Math.log(0.5), 0, Math.log(2.5)]));
  it('tanh', () => checkOp(ops.tanh, [x()], [-1.3, -0.2, 0.4, 1.7].map(Math.tanh)));
  it('sigmoid, including large magnitudes without overflow', () => {
    checkOp(ops.sigmoid, [x()], [-1.3, -0.2, 0.4, 1.7].map((v) => 1 / (1 + Math.exp(-v))));
    const y = ops.sigmoid(t([-200, 200]));
    expect([...y.data]).toEqual([0, 1]);
  });
  it('relu', () => checkOp(ops.relu, [x()], [0, 0, 0.4, 1.7]));
  it('gelu (erf form): known values', () => {
    // x·Φ(x): Φ(1) = 0.841344746, Φ(-0.5) = 0.308537539
    checkOp((a) => ops.gelu(a), [t([1, -0.5, 2.2])], [0.841344746, -0.5 * 0.308537539, 2.2 * 0.986096552]);
  });
  it('gelu (tanh form)', () => {
    const f = (v: number): number => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    checkOp((a) => ops.gelu(a, 'tanh'), [x()], [-1.3, -0.2, 0.4, 1.7].map(f));
  });
  it('sqrt', () => checkOp(ops.sqrt, [t([0.25, 4, 2])], [0.5, 2, Math.SQRT2]));
});

describe('reductions', () => {
  const m = (): ReturnType<typeof tensor> => t([1, 2, 3, 4, 5, 6], [2, 3]);
  it('sum over everything', () => checkOp((a) => ops.sum(a), [m()], [21]));
  it('sum over axis 0 and over -1 with keepdim', () => {
    checkOp((a) => ops.sum(a, 0), [m()], [5, 7, 9]);
    checkOp((a) => ops.sum(a, -1, true), [m()], [6, 15]);
    expect(ops.sum(m(), -1, true).shape).toEqual([2, 1]);
  });
  it('sum over two axes of a rank-3 tensor', () => checkOp((a) => ops.sum(a, [0, 2]), [rand([2, 3, 4], 4)]));
  it('mean', () => checkOp((a) => ops.mean(a, 1), [m()], [2, 5]));
  it('max picks the largest and routes the gradient there', () => {
    checkOp((a) => ops.max(a, 1), [t([1, 5, 3, 9, 2, 4], [2, 3])], [5, 9]);
  });
  it('max over the middle axis, over two axes, and with keepdim', () => {
    checkOp((a) => ops.max(a, 1), [rand([2, 3, 4], 5)]);
    checkOp((a) => ops.max(a, [0, 2]), [rand([2, 3, 4], 6)]);
    checkOp((a) => ops.max(a, -1, true), [rand([3, 4], 7)]);
  });
  it('max shares the gradient equally between tied maxima', () => {
    const x = t([2, 7, 7, 1, 3, 3], [2, 3]);
    x.requiresGrad = true;
    backward(ops.sum(ops.max(x, 1)));
    expect(Array.from(x.grad!.data)).toEqual([0, 0.5, 0.5, 0, 0.5, 0.5]);
  });
});

describe('matmul', () => {
  it('2-D, hand-computed', () => {
    checkOp((a, b) => ops.matmul(a, b), [t([1, 2, 3, 4, 5, 6], [2, 3]), t([1, 0, 0, 1, 1, 1], [3, 2])], [4, 5, 10, 11]);
  });
  it('batched [..., m, k] · shared weight [k, n]', () => checkOp((a, b) => ops.matmul(a, b), [rand([2, 3, 4], 5), rand([4, 5], 6)]));
  it('shared [m, k] · batched [b, k, n]', () => checkOp((a, b) => ops.matmul(a, b), [rand([3, 4], 7), rand([2, 4, 5], 8)]));
  it('batched with batched', () => checkOp((a, b) => ops.matmul(a, b), [rand([2, 3, 4], 9), rand([2, 4, 2], 10)]));
  it('with transB reads B as [n, k]', () => {
    checkOp((a, b) => ops.matmul(a, b, true), [rand([2, 3, 4], 11), rand([5, 4], 12)]);
    checkOp((a, b) => ops.matmul(a, b, true), [rand([2, 3, 4], 13), rand([2, 5, 4], 14)]);
  });
  it('rejects mismatched inner sizes and batch axes', () => {
    expect(() => ops.matmul(rand([2, 3]), rand([4, 5]))).toThrow(/inner sizes differ/);
    expect(() => ops.matmul(rand([2, 2, 3]), rand([3, 3, 5]))).toThrow(/batch axes differ/);
    expect(() => ops.matmul(rand([3]), rand([3, 5]))).toThrow(/at least 2 axes/);
  });
});

describe('shape ops', () => {
  it('reshape with an inferred axis', () => {
    checkOp((a) => ops.reshape(a, [3, -1]), [rand([2, 3], 1)]);
    expect(ops.reshape(rand([2, 6]), [3, -1]).shape).toEqual([3, 4]);
  });
  it('reshape to the wrong size is an error', () => {
    expect(() => ops.reshape(rand([2, 3]), [4, 2])).toThrow(/cannot view \[2, 3\] \(6 values\) as \[4, 2\]/);
  });
  it('permute', () => checkOp((a) => ops.permute(a, [2, 0, 1]), [t([0, 1, 2, 3, 4, 5], [1, 2, 3])], [0, 3, 1, 4, 2, 5]));
  it('transpose of the last two axes', () => checkOp((a) => ops.transpose(a), [rand([2, 3, 4], 2)]));
  it('slice', () => checkOp((a) => ops.slice(a, 1, 1, 3), [t([0, 1, 2, 3, 4, 5, 6, 7], [2, 4])], [1, 2, 5, 6]));
  it('slice out of range is an error', () => {
    expect(() => ops.slice(rand([2, 4]), 1, 2, 5)).toThrow(/out of range/);
  });
  it('concat', () => {
    checkOp((a, b) => ops.concat([a, b], 1), [t([1, 2], [2, 1]), t([3, 4, 5, 6], [2, 2])], [1, 3, 4, 2, 5, 6]);
  });
  it('stack', () => checkOp((a, b) => ops.stack([a, b], 1), [t([1, 2]), t([3, 4])], [1, 3, 2, 4]));
  it('chunk splits evenly', () => {
    const parts = ops.chunk(t([1, 2, 3, 4, 5, 6], [1, 6]), 3, 1);
    expect(parts.map((p) => [...p.data])).toEqual([[1, 2], [3, 4], [5, 6]]);
  });
});

describe('indexing ops', () => {
  it('indexSelect with repeated indices accumulates gradients', () => {
    checkOp((a) => ops.indexSelect(a, 0, [2, 0, 2]), [t([1, 2, 3, 4, 5, 6], [3, 2])], [5, 6, 1, 2, 5, 6]);
  });
  it('indexSelect on an inner axis', () => checkOp((a) => ops.indexSelect(a, 1, [1, 1, 0]), [rand([2, 3, 2], 3)]));
  it('embedding lookup keeps the id shape and skips the padding row gradient', () => {
    const w = rand([5, 3], 4);
    checkOp((a) => ops.embedding(a, [1, 4, 0, 1], [2, 2]), [w]);
    const table = rand([5, 3], 4);
    table.requiresGrad = true;
    const y = ops.embedding(table, [0, 2, 0], [3], 0);
    expect(y.shape).toEqual([3, 3]);
    backward(ops.sum(y));
    expect([...table.grad!.data]).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  });
  it('out-of-range ids are an error naming the index', () => {
    expect(() => ops.embedding(rand([5, 3]), [1, 5], [2])).toThrow(/index 5 at position 1 is out of range \[0, 5\)/);
    expect(() => ops.indexSelect(rand([5, 3]), 0, [-1])).toThrow(/out of range/);
  });
  it('where routes gradients by the condition and broadcasts', () => {
    const cond = t([1, 0, 0, 1], [2, 2]);
    checkOp((a, b) => ops.where(cond, a, b), [t([1, 2, 3, 4], [2, 2]), t([10, 20], [2])], [1, 20, 10, 4]);
  });
  it('maskedFill', () => {
    const y = ops.maskedFill(t([1, 2, 3]), t([0, 1, 0]), -5);
    expect([...y.data]).toEqual([1, -5, 3]);
  });
  it('oneHot', () => {
    expect([...ops.oneHot([2, 0], [2], 3).data]).toEqual([0, 0, 1, 1, 0, 0]);
    expect(() => ops.oneHot([3], [1], 3)).toThrow(/out of range/);
  });
});

describe('conv1d', () => {
  it('hand-computed: a [1, -1] difference kernel', () => {
    checkOp((x, w) => ops.conv1d(x, w, null), [t([1, 4, 9, 16], [1, 1, 4]), t([-1, 1], [1, 1, 2])], [3, 5, 7]);
  });
  it('padding, several channels, bias', () => {
    checkOp((x, w, b) => ops.conv1d(x, w, b, 1), [rand([2, 3, 5], 1), rand([4, 3, 3], 2), rand([4], 3)]);
  });
  it('dilation', () => checkOp((x, w) => ops.conv1d(x, w, null, 2, 2), [rand([1, 2, 6], 4), rand([2, 2, 3], 5)]));
  it('mismatched channels are an error', () => {
    expect(() => ops.conv1d(rand([1, 2, 5]), rand([4, 3, 3]), null)).toThrow(/does not match weight/);
  });
});

describe('dropout', () => {
  it('is seeded: the same seed gives the same mask, and it keeps the expected value', () => {
    const x = tensor(new Float32Array(10000).fill(1), [10000]);
    const a = ops.dropout(x, 0.3, new Rng(5));
    const b = ops.dropout(x, 0.3, new Rng(5));
    expect([...a.data]).toEqual([...b.data]);
    const zeros = a.data.filter((v) => v === 0).length;
    expect(zeros / 10000).toBeGreaterThan(0.27);
    expect(zeros / 10000).toBeLessThan(0.33);
    expect(a.data.reduce((s, v) => s + v, 0) / 10000).toBeCloseTo(1, 1);
  });
  it('passes gradients through the kept values only', () => {
    checkOp((a) => ops.dropout(a, 0.5, new Rng(3)), [rand([20], 6)]);
  });
  it('is the identity in evaluation', () => {
    const x = rand([4]);
    expect(ops.dropout(x, 0.5, new Rng(1), false)).toBe(x);
  });
});

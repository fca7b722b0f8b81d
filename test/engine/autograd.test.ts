import { describe, expect, it } from 'vitest';
import { ops, F, SeqlabError } from '../../src/index.js';
import { backward, noGrad, Rng, tensor } from '../../src/tensor/index.js';
import { checkOp, rand } from '../helpers/check-op.js';

describe('backward', () => {
  it('accumulates gradients across uses and across calls, like PyTorch', () => {
    const x = tensor([2], [], true);
    const y = ops.add(ops.mul(x, x), ops.mul(x, 3)); // x² + 3x → dy/dx = 2x + 3 = 7
    backward(y);
    expect(x.grad!.item()).toBe(7);
    backward(ops.mul(x, 2));
    expect(x.grad!.item()).toBe(9);
  });

  it('needs an explicit gradient for a non-scalar root', () => {
    const x = tensor([1, 2], [2], true);
    expect(() => backward(ops.mul(x, 2))).toThrow(SeqlabError);
  });

  it('walks a very deep graph without overflowing the stack', () => {
    const x = tensor([0.5], [1], true);
    let h = x;
    for (let i = 0; i < 20000; i++) h = ops.mul(h, 1);
    backward(ops.sum(h));
    expect(x.grad!.item()).toBe(1);
  });

  it('records nothing inside noGrad', () => {
    const x = tensor([1], [1], true);
    const y = noGrad(() => ops.mul(x, 2));
    expect(y.requiresGrad).toBe(false);
    expect(y.inputs).toEqual([]);
  });

  it('releases the graph after backward unless asked to retain it', () => {
    const x = tensor([1], [1], true);
    const y = ops.sum(ops.exp(ops.mul(x, 2)));
    backward(y, undefined, true);
    backward(y);
    expect(x.grad!.item()).toBeCloseTo(4 * Math.exp(2), 4);
    expect(() => backward(y)).toThrow(/already released/);
  });

  it('detach cuts the graph', () => {
    const x = tensor([3], [1], true);
    const y = ops.mul(x.detach(), x);
    backward(ops.sum(y));
    expect(x.grad!.item()).toBe(3);
  });
});

describe('compositions', () => {
  it('softmax rows sum to one, and gradients match finite differences', () => {
    const x = rand([3, 5], 1, -3, 3);
    const y = F.softmax(x);
    for (let r = 0; r < 3; r++) expect(y.data.slice(r * 5, r * 5 + 5).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
    checkOp((a) => F.softmax(a, 1), [x]);
    checkOp((a) => F.softmax(a, 0), [rand([3, 4], 2)]);
  });

  it('masked softmax gives zero weight to masked keys and all zeros (not NaN) to a fully masked row', () => {
    const mask = tensor([0, 1, 0, 1, 1, 1], [2, 3]);
    const y = F.softmax(tensor([1, 2, 3, 4, 5, 6], [2, 3]), -1, mask);
    expect(y.data[1]).toBe(0);
    expect(y.data[0] + y.data[2]).toBeCloseTo(1, 6);
    expect([...y.data.slice(3)]).toEqual([0, 0, 0]);
    checkOp((a) => F.softmax(a, -1, mask), [rand([2, 3], 3)]);
  });

  it('softmax is stable for large logits', () => {
    const y = F.softmax(tensor([1000, 1001], [2]));
    expect(y.data[1]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
  });

  it('logSoftmax and logsumexp', () => {
    const x = tensor([1, 2, 3], [3]);
    const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    checkOp((a) => F.logsumexp(a, 0), [x], [lse]);
    checkOp((a) => F.logSoftmax(a, 0), [tensor([1, 2, 3], [3])], [1 - lse, 2 - lse, 3 - lse]);
  });

  it('layerNorm normalises the last axis and has correct gradients', () => {
    const y = F.layerNorm(tensor([1, 2, 3, 4], [1, 4]), null, null, 0);
    const sd = Math.sqrt(1.25);
    [-1.5, -0.5, 0.5, 1.5].forEach((v, i) => expect(y.data[i]).toBeCloseTo(v / sd, 5));
    checkOp((x, w, b) => F.layerNorm(x, w, b), [rand([2, 3, 5], 4), rand([5], 5), rand([5], 6)]);
  });

  it('crossEntropy: hand-computed and with ignored targets', () => {
    const logits = tensor([0, 0, Math.log(2), 0], [2, 2]);
    // row 0: −log ½; row 1: −log(2/3)... with row 1 ignored only row 0 counts.
    expect(F.crossEntropy(logits, [0, 1]).item()).toBeCloseTo((Math.log(2) + Math.log(3)) / 2, 5);
    expect(F.crossEntropy(logits, [0, -100]).item()).toBeCloseTo(Math.log(2), 5);
    checkOp((a) => F.crossEntropy(a, [2, -100, 0]), [rand([3, 4], 7)]);
  });

  it('crossEntropy with every target ignored is 0, not NaN', () => {
    expect(Math.abs(F.crossEntropy(rand([2, 3]), [-100, -100]).item())).toBe(0);
  });

  it('crossEntropy rejects a target out of range', () => {
    expect(() => F.crossEntropy(rand([2, 3]), [0, 3])).toThrow(/target 3 at row 1 is out of range/);
  });

  it('bceWithLogits is stable and matches the formula', () => {
    const x = tensor([-100, 0.5, 100], [3]);
    const loss = F.bceWithLogits(x, tensor([0, 1, 1], [3])).item();
    expect(loss).toBeCloseTo(Math.log(1 + Math.exp(-0.5)) / 3, 5);
    checkOp((a) => F.bceWithLogits(a, tensor([1, 0, 1, 0], [2, 2])), [rand([2, 2], 8)]);
  });

  it('linear', () => {
    checkOp((x, w, b) => F.linear(x, w, b), [rand([2, 3, 4], 9), rand([5, 4], 10), rand([5], 11)]);
  });
});

describe('Rng', () => {
  it('is reproducible from its seed and its saved state', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(xs);
    const saved = a.getState();
    const next = [a.normal(), a.normal(), a.normal()];
    const c = new Rng(0);
    c.setState(saved);
    expect([c.normal(), c.normal(), c.normal()]).toEqual(next);
    expect(new Rng(43).uniform()).not.toBe(xs[0]);
  });

  it('draws normals with mean 0 and variance 1', () => {
    const r = new Rng(1);
    const n = 20000;
    const xs = Array.from({ length: n }, () => r.normal());
    const mean = xs.reduce((s, v) => s + v, 0) / n;
    const variance = xs.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('permutation is a permutation', () => {
    const p = new Rng(3).permutation(100);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

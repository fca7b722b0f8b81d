import { describe, expect, it } from 'vitest';
import * as F from '../../src/nn/functional.js';
import { backward, tensor } from '../../src/tensor/index.js';
import { checkOp, rand } from '../helpers/check-op.js';

/** PyTorch's definition in float64: (1 − ε)·(−log p[t]) + ε·mean_c(−log p[c]), mean over counted rows. */
function reference(logits: ArrayLike<number>, classes: number, targets: number[], eps: number): number {
  let total = 0;
  let count = 0;
  targets.forEach((t, i) => {
    if (t === -100) return;
    const row = Array.from({ length: classes }, (_, c) => logits[i * classes + c]);
    const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
    const nll = row.map((v) => lse - v);
    total += (1 - eps) * nll[t] + (eps * nll.reduce((s, v) => s + v, 0)) / classes;
    count++;
  });
  return total / count;
}

describe('crossEntropy with label smoothing', () => {
  it('hand-computed: uniform logits lose log C whatever ε; one row by its formula', () => {
    expect(F.crossEntropy(tensor([0, 0, 0, 0], [1, 4]), [2], -100, 'mean', { labelSmoothing: 0.3 }).item())
      .toBeCloseTo(Math.log(4), 5);
    // logits [log 2, 0] → p = [2/3, 1/3]; target 0, ε = 0.2: 0.8·log(3/2) + 0.2·½·(log(3/2) + log 3)
    const loss = F.crossEntropy(tensor([Math.log(2), 0], [1, 2]), [0], -100, 'mean', { labelSmoothing: 0.2 }).item();
    expect(loss).toBeCloseTo(0.8 * Math.log(1.5) + 0.1 * (Math.log(1.5) + Math.log(3)), 5);
  });

  it('matches the float64 definition, ignored rows counting for nothing; ε = 0 is plain cross-entropy', () => {
    const x = rand([5, 6], 3, -2, 2);
    const targets = [1, -100, 5, 0, -100];
    for (const eps of [0, 0.1, 1]) {
      expect(F.crossEntropy(x, targets, -100, 'mean', { labelSmoothing: eps }).item())
        .toBeCloseTo(reference(x.data, 6, targets, eps), 5);
    }
    expect(F.crossEntropy(x, targets, -100, 'mean', {}).item()).toBeCloseTo(F.crossEntropy(x, targets).item(), 6);
    const sum = F.crossEntropy(x, targets, -100, 'sum', { labelSmoothing: 0.1 }).item();
    expect(sum).toBeCloseTo(3 * reference(x.data, 6, targets, 0.1), 4);
  });

  it('has the analytic gradient (p − q)/N on counted rows, q = (1 − ε)·onehot(t) + ε/C, and 0 on ignored ones', () => {
    const x = rand([3, 4], 5, -2, 2);
    x.requiresGrad = true;
    const targets = [3, -100, 1];
    const eps = 0.25;
    backward(F.crossEntropy(x, targets, -100, 'mean', { labelSmoothing: eps }));
    const p = F.softmax(x.detach(), -1).data;
    for (let i = 0; i < 3; i++) {
      for (let c = 0; c < 4; c++) {
        const q = targets[i] === -100 ? p[i * 4 + c] : (c === targets[i] ? 1 - eps : 0) + eps / 4;
        expect(x.grad!.data[i * 4 + c]).toBeCloseTo((p[i * 4 + c] - q) / 2, 6);
      }
    }
  });

  it('passes a finite-difference gradient check', () => {
    checkOp((a) => F.crossEntropy(a, [2, -100, 0, 3], -100, 'mean', { labelSmoothing: 0.1 }), [rand([4, 5], 9)]);
  });

  it('rejects ε outside [0, 1]', () => {
    expect(() => F.crossEntropy(rand([2, 3]), [0, 1], -100, 'mean', { labelSmoothing: 1.5 }))
      .toThrow(/labelSmoothing must be in \[0, 1\], got 1.5/);
  });
});

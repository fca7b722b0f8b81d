import { describe, expect, it } from 'vitest';
import { SeqlabError } from '../../src/errors.js';
import { withTrace } from '../../src/inspect/trace.js';
import { AdditiveAttention, DotAttention, GeneralAttention } from '../../src/nn/attention.js';
import { causalMask, MultiHeadAttention } from '../../src/nn/multihead.js';
import { concat, reshape, slice, sum } from '../../src/ops/index.js';
import { backward, noGrad, Rng, type Tensor, tensor } from '../../src/tensor/index.js';
import { gradCheck, rand } from '../helpers/check-op.js';

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], digits);
}

/** A 0/1 mask tensor from booleans (true = ignore). */
function mask(values: boolean[], shape: number[]): Tensor {
  return tensor(values.map((b) => (b ? 1 : 0)), shape);
}

describe('AdditiveAttention', () => {
  it('computes v·tanh(W_q q + W_k k + b) scores, a masked softmax and the weighted sum by hand', () => {
    const att = new AdditiveAttention(1, 2, 1, new Rng(1));
    att.W_q.weight.data.set([2]);
    att.W_k.weight.data.set([1, -1]);
    att.W_k.bias!.data.set([0.5]);
    att.v.weight.data.set([3]);
    // query 0.25; keys (1, 0), (0, 1), (4, 4) with the last one masked.
    const query = tensor([0.25], [1, 1]);
    const keys = tensor([1, 0, 0, 1, 4, 4], [1, 3, 2]);
    const { context, weights } = att.forward(query, keys, mask([false, false, true], [1, 3]));
    const s0 = 3 * Math.tanh(0.5 + 1 + 0.5);
    const s1 = 3 * Math.tanh(0.5 - 1 + 0.5);
    const w0 = Math.exp(s0) / (Math.exp(s0) + Math.exp(s1));
    expectClose(weights.data, [w0, 1 - w0, 0]);
    expectClose(context.data, [w0, 1 - w0]);
    expect(context.shape).toEqual([1, 2]);
  });

  it('has PyTorch-style parameter names', () => {
    const names = new AdditiveAttention(3, 4, 5, new Rng(1)).namedParameters().map(([n, t]) => `${n}:${t.shape.join('x')}`);
    expect(names).toEqual(['W_q.weight:5x3', 'W_k.weight:5x4', 'W_k.bias:5', 'v.weight:1x5']);
  });

  it('passes a finite-difference gradient check with a mask', () => {
    const att = new AdditiveAttention(3, 4, 5, new Rng(2));
    const m = mask([false, false, true, false, true, false, false, false], [2, 4]);
    const params = att.parameters();
    gradCheck((q, k) => {
      const { context, weights } = att.forward(q, k, m);
      return concat([context, weights], 1);
    }, [rand([2, 3], 3), rand([2, 4, 4], 4), ...params]);
  });

  it('projected keys can be computed once and reused', () => {
    const att = new AdditiveAttention(3, 4, 5, new Rng(2));
    const q = rand([2, 3], 5);
    const k = rand([2, 4, 4], 6);
    const a = noGrad(() => att.forward(q, k).context);
    const b = noGrad(() => att.forward(q, k, undefined, { projectedKeys: att.projectKeys(k) }).context);
    expectClose(b.data, a.data, 6);
  });

  it('records its weights under `attn` when traced', () => {
    const att = new AdditiveAttention(3, 4, 5, new Rng(2));
    const { result, trace } = withTrace(att, () => att.forward(rand([2, 3], 3), rand([2, 4, 4], 4)));
    const [entry] = trace.get('', 'attn');
    expect(entry.shape).toEqual([2, 4]);
    expectClose(entry.data, result.weights.data, 7);
  });

  it('rejects a mask of the wrong shape and mismatched inputs, naming the problem', () => {
    const att = new AdditiveAttention(3, 4, 5, new Rng(2));
    expect(() => att.forward(rand([2, 3]), rand([2, 4, 4]), mask([false, true], [1, 2]))).toThrow(/mask has shape \[1, 2\], expected \[2, 4\]/);
    expect(() => att.forward(rand([2, 2]), rand([2, 4, 4]))).toThrow(SeqlabError);
    expect(() => att.forward(rand([2, 3]), rand([3, 4, 4]))).toThrow(/keys have shape/);
  });

  it('gives zero weights and a zero context, not NaN, when every key is masked', () => {
    const att = new AdditiveAttention(3, 4, 5, new Rng(2));
    const q = rand([2, 3], 3);
    q.requiresGrad = true;
    const { context, weights } = att.forward(q, rand([2, 4, 4], 4), mask([true, true, true, true, false, false, false, true], [2, 4]));
    expect([...weights.data.slice(0, 4)]).toEqual([0, 0, 0, 0]);
    expect([...context.data.slice(0, 4)]).toEqual([0, 0, 0, 0]);
    expect(weights.data[4] + weights.data[5] + weights.data[6]).toBeCloseTo(1, 6);
    backward(sum(concat([context, weights], 1)));
    expect([...q.grad!.data].every(Number.isFinite)).toBe(true);
  });
});

describe('Luong attention', () => {
  it('dot: scores are q·k, by hand', () => {
    const { context, weights } = new DotAttention(2).forward(tensor([1, 0], [1, 2]),
      tensor([1, 0, 0, 1, 2, 0], [1, 3, 2]), mask([false, false, true], [1, 3]));
    const w0 = Math.E / (Math.E + 1);
    expectClose(weights.data, [w0, 1 - w0, 0]);
    expectClose(context.data, [w0, 1 - w0]);
  });

  it('general: scores are qᵀWk, by hand', () => {
    const att = new GeneralAttention(1, 2, new Rng(1));
    att.W.weight.data.set([1, 2]); // score = q·(k₀ + 2k₁)
    const { weights } = att.forward(tensor([0.5], [1, 1]), tensor([1, 0, 0, 1], [1, 2, 2]));
    const w0 = Math.exp(0.5) / (Math.exp(0.5) + Math.exp(1));
    expectClose(weights.data, [w0, 1 - w0]);
  });

  it('dot and general pass finite-difference gradient checks with a mask', () => {
    const m = mask([false, true, false, false, false, true], [2, 3]);
    gradCheck((q, k) => new DotAttention(4).forward(q, k, m).context, [rand([2, 4], 1), rand([2, 3, 4], 2)]);
    const g = new GeneralAttention(3, 4, new Rng(3));
    gradCheck((q, k) => g.forward(q, k, m).context, [rand([2, 3], 1), rand([2, 3, 4], 2), g.W.weight]);
  });
});

describe('MultiHeadAttention', () => {
  it('initialises as PyTorch: xavier-uniform in_proj_weight, zero biases, PyTorch names', () => {
    const mha = new MultiHeadAttention(8, 2, new Rng(1));
    expect(mha.namedParameters().map(([n]) => n)).toEqual(['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
    const bound = Math.sqrt(6 / (24 + 8));
    expect(Math.max(...mha.in_proj_weight.data.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...mha.in_proj_weight.data.map(Math.abs))).toBeGreaterThan(0.8 * bound);
    expect([...mha.in_proj_bias!.data].every((v) => v === 0)).toBe(true);
    expect([...mha.out_proj.bias!.data].every((v) => v === 0)).toBe(true);
  });

  it('computes softmax(QKᵀ/√d)V by hand with identity projections', () => {
    const mha = new MultiHeadAttention(2, 1, new Rng(1));
    mha.in_proj_weight.data.set([1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1]);
    mha.out_proj.weight.data.set([1, 0, 0, 1]);
    const q = tensor([1, 1], [1, 1, 2]);
    const kv = tensor([1, 0, 0, 2], [1, 2, 2]);
    const { output, weights } = mha.forward(q, kv, kv);
    const s0 = 1 / Math.SQRT2;
    const s1 = 2 / Math.SQRT2;
    const w0 = Math.exp(s0) / (Math.exp(s0) + Math.exp(s1));
    expectClose(weights.data, [w0, 1 - w0]);
    expectClose(output.data, [w0, 2 * (1 - w0)]);
    expect(weights.shape).toEqual([1, 1, 1, 2]);
  });

  it('passes a finite-difference gradient check with a causal mask and a key padding mask', () => {
    const mha = new MultiHeadAttention(4, 2, new Rng(4));
    mha.in_proj_bias!.data.set(rand([12], 9).data);
    const pad = mask([false, false, true, false, false, false], [2, 3]);
    gradCheck((q, k, v) => {
      const { output, weights } = mha.forward(q, k, v, { attnMask: causalMask(3), keyPaddingMask: pad });
      return concat([reshape(output, [-1]), reshape(weights, [-1])], 0);
    }, [rand([2, 3, 4], 1), rand([2, 3, 4], 2), rand([2, 3, 4], 3), ...mha.parameters()]);
  });

  it('gives zero weights and only the output bias for a fully masked row (PyTorch gives NaN)', () => {
    const mha = new MultiHeadAttention(4, 2, new Rng(5));
    mha.out_proj.bias!.data.set([0.1, -0.2, 0.3, -0.4]);
    const q = rand([2, 3, 4], 1);
    const kv = rand([2, 3, 4], 2);
    q.requiresGrad = true;
    kv.requiresGrad = true;
    // Batch entry 0: all keys are padding. Batch entry 1: only key 2 is padding.
    const pad = mask([true, true, true, false, false, true], [2, 3]);
    const { output, weights } = mha.forward(q, kv, kv, { keyPaddingMask: pad });
    expect([...output.data, ...weights.data].some(Number.isNaN)).toBe(false);
    expect([...weights.data.slice(0, 2 * 3 * 3)].every((w) => w === 0)).toBe(true);
    expectClose(output.data.slice(0, 12), [0.1, -0.2, 0.3, -0.4, 0.1, -0.2, 0.3, -0.4, 0.1, -0.2, 0.3, -0.4], 6);
    backward(sum(output));
    const gq = q.grad!.data;
    expect([...gq, ...kv.grad!.data].every(Number.isFinite)).toBe(true);
    expect([...gq.slice(0, 12)].every((g) => g === 0)).toBe(true);
    expect([...kv.grad!.data.slice(0, 12)].every((g) => g === 0)).toBe(true);
  });

  it('records per-head weights [B, H, Tq, Tk] under `attn` when traced', () => {
    const mha = new MultiHeadAttention(8, 4, new Rng(6));
    const x = rand([2, 5, 8], 1);
    const { result, trace } = withTrace(mha, () => mha.forward(x, x, x, { attnMask: causalMask(5) }));
    const [entry] = trace.get('', 'attn');
    expect(entry.shape).toEqual([2, 4, 5, 5]);
    expectClose(entry.data, result.weights.data, 7);
    expect(entry.data[1]).toBe(0); // query 0 cannot see key 1
  });

  it('decodes incrementally from cached projected keys and values, matching the full pass', () => {
    const mha = new MultiHeadAttention(8, 2, new Rng(7));
    const x = rand([2, 4, 8], 1);
    const full = noGrad(() => mha.forward(x, x, x, { attnMask: causalMask(4) }).output);
    let cache: { k: Tensor; v: Tensor } | null = null;
    for (let t = 0; t < 4; t++) {
      const xt = slice(x, 1, t, t + 1); // [B, 1, E]
      const step = noGrad(() => {
        const kv = mha.projectKeyValue(xt, xt);
        cache = cache ? { k: concat([cache.k, kv.k], 2), v: concat([cache.v, kv.v], 2) } : kv;
        return mha.attendProjected(xt, cache, { attnMask: causalMask(1, t + 1) }).output;
      });
      expectClose(step.data, noGrad(() => slice(full, 1, t, t + 1)).data, 6);
    }
  });

  it('applies seeded dropout to the weights in training mode only', () => {
    const x = rand([1, 6, 8], 1);
    const run = (training: boolean): Float32Array => {
      const mha = new MultiHeadAttention(8, 2, new Rng(8), { dropout: 0.5 }).train(training);
      return noGrad(() => mha.forward(x, x, x).output).data;
    };
    expectClose(run(true), run(true), 7);
    const evalOut = run(false);
    expect(run(true).some((v, i) => Math.abs(v - evalOut[i]) > 1e-4)).toBe(true);
    const plain = noGrad(() => new MultiHeadAttention(8, 2, new Rng(8)).forward(x, x, x).output).data;
    expectClose(evalOut, plain, 7);
  });

  it('rejects bad sizes and masks with errors that name the problem', () => {
    expect(() => new MultiHeadAttention(10, 3, new Rng(1))).toThrow(/embed dim 10 is not divisible by 3 heads/);
    const mha = new MultiHeadAttention(4, 2, new Rng(1));
    const x = rand([2, 3, 4]);
    expect(() => mha.forward(x, x, x, { attnMask: causalMask(4) })).toThrow(/attnMask: mask has shape \[4, 4\], expected \[3, 3\]/);
    expect(() => mha.forward(x, x, x, { keyPaddingMask: mask([false, false, false], [1, 3]) })).toThrow(/keyPaddingMask/);
    expect(() => mha.forward(rand([2, 3, 5]), x, x)).toThrow(/query has shape \[2, 3, 5\]/);
    expect(() => causalMask(3, 2)).toThrow(SeqlabError);
  });
});

describe('causalMask', () => {
  it('masks future keys, also when earlier keys are cached', () => {
    expect(causalMask(3).toArray()).toEqual([[0, 1, 1], [0, 0, 1], [0, 0, 0]]);
    expect(causalMask(2, 4).toArray()).toEqual([[0, 0, 0, 1], [0, 0, 0, 0]]);
  });
});

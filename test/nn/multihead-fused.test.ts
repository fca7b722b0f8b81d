import { describe, expect, it } from 'vitest';
import { causalMask, isCausalMask, MultiHeadAttention, type AttentionMasks } from '../../src/nn/multihead.js';
import { concat, reshape } from '../../src/ops/shape-ops.js';
import { backward, explicit, noGrad, Rng, type Tensor, tensor } from '../../src/tensor/index.js';
import { rand } from '../helpers/check-op.js';
import { opsOf } from '../helpers/graph.js';

/**
 * MultiHeadAttention's fused path (ops/attention.ts, taken by default for causal and padding
 * masks without dropout) against its composed definition (the path inside `explicit`): that
 * each run takes the path it should, then outputs, weights and every gradient, for
 * self-attention, cross-attention and attention over a key-value cache.
 */

/** A fresh layer; the same seed each time, so every call has the same parameters. */
const mha = (dropout = 0): MultiHeadAttention => new MultiHeadAttention(12, 3, new Rng(3), { dropout });

/** The fused attention primitive's op labels (ops/attention.ts). */
const FUSED_ATTENTION = ['attention', 'attention_weights'];

type Attend = (m: MultiHeadAttention, xs: Tensor[]) => { output: Tensor; weights: Tensor };

/** Output and weights joined, then the gradients of the inputs and of every parameter; and the graph's ops. */
function run(m: MultiHeadAttention, xs: Tensor[], f: Attend): { arrays: Float32Array[]; ops: Set<string> } {
  const copies = xs.map((x) => tensor(Float32Array.from(x.data), [...x.shape]));
  for (const x of copies) x.requiresGrad = true;
  m.zeroGrad();
  const { output, weights } = f(m, copies);
  const y = concat([reshape(output, [-1]), reshape(weights, [-1])], 0);
  const ops = opsOf(y);
  const rng = new Rng(4);
  backward(y, tensor(Float32Array.from({ length: y.size }, () => rng.uniform(-1, 1)), y.shape));
  const arrays = [y.data, ...copies.map((x) => x.grad!.data), ...m.parameters().map((p) => p.grad!.data)].map((a) => Float32Array.from(a));
  return { arrays, ops };
}

function expectPathsEqual(xs: Tensor[], f: Attend, what: string): void {
  const composed = explicit(() => run(mha(), xs, f));
  const fused = run(mha(), xs, f);
  for (const op of FUSED_ATTENTION) {
    expect(fused.ops.has(op), `${what}: the default path runs '${op}'`).toBe(true);
    expect(composed.ops.has(op), `${what}: the explicit path runs '${op}'`).toBe(false);
  }
  const [want, got] = [composed.arrays, fused.arrays];
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    expect(g.length, `${what}: array ${i}`).toBe(want[i].length);
    for (let n = 0; n < g.length; n++) {
      if (!(Math.abs(g[n] - want[i][n]) <= 1e-5 + 1e-4 * Math.abs(want[i][n]))) {
        expect.fail(`${what}: array ${i} element ${n} is ${g[n]} fused, ${want[i][n]} composed`);
      }
    }
  });
}

const pad = (rows: number[][]): Tensor => tensor(rows.flat(), [rows.length, rows[0].length]);

describe('MultiHeadAttention: the fused path equals the composed definition', () => {
  it('self-attention, causal and padded (a whole batch entry padding included)', () => {
    const x = rand([3, 5, 12], 1);
    const masks: AttentionMasks[] = [{}, { attnMask: causalMask(5) }, { keyPaddingMask: pad([[0, 0, 0, 1, 1], [1, 1, 1, 1, 1], [0, 0, 0, 0, 0]]) },
      { attnMask: causalMask(5), keyPaddingMask: pad([[0, 1, 0, 0, 1], [1, 1, 1, 1, 1], [0, 0, 0, 0, 1]]) }];
    masks.forEach((m, i) => expectPathsEqual([x], (a, [y]) => a.forward(y, y, y, m), `self-attention masks ${i}`));
  });

  it('cross-attention with shared or separate key and value, Tq ≠ Tk, padded', () => {
    const masks = { keyPaddingMask: pad([[0, 0, 1, 0, 0, 0, 1], [0, 0, 0, 0, 0, 1, 1]]) };
    const [q, mem, v] = [rand([2, 4, 12], 2), rand([2, 7, 12], 3), rand([2, 7, 12], 4)];
    expectPathsEqual([q, mem], (a, [y, k]) => a.forward(y, k, k, masks), 'key = value');
    expectPathsEqual([q, mem, v], (a, [y, k, w]) => a.forward(y, k, w, masks), 'separate key and value');
  });

  it('attention over a key-value cache, and the keys and values selfAttention hands out', () => {
    const [past, x] = [rand([2, 3, 12], 5), rand([2, 2, 12], 6)];
    expectPathsEqual([past, x], (a, [p, y]) => {
      const cache = a.selfAttention(p, { attnMask: causalMask(3) }).kv;
      const fresh = a.projectKeyValue(y, y);
      const kv = { k: concat([cache.k, fresh.k], 2), v: concat([cache.v, fresh.v], 2) };
      return a.attendProjected(y, kv, { attnMask: causalMask(2, 5) });
    }, 'cached');
    const a = mha();
    const { kv } = noGrad(() => a.selfAttention(past));
    const want = noGrad(() => a.projectKeyValue(past, past));
    expect(kv.k.shape).toEqual([2, 3, 3, 4]);
    expect(Array.from(kv.k.data)).toEqual(Array.from(want.k.data));
    expect(Array.from(kv.v.data)).toEqual(Array.from(want.v.data));
  });

  it('takes the composed path for other masks and for dropout in training', () => {
    const x = rand([2, 4, 12], 7);
    const band = tensor([0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0], [4, 4]); // the past masked: not causal
    expect(isCausalMask(band, 4, 4)).toBe(false);
    expect(isCausalMask(causalMask(4), 4, 4)).toBe(true);
    expect(isCausalMask(causalMask(2, 5), 2, 5)).toBe(true);
    // Gradients recorded, so each output's graph shows which path ran.
    const banded = (): Tensor => mha().forward(x, x, x, { attnMask: band }).output;
    const dropped = (): Tensor => mha(0.5).train(true).forward(x, x, x).output;
    for (const [what, f] of [['band mask', banded], ['dropout in training', dropped]] as const) {
      const [byDefault, composed] = [f(), explicit(f)];
      for (const op of FUSED_ATTENTION) expect(opsOf(byDefault).has(op), `${what}: default path runs '${op}'`).toBe(false);
      expect(Array.from(byDefault.data), what).toEqual(Array.from(composed.data));
    }
    // The same layer in eval mode with no mask does take the fused path.
    expect(opsOf(mha(0.5).train(false).forward(x, x, x).output).has('attention')).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { type Backend, loadWasmBackendSync, referenceBackend, withBackend } from '../../src/backend/index.js';
import * as F from '../../src/nn/functional.js';
import { AdditiveAttention } from '../../src/nn/attention.js';
import { MultiHeadAttention } from '../../src/nn/multihead.js';
import { backward, explicit, Rng, type Tensor, tensor } from '../../src/tensor/index.js';
import { mul, sum } from '../../src/ops/index.js';
import { defaultTrainerConfig } from '../../src/train/trainer.js';
import { trainerConfig } from '../../src/tasks/run-training.js';
import { getTask } from '../../src/tasks/registry.js';
import { MemorySource } from '../../src/store/store.js';

/**
 * Numerical safety, end to end on both backends and both paths (fused and explicit): log-softmax,
 * log-sum-exp and cross-entropy stay finite and exact where exp overflows; attention rows whose
 * keys are all masked give zeros, not NaN, forward and backward; and every recurrent recipe
 * clips gradients by default.
 */

const backends: [string, Backend][] = [['reference', referenceBackend], ['wasm', loadWasmBackendSync()]];
const paths: [string, <T>(fn: () => T) => T][] = [['fused', (fn) => fn()], ['explicit', (fn) => explicit(fn)]];

function allFinite(xs: ArrayLike<number>, label: string): void {
  for (let i = 0; i < xs.length; i++) expect(Number.isFinite(xs[i]), `${label}[${i}] = ${xs[i]}`).toBe(true);
}

function leaf(data: number[], shape: number[]): Tensor {
  const t = tensor(data, shape);
  t.requiresGrad = true;
  return t;
}

describe.each(backends)('numerical safety on the %s backend', (_name, b) => {
  describe.each(paths)('%s path', (_path, run) => {
    it('logsumexp and logSoftmax are exact where exp overflows (logits ±1e4 and 1e3 apart)', () => withBackend(b, () => run(() => {
      const x = leaf([1e4, 1e4 - 1, -1e4, 1000, 0, -1000], [2, 3]);
      const lse = F.logsumexp(x, -1);
      expect(lse.data[0]).toBeCloseTo(1e4 + Math.log(1 + Math.exp(-1)), 2);
      expect(lse.data[1]).toBeCloseTo(1000, 4);
      const ls = F.logSoftmax(x, -1);
      allFinite(ls.data, 'logSoftmax');
      expect(ls.data[1] - ls.data[0]).toBeCloseTo(-1, 4);
      expect(ls.data[2]).toBeCloseTo(-2e4 - Math.log(1 + Math.exp(-1)), 0);
      backward(sum(F.logsumexp(x, -1)));
      allFinite(x.grad!.data, 'd logsumexp');
      expect(x.grad!.data[0] + x.grad!.data[1] + x.grad!.data[2]).toBeCloseTo(1, 5);
    })));

    it('cross-entropy on huge logits is finite with finite gradients', () => withBackend(b, () => run(() => {
      const x = leaf([3e4, -3e4, 0, -5e4, 5e4, 1], [2, 3]);
      const loss = F.crossEntropy(x, [1, 2]);
      // Row 0: −log softmax = 3e4 − (−3e4) = 6e4; row 1: 5e4 − 1.
      expect(loss.item()).toBeCloseTo((6e4 + 5e4 - 1) / 2, 0);
      backward(loss);
      allFinite(x.grad!.data, 'd crossEntropy');
    })));

    it('multi-head attention: a batch entry whose keys are all padding gives zeros, not NaN, forward and backward', () => withBackend(b, () => run(() => {
      const rng = new Rng(3);
      const mha = new MultiHeadAttention(8, 2, rng);
      const x = leaf(Array.from({ length: 2 * 4 * 8 }, () => rng.normal()), [2, 4, 8]);
      // Entry 0 sees keys 0-1; entry 1 sees none.
      const keyPaddingMask = tensor([0, 0, 1, 1, 1, 1, 1, 1], [2, 4]);
      const out = mha.forward(x, x, x, { keyPaddingMask });
      allFinite(out.output.data, 'output');
      allFinite(out.weights!.data, 'weights');
      expect([...out.weights!.data.slice(32)].every((w) => w === 0)).toBe(true);
      backward(sum(mul(out.output, tensor(Array.from({ length: 64 }, () => rng.normal()), [2, 4, 8]))));
      allFinite(x.grad!.data, 'd x');
      for (const p of mha.parameters()) allFinite(p.grad!.data, 'd parameter');
    })));

    it('additive attention over all-masked keys gives a zero context and finite gradients', () => withBackend(b, () => run(() => {
      const rng = new Rng(4);
      const att = new AdditiveAttention(4, 6, 5, rng);
      const q = leaf(Array.from({ length: 2 * 4 }, () => rng.normal()), [2, 4]);
      const keys = leaf(Array.from({ length: 2 * 3 * 6 }, () => rng.normal()), [2, 3, 6]);
      const out = att.forward(q, keys, tensor([0, 1, 0, 1, 1, 1], [2, 3]));
      allFinite(out.context.data, 'context');
      expect([...out.context.data.slice(6)]).toEqual([0, 0, 0, 0, 0, 0]);
      backward(sum(mul(out.context, tensor(Array.from({ length: 12 }, () => rng.normal()), [2, 6]))));
      allFinite(q.grad!.data, 'd query');
      allFinite(keys.grad!.data, 'd keys');
    })));
  });
});

describe('gradient clipping is on by default for recurrent models', () => {
  const text = 'the quick brown fox jumps over the lazy dog. '.repeat(40);
  const pairs = Array.from({ length: 40 }, (_, i) => `ein hund ${i}\ta dog ${i}`).join('\n');
  const dna = ['sequence,label', ...Array.from({ length: 40 }, (_, i) => `${'ACGT'.repeat(5)},${i % 2 ? 'a' : 'b'}`)].join('\n');
  const source = new MemorySource({ 'lm.txt': text, 'pairs.tsv': pairs, 'dna.csv': dna });
  const cases: [string, string, string][] = [
    ['lm', 'rnn', 'lm.txt'], ['lm', 'gru', 'lm.txt'], ['lm', 'lstm', 'lm.txt'],
    ['translate', 'rnn-attention', 'pairs.tsv'], ['translate', 'rnn', 'pairs.tsv'],
    ['classify', 'bilstm', 'dna.csv'], ['classify', 'cnn-bilstm', 'dna.csv'],
  ];

  it('the trainer default clips to global norm 1', () => {
    expect(defaultTrainerConfig.clip).toBe(1);
  });

  it.each(cases)('%s %s: the resolved recipe clips', (taskName, arch, path) => {
    const run = getTask(taskName).setup({ train: [path], valid: null, arch, settings: {}, seed: 1 }, source);
    const config = trainerConfig(run.recipe, { steps: 1 });
    expect(config.clip).toBeGreaterThan(0);
    expect(config.clip).toBeLessThanOrEqual(5);
  });
});

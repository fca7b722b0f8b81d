/**
 * "It learns": the echo task. Each input is a random symbol from a small alphabet; the target at
 * step t is the input at step t − 8, scored from t = 8 on. A recurrent model must carry the last
 * eight symbols in its state; a feed-forward window of four steps never sees step t − 8 at all.
 *
 * Sizes are chosen for the reference backend on one core: 24 steps (16 scored per sequence)
 * reach the target in about half the updates that 20 steps need, for a little more work each.
 */
import { describe, expect, it } from 'vitest';
import { crossEntropy } from '../../src/nn/functional.js';
import { Linear } from '../../src/nn/layers.js';
import { Module } from '../../src/nn/module.js';
import { Gru, Lstm } from '../../src/nn/recurrent.js';
import { FfnWindow } from '../../src/nn/window.js';
import { oneHot } from '../../src/ops/index-ops.js';
import { backward, noGrad, Rng, type Tensor } from '../../src/tensor/index.js';
import { Adam } from '../../src/train/optim.js';

const ALPHABET = 4;
const STEPS = 24;
const LAG = 8;
const BATCH = 32;
const HIDDEN = 32;
const IGNORE = -100;

interface EchoBatch {
  x: Tensor; // one-hot symbols [B, T, A]
  targets: number[]; // [B·T], IGNORE where t < LAG
}

function echoBatch(rng: Rng, size: number): EchoBatch {
  const ids = Array.from({ length: size * STEPS }, () => rng.int(ALPHABET));
  const targets = ids.map((_, i) => (i % STEPS >= LAG ? ids[i - LAG] : IGNORE));
  return { x: oneHot(ids, [size, STEPS], ALPHABET), targets };
}

/** Fraction of scored positions whose highest logit is the target. */
function accuracy(logits: Tensor, targets: readonly number[]): number {
  let right = 0;
  let scored = 0;
  targets.forEach((target, row) => {
    if (target === IGNORE) return;
    let best = 0;
    for (let a = 1; a < ALPHABET; a++) if (logits.data[row * ALPHABET + a] > logits.data[row * ALPHABET + best]) best = a;
    scored++;
    if (best === target) right++;
  });
  return right / scored;
}

/** A recurrent layer and a linear readout of its hidden state: [B, T, A] → logits [B, T, A]. */
class EchoRnn extends Module {
  rnn: Lstm | Gru;
  head: Linear;

  constructor(kind: 'lstm' | 'gru', rng: Rng) {
    super();
    const config = { inputSize: ALPHABET, hiddenSize: HIDDEN };
    this.rnn = kind === 'lstm' ? new Lstm(config, rng) : new Gru(config, rng);
    this.head = new Linear(HIDDEN, ALPHABET, rng);
  }

  forward(x: Tensor): Tensor {
    return this.head.forward(this.rnn.forward(x).output);
  }
}

interface Outcome {
  accuracy: number;
  updates: number;
  seconds: number;
}

/**
 * Trains on fresh batches with Adam, checks a validation set every 25 updates and stops once it
 * reaches 97.5% (or after `maxUpdates`); returns the accuracy on separate held-out sequences.
 */
function train(label: string, model: Module & { forward(x: Tensor): Tensor }, lr: number, maxUpdates: number): Outcome {
  const start = performance.now();
  const data = new Rng(11);
  const valid = echoBatch(new Rng(12), 128);
  const test = echoBatch(new Rng(13), 256);
  const optim = new Adam(model, { lr });
  let updates = 0;
  while (updates < maxUpdates) {
    const { x, targets } = echoBatch(data, BATCH);
    optim.zeroGrad();
    backward(crossEntropy(model.forward(x), targets, IGNORE));
    optim.step();
    updates++;
    if (updates % 25 === 0 && noGrad(() => accuracy(model.forward(valid.x), valid.targets)) >= 0.975) break;
  }
  const acc = noGrad(() => accuracy(model.forward(test.x), test.targets));
  const seconds = (performance.now() - start) / 1000;
  process.stderr.write(`echo-${LAG}: ${label} ${acc.toFixed(3)} held-out accuracy after ${updates} updates in ${seconds.toFixed(1)}s\n`);
  return { accuracy: acc, updates, seconds };
}

describe(`echo the input ${LAG} steps back (alphabet ${ALPHABET}, chance ${1 / ALPHABET})`, () => {
  it('an LSTM passes 95% on held-out sequences', () => {
    const model = new EchoRnn('lstm', new Rng(1));
    // A forget-gate bias of 1 (Gers et al. 2000; Jozefowicz et al. 2015) keeps memories from the
    // first updates on; PyTorch users set it the same way, on bias_hh rows H..2H.
    model.rnn.cell(0).bias_hh!.data.fill(1, HIDDEN, 2 * HIDDEN);
    expect(train('LSTM', model, 0.02, 1200).accuracy).toBeGreaterThan(0.95);
  });

  it('a GRU passes 95% on held-out sequences', () => {
    expect(train('GRU', new EchoRnn('gru', new Rng(1)), 0.02, 1200).accuracy).toBeGreaterThan(0.95);
  });

  it('a feed-forward window of 4 steps stays near chance', () => {
    const model = new FfnWindow({ inputSize: ALPHABET, outputSize: ALPHABET, window: 4, hiddenSize: HIDDEN }, new Rng(1));
    const { accuracy: acc } = train('FfnWindow(4)', model, 0.01, 300);
    expect(acc).toBeLessThan(1 / ALPHABET + 0.06);
  });
});

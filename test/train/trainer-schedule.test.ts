import { describe, expect, it } from 'vitest';
import { Linear } from '../../src/nn/layers.js';
import { mseLoss } from '../../src/nn/functional.js';
import { Rng, tensor } from '../../src/tensor/index.js';
import { defaultTrainerConfig, train, type Trainable } from '../../src/train/trainer.js';

/** A one-weight regression whose every step takes a few milliseconds of work. */
function slowTrainable(): Trainable {
  const model = new Linear(1, 1, new Rng(1));
  return {
    model,
    stepsPerEpoch: 1,
    trainBatch: () => {
      const until = performance.now() + 4;
      while (performance.now() < until); // the step's work: time passes
      return { loss: mseLoss(model.forward(tensor([1], [1, 1])), tensor([2], [1, 1])), tokens: 1 };
    },
    evaluate: () => ({ loss: 0 }),
  };
}

describe('a time-limited run with a decaying schedule', () => {
  it('warms up by steps, then decays by the share of the budget spent, reaching near zero at the end', async () => {
    const rates: number[] = [];
    const result = await train(slowTrainable(), { ...defaultTrainerConfig, timeBudget: 0.3, evalEvery: 1e6, schedule: 'linear',
      warmupSteps: 2, lr: 0.1 }, { onStep: (s) => rates.push(s.lr) });
    expect(result.stoppedBy).toBe('time');
    expect(rates.length).toBeGreaterThan(5);
    expect(rates.slice(0, 2)).toEqual([0.05, 0.1]);
    for (let i = 3; i < rates.length; i++) expect(rates[i]).toBeLessThanOrEqual(rates[i - 1]);
    expect(rates[rates.length - 1]).toBeLessThan(0.05); // more than half the budget was spent by the last step
  });
});

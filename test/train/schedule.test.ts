import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/tensor/index.js';
import { Sgd } from '../../src/train/optim.js';
import { applySchedule, lrAt, makeSchedule, resolveScheduleConfig } from '../../src/train/schedule.js';

describe('learning-rate schedules', () => {
  it('constant is the same at every step', () => {
    const c = resolveScheduleConfig({ lr: 0.3 });
    expect([0, 1, 1000].map((s) => lrAt(c, s))).toEqual([0.3, 0.3, 0.3]);
  });

  it('cosine warms up linearly, then decays to minLr by totalSteps and stays there', () => {
    const c = resolveScheduleConfig({ kind: 'cosine', lr: 1, minLr: 0.1, warmupSteps: 10, totalSteps: 110 });
    expect(lrAt(c, 0)).toBeCloseTo(0.1, 12); // (0 + 1) / 10
    expect(lrAt(c, 4)).toBeCloseTo(0.5, 12);
    expect(lrAt(c, 9)).toBe(1); // the last warmup step reaches the peak
    expect(lrAt(c, 10)).toBe(1); // cos(0)
    expect(lrAt(c, 60)).toBeCloseTo(0.55, 12); // half way: 0.1 + 0.45·(1 + cos(π/2))
    expect(lrAt(c, 85)).toBeCloseTo(0.1 + 0.45 * (1 + Math.cos((3 * Math.PI) / 4)), 12);
    expect(lrAt(c, 110)).toBeCloseTo(0.1, 12);
    expect(lrAt(c, 5000)).toBeCloseTo(0.1, 12);
  });

  it('cosine without warmup starts at the peak', () => {
    const c = resolveScheduleConfig({ kind: 'cosine', lr: 2, totalSteps: 4 });
    expect([0, 1, 2, 3, 4].map((s) => lrAt(c, s))).toEqual([2, 1 + Math.cos(Math.PI / 4), 1 + Math.cos(Math.PI / 2),
      1 + Math.cos((3 * Math.PI) / 4), 0]);
  });

  it('linear warms up, then falls in a straight line to minLr at totalSteps', () => {
    const c = resolveScheduleConfig({ kind: 'linear', lr: 1, warmupSteps: 10, totalSteps: 110 });
    expect(lrAt(c, 9)).toBe(1);
    expect(lrAt(c, 10)).toBe(1);
    expect(lrAt(c, 35)).toBeCloseTo(0.75, 12);
    expect(lrAt(c, 60)).toBeCloseTo(0.5, 12);
    expect(lrAt(c, 110)).toBe(0);
    expect(lrAt(c, 500)).toBe(0);
  });

  it('a given progress (a time-limited run\'s share of its budget) replaces the decays\' step count, after warmup', () => {
    const lin = resolveScheduleConfig({ kind: 'linear', lr: 1, warmupSteps: 10, totalSteps: 11 });
    expect(lrAt(lin, 3, 0.9)).toBeCloseTo(0.4, 12); // still warming up: the steps decide
    expect(lrAt(lin, 50, 0.25)).toBeCloseTo(0.75, 12);
    expect(lrAt(lin, 50, 1.5)).toBe(0);
    const cos = resolveScheduleConfig({ kind: 'cosine', lr: 1, minLr: 0.1, warmupSteps: 0, totalSteps: 1 });
    expect(lrAt(cos, 7, 0.5)).toBeCloseTo(0.55, 12);
    expect(makeSchedule({ kind: 'linear', lr: 2, totalSteps: 4 })(1, 0.5)).toBe(1);
  });

  it('noam rises linearly to the peak at warmupSteps, then falls as 1/√step', () => {
    const c = resolveScheduleConfig({ kind: 'noam', lr: 1, warmupSteps: 4 });
    expect(lrAt(c, 0)).toBe(0.25);
    expect(lrAt(c, 1)).toBe(0.5);
    expect(lrAt(c, 3)).toBe(1);
    expect(lrAt(c, 15)).toBe(0.5); // √(4/16)
    expect(lrAt(c, 99)).toBeCloseTo(0.2, 12); // √(4/100)
  });

  it('rejects bad configs and steps with a message naming the option', () => {
    expect(() => resolveScheduleConfig({ kind: 'step' })).toThrow(/schedule\.kind: must be one of constant, cosine, linear, noam, got "step"/);
    expect(() => resolveScheduleConfig({ warmup: 3 })).toThrow(/schedule\.warmup: unknown key/);
    expect(() => resolveScheduleConfig({ kind: 'cosine', warmupSteps: 10, totalSteps: 10 })).toThrow(/schedule\.totalSteps: must be a whole number > `warmupSteps` \(10\) for cosine/);
    expect(() => resolveScheduleConfig({ kind: 'noam' })).toThrow(/schedule\.warmupSteps: must be >= 1 for noam/);
    expect(() => resolveScheduleConfig({ minLr: 1 })).toThrow(/schedule\.minLr: must be in \[0, 0\.001\]/);
    expect(() => resolveScheduleConfig({ warmupSteps: 1.5 })).toThrow(/schedule\.warmupSteps: must be a whole number >= 0/);
    expect(() => lrAt(resolveScheduleConfig(), -1)).toThrow(/step must be/);
  });

  it('applySchedule sets the optimizer rate for its next step from its step count', () => {
    const p = tensor([0], [1], true);
    const opt = new Sgd([p], { lr: 123 });
    const schedule = makeSchedule({ kind: 'noam', lr: 1, warmupSteps: 4 });
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      seen.push(applySchedule(opt, schedule));
      p.grad = tensor([1], [1]);
      opt.step();
    }
    expect(seen).toEqual([0.25, 0.5, 0.75, 1, Math.sqrt(4 / 5)]);
    // Σ lr·1 over the steps, each taken with the rate set just before it.
    expect(p.data[0]).toBeCloseTo(-(0.25 + 0.5 + 0.75 + 1 + Math.sqrt(0.8)), 6);
  });
});

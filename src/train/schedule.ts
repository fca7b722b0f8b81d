import { ConfigError, checkRange, checkWhole, resolveConfig } from '../config/resolve.js';
import { SeqlabError } from '../errors.js';
import type { Optimizer } from './optim.js';

/**
 * The learning-rate schedules: constant, warmup + cosine decay, warmup + linear decay, warmup +
 * inverse square root.
 */
export type ScheduleKind = 'constant' | 'cosine' | 'linear' | 'noam';

/**
 * A learning-rate schedule. `lr` is the peak rate; `warmupSteps` applies to all but constant;
 * `totalSteps` and `minLr` to the decays (cosine, linear) only.
 */
export interface ScheduleConfig {
  kind: ScheduleKind;
  lr: number;
  warmupSteps: number;
  totalSteps: number;
  minLr: number;
}

/** Constant 1e-3 (Adam's default rate), no warmup. */
export const defaultScheduleConfig: Readonly<ScheduleConfig> = Object.freeze({
  kind: 'constant', lr: 1e-3, warmupSteps: 0, totalSteps: 0, minLr: 0,
});

export const SCHEDULE_KINDS: readonly ScheduleKind[] = ['constant', 'cosine', 'linear', 'noam'];
const SECTION = 'schedule';

/**
 * A full schedule config from partial (JSON) options: unknown keys, wrong types and
 * inconsistent values are errors naming the option.
 */
export function resolveScheduleConfig(options: object = {}): ScheduleConfig {
  const c = resolveConfig<ScheduleConfig>(SECTION, defaultScheduleConfig, [options as Record<string, unknown>], { kind: SCHEDULE_KINDS });
  checkRange(SECTION, c, 'lr', 0, Infinity);
  checkRange(SECTION, c, 'minLr', 0, c.lr, true);
  checkWhole(SECTION, c, 'warmupSteps', 0);
  if (!Number.isFinite(c.totalSteps)) throw new ConfigError(SECTION, 'totalSteps', `must be a finite number, got ${c.totalSteps}`);
  if (c.kind === 'noam' && c.warmupSteps < 1) throw new ConfigError(SECTION, 'warmupSteps', `must be >= 1 for noam, got ${c.warmupSteps}`);
  if (decays(c.kind) && (!Number.isInteger(c.totalSteps) || c.totalSteps <= c.warmupSteps)) {
    throw new ConfigError(SECTION, 'totalSteps', `must be a whole number > \`warmupSteps\` (${c.warmupSteps}) for ${c.kind}, got ${c.totalSteps}`);
  }
  return c;
}

/** Whether `kind` decays over the run (and so needs its length: totalSteps, or the run's progress). */
export function decays(kind: ScheduleKind): boolean {
  return kind === 'cosine' || kind === 'linear';
}

/**
 * The learning rate for the update with index `step` (0 for the first update, i.e. the number
 * of updates already taken; `Optimizer.steps` counts exactly that). With s = step + 1, peak
 * rate η, warmup W, total T, floor η_min:
 *
 *   constant: η
 *   cosine:   η·s/W while s ≤ W; then η_min + ½(η − η_min)(1 + cos(π·p)),
 *             p = min(1, (step − W) / (T − W)), so η_min from step T on
 *   linear:   η·s/W while s ≤ W; then η_min + (η − η_min)(1 − p)
 *   noam:     η·min(s/W, √(W/s))  (Vaswani et al.'s d^−½·min(s^−½, s·W^−1.5) with its peak
 *             η = (d·W)^−½ made explicit)
 *
 * `progress`, where given, replaces the decays' p: the share of the run done, in [0, 1] (a
 * time-limited run knows its share of the budget, not its number of steps).
 */
export function lrAt(config: Readonly<ScheduleConfig>, step: number, progress?: number): number {
  if (!Number.isInteger(step) || step < 0) throw new SeqlabError(`schedule: step must be a whole number >= 0, got ${step}`);
  const { kind, lr, warmupSteps: w, totalSteps: total, minLr } = config;
  const s = step + 1;
  switch (kind) {
    case 'constant':
      return lr;
    case 'cosine':
    case 'linear': {
      if (s <= w) return (lr * s) / w;
      const p = Math.min(1, Math.max(0, progress ?? (step - w) / (total - w)));
      return minLr + (lr - minLr) * (kind === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * p)) : 1 - p);
    }
    case 'noam':
      return lr * Math.min(s / w, Math.sqrt(w / s));
    default:
      throw new SeqlabError(`schedule: unknown kind '${String(kind)}'`);
  }
}

/** `lrAt` bound to a checked config: (step, progress?) → learning rate. */
export function makeSchedule(options: object = {}): (step: number, progress?: number) => number {
  const config = resolveScheduleConfig(options);
  return (step, progress) => lrAt(config, step, progress);
}

/**
 * Sets the optimizer's rate for its next update from the schedule, at `optimizer.steps`
 * (which a resumed optimizer restores), and the run's `progress` where given (see lrAt). Call
 * before each `step()`; returns the rate set.
 */
export function applySchedule(optimizer: Optimizer, schedule: (step: number, progress?: number) => number,
  progress?: number): number {
  optimizer.lr = schedule(optimizer.steps, progress);
  return optimizer.lr;
}

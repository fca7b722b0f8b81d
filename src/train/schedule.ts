import { ConfigError, checkRange, checkWhole, resolveConfig } from '../config/resolve.js';
import { SeqlabError } from '../errors.js';
import type { Optimizer } from './optim.js';

/** The learning-rate schedules: constant, warmup + cosine decay, warmup + inverse square root. */
export type ScheduleKind = 'constant' | 'cosine' | 'noam';

/**
 * A learning-rate schedule. `lr` is the peak rate; `warmupSteps` applies to cosine and noam;
 * `totalSteps` and `minLr` to cosine only.
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

const KINDS: readonly ScheduleKind[] = ['constant', 'cosine', 'noam'];
const SECTION = 'schedule';

/**
 * A full schedule config from partial (JSON) options: unknown keys, wrong types and
 * inconsistent values are errors naming the option.
 */
export function resolveScheduleConfig(options: object = {}): ScheduleConfig {
  const c = resolveConfig<ScheduleConfig>(SECTION, defaultScheduleConfig, [options as Record<string, unknown>], { kind: KINDS });
  checkRange(SECTION, c, 'lr', 0, Infinity);
  checkRange(SECTION, c, 'minLr', 0, c.lr, true);
  checkWhole(SECTION, c, 'warmupSteps', 0);
  if (!Number.isFinite(c.totalSteps)) throw new ConfigError(SECTION, 'totalSteps', `must be a finite number, got ${c.totalSteps}`);
  if (c.kind === 'noam' && c.warmupSteps < 1) throw new ConfigError(SECTION, 'warmupSteps', `must be >= 1 for noam, got ${c.warmupSteps}`);
  if (c.kind === 'cosine' && (!Number.isInteger(c.totalSteps) || c.totalSteps <= c.warmupSteps)) {
    throw new ConfigError(SECTION, 'totalSteps', `must be a whole number > \`warmupSteps\` (${c.warmupSteps}) for cosine, got ${c.totalSteps}`);
  }
  return c;
}

/**
 * The learning rate for the update with index `step` (0 for the first update, i.e. the number
 * of updates already taken; `Optimizer.steps` counts exactly that). With s = step + 1, peak
 * rate η, warmup W, total T, floor η_min:
 *
 *   constant: η
 *   cosine:   η·s/W while s ≤ W; then η_min + ½(η − η_min)(1 + cos(π·p)),
 *             p = min(1, (step − W) / (T − W)), so η_min from step T on
 *   noam:     η·min(s/W, √(W/s))  (Vaswani et al.'s d^−½·min(s^−½, s·W^−1.5) with its peak
 *             η = (d·W)^−½ made explicit)
 */
export function lrAt(config: Readonly<ScheduleConfig>, step: number): number {
  if (!Number.isInteger(step) || step < 0) throw new SeqlabError(`schedule: step must be a whole number >= 0, got ${step}`);
  const { kind, lr, warmupSteps: w, totalSteps: total, minLr } = config;
  const s = step + 1;
  switch (kind) {
    case 'constant':
      return lr;
    case 'cosine': {
      if (s <= w) return (lr * s) / w;
      const progress = Math.min(1, (step - w) / (total - w));
      return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * progress));
    }
    case 'noam':
      return lr * Math.min(s / w, Math.sqrt(w / s));
    default:
      throw new SeqlabError(`schedule: unknown kind '${String(kind)}'`);
  }
}

/** `lrAt` bound to a checked config: step → learning rate. */
export function makeSchedule(options: object = {}): (step: number) => number {
  const config = resolveScheduleConfig(options);
  return (step) => lrAt(config, step);
}

/**
 * Sets the optimizer's rate for its next update from the schedule, at `optimizer.steps`
 * (which a resumed optimizer restores). Call before each `step()`; returns the rate set.
 */
export function applySchedule(optimizer: Optimizer, schedule: (step: number) => number): number {
  optimizer.lr = schedule(optimizer.steps);
  return optimizer.lr;
}

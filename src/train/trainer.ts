import { backend } from '../backend/index.js';
import { ConfigError } from '../config/resolve.js';
import type { Module } from '../nn/module.js';
import { backward } from '../tensor/autograd.js';
import { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { saveModelBytes, saveOptimizerBytes } from './checkpoint.js';
import { clipGradNorm } from './clip.js';
import { makeOptimizer, type Optimizer, type OptimizerKind } from './optim.js';
import { applySchedule, decays, makeSchedule, type ScheduleKind } from './schedule.js';

/** How to train: the same loop serves every task. */
export interface TrainerConfig {
  /** Stop after this many updates (0 = no step limit). */
  steps: number;
  /** Stop after this many passes over the training data (0 = no epoch limit). */
  epochs: number;
  /** Stop after this many seconds of training, keeping the best checkpoint (0 = none). */
  timeBudget: number;
  /** Evaluate on the validation data every this many updates (and at the end). */
  evalEvery: number;
  optimizer: OptimizerKind;
  lr: number;
  weightDecay: number;
  schedule: ScheduleKind;
  warmupSteps: number;
  /** Clip gradients to this global L2 norm (0 = no clipping). */
  clip: number;
  seed: number;
}

export const defaultTrainerConfig: Readonly<TrainerConfig> = Object.freeze({
  steps: 0, epochs: 0, timeBudget: 0, evalEvery: 200, optimizer: 'adamw', lr: 3e-3, weightDecay: 0.01,
  schedule: 'constant', warmupSteps: 0, clip: 1, seed: 1,
});

/**
 * What a task hands the trainer: its model, how to get the loss of the next training batch
 * (drawing randomness from `rng` only), how to evaluate, and how many batches make an epoch.
 */
export interface Trainable {
  model: Module;
  /** The mean loss of the next training batch, and how many tokens it covered. */
  trainBatch(rng: Rng): { loss: Tensor; tokens: number };
  /** Validation metrics; `loss` decides the best checkpoint (lower is better). */
  evaluate(): Promise<Record<string, number> & { loss: number }> | (Record<string, number> & { loss: number });
  stepsPerEpoch: number;
  /** Any other generator whose state must survive a resume (the model's dropout). */
  extraRng?: Rng;
}

/** Everything besides weights and optimizer moments needed to resume exactly. */
export interface TrainState {
  step: number;
  tokens: number;
  bestLoss: number;
  bestStep: number;
  rng: number[];
  extraRng: number[] | null;
  elapsed: number;
  /** The training loss summed over the updates since the last evaluation, and their count (for its `train_loss`). */
  window?: { loss: number; steps: number };
}

export interface StepInfo { step: number; loss: number; lr: number; tokensPerSecond: number; elapsed: number; totalSteps: number }
export interface EvalInfo { step: number; metrics: Record<string, number>; best: boolean; elapsed: number; trainLoss: number }

/** A checkpoint to persist: `best` = model only; `last` = model, optimizer and trainer state. */
export interface Checkpoint {
  kind: 'best' | 'last';
  model: Uint8Array;
  optimizer?: Uint8Array;
  state?: TrainState;
}

export interface TrainerEvents {
  onStep?(info: StepInfo): void;
  onEval?(info: EvalInfo): void;
  /** Persist a checkpoint (the CLI writes files atomically; the explorer keeps it in memory). */
  onCheckpoint?(c: Checkpoint): void | Promise<void>;
}

export interface TrainResult {
  steps: number;
  bestLoss: number;
  bestStep: number;
  elapsed: number;
  /** `interrupted`: `stop` was aborted; the last state was saved at the step reached, without an evaluation. */
  stoppedBy: 'steps' | 'epochs' | 'time' | 'interrupted';
}

/** Raised when the loss stops being a number: training cannot go on from there. */
export class NonFiniteLossError extends ConfigError {
  constructor(value: number, step: number) {
    super('train', 'lr', `the loss became ${value} at step ${step}; lower the learning rate (\`lr\`) or check the data`);
  }
}

/** The number of updates the run is allowed, from steps and epochs (Infinity if neither). */
function stepLimit(c: TrainerConfig, stepsPerEpoch: number): number {
  const limits = [c.steps > 0 ? c.steps : Infinity, c.epochs > 0 ? Math.ceil(c.epochs * stepsPerEpoch) : Infinity];
  return Math.min(...limits);
}

/**
 * The training loop, top to bottom: draw a batch, forward, backward, clip, update; every
 * `evalEvery` updates evaluate, keep the best model by validation loss, and save the last state
 * for `--resume`. It stops at the step, epoch or time limit, whichever comes first, after a final
 * evaluation. A NaN or infinite loss stops it with `NonFiniteLossError`. With `resume` it
 * continues a saved run and gives the same numbers as an uninterrupted one. Aborting `stop`
 * (Ctrl-C) ends it after the update under way: the last state is saved at that step, with no
 * extra evaluation, so resuming from it still gives the uninterrupted run's numbers.
 */
export async function train(t: Trainable, config: TrainerConfig, events: TrainerEvents = {},
  resume?: { state: TrainState; optimizer: (o: Optimizer) => void }, stop?: AbortSignal): Promise<TrainResult> {
  const total = stepLimit(config, t.stepsPerEpoch);
  if (total === Infinity && config.timeBudget <= 0) throw new ConfigError('train', 'steps', 'no limit given: give `steps`, `epochs` or `timeBudget`');
  const optimizer = makeOptimizer(config.optimizer, t.model, { lr: config.lr, weightDecay: config.weightDecay });
  const schedule = makeSchedule({ kind: config.schedule, lr: config.lr, warmupSteps: config.warmupSteps,
    ...(decays(config.schedule) ? { totalSteps: Math.max(total === Infinity ? 10000 : total, config.warmupSteps + 1),
      minLr: config.schedule === 'cosine' ? config.lr / 10 : 0 } : {}) });
  const rng = new Rng(config.seed);
  const s: TrainState = { step: 0, tokens: 0, bestLoss: Infinity, bestStep: -1, rng: [], extraRng: null, elapsed: 0 };
  if (resume) {
    Object.assign(s, resume.state);
    rng.setState(resume.state.rng);
    if (t.extraRng && resume.state.extraRng) t.extraRng.setState(resume.state.extraRng);
    resume.optimizer(optimizer);
  }
  const started = now() - s.elapsed * 1000;
  const outOfTime = (): boolean => config.timeBudget > 0 && (now() - started) / 1000 >= config.timeBudget;
  // A time-limited run's decay follows the share of the budget spent (or of the steps, if further on).
  const progress = (step: number): number | undefined => {
    if (config.timeBudget <= 0) return undefined;
    const byTime = (now() - started) / 1000 / config.timeBudget;
    const w = config.warmupSteps;
    return total === Infinity ? byTime : Math.max(byTime, (step - w) / Math.max(total - w, 1));
  };
  let windowLoss = s.window?.loss ?? 0;
  let windowSteps = s.window?.steps ?? 0;
  let stoppedBy: TrainResult['stoppedBy'] = 'steps';
  t.model.train();
  while (s.step < total) {
    if (stop?.aborted) { stoppedBy = 'interrupted'; break; }
    if (outOfTime()) { stoppedBy = 'time'; break; }
    const stepStart = now();
    const lr = applySchedule(optimizer, schedule, progress(s.step));
    const { loss, tokens } = t.trainBatch(rng);
    const value = loss.item();
    if (!Number.isFinite(value)) {
      throw new NonFiniteLossError(value, s.step + 1);
    }
    backward(loss);
    if (config.clip > 0) clipGradNorm(t.model, config.clip);
    optimizer.step();
    optimizer.zeroGrad();
    s.step++;
    s.tokens += tokens;
    windowLoss += value;
    windowSteps++;
    const elapsed = (now() - started) / 1000;
    events.onStep?.({ step: s.step, loss: value, lr, tokensPerSecond: tokens / Math.max((now() - stepStart) / 1000, 1e-9), elapsed, totalSteps: total });
    if (s.step % config.evalEvery === 0 || s.step >= total) {
      await evaluateAndSave(t, s, optimizer, rng, events, windowLoss / windowSteps, started);
      windowLoss = 0;
      windowSteps = 0;
    }
    await backend().afterStep(); // this step's tensors back to the heap's free lists (backend/settle.ts)
    await yieldToEventLoop();
  }
  if (stoppedBy === 'interrupted') {
    s.elapsed = (now() - started) / 1000;
    await saveLast(t, { ...s, window: { loss: windowLoss, steps: windowSteps } }, optimizer, rng, events);
  } else {
    if (s.step >= total && total !== Infinity) stoppedBy = config.steps > 0 && s.step >= config.steps ? 'steps' : 'epochs';
    if (windowSteps > 0 || s.bestStep < 0) await evaluateAndSave(t, s, optimizer, rng, events, windowSteps ? windowLoss / windowSteps : NaN, started);
  }
  return { steps: s.step, bestLoss: s.bestLoss, bestStep: s.bestStep, elapsed: (now() - started) / 1000, stoppedBy };
}

async function evaluateAndSave(t: Trainable, s: TrainState, optimizer: Optimizer, rng: Rng, events: TrainerEvents,
  trainLoss: number, started: number): Promise<void> {
  t.model.eval();
  const metrics = await t.evaluate();
  t.model.train();
  const best = metrics.loss < s.bestLoss;
  if (best) {
    s.bestLoss = metrics.loss;
    s.bestStep = s.step;
    await events.onCheckpoint?.({ kind: 'best', model: saveModelBytes(t.model, { step: String(s.step) }) });
  }
  s.elapsed = (now() - started) / 1000;
  events.onEval?.({ step: s.step, metrics, best, elapsed: s.elapsed, trainLoss });
  await saveLast(t, { ...s, window: { loss: 0, steps: 0 } }, optimizer, rng, events);
}

/** The resume point: weights and optimizer state, both marked with the step, and the trainer state. */
async function saveLast(t: Trainable, s: TrainState, optimizer: Optimizer, rng: Rng, events: TrainerEvents): Promise<void> {
  const state: TrainState = { ...s, rng: rng.getState(), extraRng: t.extraRng?.getState() ?? null };
  const step = { step: String(s.step) };
  await events.onCheckpoint?.({ kind: 'last', model: saveModelBytes(t.model, step), optimizer: saveOptimizerBytes(optimizer, step), state });
}

function now(): number {
  return globalThis.performance.now();
}

/** Lets timers, progress output and finalizers run between steps (Node and browsers). */
function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (f: () => void) => void }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

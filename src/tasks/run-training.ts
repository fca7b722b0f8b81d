/**
 * One training run of any task, written through a `CheckpointStore`: the CLI's folder and the
 * explorer's memory get the same files, and `resume` continues either with the same numbers as
 * an uninterrupted run.
 */
import { ConfigError, resolveConfig } from '../config/resolve.js';
import { SeqlabError } from '../errors.js';
import { loadModelBytes, loadOptimizerBytes, saveModelBytes } from '../train/checkpoint.js';
import { appendMetrics, readConfig, readTrainState, writeConfig, writeTrainState } from '../store/checkpoint.js';
import { type CheckpointStore, type DataSource, FILES } from '../store/store.js';
import type { Optimizer } from '../train/optim.js';
import { SCHEDULE_KINDS } from '../train/schedule.js';
import { defaultTrainerConfig, type TrainerConfig, type TrainerEvents, train } from '../train/trainer.js';
import type { Task, TaskRun, TrainRequest } from './task.js';

/** How the run goes: the trainer settings the user gave (over the task's recipe), resuming, and events. */
export interface RunOptions {
  trainer: Partial<TrainerConfig>;
  /** Continue the run saved in the store (last weights, optimizer state, trainer state). */
  resume?: boolean;
  /** Progress: each step and each evaluation (after the store has the metrics). */
  events?: Pick<TrainerEvents, 'onStep' | 'onEval'>;
}

export interface RunResult {
  arch: string;
  steps: number;
  bestLoss: number;
  bestStep: number;
  seconds: number;
  stoppedBy: string;
  parameters: number;
}

/** The trainer config: defaults, the task's recipe, then the user's settings, checked. */
export function trainerConfig(recipe: Partial<TrainerConfig>, given: Partial<TrainerConfig>): TrainerConfig {
  const c = resolveConfig('train', defaultTrainerConfig, [recipe, given], {
    schedule: SCHEDULE_KINDS, optimizer: ['sgd', 'adam', 'adamw'],
  });
  if (c.schedule === 'noam' && c.warmupSteps === 0) throw new ConfigError('train', 'schedule', 'noam needs `warmupSteps`');
  if (c.steps === 0 && c.epochs === 0 && c.timeBudget === 0) {
    throw new ConfigError('train', 'steps', 'no limit given: give `steps`, `epochs` or `timeBudget`');
  }
  return c;
}

/** Every section of config.json but the trainer's: what a resumed run must share with the saved one. */
function modelSections(config: Record<string, unknown>): string {
  const { train: _train, seqlab: _version, ...rest } = config;
  return JSON.stringify(rest);
}

/**
 * Sets the task's run up from `request`, then trains it into `store` (or writes a fitted model).
 * Nothing is written before the data and settings have been checked.
 */
export async function runTraining(task: Task, request: TrainRequest, source: DataSource, store: CheckpointStore,
  options: RunOptions): Promise<RunResult> {
  const run = task.setup(request, source);
  if (run.fitted) return writeFitted(run, store);
  const trainable = run.trainable;
  if (!trainable) throw new SeqlabError(`${task.name}: the run has neither a trainable nor a fitted model`);
  const config = trainerConfig(run.recipe, options.trainer);
  store.create();
  let resume;
  if (options.resume) {
    const saved = readConfig(store);
    if (modelSections(saved) !== modelSections({ seqlab: '', ...run.config })) {
      throw new SeqlabError(`${store.path(FILES.config)} was made with another model, tokenizer or data; resume needs the same ones`);
    }
    loadModelBytes(trainable.model, store.read(FILES.last));
    const optimizerBytes = store.read(FILES.optimizer);
    resume = { state: readTrainState(store), optimizer: (o: Optimizer) => { loadOptimizerBytes(o, optimizerBytes); } };
  } else {
    store.write(FILES.metrics, '');
    store.write(FILES.model, saveModelBytes(trainable.model, { step: '0' }));
  }
  writeConfig(store, { ...run.config, train: config });
  for (const [file, data] of Object.entries(run.files)) store.write(file, data);
  const result = await train(trainable, config, {
    onStep: options.events?.onStep,
    onEval: (e) => {
      appendMetrics(store, { step: e.step, seconds: Number(e.elapsed.toFixed(3)), train_loss: e.trainLoss, ...e.metrics });
      options.events?.onEval?.(e);
    },
    onCheckpoint: (c) => {
      if (c.kind === 'best') {
        store.write(FILES.model, c.model);
        return;
      }
      store.write(FILES.last, c.model);
      if (c.optimizer) store.write(FILES.optimizer, c.optimizer);
      if (c.state) writeTrainState(store, c.state);
    },
  }, resume);
  return { arch: run.config.arch, steps: result.steps, bestLoss: result.bestLoss, bestStep: result.bestStep,
    seconds: Number(result.elapsed.toFixed(2)), stoppedBy: result.stoppedBy, parameters: run.parameters };
}

/** A model made without gradient steps: its files, config and one metrics record. */
function writeFitted(run: TaskRun, store: CheckpointStore): RunResult {
  const fitted = run.fitted!;
  store.create();
  for (const [file, data] of Object.entries({ ...fitted.files, ...run.files })) store.write(file, data);
  writeConfig(store, run.config);
  store.write(FILES.metrics, `${JSON.stringify({ step: 0, ...fitted.metrics })}\n`);
  return { arch: run.config.arch, steps: 0, bestLoss: fitted.metrics.loss, bestStep: 0, seconds: 0, stoppedBy: 'counted', parameters: run.parameters };
}

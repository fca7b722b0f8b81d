/**
 * One training run of any task, written through a `CheckpointStore`: the CLI's folder and the
 * explorer's memory get the same files, and `resume` continues either with the same numbers as
 * an uninterrupted run.
 *
 * The resume point is three files that must agree: last.safetensors, optimizer.safetensors
 * (both carry the step in their metadata) and trainer-state.json (which names it). A run killed
 * at any moment leaves them agreeing or recoverable, because they are saved in this order:
 *   1. the weights and the optimizer state go to `.last.safetensors.next` and
 *      `.optimizer.safetensors.next` (each written whole: a temporary file, then a rename);
 *   2. trainer-state.json is replaced: this is the commit, the step it names is the resume point;
 *   3. the two `.next` files are renamed over last.safetensors and optimizer.safetensors.
 * Killed before 2, the folder still holds the previous point whole (the `.next` files are
 * dropped on resume); killed after 2, resume finishes 3. metrics.jsonl may hold evaluations past
 * the resume point: resume drops them, and the run writes them again, the same.
 */
import { ConfigError, resolveConfig } from '../config/resolve.js';
import { assert, SeqlabError } from '../errors.js';
import { loadModelBytes, loadOptimizerBytes, OPTIMIZER_METADATA, saveModelBytes } from '../train/checkpoint.js';
import { appendMetrics, readConfig, readTrainState, writeConfig, writeTrainState } from '../store/checkpoint.js';
import { type CheckpointStore, type DataSource, FILES } from '../store/store.js';
import type { Optimizer } from '../train/optim.js';
import { parseSafetensors } from '../train/safetensors.js';
import { SCHEDULE_KINDS } from '../train/schedule.js';
import { type Checkpoint, defaultTrainerConfig, type TrainerConfig, type TrainerEvents, type TrainState, train } from '../train/trainer.js';
import type { Task, TaskRun, TrainRequest } from './task.js';

/** How the run goes: the trainer settings the user gave (over the task's recipe), resuming, and events. */
export interface RunOptions {
  trainer: Partial<TrainerConfig>;
  /** Continue the run saved in the store (last weights, optimizer state, trainer state). */
  resume?: boolean;
  /** Progress: each step and each evaluation (after the store has the metrics). */
  events?: Pick<TrainerEvents, 'onStep' | 'onEval'>;
  /** Aborting it stops the run after the update under way, with the resume point saved there. */
  stop?: AbortSignal;
  /** Told when `resume` finds nothing saved yet and the run starts from step 0. */
  onFreshStart?(reason: string): void;
}

export interface RunResult {
  arch: string;
  steps: number;
  bestLoss: number;
  bestStep: number;
  seconds: number;
  stoppedBy: string;
  parameters: number;
  /** The step the run started from (0, or the resume point). */
  resumedFrom: number;
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
  const saved = options.resume ? resumePoint(store) : null;
  if (saved) {
    const stored = readConfig(store);
    if (modelSections(stored) !== modelSections({ seqlab: '', ...run.config })) {
      throw new SeqlabError(`${store.path(FILES.config)} was made with another model, tokenizer or data; resume needs the same ones`);
    }
    loadModelBytes(trainable.model, saved.model);
    resume = { state: saved.state, optimizer: (o: Optimizer) => { loadOptimizerBytes(o, saved.optimizer); } };
    keepMetricsUpTo(store, saved.state.step);
  } else {
    if (options.resume) options.onFreshStart?.(`${store.path(FILES.state)} is not there yet`);
    startFresh(store);
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
      if (c.kind === 'best') store.write(FILES.model, c.model);
      else saveResumePoint(store, c);
    },
  }, resume, options.stop);
  return { arch: run.config.arch, steps: result.steps, bestLoss: result.bestLoss, bestStep: result.bestStep,
    seconds: Number(result.elapsed.toFixed(2)), stoppedBy: result.stoppedBy, parameters: run.parameters,
    resumedFrom: saved?.state.step ?? 0 };
}

/** Where the two weight files of a resume point wait while trainer-state.json is replaced. */
const PENDING = { [FILES.last]: `.${FILES.last}.next`, [FILES.optimizer]: `.${FILES.optimizer}.next` } as const;

/** Saves a resume point so that a kill at any moment leaves the files agreeing (see the top of this file). */
function saveResumePoint(store: CheckpointStore, c: Checkpoint): void {
  assert(c.optimizer && c.state, 'a resume point comes with optimizer and trainer state');
  store.write(PENDING[FILES.last], c.model);
  store.write(PENDING[FILES.optimizer], c.optimizer);
  writeTrainState(store, c.state);
  store.rename(PENDING[FILES.last], FILES.last);
  store.rename(PENDING[FILES.optimizer], FILES.optimizer);
}

/** A fresh run drops an earlier run's resume point, the commit (trainer-state.json) first. */
function startFresh(store: CheckpointStore): void {
  for (const file of [FILES.state, PENDING[FILES.last], PENDING[FILES.optimizer], FILES.last, FILES.optimizer]) store.remove(file);
}

/** The step a weights or optimizer file was saved at (its metadata), or null if it does not say. */
function savedStep(store: CheckpointStore, file: string, bytes: Uint8Array): number | null {
  let metadata: Record<string, string>;
  try {
    metadata = parseSafetensors(bytes).metadata;
  } catch (err) {
    if (err instanceof SeqlabError) throw new SeqlabError(`${store.path(file)}: ${err.message}`);
    throw err;
  }
  // Files from before the step was written: an optimizer counts its updates, one per step.
  const text = metadata.step ?? (file === FILES.optimizer ? metadata[OPTIMIZER_METADATA.steps] : undefined);
  return text === undefined ? null : Number(text);
}

/**
 * The saved resume point: trainer-state.json and the weights and optimizer state of the step it
 * names, finishing a save that a kill interrupted after its commit. Null when nothing is saved yet
 * (a run killed before its first checkpoint). Files that disagree with the state are an error.
 */
function resumePoint(store: CheckpointStore): { state: TrainState; model: Uint8Array; optimizer: Uint8Array } | null {
  if (!store.has(FILES.state)) return null;
  const state = readTrainState(store);
  const bytes: Record<string, Uint8Array> = {};
  for (const file of [FILES.last, FILES.optimizer] as const) {
    const pending = PENDING[file];
    if (store.has(pending)) {
      const data = store.read(pending);
      if (savedStep(store, pending, data) === state.step) {
        store.rename(pending, file); // the save was committed: finish it
        bytes[file] = data;
        continue;
      }
      store.remove(pending); // the save was not committed: the previous point stands
    }
    if (!store.has(file)) throw new SeqlabError(`${store.path(file)} is missing; ${store.path(FILES.state)} names step ${state.step}`);
    const data = store.read(file);
    const step = savedStep(store, file, data);
    if (step !== null && step !== state.step) {
      throw new SeqlabError(`${store.path(file)} holds step ${step}, but ${store.path(FILES.state)} names step ${state.step}; the files are from different saves`);
    }
    bytes[file] = data;
  }
  return { state, model: bytes[FILES.last], optimizer: bytes[FILES.optimizer] };
}

/**
 * Drops metrics.jsonl's records past the resume point (evaluations a killed run logged after its
 * last save; the resumed run logs them again) and any line that is not whole JSON.
 */
function keepMetricsUpTo(store: CheckpointStore, step: number): void {
  if (!store.has(FILES.metrics)) return;
  const text = store.readText(FILES.metrics);
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const kept = lines.filter((line) => {
    try {
      const record = JSON.parse(line) as { step?: unknown };
      return typeof record.step === 'number' && record.step <= step;
    } catch {
      return false;
    }
  });
  const joined = kept.map((line) => `${line}\n`).join('');
  if (joined !== text) store.write(FILES.metrics, joined);
}

/** A model made without gradient steps: its files, config and one metrics record. */
function writeFitted(run: TaskRun, store: CheckpointStore): RunResult {
  const fitted = run.fitted!;
  store.create();
  for (const [file, data] of Object.entries({ ...fitted.files, ...run.files })) store.write(file, data);
  writeConfig(store, run.config);
  store.write(FILES.metrics, `${JSON.stringify({ step: 0, ...fitted.metrics })}\n`);
  return { arch: run.config.arch, steps: 0, bestLoss: fitted.metrics.loss, bestStep: 0, seconds: 0, stoppedBy: 'counted',
    parameters: run.parameters, resumedFrom: 0 };
}

/**
 * The one list of tasks. `seqlab train TASK` looks a task up by name; every command that reads
 * a checkpoint looks it up by `config.task`. Adding a task is adding its folder and one line here.
 */
import { resolveConfig } from '../config/resolve.js';
import { SeqlabError } from '../errors.js';
import { configSection, inFile, readConfig, type StoredConfig } from '../store/checkpoint.js';
import { SCHEDULE_KINDS } from '../train/schedule.js';
import { defaultTrainerConfig } from '../train/trainer.js';
import { type CheckpointStore, FILES } from '../store/store.js';
import { classifyTask, tagTask } from './bio/task.js';
import { lmTask } from './lm/task.js';
import { memoryTask } from './memory/task.js';
import { translateTask } from './translate/task.js';
import type { Capability, LoadedModel, Task } from './task.js';

const TASKS: readonly Task[] = [lmTask, translateTask, classifyTask, tagTask, memoryTask];

export function taskNames(): string[] {
  return TASKS.map((t) => t.name);
}

export function allTasks(): readonly Task[] {
  return TASKS;
}

/** The task named `name`; an unknown name is an error listing the known ones. */
export function getTask(name: string): Task {
  const task = TASKS.find((t) => t.name === name);
  if (!task) throw new SeqlabError(`unknown task '${name}' (available: ${taskNames().join(', ')})`);
  return task;
}

/**
 * Loads the checkpoint in `store` through its task. With `need`, the model must have that
 * capability: asking a translation model for suggestions is an error naming both.
 */
export function loadCheckpoint(store: CheckpointStore, need?: Capability): LoadedModel {
  const config = readConfig(store);
  const where = store.path(FILES.config);
  const task = TASKS.find((t) => t.name === config.task);
  if (!task) throw new SeqlabError(`${where}: this is a '${config.task}' checkpoint, a task this seqlab does not know`);
  if (need && !task.capabilities.includes(need)) {
    throw new SeqlabError(`${where}: this is a '${config.task}' checkpoint, and ${config.task} models cannot ${need}`);
  }
  inFile(store, FILES.config, () => checkTrainSection(config));
  return task.load(config, store);
}

/** The trainer settings a checkpoint was trained with (`train`, absent in a counted model): known keys of the right types. */
function checkTrainSection(config: StoredConfig): void {
  if (config.train === undefined) return;
  resolveConfig('train', defaultTrainerConfig, [configSection(config, 'train')], { schedule: SCHEDULE_KINDS, optimizer: ['sgd', 'adam', 'adamw'] });
}

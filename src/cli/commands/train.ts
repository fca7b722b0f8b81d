import type { Command } from 'commander';
import { Option } from 'commander';
import { fileSource } from '../../store/file-store.js';
import { allTasks, getTask, taskNames } from '../../tasks/registry.js';
import { runTraining } from '../../tasks/run-training.js';
import type { Task } from '../../tasks/task.js';
import { SCHEDULE_KINDS } from '../../train/schedule.js';
import type { TrainerConfig } from '../../train/trainer.js';
import { splitTrainerSets } from '../flags.js';
import { collect, parseSets } from '../options.js';
import { makeProgress } from '../progress.js';
import { checkPathCount, folder, numberFlag, printJson, UsageError, useThreads } from '../run.js';

interface TrainFlags {
  train?: string[];
  valid?: string[];
  out: string;
  model?: string;
  preset?: string;
  tokenizer?: string;
  timeBudget?: string;
  steps?: string;
  epochs?: string;
  batch?: string;
  lr?: string;
  seed: string;
  threads: string;
  set?: string[];
  evalEvery?: string;
  schedule?: string;
  warmup?: string;
  resume?: boolean;
  json?: boolean;
}

/** Per task, one line of `--model` help: `lm: ffn | rnn | ...`. */
function perTask(pick: (t: Task) => readonly string[]): string {
  return allTasks().filter((t) => pick(t).length > 0).map((t) => `${t.name}: ${pick(t).join(' | ')}`).join('; ');
}

export function registerTrain(program: Command): void {
  program.command('train')
    .description(`train a model; TASK is one of: ${allTasks().map((t) => `${t.name} (${t.summary})`).join('; ')}`)
    .argument('<task>', `the task: ${taskNames().join(' | ')}`)
    .option('--train <paths...>', 'training data (lm: one UTF-8 text file); tasks that make their own data take none')
    .option('--valid <paths...>', 'validation data (default: a deterministic 10% of the training data)')
    .requiredOption('--out <dir>', 'checkpoint folder to write')
    .option('--model <arch>', `architecture (${perTask((t) => t.archs)}); default: the task's`)
    .option('--preset <name>', `model size (${perTask((t) => t.presets)}); default: the task's`)
    .option('--tokenizer <kind>', `tokens (${perTask((t) => t.tokenizers)}); default: the task's`)
    .option('--time-budget <seconds>', 'stop after this many seconds, keeping the best checkpoint')
    .option('--steps <n>', 'stop after this many updates')
    .option('--epochs <n>', 'stop after this many passes over the training data')
    .option('--batch <n>', 'sequences per batch (default: the preset\'s)')
    .option('--lr <x>', 'peak learning rate (default: the preset\'s)')
    .option('--seed <n>', 'random seed: the same seed gives the same run', '1')
    .option('--threads <n>', 'threads for large matrix products and recurrent layers (the WebAssembly backend)', '1')
    .option('--eval-every <n>', 'evaluate on the validation data every N updates (default: the task\'s, 200 for lm)')
    .addOption(new Option('--schedule <kind>', 'learning-rate schedule: constant | cosine (to lr/10) | linear (to 0) | noam; the decays end with the run (--steps, --epochs or --time-budget). Default: the task\'s').choices([...SCHEDULE_KINDS]))
    .option('--warmup <n>', 'linear warm-up steps for cosine, linear and noam')
    .option('--set <key=value>', 'a model or task setting, e.g. --set hiddenSize=128; trainer settings as --set train.clip=0.5 (repeatable)', collect)
    .option('--resume', 'continue the run saved in --out (last.safetensors and optimizer state); with nothing saved yet, start from step 0. Ctrl-C (or SIGTERM) stops a run after the update under way, saves it there and exits 130 (143)')
    .option('--json', 'print one JSON object with the result on stdout')
    .action(async (name: string, flags: TrainFlags) => {
      const task = getTaskFlag(name);
      checkPathCount('--train', task.name, task.trainPaths, flags.train, { required: true, ownData: 'makes its own data' });
      checkPathCount('--valid', task.name, task.trainPaths, flags.valid, { required: false, ownData: 'makes its own data' });
      await useThreads(flags.threads);
      const { trainer: trainerSets, rest } = splitTrainerSets(parseSets(flags.set));
      const seed = numberFlag('--seed', flags.seed, { integer: true, min: 0 }) ?? 1;
      const request = {
        train: flags.train ?? [], valid: flags.valid ?? null, arch: flags.model, preset: flags.preset, tokenizer: flags.tokenizer,
        settings: rest, batch: numberFlag('--batch', flags.batch, { integer: true, min: 1 }), seed,
      };
      const trainer = { ...trainerSets, ...trainerFlags(flags), seed } as Partial<TrainerConfig>;
      const progress = makeProgress(trainer.timeBudget ?? 0, false);
      const signals = stopOnSignals();
      const result = await runTraining(task, request, fileSource, folder(flags.out), {
        trainer, resume: flags.resume, events: progress, stop: signals.stop,
        onFreshStart: (reason) => process.stderr.write(`seqlab: nothing to resume in ${flags.out} (${reason}); training from step 0\n`),
      }).finally(() => {
        progress.stop();
        signals.dispose();
      });
      const report = { arch: result.arch, steps: result.steps, best_valid_loss: result.bestLoss, best_step: result.bestStep, seconds: result.seconds,
        stopped_by: result.stoppedBy, ...(result.stoppedBy === 'counted' ? {} : { parameters: result.parameters }), out: flags.out };
      if (flags.json) printJson(report);
      const signal = signals.received();
      if (result.stoppedBy === 'interrupted' && signal) {
        process.stderr.write(`seqlab: stopped by ${signal} at step ${result.steps}, saved in ${flags.out}; to continue, run the same command with --resume\n`);
        exitWith(SIGNAL_EXIT[signal]);
      } else if (!flags.json) {
        process.stdout.write(`trained ${report.arch}: best validation loss ${report.best_valid_loss.toFixed(4)} at step ${report.best_step} (${report.steps} steps, ${report.seconds}s) → ${report.out}\n`);
      }
    });
}

/** The exit code of a run stopped by a signal: 128 + the signal's number, as shells report it. */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT;

/**
 * Ctrl-C (SIGINT) or SIGTERM while training: the first asks the trainer to stop after the update
 * under way and save its resume point (the process then exits 130 or 143); a second one exits at
 * once, which is safe too, since every file of the folder is replaced whole.
 */
function stopOnSignals(): { stop: AbortSignal; received(): StopSignal | null; dispose(): void } {
  const controller = new AbortController();
  let received: StopSignal | null = null;
  const handlers = (Object.keys(SIGNAL_EXIT) as StopSignal[]).map((name) => {
    const handler = (): void => {
      if (received) process.exit(SIGNAL_EXIT[name]);
      received = name;
      controller.abort();
    };
    process.on(name, handler);
    return { name, handler };
  });
  return {
    stop: controller.signal,
    received: () => received,
    dispose: () => handlers.forEach(({ name, handler }) => process.off(name, handler)),
  };
}

/**
 * Ends the process with `code` once the command has returned: `main` reports 0 for a command
 * that did not fail, and the exit listener runs after the program has set that.
 */
function exitWith(code: number): void {
  process.once('exit', () => {
    process.exitCode = code;
  });
}

function getTaskFlag(name: string): Task {
  if (!taskNames().includes(name)) throw new UsageError(`train: unknown task '${name}' (available: ${taskNames().join(', ')})`);
  return getTask(name);
}

/** The trainer settings given as flags (absent flags stay undefined: the task's recipe decides). */
function trainerFlags(flags: TrainFlags): Partial<TrainerConfig> {
  return {
    steps: numberFlag('--steps', flags.steps, { integer: true, min: 1 }),
    epochs: numberFlag('--epochs', flags.epochs, { min: 0 }),
    timeBudget: numberFlag('--time-budget', flags.timeBudget, { min: 0 }),
    evalEvery: numberFlag('--eval-every', flags.evalEvery, { integer: true, min: 1 }),
    lr: numberFlag('--lr', flags.lr, { min: 0 }),
    schedule: flags.schedule as TrainerConfig['schedule'] | undefined,
    warmupSteps: numberFlag('--warmup', flags.warmup, { integer: true, min: 0 }),
  };
}

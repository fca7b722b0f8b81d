import type { Command } from 'commander';
import { Option } from 'commander';
import { SeqlabError } from '../../errors.js';
import type { TokenizerKind } from '../../data/tokenizer.js';
import { saveModelBytes } from '../../train/checkpoint.js';
import { loadModelBytes, loadOptimizerBytes } from '../../train/checkpoint.js';
import { defaultTrainerConfig, train, type TrainerConfig } from '../../train/trainer.js';
import { ngramLoss } from '../../tasks/lm/lm-task.js';
import { checkArch, setupNeuralLm, setupNgram } from '../../tasks/lm/setup.js';
import { appendMetrics, ensureOutDir, FILES, readConfig, readTrainState, readWeights, writeConfig, writeFile, writeTrainState } from '../checkpoint-dir.js';
import { readText } from '../files.js';
import { collect, parseSets } from '../options.js';
import { makeProgress } from '../progress.js';
import { numberFlag, printJson, UsageError, useThreads } from '../run.js';

interface TrainFlags {
  train: string[];
  valid?: string[];
  out: string;
  model?: string;
  preset: string;
  tokenizer: string;
  timeBudget?: string;
  steps?: string;
  epochs?: string;
  batch?: string;
  lr?: string;
  seed: string;
  threads: string;
  set?: string[];
  evalEvery?: string;
  schedule: string;
  warmup: string;
  resume?: boolean;
  json?: boolean;
}

const TASKS = ['lm'];

export function registerTrain(program: Command): void {
  program.command('train')
    .description('train a model; TASK is lm (language model)')
    .argument('<task>', `the task: ${TASKS.join(' | ')}`)
    .requiredOption('--train <paths...>', 'training data: UTF-8 text files (lm)')
    .option('--valid <paths...>', 'validation data (default: the last 10% of the training data)')
    .requiredOption('--out <dir>', 'checkpoint folder to write')
    .option('--model <arch>', 'lm: ffn | rnn | gru | lstm | transformer | ngram (Kneser-Ney baseline)', 'lstm')
    .option('--preset <name>', 'model size: tiny | small | base', 'small')
    .addOption(new Option('--tokenizer <kind>', 'tokens: char | word | bpe').choices(['char', 'word', 'bpe']).default('char'))
    .option('--time-budget <seconds>', 'stop after this many seconds, keeping the best checkpoint')
    .option('--steps <n>', 'stop after this many updates')
    .option('--epochs <n>', 'stop after this many passes over the training data')
    .option('--batch <n>', 'sequences per batch (default: the preset\'s)')
    .option('--lr <x>', 'peak learning rate (default: the preset\'s)')
    .option('--seed <n>', 'random seed: the same seed gives the same run', '1')
    .option('--threads <n>', 'threads for large matrix products and recurrent layers (the WebAssembly backend)', '1')
    .option('--eval-every <n>', 'evaluate on the validation data every N updates', '200')
    .addOption(new Option('--schedule <kind>', 'learning-rate schedule: constant | cosine (to lr/10 at --steps) | noam').choices(['constant', 'cosine', 'noam']).default('constant'))
    .option('--warmup <n>', 'linear warm-up steps for cosine and noam', '0')
    .option('--set <key=value>', 'override a model setting, e.g. --set hiddenSize=128 (repeatable)', collect)
    .option('--resume', 'continue the run saved in --out (last.safetensors and optimizer state)')
    .option('--json', 'print one JSON object with the result on stdout')
    .action(async (task: string, flags: TrainFlags) => {
      if (!TASKS.includes(task)) throw new UsageError(`train: unknown task '${task}' (available: ${TASKS.join(', ')})`);
      await useThreads(flags.threads);
      await trainLm(flags);
    });
}

function trainerConfig(flags: TrainFlags, lr: number): TrainerConfig {
  const c: TrainerConfig = {
    ...defaultTrainerConfig,
    steps: numberFlag('--steps', flags.steps, { integer: true, min: 1 }) ?? 0,
    epochs: numberFlag('--epochs', flags.epochs, { min: 0 }) ?? 0,
    timeBudget: numberFlag('--time-budget', flags.timeBudget, { min: 0 }) ?? 0,
    evalEvery: numberFlag('--eval-every', flags.evalEvery, { integer: true, min: 1 }) ?? 200,
    lr: numberFlag('--lr', flags.lr, { min: 0 }) ?? lr,
    seed: numberFlag('--seed', flags.seed, { integer: true, min: 0 }) ?? 1,
    schedule: flags.schedule as TrainerConfig['schedule'],
    warmupSteps: numberFlag('--warmup', flags.warmup, { integer: true, min: 0 }) ?? 0,
  };
  if (c.schedule === 'cosine' && c.steps === 0) throw new UsageError('--schedule cosine needs --steps (the step it decays to)');
  if (c.schedule === 'noam' && c.warmupSteps === 0) throw new UsageError('--schedule noam needs --warmup N');
  if (c.steps === 0 && c.epochs === 0 && c.timeBudget === 0) throw new UsageError('train: give --steps, --epochs or --time-budget');
  return c;
}

async function trainLm(flags: TrainFlags): Promise<void> {
  if (flags.train.length !== 1) throw new UsageError(`--train: lm takes one text file, got ${flags.train.length}`);
  if (flags.valid && flags.valid.length !== 1) throw new UsageError(`--valid: lm takes one text file, got ${flags.valid.length}`);
  const trainText = readText(flags.train[0], '--train file');
  const validText = flags.valid ? readText(flags.valid[0], '--valid file') : null;
  const arch = checkArch(flags.model ?? 'lstm');
  const overrides = parseSets(flags.set);
  const evalTokens = typeof overrides.evalTokens === 'number' ? overrides.evalTokens : 32768;
  delete overrides.evalTokens;
  const request = {
    trainText, validText, arch, tokenizer: flags.tokenizer as TokenizerKind, preset: flags.preset, overrides,
    batch: numberFlag('--batch', flags.batch, { integer: true, min: 1 }), seed: numberFlag('--seed', flags.seed, { integer: true, min: 0 }) ?? 1,
    evalTokens,
  };
  if (arch === 'ngram') {
    const { config, data, model } = setupNgram(request);
    ensureOutDir(flags.out);
    const { loss, tokens } = ngramLoss(model, data.valid);
    writeFile(flags.out, FILES.ngram, JSON.stringify(model.toJSON()));
    writeFile(flags.out, FILES.vocab, JSON.stringify(config.tokenizer));
    writeConfig(flags.out, config);
    const metrics = { step: 0, loss, perplexity: Math.exp(loss), tokens };
    writeFile(flags.out, FILES.metrics, `${JSON.stringify(metrics)}\n`);
    report(flags, { arch, steps: 0, best_valid_loss: loss, best_step: 0, seconds: 0, stopped_by: 'counted', out: flags.out });
    return;
  }
  const run = setupNeuralLm(request);
  const config = trainerConfig(flags, run.lr);
  ensureOutDir(flags.out);
  let resume;
  if (flags.resume) {
    const saved = readConfig(flags.out, 'lm', 'train --resume');
    if (JSON.stringify(saved.model) !== JSON.stringify(run.config.model) || JSON.stringify(saved.tokenizer) !== JSON.stringify(run.config.tokenizer)) {
      throw new SeqlabError(`--resume: ${flags.out}/config.json was made with another model, tokenizer or data; start a new --out`);
    }
    loadModelBytes(run.model, readWeights(flags.out, FILES.last));
    const optimizerBytes = readWeights(flags.out, FILES.optimizer);
    resume = { state: readTrainState(flags.out), optimizer: (o: Parameters<typeof loadOptimizerBytes>[0]) => { loadOptimizerBytes(o, optimizerBytes); } };
  } else {
    writeFile(flags.out, FILES.metrics, '');
    writeFile(flags.out, FILES.model, saveModelBytes(run.model, { step: '0' }));
  }
  writeConfig(flags.out, { ...run.config, train: config });
  writeFile(flags.out, FILES.vocab, JSON.stringify(run.config.tokenizer));
  const progress = makeProgress(config.timeBudget, false);
  const result = await train(run.trainable, config, {
    onStep: progress.onStep,
    onEval: (e) => {
      progress.onEval?.(e);
      appendMetrics(flags.out, { step: e.step, seconds: Number(e.elapsed.toFixed(3)), train_loss: e.trainLoss, ...e.metrics });
    },
    onCheckpoint: (c) => {
      if (c.kind === 'best') writeFile(flags.out, FILES.model, c.model);
      else {
        writeFile(flags.out, FILES.last, c.model);
        if (c.optimizer) writeFile(flags.out, FILES.optimizer, c.optimizer);
        if (c.state) writeTrainState(flags.out, c.state);
      }
    },
  }, resume).finally(() => progress.stop());
  report(flags, { arch, steps: result.steps, best_valid_loss: result.bestLoss, best_step: result.bestStep, seconds: Number(result.elapsed.toFixed(2)),
    stopped_by: result.stoppedBy, parameters: run.model.parameterCount(), out: flags.out });
}

function report(flags: TrainFlags, result: Record<string, unknown>): void {
  if (flags.json) printJson(result);
  else process.stdout.write(`trained ${result.arch}: best validation loss ${Number(result.best_valid_loss).toFixed(4)} at step ${result.best_step} (${result.steps} steps, ${result.seconds}s) → ${result.out}\n`);
}

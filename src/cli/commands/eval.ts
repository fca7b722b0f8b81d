import type { Command } from 'commander';
import { fileSource } from '../../store/file-store.js';
import { getTask, loadCheckpoint } from '../../tasks/registry.js';
import { checkPathCount, folder, numberFlag, printJson, useThreads } from '../run.js';

export function registerEval(program: Command): void {
  program.command('eval')
    .description('evaluate a checkpoint with its task\'s metrics, on test data or, for tasks that make their own, on fresh data')
    .argument('<dir>', 'checkpoint folder')
    .option('--test <paths...>', 'test data (lm: a UTF-8 text file); tasks that make their own data take none')
    .option('--words <n>', 'lm: words sampled for next-word accuracy and keystroke savings', '200')
    .option('--beam <n>', 'translate: beam width of the decoding that is scored (default 5)')
    .option('--json', 'print one JSON object on stdout')
    .option('--threads <n>', 'threads for large matrix products and recurrent layers (the WebAssembly backend)', '1')
    .action(async (dir: string, flags: { test?: string[]; words: string; beam?: string; json?: boolean; threads: string }) => {
      await useThreads(flags.threads);
      const loaded = loadCheckpoint(folder(dir));
      const task = getTask(loaded.config.task);
      checkPathCount('--test', task.name, task.testPaths, flags.test, { required: true, ownData: 'makes fresh data' });
      const words = numberFlag('--words', flags.words, { integer: true, min: 0 });
      const beam = numberFlag('--beam', flags.beam, { integer: true, min: 1 });
      const result = loaded.evaluate({ test: flags.test ?? null, settings: { words, ...(beam === undefined ? {} : { beam }) } }, fileSource);
      if (flags.json) printJson(result);
      else for (const [k, v] of Object.entries(result)) process.stdout.write(`${k}\t${typeof v === 'string' || Number.isInteger(v) ? v : v.toFixed(4)}\n`);
    });
}

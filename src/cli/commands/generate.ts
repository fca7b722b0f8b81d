import type { Command } from 'commander';
import { loadCheckpoint } from '../../tasks/registry.js';
import { folder, numberFlag } from '../run.js';
import { StdoutClosed, writeStdout } from '../stdout.js';

/** Output is flushed at least this often (ms) and in pieces of at most this many characters. */
const FLUSH_MS = 50;
const FLUSH_CHARS = 4096;

export function registerGenerate(program: Command): void {
  program.command('generate')
    .description('continue a prompt with a language model, streaming the text as it is sampled')
    .argument('<dir>', 'checkpoint folder')
    .requiredOption('--prompt <text>', 'text that primes the model')
    .option('--length <n>', 'tokens to generate', '200')
    .option('--temperature <t>', 'sampling temperature; 0 = greedy', '1')
    .option('--top-k <k>', 'sample among the k most likely tokens (0 = all)', '0')
    .option('--top-p <p>', 'sample from the smallest set with this much probability (1 = all)', '1')
    .option('--seed <s>', 'random seed', '1')
    .action((dir: string, flags: { prompt: string; length: string; temperature: string; topK: string; topP: string; seed: string }) => {
      const length = numberFlag('--length', flags.length, { integer: true, min: 0 })!;
      const sampling = {
        temperature: numberFlag('--temperature', flags.temperature, { min: 0 })!,
        topK: numberFlag('--top-k', flags.topK, { integer: true, min: 0 })!,
        topP: numberFlag('--top-p', flags.topP, { min: Number.MIN_VALUE, max: 1 })!,
      };
      const seed = numberFlag('--seed', flags.seed, { integer: true, min: 0 })!;
      const loaded = loadCheckpoint(folder(dir), 'generate');
      let pending = flags.prompt;
      let last = performance.now();
      const flush = (): void => {
        writeStdout(pending);
        pending = '';
        last = performance.now();
      };
      try {
        loaded.generate!({ prompt: flags.prompt, length, sampling, seed }, (text) => {
          pending += text;
          if (pending.length >= FLUSH_CHARS || performance.now() - last >= FLUSH_MS) flush();
        });
        pending += '\n';
        flush();
      } catch (err) {
        if (!(err instanceof StdoutClosed)) throw err; // the reader has what it wanted (`| head`): stop
      }
    });
}

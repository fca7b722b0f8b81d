import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { loadCheckpoint } from '../../tasks/registry.js';
import { folder, numberFlag, UsageError, useThreads } from '../run.js';

/** Lines translated together (the decoder batches them). */
const CHUNK = 32;

export function registerTranslate(program: Command): void {
  program.command('translate')
    .description('translate source sentences, one per line on stdin, to exactly one line each on stdout, in order')
    .argument('<dir>', 'checkpoint folder of a translation model')
    .option('--beam <n>', 'beam width (1 = greedy)', '5')
    .option('--nbest <n>', 'translations kept per sentence (with --json: all of them; otherwise the best)', '1')
    .option('--alignments', 'with --json: the attention over source tokens for each target token')
    .option('--json', 'one JSON object per line: {"translation","score","nbest":[...],"alignment":{...}}')
    .option('--threads <n>', 'threads for large matrix products and recurrent layers (the WebAssembly backend)', '1')
    .action(async (dir: string, flags: { beam: string; nbest: string; alignments?: boolean; json?: boolean; threads: string }) => {
      const beam = numberFlag('--beam', flags.beam, { integer: true, min: 1 })!;
      const nbest = numberFlag('--nbest', flags.nbest, { integer: true, min: 1 })!;
      if (nbest > beam) throw new UsageError(`--nbest: ${nbest} is more than the beam (${beam})`);
      if (flags.alignments && !flags.json) throw new UsageError('--alignments: needs --json');
      await useThreads(flags.threads);
      const loaded = loadCheckpoint(folder(dir), 'translate');
      const request = { beam, nbest, alignments: flags.alignments === true };
      const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
      let pending: string[] = [];
      let done = 0; // lines translated so far
      const flush = (): void => {
        for (const r of loaded.translate!(pending, request)) {
          done++;
          if (r.truncated) {
            process.stderr.write(`seqlab: warning: line ${done}: ${r.truncated.tokens} source tokens, past the model's ${r.truncated.kept}; `
              + `translated the first ${r.truncated.kept}\n`);
          }
          process.stdout.write(flags.json ? `${JSON.stringify(r)}\n` : `${r.translation.replace(/\n/g, ' ')}\n`);
        }
        pending = [];
      };
      for await (const line of lines) {
        pending.push(line);
        if (pending.length >= CHUNK) flush();
      }
      flush();
    });
}

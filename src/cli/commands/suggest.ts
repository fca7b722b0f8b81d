import type { Command } from 'commander';
import { loadCheckpoint } from '../../tasks/registry.js';
import { folder, numberFlag, printJson } from '../run.js';

export function registerSuggest(program: Command): void {
  program.command('suggest')
    .description('next-word suggestions as a phone keyboard shows them; completes a partly typed word')
    .argument('<dir>', 'checkpoint folder')
    .requiredOption('--text <text>', 'the text typed so far')
    .option('-k <n>', 'how many suggestions', '3')
    .option('--json', 'print {"suggestions":[{"word","prob"}...],"ms"} on stdout')
    .action((dir: string, flags: { text: string; k: string; json?: boolean }) => {
      const k = numberFlag('-k', flags.k, { integer: true, min: 1 })!;
      const loaded = loadCheckpoint(folder(dir), 'suggest');
      const t0 = performance.now();
      const suggestions = loaded.suggest!(flags.text, k);
      const ms = performance.now() - t0;
      if (flags.json) printJson({ suggestions, ms: Number(ms.toFixed(3)) });
      else for (const s of suggestions) process.stdout.write(`${s.word}\t${s.prob.toFixed(4)}\n`);
    });
}

import type { Command } from 'commander';
import { backend } from '../../backend/index.js';
import { runWorkload, WORKLOADS, type WorkloadName } from '../../tasks/bench/workloads.js';
import { numberFlag, printJson, UsageError, useThreads } from '../run.js';

export function registerBench(program: Command): void {
  program.command('bench')
    .description('measure seqlab on the standard workloads: A LSTM, B GRU, C GPT training (tokens/s), D batch-1 LSTM generation (chars/s), E translation Transformer training (target tokens/s), F DanQ-style cnn-bilstm DNA classifier training (bases/s)')
    .option('--workloads <list>', `comma-separated subset of ${WORKLOADS.join(',')}`, WORKLOADS.join(','))
    .option('--repeats <n>', 'repeats per workload; the median is reported', '3')
    .option('--threads <n>', 'threads for large matrix products and recurrent layers', '1')
    .option('--json', 'print {"results":[{"workload","system","threads","tokens_per_s"|"chars_per_s"|"bases_per_s"}...]}')
    .action(async (flags: { workloads: string; repeats: string; threads: string; json?: boolean }) => {
      const names = flags.workloads.split(',').map((s) => s.trim()).filter(Boolean);
      for (const n of names) {
        if (!(WORKLOADS as readonly string[]).includes(n)) throw new UsageError(`--workloads: unknown workload '${n}' (expected ${WORKLOADS.join(', ')})`);
      }
      const repeats = numberFlag('--repeats', flags.repeats, { integer: true, min: 1 })!;
      const threads = await useThreads(flags.threads);
      const rates = [];
      for (const n of names) {
        const r = await runWorkload(n as WorkloadName, repeats);
        process.stderr.write(`${n}: ${Math.round(r.rate)} ${r.unit.replace('_per_s', '/s')}\n`);
        rates.push(r);
      }
      if (flags.json) {
        printJson({ results: rates.map((r) => ({ workload: r.workload, system: 'seqlab', threads, backend: backend().name, [r.unit]: Math.round(r.rate) })) });
      } else {
        for (const r of rates) process.stdout.write(`${r.workload}\t${Math.round(r.rate)}\t${r.unit.replace('_per_s', '/s')}\n`);
      }
    });
}

import type { Command } from 'commander';
import { defaultServeOptions, startServer } from '../../serve/server.js';
import { numberFlag, UsageError } from '../run.js';

/** `--max-body`: bytes, or with a k/m suffix (`512k`, `4m`). */
function bytesFlag(value: string): number {
  const m = /^\s*(\d+)\s*([kKmM]?)[bB]?\s*$/.exec(value);
  if (!m || Number(m[1]) < 1) throw new UsageError(`--max-body: '${value}' is not a size in bytes (such as 1048576, 512k or 4m)`);
  return Number(m[1]) * ({ '': 1, k: 1024, m: 1024 * 1024 } as Record<string, number>)[m[2].toLowerCase()];
}

interface ServeFlags {
  host: string;
  port: string;
  workers: string;
  queue: string;
  timeout: string;
  maxBody: string;
  maxLength: string;
}

export function registerServe(program: Command): void {
  const d = defaultServeOptions;
  program.command('serve')
    .description('serve checkpoints over HTTP: OpenAI-style /v1/models and /v1/completions, /v1/suggest, /v1/translate, '
      + '/v1/annotate, /v1/explain, health probes, and the explorer at /')
    .argument('<dir...>', 'checkpoint folders; each model is named by its folder name')
    .option('--host <host>', 'address to listen on', d.host)
    .option('--port <n>', 'port to listen on (0: any free port)', String(d.port))
    .option('--workers <n>', 'worker threads running the models (each loads every model)', String(d.workers))
    .option('--queue <n>', 'requests that may wait for a free worker; more get 429', String(d.queue))
    .option('--timeout <seconds>', 'longest a request may take, waiting included; longer gets 504', String(d.timeoutMs / 1000))
    .option('--max-body <bytes>', 'largest request body (512k, 4m, ...); larger gets 413', String(d.maxBody))
    .option('--max-length <n>', 'longest text field, sequence or max_tokens; longer gets 400', String(d.maxLength))
    .action(async (dirs: string[], flags: ServeFlags) => {
      const options = {
        dirs,
        host: flags.host,
        port: numberFlag('--port', flags.port, { integer: true, min: 0, max: 65535 })!,
        workers: numberFlag('--workers', flags.workers, { integer: true, min: 1, max: 64 })!,
        queue: numberFlag('--queue', flags.queue, { integer: true, min: 0 })!,
        timeoutMs: numberFlag('--timeout', flags.timeout, { min: 0.001 })! * 1000,
        maxBody: bytesFlag(flags.maxBody),
        maxLength: numberFlag('--max-length', flags.maxLength, { integer: true, min: 1 })!,
      };
      if (flags.host.trim() === '') throw new UsageError('--host: give an address, such as 127.0.0.1');
      const server = await startServer(options, (line) => process.stderr.write(`${line}\n`));
      await server.closed;
    });
}

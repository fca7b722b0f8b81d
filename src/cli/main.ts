/**
 * The `seqlab` command. Thin: each subcommand parses its flags, calls a task, and prints.
 * Results go to stdout; progress and logs to stderr.
 */
import { Command } from 'commander';
import { registerAnnotate } from './commands/annotate.js';
import { registerEval } from './commands/eval.js';
import { registerMotifs } from './commands/motifs.js';
import { registerGenerate } from './commands/generate.js';
import { registerSuggest } from './commands/suggest.js';
import { registerExplain } from './commands/explain.js';
import { registerTranslate } from './commands/translate.js';
import { registerTrain } from './commands/train.js';
import { registerBench } from './commands/bench.js';
import { registerCompare } from './commands/compare.js';
import { registerExport } from './commands/export.js';
import { registerServe } from './commands/serve.js';
import { SEQLAB_VERSION } from '../store/checkpoint.js';
import { debugRequested, reportError, UsageError } from './run.js';

export function buildProgram(): Command {
  const program = new Command('seqlab')
    .description('sequence models you can see inside: train, evaluate and use them')
    .version(SEQLAB_VERSION)
    .option('--debug', 'print stack traces for internal errors')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error:') ? '' : s) })
    .showHelpAfterError(false);
  registerTrain(program);
  registerEval(program);
  registerGenerate(program);
  registerSuggest(program);
  registerExplain(program);
  registerTranslate(program);
  registerAnnotate(program);
  registerMotifs(program);
  registerBench(program);
  registerCompare(program);
  registerExport(program);
  registerServe(program);
  for (const c of program.commands) {
    c.exitOverride();
    c.configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error:') ? '' : s) });
    c.option('--debug', 'print stack traces for internal errors');
  }
  return program;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  if (argv.length === 0) return reportError(new UsageError('no command given; seqlab --help lists the commands'), false);
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    return reportError(err, debugRequested(argv));
  }
}

/**
 * How every command ends: results on stdout, one `seqlab: error: ...` line and exit 2 for bad
 * usage or input, exit 1 (stack with --debug) for an internal error.
 */
import { CommanderError } from 'commander';
import { backend, setThreads } from '../backend/index.js';
import { ConfigError } from '../config/resolve.js';
import { SeqlabError } from '../errors.js';
import { FileStore } from '../store/file-store.js';
import { asFlagError } from './flags.js';

/** A mistake in how the command was called (a bad flag value, a missing option). */
export class UsageError extends SeqlabError {}

export function debugRequested(argv: readonly string[]): boolean {
  return argv.includes('--debug');
}

/** Prints the error the contract's way and returns the exit code. */
export function reportError(err: unknown, debug: boolean): number {
  if (err instanceof CommanderError) {
    // commander has already printed help or its message for --help/--version.
    if (err.exitCode === 0) return 0;
    const message = err.message.replace(/^error: /, '').split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
    process.stderr.write(`seqlab: error: ${message}\n`);
    return 2;
  }
  if (err instanceof ConfigError) return reportError(asFlagError(err), debug);
  if (err instanceof SeqlabError) {
    process.stderr.write(`seqlab: error: ${err.message.split('\n')[0]}\n`);
    if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
    return 2;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`seqlab: internal error: ${message}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  else process.stderr.write('(run again with --debug for the stack trace)\n');
  return 1;
}

/** Parses a flag value as a number in a range, naming the flag when it is not. */
export function numberFlag(name: string, value: string | undefined, options: { integer?: boolean; min?: number; max?: number } = {}):
  number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const { integer = false, min = -Infinity, max = Infinity } = options;
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    const kind = integer ? 'a whole number' : 'a number';
    const bounds = [min > -Infinity ? `>= ${min}` : '', max < Infinity ? `<= ${max}` : ''].filter(Boolean).join(' and ');
    const range = bounds ? ` ${bounds}` : '';
    throw new UsageError(`${name}: '${value}' is not ${kind}${range}`);
  }
  return n;
}

/** Writes the one JSON object of `--json` mode. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Applies `--threads N`: returns the number of threads actually in use (1 where none can run). */
export async function useThreads(flag: string | undefined): Promise<number> {
  const n = numberFlag('--threads', flag, { integer: true, min: 1, max: 64 }) ?? 1;
  if (n === 1 || backend().name !== 'wasm') return 1;
  return setThreads(n);
}

/** The checkpoint folder a command reads or writes. */
export function folder(dir: string): FileStore {
  return new FileStore(dir);
}

/**
 * Checks how many paths a flag got against what a task takes, [least, most] ([0, 0]: the task
 * makes its own data, `ownData` says how). An absent optional flag passes.
 */
export function checkPathCount(flag: string, task: string, [least, most]: readonly [number, number], paths: readonly string[] | undefined,
  options: { required: boolean; ownData: string }): void {
  const n = paths?.length ?? 0;
  if (most === 0 && n > 0) throw new UsageError(`${flag}: ${task} ${options.ownData} and takes no ${flag}`);
  if (n === 0 && (!options.required || least === 0)) return;
  if (n < least || n > most) {
    const want = least === most ? `${least}` : `${least} to ${most}`;
    throw new UsageError(`${flag}: ${task} takes ${want} path${most === 1 ? '' : 's'}, got ${n}`);
  }
}

/**
 * A real `seqlab serve` for the tests: `node bin/seqlab.js serve ... --port 0` as a child
 * process (over dist/, like the CLI tests), its URL read from the line it logs, and calls
 * to it as JSON.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { root, type Run } from '../cli/helpers.js';

export const model = (name: string): string => join(root, 'models', name);

export interface Served {
  url: string;
  child: ChildProcess;
  /** Everything the server wrote on stderr so far. */
  stderr(): string;
  /** Settles with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<number | null>;
}

/** Starts the server on a free port and waits until it is ready (every worker has loaded the models). */
export async function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [join(root, 'bin/seqlab.js'), 'serve', ...args, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdout!.resume();
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  // A test that fails before stop() leaves no server behind.
  const orphan = (): void => void child.kill('SIGKILL');
  process.once('exit', orphan);
  void exited.then(() => process.off('exit', orphan));
  const url = await new Promise<string>((done, fail) => {
    const check = (): void => {
      const m = / on (http:\/\/\S+)/.exec(stderr);
      if (m) done(m[1]);
    };
    child.stderr!.on('data', check);
    void exited.then((code) => fail(new Error(`serve exited (${code}) before listening: ${stderr}`)));
  });
  for (;;) {
    const r = await fetch(`${url}/v2/health/ready`).catch(() => null);
    if (r?.status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url, child, exited,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Answer of a JSON call: status and parsed body. */
export interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** POSTs `body` (an object, or a raw string) to `path` and reads the JSON answer. */
export async function post(url: string, path: string, body: unknown): Promise<Answer> {
  const r = await fetch(`${url}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}

export async function get(url: string, path: string): Promise<Answer> {
  const r = await fetch(`${url}${path}`);
  return { status: r.status, body: await r.json() };
}

/** Asserts an OpenAI-style error body and returns it. */
export function apiError(a: Answer, status: number): { message: string; type: string; param: string | null } {
  if (a.status !== status) throw new Error(`expected ${status}, got ${a.status}: ${JSON.stringify(a.body)}`);
  const e = a.body?.error;
  if (!e || typeof e.message !== 'string' || typeof e.type !== 'string' || !('param' in e)) throw new Error(`not an error body: ${JSON.stringify(a.body)}`);
  return e;
}

/** Runs `seqlab ARGS` (bin/seqlab.js over dist/) without blocking, `stdin` fed in. */
export function seqlabRun(args: string[], stdin = ''): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(root, 'bin/seqlab.js'), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('exit', (code) => done({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** `seqlabRun`'s stdout; a non-zero exit is an error carrying stderr. */
export async function seqlabAsync(args: string[], stdin = ''): Promise<string> {
  const r = await seqlabRun(args, stdin);
  if (r.code !== 0) throw new Error(`seqlab ${args.join(' ')} (exit ${r.code}): ${r.stderr}`);
  return r.stdout;
}

import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const fixture = (name: string): string => join(root, 'test/fixtures', name);

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `seqlab` command (bin/seqlab.js over dist/) and captures everything. */
export function seqlab(...args: string[]): Run {
  const r = spawnSync(process.execPath, [join(root, 'bin/seqlab.js'), ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'seqlab-test-'));
}

/** Asserts the contract for bad input: exit 2, one `seqlab: error:` line naming the culprit. */
export function expectUsageError(r: Run, mentions: RegExp): void {
  if (r.code !== 2) throw new Error(`expected exit 2, got ${r.code}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  if (lines.length !== 1 || !lines[0].startsWith('seqlab: error: ')) throw new Error(`expected one error line, got: ${r.stderr}`);
  if (!mentions.test(lines[0])) throw new Error(`error line does not match ${mentions}: ${lines[0]}`);
}

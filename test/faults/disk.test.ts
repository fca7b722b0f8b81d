/**
 * Issue 14, faults: an output folder that cannot be written, and a disk that fills up mid-run.
 * Each is one line `seqlab: error: cannot write 'PATH': CAUSE (CODE)`, exit 2, and leaves no
 * half-written file: what is in the folder is whole (the failed write's temporary file is gone).
 *
 * Tests may run as root, where permission bits do not stop writes: there the unwritable-folder
 * case runs the command as the user `nobody` (uid 65534), and the full-disk case uses a small
 * tmpfs when this machine lets the test mount one (skipped otherwise). The file-size limit
 * (`ulimit -f`, EFBIG) makes the same failure anywhere, without privileges.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SeqlabError } from '../../src/errors.js';
import { writeAtomic, writeFailure } from '../../src/store/files.js';
import { expectUsageError, root, type Run, seqlab, tempDir } from '../cli/helpers.js';
import { expectWholeFolder, tinyText, tinyTrainArgs } from './helpers.js';

const isRoot = process.getuid?.() === 0;

/** `seqlab ARGS` run through `sh -c PREFIX` (a ulimit) or as another user. */
function seqlabWith(args: readonly string[], options: { shell?: string; uid?: number }): Run {
  const node = [process.execPath, join(root, 'bin/seqlab.js'), ...args];
  const r = options.shell
    ? spawnSync('bash', ['-c', `${options.shell} && exec "$@"`, 'bash', ...node], { encoding: 'utf8', timeout: 120_000 })
    : spawnSync(node[0], node.slice(1), { encoding: 'utf8', timeout: 120_000, uid: options.uid, gid: options.uid });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A folder others may enter (tempDir makes 0700 ones), holding a readable copy of the tiny text. */
function openDir(): { dir: string; text: string } {
  const dir = tempDir();
  chmodSync(dir, 0o755);
  const text = join(dir, 'tiny.txt');
  writeFileSync(text, '');
  const source = tinyText();
  writeFileSync(text, spawnSync('cat', [source], { encoding: 'utf8' }).stdout);
  chmodSync(text, 0o644);
  return { dir, text };
}

/** Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN). */
function canMount(): boolean {
  if (!isRoot) return false;
  const probe = join(tempDir(), 'probe');
  mkdirSync(probe);
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0;
  if (ok) spawnSync('umount', [probe]);
  rmdirSync(probe);
  return ok;
}

/** Exit 2 with one `seqlab: error:` line matching `mentions`, the last on stderr (after any progress lines). */
function expectErrorAfterProgress(r: Run, mentions: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines.filter((l) => l.startsWith('seqlab:')), r.stderr).toHaveLength(1);
  expect(lines.at(-1)).toMatch(mentions);
  expect(lines.slice(0, -1).every((l) => l.startsWith('step ')), r.stderr).toBe(true);
}

function expectNothingHalfWritten(out: string): void {
  const { temporary } = expectWholeFolder(out);
  expect(temporary).toEqual([]);
}

describe('an output folder that cannot be written', () => {
  it('--out under a file: one error line naming it, exit 2, nothing written', () => {
    const dir = tempDir();
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a folder\n');
    const out = join(file, 'run');
    const r = seqlab(...tinyTrainArgs(tinyText(), out, 5, 5));
    expectUsageError(r, new RegExp(`cannot write '${out}': a part of the path is a file, not a folder \\(ENOTDIR\\)`));
    expect(readdirSync(dir)).toEqual(['a-file']);
  });

  it('a folder without write permission (as nobody where tests run as root): one error line naming it, exit 2', () => {
    const { dir, text } = openDir();
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    const uid = isRoot ? 65534 : undefined;
    // A new folder inside it, and the folder itself as --out.
    const inside = seqlabWith(tinyTrainArgs(text, join(locked, 'run'), 5, 5), { uid });
    expectUsageError(inside, new RegExp(`cannot write '${join(locked, 'run')}': permission denied \\(EACCES\\)`));
    const itself = seqlabWith(tinyTrainArgs(text, locked, 5, 5), { uid });
    expectUsageError(itself, new RegExp(`cannot write '${locked}/[a-z-]+\\.[a-z]+': permission denied \\(EACCES\\)`));
    expect(readdirSync(locked)).toEqual([]);
  });
});

describe('a disk that fills up mid-run', () => {
  it('the file-size limit (ulimit -f, EFBIG): one error line naming the file, exit 2, the folder whole', () => {
    const { dir, text } = openDir();
    const out = join(dir, 'run');
    // 24 KiB: config, vocabulary, metrics and the weights (13 KB) fit; the optimizer state (26 KB) does not.
    const r = seqlabWith(tinyTrainArgs(text, out, 20, 5), { shell: 'ulimit -f 24' });
    expectErrorAfterProgress(r, new RegExp(`^seqlab: error: cannot write '${out}/[.a-z-]+': the file is larger than .* \\(EFBIG\\)`));
    expectNothingHalfWritten(out);
    expect(existsSync(join(out, 'config.json'))).toBe(true);
  });

  const mountable = canMount();
  const mounts: string[] = [];
  afterAll(() => {
    for (const m of mounts) spawnSync('umount', [m]);
  });
  it.runIf(mountable)('a full tmpfs (ENOSPC): one error line naming the file, exit 2, the folder whole, and --resume goes on once there is room', () => {
    const { dir, text } = openDir();
    const out = join(dir, 'run');
    mkdirSync(out);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=48k', 'tmpfs', out]).status).toBe(0);
    mounts.push(out);
    const r = seqlabWith(tinyTrainArgs(text, out, 20, 5), {});
    expectErrorAfterProgress(r, new RegExp(`^seqlab: error: cannot write '${out}/[.a-z-]+': no space left on the device \\(ENOSPC\\)`));
    expectNothingHalfWritten(out);
    // Room again: resuming continues from what was saved (or from the start if nothing was).
    expect(spawnSync('mount', ['-o', 'remount,size=1m', out]).status).toBe(0);
    const resumed = seqlabWith([...tinyTrainArgs(text, out, 20, 5), '--resume'], {});
    expect(resumed.code, resumed.stderr).toBe(0);
    expectNothingHalfWritten(out);
  });
});

describe('write failures in the store', () => {
  it('map the system codes of a full or unwritable disk to an error naming the path', () => {
    for (const [code, words] of [['ENOSPC', 'no space left'], ['EDQUOT', 'quota'], ['EROFS', 'read-only'], ['EACCES', 'permission denied'],
      ['ENOTDIR', 'not a folder'], ['EISDIR', 'is a folder']] as const) {
      const err = writeFailure(Object.assign(new Error('x'), { code }), '/some/out/model.safetensors');
      expect(err).toBeInstanceOf(SeqlabError);
      expect((err as Error).message).toMatch(new RegExp(`^cannot write '/some/out/model.safetensors': .*${words}.* \\(${code}\\)$`));
    }
    const bug = new TypeError('a bug');
    expect(writeFailure(bug, '/x')).toBe(bug);
  });

  it('writeAtomic onto a folder fails naming the file and leaves no temporary file', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'model.safetensors'));
    expect(() => writeAtomic(join(dir, 'model.safetensors'), 'x')).toThrow(/cannot write '.*model\.safetensors': .*\(EISDIR\)/);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });
});

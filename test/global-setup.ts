import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CLI tests run the real `bin/seqlab.js`, which needs the compiled `dist/`. */
export default function setup(): void {
  if (process.env.SEQLAB_SKIP_BUILD === '1') return; // for quick runs of tests that do not use the CLI
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
}

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { referenceBackend, wasmBackend, withBackend } from '../src/backend/index.js';
import { runFolder } from './golden/runner.js';

const here = dirname(fileURLToPath(import.meta.url));
// Each root's top level, then the use-case subfolders wired in so far (../shared/golden/README.md).
const roots = [join(here, 'golden/fixtures'), join(here, '../../shared/golden')];
const subfolders = ['', 'translate', 'bio'];
const folders = roots.flatMap((root) => subfolders.map((sub) => join(root, sub))).filter((d) => existsSync(d));

const backends = [['reference', referenceBackend], ['wasm', wasmBackend]] as const;

for (const dir of folders) {
  for (const [name, b] of backends) describe(`golden fixtures in ${dir} (${name} backend)`, () => {
    for (const r of withBackend(b, () => runFolder(dir))) {
      it(`${r.file} (${r.op})`, () => {
        expect(r.mismatches.map((m) => `${m.tensor}: ${m.detail}`)).toEqual([]);
      });
    }
  });
}

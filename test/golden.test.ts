import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runFolder } from './golden/runner.js';

const here = dirname(fileURLToPath(import.meta.url));
const folders = [join(here, 'golden/fixtures'), join(here, '../../shared/golden')].filter((d) => existsSync(d));

for (const dir of folders) {
  describe(`golden fixtures in ${dir}`, () => {
    for (const r of runFolder(dir)) {
      it(`${r.file} (${r.op})`, () => {
        expect(r.mismatches.map((m) => `${m.tensor}: ${m.detail}`)).toEqual([]);
      });
    }
  });
}

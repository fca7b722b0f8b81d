/**
 * `npm run golden -- DIR`: checks every golden fixture in DIR against seqlab and ends with one
 * line `N passed, N failed`. Exits 1 on any failure, 2 on a bad folder.
 */
import { existsSync, statSync } from 'node:fs';
import { runFolder } from '../test/golden/runner.js';

const dir = process.argv[2];
if (!dir || !existsSync(dir) || !statSync(dir).isDirectory()) {
  process.stderr.write(`seqlab: error: golden: '${dir ?? ''}' is not a folder of fixtures (usage: npm run golden -- DIR)\n`);
  process.exit(2);
}
const results = runFolder(dir);
for (const r of results) {
  process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.file} (${r.op})\n`);
  for (const m of r.mismatches) process.stdout.write(`       ${m.tensor}: ${m.detail}\n`);
}
const passed = results.filter((r) => r.ok).length;
process.stdout.write(`${passed} passed, ${results.length - passed} failed\n`);
process.exit(passed === results.length ? 0 : 1);

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { referenceBackend, withBackend } from '../../src/backend/index.js';
import { SOURCE_HASH } from '../../src/backend/wasm/binaries.generated.js';
import { loadWasmBackendSync, wasmBackend } from '../../src/backend/wasm/index.js';
import { sourceHash } from '../../scripts/build-wasm.js';
import { type CaseResult, runFolder } from '../golden/runner.js';

/**
 * The PyTorch golden fixtures with the WebAssembly backend active. A fixture whose op is not
 * implemented yet is reported, not failed; every fixture that passes on the reference backend
 * must pass on the wasm one too.
 */

const here = dirname(fileURLToPath(import.meta.url));
const folders = [join(here, '../golden/fixtures'), join(here, '../../../shared/golden')].filter((d) => existsSync(d));

const notImplemented = (r: CaseResult): boolean => r.mismatches.some((m) => m.detail.includes('is not implemented'));
const describeFailure = (r: CaseResult): string[] => r.mismatches.map((m) => `${m.tensor}: ${m.detail}`);

it('the embedded kernels are built from the current assembly/ sources (npm run build:wasm)', () => {
  expect(SOURCE_HASH).toBe(sourceHash());
});

for (const dir of folders) {
  describe(`golden fixtures on the wasm backend: ${dir}`, () => {
    const onReference = new Map(withBackend(referenceBackend, () => runFolder(dir)).map((r) => [r.file, r]));
    const onWasm = withBackend(wasmBackend, () => runFolder(dir));

    it('ran with tensors in WebAssembly memory', () => {
      expect(loadWasmBackendSync().heapStats().heapAllocs).toBeGreaterThan(0);
    });

    for (const r of onWasm) {
      const ref = onReference.get(r.file);
      const skip = notImplemented(r) || !ref?.ok;
      it.skipIf(skip)(`${r.file} (${r.op})`, () => {
        expect(describeFailure(r)).toEqual([]);
      });
    }
  });
}

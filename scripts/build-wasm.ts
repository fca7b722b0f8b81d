/**
 * Builds the WebAssembly kernels in assembly/ with AssemblyScript and embeds the binaries, base64,
 * in src/backend/wasm/binaries.generated.ts, so the backend loads the same way in Node and in
 * browsers (no fs, no fetch, no bundler plugin).
 *
 * Four binaries: plain SIMD and relaxed SIMD (fused multiply-add, picked at start-up when
 * WebAssembly.validate accepts it), each for a shared memory (growable without detaching the
 * tensors' views) and an unshared one (pages without cross-origin isolation).
 *
 * The generated file records a hash of the sources, the flags and the compiler version; when it
 * matches, nothing is rebuilt, so `pretest` and `build` cost a hash when nothing changed.
 *
 *   tsx scripts/build-wasm.ts           build when stale
 *   tsx scripts/build-wasm.ts --force   always build
 *   tsx scripts/build-wasm.ts --check   exit 1 when the generated file is missing or stale
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'assembly');
const entry = 'assembly/index.ts';
const outFile = join(root, 'src/backend/wasm/binaries.generated.ts');

/** Flags shared by every variant: speed, no runtime (the JS side owns memory), imported memory. */
const COMMON = [
  '-O3', '--noAssert', '--runtime', 'stub', '--use', 'abort=', '--use', 'Math=JSMath',
  '--enable', 'simd', '--importMemory', '--noExportMemory', '--initialMemory', '1',
  // For profiling only: SEQLAB_WASM_NAMES=1 keeps function names, so `node --cpu-prof` shows
  // gemm4x8 instead of wasm-function[20]. The hash changes with it, so the check reports stale.
  ...(process.env.SEQLAB_WASM_NAMES === '1' ? ['--debug'] : []),
];
const SIMD = {
  simd: [] as string[],
  relaxedSimd: ['--enable', 'relaxed-simd'],
};
const MEMORY = {
  // 65536 pages = 4 GiB, the wasm32 limit: the import accepts any maximum the loader picks.
  shared: ['--enable', 'threads', '--sharedMemory', '--maximumMemory', '65536'],
  unshared: [] as string[],
};

/** Hash of what the binaries are made from: compiler version, flags, this script, assembly/*.ts. */
export function sourceHash(): string {
  const hash = createHash('sha256');
  const ascVersion = (JSON.parse(readFileSync(join(root, 'node_modules/assemblyscript/package.json'), 'utf8')) as
    { version: string }).version;
  hash.update(`asc ${ascVersion}\n${JSON.stringify({ COMMON, SIMD, MEMORY })}\n`);
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
  for (const f of readdirSync(sourceDir).filter((n) => n.endsWith('.ts')).sort()) {
    hash.update(`\n${f}\n`);
    hash.update(readFileSync(join(sourceDir, f)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** The hash recorded in the generated module, or null when there is none. */
export function recordedHash(): string | null {
  if (!existsSync(outFile)) return null;
  const m = /export const SOURCE_HASH = '([0-9a-f]+)'/.exec(readFileSync(outFile, 'utf8'));
  return m ? m[1] : null;
}

async function compile(flags: string[]): Promise<Uint8Array> {
  let binary: Uint8Array | null = null;
  const errors: string[] = [];
  const { error } = await asc.main([entry, '--outFile', 'kernels.wasm', ...COMMON, ...flags], {
    readFile: (name: string, baseDir: string) => {
      const path = join(baseDir, name);
      return existsSync(path) ? readFileSync(path, 'utf8') : null;
    },
    writeFile: (name: string, contents: Uint8Array | string) => {
      if (name.endsWith('.wasm') && typeof contents !== 'string') binary = contents;
    },
    listFiles: (dir: string, baseDir: string) => readdirSync(join(baseDir, dir)),
    stdout: { write: (s: string) => { process.stdout.write(s); return true; } } as never,
    stderr: { write: (s: string) => { errors.push(s); return true; } } as never,
  });
  if (error || !binary) throw new Error(`asc ${flags.join(' ')} failed:\n${errors.join('')}${error ? error.message : ''}`);
  return binary;
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const hash = sourceHash();
  const current = recordedHash() === hash;
  if (args.has('--check')) {
    if (!current) {
      process.stderr.write(`build-wasm: ${outFile} is missing or stale; run npm run build:wasm\n`);
      process.exit(1);
    }
    return;
  }
  if (current && !args.has('--force')) {
    process.stdout.write('build-wasm: kernels up to date\n');
    return;
  }
  const started = Date.now();
  process.stdout.write('build-wasm: compiling assembly/ (plain and relaxed SIMD, shared and unshared memory)\n');
  const lines: string[] = [];
  let total = 0;
  for (const [simdName, simdFlags] of Object.entries(SIMD)) {
    const parts: string[] = [];
    for (const [memName, memFlags] of Object.entries(MEMORY)) {
      const wasm = await compile([...simdFlags, ...memFlags]);
      total += wasm.byteLength;
      parts.push(`    ${memName}: '${toBase64(wasm)}',`);
    }
    lines.push(`  ${simdName}: {\n${parts.join('\n')}\n  },`);
  }
  const text = `// Generated by scripts/build-wasm.ts from assembly/ (npm run build:wasm). Do not edit.
export const SOURCE_HASH = '${hash}';

/** The kernels as base64 WebAssembly: plain and relaxed SIMD, for shared and unshared memory. */
export const WASM_BINARIES = {
${lines.join('\n')}
} as const;
`;
  const tmp = `${outFile}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, outFile);
  process.stdout.write(`build-wasm: wrote ${outFile} (${total} bytes of wasm) in ${Date.now() - started} ms\n`);
}

// Build when run as a script; tests import sourceHash() to check the generated module is current.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();

/**
 * seqlab's side of workloads A-E in a child process, like the peers: the same `runWorkload`
 * that `seqlab bench --json` runs (src/tasks/bench/workloads.ts), on the default backend.
 *
 *   npx tsx bench/peers/seqlab-workloads.ts --workload A|B|C|D|E [--size S] [--repeats N]
 *
 * Prints one JSON line: the median rate of `repeats` calls of runWorkload(name, 1, size) (each
 * builds the model, warms up (runWorkload: at least 2 steps and 1.5 s, until a step takes no fresh
 * heap memory), then times round(3·size) training steps, yielding
 * between steps; or, for D, 3,000 warm-up characters and then round(3000·size) timed ones,
 * without yielding), the event loop turning between calls. One thread: setThreads is never
 * called. `heap` counts tensor allocations served by the wasm heap and those that fell back to
 * plain arrays, over the whole process.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// As bin/seqlab.js does: Node 20 validates relaxed SIMD only behind this flag, and
// runWorkload's steps end with afterStep, which collects through globalThis.gc (backend/settle.ts).
setFlagsFromString('--experimental-wasm-relaxed-simd');
setFlagsFromString('--expose-gc');
globalThis.gc ??= runInNewContext('gc') as NodeJS.GCFunction;

const { backend } = await import('../../src/backend/index.js');
const { median, runWorkload, WORKLOADS, workloadUnit } = await import('../../src/tasks/bench/workloads.js');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const letter = arg('workload', 'A');
const name = WORKLOADS.find((w) => w.startsWith(`${letter}_`));
if (!name) throw new Error(`--workload must be one of ${WORKLOADS.map((w) => w[0]).join(', ')}, got ${letter}`);
const size = Number(arg('size', '1'));
const repeats = Number(arg('repeats', '3'));

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const rates: number[] = [];
for (let r = 0; r < repeats; r++) {
  rates.push((await runWorkload(name, 1, size)).rate);
  await tick();
}
const b = backend() as { name: string; variant?: string; threads?: number;
  heapStats?: () => { heapAllocs: number; fallbackAllocs: number; memoryBytes: number } };
function heapCounts(h?: { heapAllocs: number; fallbackAllocs: number; memoryBytes: number }): object | null {
  return h ? { heap_allocs: h.heapAllocs, fallback_allocs: h.fallbackAllocs, memory_bytes: h.memoryBytes } : null;
}
process.stdout.write(`${JSON.stringify({
  system: 'seqlab', workload: letter, name, unit: workloadUnit(name),
  rate: median(rates), repeats: rates, threads: b.threads ?? 1, backend: b.name, simd: b.variant ?? null,
  // runWorkload's own sizes (src/tasks/bench/workloads.ts): 3000·size characters, 3·size steps.
  steps_per_repeat: name === 'D_lstm_generate' ? Math.round(3000 * size) : Math.max(1, Math.round(3 * size)),
  heap: heapCounts(b.heapStats?.()),
})}\n`);

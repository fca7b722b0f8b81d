/**
 * Median latency of `suggest` on a trained LM, warm (as a keyboard calls it repeatedly):
 *
 *   npx tsx bench/suggest-latency.ts MODEL_DIR [CALLS]
 */
import { FileStore } from '../src/store/file-store.js';
import { loadCheckpoint } from '../src/tasks/registry.js';

const [dir, callsArg] = process.argv.slice(2);
const calls = Number(callsArg ?? 200);
const lm = loadCheckpoint(new FileStore(dir), 'suggest');
const prompts = ['to be or not to ', 'What is thy na', 'My lord, I ', 'KING RICHARD', 'Now is the winter of our disc',
  'Good morrow, ', 'O Romeo, Romeo! wherefore art thou ', 'I pray you, sir, ', 'And so ', 'Thou art a '];
for (let i = 0; i < 20; i++) lm.suggest!(prompts[i % prompts.length], 3);
const times: number[] = [];
for (let i = 0; i < calls; i++) {
  const t0 = performance.now();
  lm.suggest!(prompts[i % prompts.length], 3);
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const q = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))];
process.stdout.write(`suggest on ${dir}: median ${q(0.5).toFixed(2)} ms, p90 ${q(0.9).toFixed(2)} ms, over ${calls} warm calls\n`);

/**
 * The explorer's training workload, the same in the page's Worker and in Node (bench/explorer.ts),
 * so the two speeds compare: a character LM of the `small` preset trained on tiny-shakespeare
 * for a fixed number of steps, into memory.
 */
import { MemorySource, MemoryStore } from '../../src/store/store.js';
import { getTask } from '../../src/tasks/registry.js';
import { runTraining } from '../../src/tasks/run-training.js';

/** Training tokens per second: the median step's, after the first three (compilation and warm-up). */
export async function lmTrainThroughput(text: string, arch: string, steps: number): Promise<{ tokensPerSecond: number; steps: number }> {
  const marks: { step: number; rate: number }[] = [];
  await runTraining(getTask('lm'), {
    train: ['train'], valid: ['valid'], arch, preset: 'small', tokenizer: 'char', settings: { evalTokens: 2048 }, seed: 1,
  }, new MemorySource({ train: text.slice(0, 200_000), valid: text.slice(200_000, 210_000) }), new MemoryStore('bench'), {
    trainer: { steps, evalEvery: steps + 1, timeBudget: 0 },
    events: { onStep: (s) => marks.push({ step: s.step, rate: s.tokensPerSecond }) },
  });
  const rates = marks.slice(3).map((m) => m.rate).sort((a, b) => a - b);
  const tokensPerSecond = rates.length ? rates[Math.floor(rates.length / 2)] : marks[marks.length - 1].rate;
  return { tokensPerSecond, steps: marks.length };
}

/**
 * Learning curves of language models side by side: reads each run folder's metrics.jsonl
 * (written by `seqlab train lm`) and writes an SVG of validation loss against seconds, plus a
 * Markdown table of the best losses.
 *
 *   npx tsx bench/lm-curves.ts OUT.svg NAME=RUN_DIR [NAME=RUN_DIR ...]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lossCurve } from '../src/viz/loss-curve.js';

const [out, ...runs] = process.argv.slice(2);
if (!out || runs.length === 0) {
  process.stderr.write('usage: tsx bench/lm-curves.ts OUT.svg NAME=RUN_DIR ...\n');
  process.exit(2);
}
const series = runs.map((arg) => {
  const [name, dir] = arg.split('=');
  const rows = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seconds: number; loss: number; step: number });
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { model?: { hiddenSize: number; embedDim: number; numLayers: number } };
  return { name, rows, config };
});
writeFileSync(out, lossCurve(series.map((s) => ({ name: s.name, points: s.rows.map((r) => [r.seconds, r.loss] as const) })),
  { title: 'tiny-shakespeare, character level: validation loss for the same time budget', xLabel: 'seconds of training (one core each)' }));
process.stdout.write('| model | steps | best validation loss (nats/char) | at second |\n| --- | ---: | ---: | ---: |\n');
for (const s of series) {
  const best = s.rows.reduce((a, b) => (b.loss < a.loss ? b : a));
  const last = s.rows[s.rows.length - 1];
  process.stdout.write(`| ${s.name} | ${last.step} | ${best.loss.toFixed(4)} | ${best.seconds.toFixed(0)} |\n`);
}

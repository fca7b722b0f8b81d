import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStore } from '../../src/store/file-store.js';
import { MemorySource } from '../../src/store/store.js';
import { loadCheckpoint } from '../../src/tasks/registry.js';
import { root } from '../cli/helpers.js';

const sample = readFileSync(join(root, 'test/fixtures/bio/splice-sample.csv'), 'utf8');
const source = new MemorySource({ 'sample.csv': sample });
const labels = sample.trim().split('\n').slice(1).map((line) => line.split(',')[2]);

describe('the bundled splice model (models/splice-sites)', () => {
  const model = loadCheckpoint(new FileStore(join(root, 'models/splice-sites')), 'annotate');
  const a = model.annotate!(source, 'sample.csv', true);
  if (a.kind !== 'classify') throw new Error('a classifier was expected');

  it('classifies held-out junction windows', () => {
    const right = a.rows.filter((r, i) => r.label === labels[i]).length;
    expect(right / a.rows.length).toBeGreaterThan(0.9);
  });

  /**
   * Saliency tells the truth: in a donor window (exon→intron) the junction's GT sits at 0-based
   * positions 30-31, in an acceptor window (intron→exon) the AG at 28-29. Averaged over the
   * windows, importance peaks on those two bases; window by window, the single most important
   * position is one of them in at least 80% of windows (the rest peak next to them, on the
   * consensus bases around the junction).
   */
  it.each([['EI', 'GT', 30], ['IE', 'AG', 28]] as const)('%s windows: saliency peaks at the %s dinucleotide', (label, pair, at) => {
    let hits = 0;
    let counted = 0;
    const mean = new Float64Array(60);
    a.rows.forEach((row, i) => {
      if (labels[i] !== label || row.label !== label) return;
      const seq = sample.trim().split('\n')[i + 1].split(',')[1];
      if (seq.slice(at, at + 2) !== pair) return; // a few junctions in the data are non-canonical
      const imp = a.saliency![i].importance;
      imp.forEach((v, k) => { mean[k] += v; });
      const top = imp.indexOf(Math.max(...imp));
      counted++;
      if (top === at || top === at + 1) hits++;
    });
    expect(counted).toBeGreaterThanOrEqual(25);
    const peak = mean.indexOf(Math.max(...mean));
    expect([at, at + 1]).toContain(peak);
    expect(hits / counted).toBeGreaterThanOrEqual(0.8);
  });
});

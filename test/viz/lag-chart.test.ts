import { describe, expect, it } from 'vitest';
import { type LagPoint, lagChart } from '../../src/viz/lag-chart.js';

const rows: LagPoint[] = [
  { model: 'ffn', lag: 5, accuracy: 1 }, { model: 'ffn', lag: 10, accuracy: 0.125 }, { model: 'ffn', lag: 50, accuracy: 0.12 },
  { model: 'gru', lag: 5, accuracy: 1 }, { model: 'gru', lag: 10, accuracy: 0.9 }, { model: 'gru', lag: 50, accuracy: 0.3 },
  { model: 'a <b> & "c"', lag: 10, accuracy: 0.5 },
];

/** The d attribute of each series' line, as [x, y] points. */
function lines(svg: string): number[][][] {
  return [...svg.matchAll(/<path d="(M[^"]+)" fill="none"/g)].map((m) => m[1].split(/[ML]/).filter(Boolean).map((p) => p.split(',').map(Number)));
}

describe('lagChart', () => {
  const svg = lagChart(rows, { title: 'echo', chance: 0.125, marker: { lag: 7, label: 'ffn window 8' } });

  it('is an accessible, self-contained SVG with a title', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" role="img"')).toBe(true);
    expect(svg).toContain('<title>echo</title>');
    expect(svg).toContain('font-family="system-ui, sans-serif"');
    expect(svg).not.toMatch(/href|url\(|<image|<script/);
    expect(svg).toContain('a &lt;b&gt; &amp; &quot;c&quot;');
  });

  it('draws one line per model with a marker per lag, and a legend entry each', () => {
    const ls = lines(svg);
    expect(ls.map((l) => l.length)).toEqual([3, 3, 1]);
    expect(svg.match(/<g class="series">/g)).toHaveLength(3);
    for (const name of ['ffn', 'gru']) expect(svg).toContain(`>${name}</text>`);
  });

  it('puts higher accuracy higher and longer lags to the right, on a log scale by default', () => {
    const [ffn] = lines(svg);
    expect(ffn[0][1]).toBeLessThan(ffn[1][1]); // accuracy 1 above 0.125
    expect(ffn[1][0]).toBeGreaterThan(ffn[0][0]);
    const gap = (a: number[], b: number[]): number => b[0] - a[0];
    expect(gap(ffn[1], ffn[2]) / gap(ffn[0], ffn[1])).toBeCloseTo(Math.log(5) / Math.log(2), 2);
    const point = lines(lagChart(rows, { xScale: 'point' }))[0];
    expect(gap(point[1], point[2])).toBeCloseTo(gap(point[0], point[1]), 0);
  });

  it('draws the chance line dashed at its accuracy, and the window marker between lags 5 and 10', () => {
    const chance = /<line class="chance" x1="[^"]+" x2="[^"]+" y1="([^"]+)" y2="[^"]+"[^>]*stroke-dasharray/.exec(svg);
    expect(chance).not.toBeNull();
    const [ffn] = lines(svg);
    expect(Number(chance![1])).toBeCloseTo(ffn[1][1], 1); // ffn at lag 10 sits on chance
    const marker = Number(/<line class="marker" x1="([^"]+)"/.exec(svg)![1]);
    expect(marker).toBeGreaterThan(ffn[0][0]);
    expect(marker).toBeLessThan(ffn[1][0]);
    expect(lagChart(rows)).not.toContain('class="chance"');
  });

  it('gives the same markup for the same rows (a snapshot that doubles as a gallery)', async () => {
    expect(lagChart(rows, { title: 'echo', chance: 0.125, marker: { lag: 7, label: 'ffn window 8' } })).toBe(svg);
    await expect(svg).toMatchFileSnapshot('__snapshots__/lag-chart.svg');
  });
});

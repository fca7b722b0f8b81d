import { describe, expect, it } from 'vitest';
import { lossCurve } from '../../src/viz/loss-curve.js';

describe('lossCurve', () => {
  const svg = lossCurve([
    { name: 'lstm', points: [[0, 4], [10, 2], [20, 1.5]] },
    { name: 'gru <fast>', points: [[0, 4.2], [15, 1.8]] },
  ], { title: 'tiny' });

  it('draws one polyline per series with a legend entry, escaping names', () => {
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('gru &lt;fast&gt;');
  });

  it('maps the lowest loss to the bottom of the plot and time to the right', () => {
    const first = /points="([^"]+)"/.exec(svg)![1].split(' ').map((p) => p.split(',').map(Number));
    expect(first[2][0]).toBeGreaterThan(first[0][0]);
    expect(first[2][1]).toBeGreaterThan(first[0][1]);
  });

  it('is stable (a snapshot of the markup)', () => {
    expect(lossCurve([{ name: 'a', points: [[0, 2], [1, 1]] }], { width: 200, height: 120 })).toMatchSnapshot();
  });
});

import { describe, expect, it } from 'vitest';
import { SeqlabError } from '../../src/errors.js';
import { informationContent } from '../../src/inspect/motifs.js';
import { sequenceLogo } from '../../src/viz/index.js';
import { CASES, spliceDonor, walkerA } from './cases.js';

interface Glyph { letter: string; fill: string; x: number; bottom: number; height: number }

/** The glyphs of each column, bottom to top, with their drawn height (cap height 0.72 em × the vertical scale). */
function columns(svg: string): Glyph[][] {
  return svg.split('<g class="column"').slice(1).map((col) => [...col.matchAll(
    /<text class="glyph"[^>]*font-size="([\d.]+)"[^>]*fill="([^"]+)" transform="translate\(([\d.]+) ([\d.]+)\) scale\(1 ([\d.]+)\)">([^<]+)<\/text>/g,
  )].map((m) => ({ letter: m[6], fill: m[2], x: Number(m[3]), bottom: Number(m[4]), height: 0.72 * Number(m[1]) * Number(m[5]) })));
}

const PLOT_H = 200 - 34 - 40; // the default height less the top and bottom margins
const total = (col: readonly Glyph[]): number => col.reduce((a, g) => a + g.height, 0);

describe('sequenceLogo', () => {
  for (const c of CASES.filter((k) => k.name.startsWith('logo-'))) {
    it(`${c.name} matches its snapshot`, async () => {
      const svg = c.svg();
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" role="img"')).toBe(true);
      expect(svg).not.toMatch(/NaN|undefined|Infinity|href=/);
      expect(c.svg()).toBe(svg);
      await expect(svg).toMatchFileSnapshot(`__snapshots__/${c.name}.svg`);
    });
  }

  it('stacks each column as tall as its information content, in bits', () => {
    const cols = columns(sequenceLogo(spliceDonor));
    expect(cols).toHaveLength(9);
    const ic = informationContent(spliceDonor.pwm);
    cols.forEach((col, j) => expect(total(col)).toBeCloseTo((ic[j] / 2) * PLOT_H, 0));
    expect(cols[3].map((g) => g.letter)).toEqual(['G']); // certain: one glyph, the full 2 bits
    expect(cols[3][0].height).toBeCloseTo(PLOT_H, 0);
  });

  it('puts the least probable letter at the bottom and the most probable on top, cells touching', () => {
    const [first] = columns(sequenceLogo(spliceDonor));
    expect(first.map((g) => g.letter)).toEqual(['T', 'G', 'A', 'C']); // 0.13, 0.18, 0.33, 0.36
    for (let k = 1; k < first.length; k++) expect(first[k].bottom).toBeCloseTo(first[k - 1].bottom - first[k - 1].height, 1);
    expect(first[0].bottom).toBeCloseTo(34 + PLOT_H, 1);
  });

  it('in probability mode fills every column, a letter taking p of it', () => {
    const cols = columns(sequenceLogo(spliceDonor, { mode: 'probability' }));
    for (const col of cols) expect(total(col)).toBeCloseTo(PLOT_H, 0);
    const a = cols[1].find((g) => g.letter === 'A')!;
    expect(a.height).toBeCloseTo(0.6 * PLOT_H, 0);
  });

  it('draws nothing for a uniform column, and normalises rows of counts', () => {
    const cols = columns(sequenceLogo({ letters: 'ACGT', pwm: [[1, 1, 1, 1], [0, 8, 0, 0]] }));
    expect(cols[0]).toEqual([]);
    expect(cols[1].map((g) => g.letter)).toEqual(['C']);
    expect(cols[1][0].height).toBeCloseTo(PLOT_H, 0);
  });

  it('labels the axes in bits with ticks up to log2(A), and positions 1..W', () => {
    const svg = sequenceLogo(spliceDonor);
    expect([...svg.matchAll(/class="tick">([^<]+)</g)].map((m) => m[1])).toEqual(['0.0', '0.5', '1.0', '1.5', '2.0']);
    expect([...svg.matchAll(/class="position">(\d+)</g)].map((m) => Number(m[1]))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(svg).toContain('>bits</text>');
    expect(sequenceLogo(walkerA)).toMatch(/class="tick">4</);
    expect(sequenceLogo(spliceDonor, { mode: 'probability' })).toContain('>probability</text>');
  });

  it('colours DNA in Okabe-Ito (A green, C blue, G orange, T vermillion) and protein by chemistry with a legend', () => {
    const fills = new Map(columns(sequenceLogo(spliceDonor)).flat().map((g) => [g.letter, g.fill]));
    expect(Object.fromEntries(fills)).toEqual({ A: '#009E73', C: '#0072B2', G: '#E69F00', T: '#D55E00' });
    const protein = sequenceLogo(walkerA);
    const pfills = new Map(columns(protein).flat().map((g) => [g.letter, g.fill]));
    expect([pfills.get('G'), pfills.get('K'), pfills.get('S'), pfills.get('T')]).toEqual(['#009E73', '#0072B2', '#009E73', '#009E73']);
    for (const label of ['polar GSTYC', 'neutral NQ', 'basic KRH', 'acidic DE', 'hydrophobic AVLIPWFM']) expect(protein).toContain(`>${label}<`);
    expect(sequenceLogo(spliceDonor)).not.toContain('class="legend"');
    const custom = columns(sequenceLogo(spliceDonor, { colors: { G: '#123456' } }))[3];
    expect(custom[0].fill).toBe('#123456');
  });

  it('escapes the motif name and gives every column a tooltip', () => {
    const svg = sequenceLogo({ name: '<a & b>', letters: 'ACGT', pwm: [[0.7, 0.1, 0.1, 0.1]] });
    expect(svg).toContain('<title>Sequence logo: &lt;a &amp; b&gt;</title>');
    expect(svg).toMatch(/<title>position 1: 0\.64 bits; A 0\.70, C 0\.10, G 0\.10, T 0\.10<\/title>/);
  });

  it('refuses a malformed PWM', () => {
    expect(() => sequenceLogo({ letters: 'ACGT', pwm: [[0.5, 0.5, 0]] })).toThrow(/position 1 has 3 values/);
    expect(() => sequenceLogo({ letters: 'ACGT', pwm: [[0.5, -0.5, 0.5, 0.5]] })).toThrow(SeqlabError);
    expect(() => sequenceLogo({ letters: 'ACGT', pwm: [[0, 0, 0, 0]] })).toThrow(/sums to 0/);
    expect(() => sequenceLogo({ letters: 'ACGT', pwm: [] })).toThrow(SeqlabError);
    expect(() => sequenceLogo(spliceDonor, { mode: 'bits' as 'information' })).toThrow(SeqlabError);
  });
});

import { describe, expect, it } from 'vitest';
import { SeqlabError } from '../../src/errors.js';
import {
  alignmentMatrix, attentionHeads, gateHeatmap, modelDiagram, sequenceTrack, unrolledRnn,
} from '../../src/viz/index.js';
import { CASES, dna, handAlignment, handLstm, lmConfig, tracedAttention, tracedBiGru, tracedLstm, translateRnnConfig, translateTransformerConfig } from './cases.js';

const count = (svg: string, re: RegExp): number => svg.match(re)?.length ?? 0;
const cells = (svg: string): number => count(svg, /<rect class="cell"/g);

/** The contract every diagram keeps: an accessible, self-contained, well-formed SVG document. */
function expectWellFormed(svg: string): void {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="')).toBe(true);
  expect(svg).toMatch(/<title>[^<]+<\/title>/);
  expect(svg).toContain('font-family="system-ui');
  expect(svg).not.toMatch(/href=|url\(|@import|<script|NaN|undefined|Infinity/);
  // Tags balance (a cheap XML check: every opened element is closed).
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (m[1]) expect(stack.pop()).toBe(m[2]);
    else stack.push(m[2]);
  }
  expect(stack).toEqual([]);
}

describe('gallery cases', () => {
  for (const c of CASES) {
    it(`${c.name} is well formed and matches its snapshot`, async () => {
      const svg = c.svg();
      expectWellFormed(svg);
      expect(c.svg()).toBe(svg); // deterministic
      await expect(svg).toMatchFileSnapshot(`__snapshots__/${c.name}.svg`);
    });
  }
});

describe('unrolledRnn', () => {
  it('draws one cell box per step and H state cells per column (h and c for an LSTM)', () => {
    const svg = unrolledRnn({ kind: 'lstm', tokens: handLstm.tokens, rows: [{ direction: 'forward', h: handLstm.states.h, c: handLstm.states.c }] });
    expect(count(svg, /class="cell-box"/g)).toBe(6);
    expect(cells(svg)).toBe(6 * 5 * 2);
    expect(count(svg, /class="legend"/g)).toBe(2);
    expect(svg).toContain('>mat<');
  });

  it('draws a bidirectional layer as two rows with arrows in opposite directions', () => {
    const [fwd, bwd] = tracedBiGru();
    expect([fwd.direction, bwd.direction]).toEqual(['forward', 'backward']);
    const svg = unrolledRnn({ kind: 'gru', tokens: fwd.tokens, rows: [{ direction: 'forward', h: fwd.states.h }, { direction: 'backward', h: bwd.states.h }] });
    expect(count(svg, /class="row"/g)).toBe(2);
    const arrowsOf = (dir: string): number[][] => {
      const row = svg.split('data-direction=').find((part) => part.startsWith(`"${dir}"`))!;
      return [...row.matchAll(/<line x1="([\d.]+)" y1="[\d.]+" x2="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    };
    const horizontal = (dir: string) => arrowsOf(dir).filter(([a, b]) => a !== b);
    expect(horizontal('forward').every(([a, b]) => b > a)).toBe(true);
    expect(horizontal('backward').every(([a, b]) => b < a)).toBe(true);
    expect(horizontal('backward')).toHaveLength(4);
  });

  it('caps long sequences at maxSteps and says so', () => {
    const h = Array.from({ length: 30 }, () => [0.1, -0.2]);
    const svg = unrolledRnn({ kind: 'rnn', tokens: Array.from({ length: 30 }, (_, i) => `w${i}`), rows: [{ direction: 'forward', h }] }, { maxSteps: 10 });
    expect(count(svg, /class="cell-box"/g)).toBe(10);
    expect(svg).toContain('showing steps 1–10 of 30');
  });

  it('refuses an LSTM row without cell states', () => {
    expect(() => unrolledRnn({ kind: 'lstm', tokens: ['a'], rows: [{ direction: 'forward', h: [[0]] }] })).toThrow(SeqlabError);
  });
});

describe('gateHeatmap', () => {
  it('draws T×H cells per block: i, f, g, o and c for an LSTM, with both legends', () => {
    const svg = gateHeatmap(handLstm);
    expect([...svg.matchAll(/data-name="(\w+)"/g)].map((m) => m[1])).toEqual(['i', 'f', 'g', 'o', 'c']);
    expect(cells(svg)).toBe(5 * 6 * 5);
    expect(svg).toContain('i, f, o (gates)');
    expect(count(svg, /class="legend"/g)).toBeGreaterThanOrEqual(2);
  });

  it('draws r, z, n for a GRU traced from a real cell, and keeps only the top-N varying units', () => {
    const gru = tracedBiGru()[0];
    expect(Object.keys(gru.gates)).toEqual(['r', 'z', 'n']);
    expect(cells(gateHeatmap(gru))).toBe(3 * 5 * 4);
    const top = gateHeatmap(gru, { topUnits: 2 });
    expect(cells(top)).toBe(3 * 5 * 2);
    expect(top).toContain('showing the 2 most varying of 4 units');
  });

  it('colours a real trace: gates on viridis in [0, 1], g and c diverging', () => {
    const lstm = tracedLstm();
    expect(lstm.states.h).toHaveLength(5);
    expect(lstm.gates.f.flat().every((v) => v > 0 && v < 1)).toBe(true);
    expect(gateHeatmap(lstm)).toMatch(/fill="#[0-9a-f]{6}"/); // viridis
    expect(gateHeatmap(lstm)).toMatch(/fill="rgb\(/); // RdBu
  });
});

describe('alignmentMatrix', () => {
  it('draws S×T cells, escapes tokens, and writes weights only when asked', () => {
    const plain = alignmentMatrix(handAlignment);
    expect(cells(plain)).toBe(5 * 6);
    expect(plain).toContain('&lt;&amp;&gt;');
    expect(plain).not.toContain('>1.00<');
    expect(alignmentMatrix(handAlignment, { cellText: true })).toContain('0.');
    expect(plain).toContain('attention weight');
  });

  it('refuses weights of the wrong shape', () => {
    expect(() => alignmentMatrix({ source: ['a'], target: ['b'], weights: [[0.5, 0.5]] })).toThrow(/\[1\]\[1\]/);
  });
});

describe('attentionHeads', () => {
  const layers = tracedAttention().map((a) => ({ queries: a.queries, keys: a.keys, heads: a.heads }));

  it('draws a grid of layers × heads matrices from a traced transformer, causal above the diagonal', () => {
    expect(layers).toHaveLength(2);
    expect(layers[0].heads).toHaveLength(2);
    expect(layers[0].heads[0][0].slice(1).every((w) => w === 0)).toBe(true);
    const svg = attentionHeads({ layers });
    expect(count(svg, /class="head"/g)).toBe(4);
    expect(cells(svg)).toBe(4 * 36);
  });

  it('selects layers and heads, and draws lines whose opacity is the weight', () => {
    const svg = attentionHeads({ layers }, { mode: 'lines', layers: [1], heads: [0] });
    expect(count(svg, /class="head"/g)).toBe(1);
    expect(svg).toContain('data-layer="1" data-head="0"');
    const links = count(svg, /class="link"/g);
    expect(links).toBeGreaterThan(5);
    expect(links).toBeLessThanOrEqual(21); // causal: at most 6·7/2 lines
    expect(() => attentionHeads({ layers }, { heads: [9] })).toThrow(/no head 9/);
  });
});

describe('sequenceTrack', () => {
  it('draws every track and region on the whole sequence without letters', () => {
    const svg = sequenceTrack(dna);
    expect(count(svg, /class="track"/g)).toBe(2);
    expect(count(svg, /class="region"/g)).toBe(5);
    expect(count(svg, /class="letter"/g)).toBe(0);
    expect(svg).toContain('TATA &lt;box&gt;');
  });

  it('zooms to a window: positions and regions outside are dropped, letters shown', () => {
    const svg = sequenceTrack(dna, { window: [140, 200] });
    expect(count(svg, /class="letter"/g)).toBe(60);
    expect(count(svg, /class="bar"/g)).toBe(60);
    expect(count(svg, /class="region"/g)).toBe(2);
    const ticks = [...svg.matchAll(/class="tick">(\d+)</g)].map((m) => Number(m[1]));
    expect(Math.min(...ticks)).toBeGreaterThanOrEqual(140);
    expect(Math.max(...ticks)).toBeLessThanOrEqual(200);
    expect(() => sequenceTrack(dna, { window: [250, 400] })).toThrow(SeqlabError);
  });

  it('keeps a label\'s colour across windows when the labels are given in order', () => {
    /** The swatch colour the legend shows for `label` (a rect, then the label's text). */
    const legendColour = (svg: string, label: string): string | undefined => {
      const legend = svg.slice(svg.lastIndexOf('<g class="legend">'));
      const at = legend.indexOf(`>${label.replace(/</g, '&lt;').replace(/>/g, '&gt;')}<`);
      if (at < 0) return undefined;
      return [...legend.slice(0, at).matchAll(/fill="([^"]+)"/g)].pop()?.[1];
    };
    const labels = [...new Set((dna.regions ?? []).map((r) => r.label))].reverse();
    const whole = sequenceTrack(dna, { labels });
    const part = sequenceTrack(dna, { window: [140, 200], labels });
    const shown = [...new Set((dna.regions ?? []).filter((r) => r.end > 140 && r.start < 200).map((r) => r.label))];
    expect(shown.length).toBeGreaterThan(0);
    for (const label of shown) {
      const a = legendColour(whole, label);
      expect(a).toBeDefined();
      expect(legendColour(part, label)).toBe(a);
    }
  });
});

describe('modelDiagram', () => {
  it('draws the blocks of each architecture with their shapes', () => {
    const lm = modelDiagram(lmConfig);
    expect(lm).toContain('LSTM ×2');
    expect(lm).toContain('[B, T, 256]');
    expect(lm).toContain('[B, T, 66]');
    expect(modelDiagram(translateRnnConfig)).toContain('bidirectional LSTM');
    expect(modelDiagram(translateRnnConfig)).toContain('[B, S, 512]');
    const tr = modelDiagram(translateTransformerConfig);
    expect(tr).toContain('cross-attention');
    expect(count(tr, /class="block"/g)).toBe(8);
  });

  it('throws on an unknown task or architecture, or a missing model section', () => {
    expect(() => modelDiagram({ ...lmConfig, arch: 'mamba' })).toThrow(/unknown architecture 'mamba'/);
    expect(() => modelDiagram({ ...lmConfig, task: 'poetry' })).toThrow(/unknown task 'poetry'/);
    expect(() => modelDiagram({ task: 'translate', arch: 'convs2s', model: {} })).toThrow(SeqlabError);
    expect(() => modelDiagram({ task: 'lm', arch: 'lstm' })).toThrow(/no "model" section/);
  });
});

/**
 * A sequence logo (Schneider & Stephens 1990): one stack of letters per motif position, the
 * letters sorted by probability with the most probable on top.
 *
 * - `information` mode (default): a column is as tall as its information content,
 *   log2(A) − H with H = −Σ p log2 p (no small-sample correction), in bits; each letter takes
 *   p × that height.
 * - `probability` mode: every column is 1 tall and a letter takes p.
 *
 * Letters are `<text>` glyphs stretched to their cell: `textLength` fixes the width, and a
 * vertical scale makes the cap height (taken as 0.72 em, close for common sans-serif bold
 * faces) fill the cell's height. Deterministic markup; how tight the fit looks depends a little
 * on the viewer's font.
 *
 * Colours follow the usual schemes in Okabe & Ito's palette, which people with any common
 * colour-vision deficiency can tell apart:
 * - DNA/RNA: A bluish green #009E73, C blue #0072B2, G orange #E69F00, T/U vermillion #D55E00.
 * - protein, by chemistry (WebLogo's grouping): polar GSTYC bluish green, neutral NQ reddish
 *   purple, basic KRH blue, acidic DE vermillion, hydrophobic AVLIPWFM black; a legend names
 *   the groups.
 * Other letters (N, X) are grey; `options.colors` overrides any letter.
 */
import { type ScaleLinear, scaleLinear } from 'd3-scale';
import { SeqlabError } from '../errors.js';
import { swatchLegend } from './legend.js';
import { esc, fmt, svgDoc, text, textWidth } from './svg.js';

export interface SequenceLogoData {
  name?: string;
  /** The PWM's columns in order (e.g. 'ACGT'). */
  letters: string;
  /** [width][letters.length]: per position, a probability per letter (rows are normalised to sum 1). */
  pwm: readonly (readonly number[])[];
}

export interface SequenceLogoOptions {
  title?: string;
  /** 'information' (bits, default) or 'probability'. */
  mode?: 'information' | 'probability';
  /** Total width in px; default 28 px per position plus the margins. */
  width?: number;
  /** Total height in px; default 200. */
  height?: number;
  /** Letter → colour, over the default scheme. */
  colors?: Readonly<Record<string, string>>;
}

/** Cap height of the glyph font, in em. */
const CAP_HEIGHT = 0.72;
/** Cells shorter than this (px) are left out: a letter squashed flat reads as noise. */
const MIN_GLYPH = 0.25;

const DNA_COLORS: Readonly<Record<string, string>> = { A: '#009E73', C: '#0072B2', G: '#E69F00', T: '#D55E00', U: '#D55E00' };

/** Protein chemistry groups: name, letters, colour (Okabe–Ito). */
const PROTEIN_GROUPS: readonly (readonly [string, string, string])[] = [
  ['polar', 'GSTYC', '#009E73'],
  ['neutral', 'NQ', '#CC79A7'],
  ['basic', 'KRH', '#0072B2'],
  ['acidic', 'DE', '#D55E00'],
  ['hydrophobic', 'AVLIPWFM', '#000000'],
];
const OTHER = '#999999';

const isNucleotide = (letters: string): boolean => [...letters.toUpperCase()].every((c) => 'ACGTUN'.includes(c));

/** The colour of each letter, and the legend entries (protein groups only: DNA letters are their own legend). */
function letterColors(letters: string, overrides: Readonly<Record<string, string>>): { color: (c: string) => string; legend: { label: string; color: string }[] } {
  const base: Record<string, string> = {};
  const legend: { label: string; color: string }[] = [];
  if (isNucleotide(letters)) Object.assign(base, DNA_COLORS);
  else {
    for (const [name, group, color] of PROTEIN_GROUPS) {
      for (const c of group) base[c] = color;
      const present = [...group].filter((c) => letters.toUpperCase().includes(c)).join('');
      if (present) legend.push({ label: `${name} ${present}`, color });
    }
  }
  return { color: (c) => overrides[c] ?? base[c.toUpperCase()] ?? OTHER, legend };
}

/** Rows checked and normalised to sum 1. */
function normalisedRows(data: SequenceLogoData): number[][] {
  const A = [...data.letters].length;
  if (A < 2) throw new SeqlabError(`sequenceLogo: letters '${data.letters}' must hold at least two letters`);
  if (data.pwm.length === 0) throw new SeqlabError('sequenceLogo: the PWM has no positions');
  return data.pwm.map((row, j) => {
    if (row.length !== A) throw new SeqlabError(`sequenceLogo: position ${j + 1} has ${row.length} values for the ${A} letters '${data.letters}'`);
    if (row.some((v) => !(Number.isFinite(v) && v >= 0))) throw new SeqlabError(`sequenceLogo: position ${j + 1} holds a negative or non-finite value`);
    const sum = row.reduce((a, b) => a + b, 0);
    if (sum <= 0) throw new SeqlabError(`sequenceLogo: position ${j + 1} sums to 0`);
    return row.map((v) => v / sum);
  });
}

/** A column's height in its mode's units: bits, or 1. */
function columnHeight(row: readonly number[], mode: 'information' | 'probability'): number {
  if (mode === 'probability') return 1;
  let h = 0;
  for (const p of row) if (p > 0) h -= p * Math.log2(p);
  return Math.max(0, Math.log2(row.length) - h);
}

/** One glyph filling [x, x + w] × [yTop, yBottom]: baseline at the bottom, cap height scaled to the cell. */
function glyph(letter: string, x: number, w: number, yBottom: number, h: number, fill: string): string {
  const size = w; // unscaled em: the glyph is about square before the vertical stretch
  const sy = h / (CAP_HEIGHT * size);
  return `<text class="glyph" x="0" y="0" font-size="${fmt(size)}" font-weight="bold" textLength="${fmt(w)}" lengthAdjust="spacingAndGlyphs" fill="${fill}" transform="translate(${fmt(x, 2)} ${fmt(yBottom, 2)}) scale(1 ${fmt(sy, 4)})">${esc(letter)}</text>`;
}

/** Position j's stack at x0: letters bottom (least probable) to top, each p × the column's height; a tooltip lists them. */
function column(row: readonly number[], j: number, letters: readonly string[], mode: 'information' | 'probability',
  y: ScaleLinear<number, number>, x0: number, colW: number, color: (c: string) => string): string {
  const total = columnHeight(row, mode);
  const byP = (dir: 1 | -1) => (a: number, b: number): number => dir * (row[a] - row[b]) || a - b;
  const indices = letters.map((_, k) => k);
  const tip = `position ${j + 1}${mode === 'information' ? `: ${total.toFixed(2)} bits` : ''}; `
    + indices.filter((k) => row[k] > 0).sort(byP(-1)).map((k) => `${letters[k]} ${row[k].toFixed(2)}`).join(', ');
  const parts = [`<g class="column" data-position="${j + 1}"><title>${esc(tip)}</title>`];
  const pad = Math.min(1.5, colW * 0.05);
  let base = 0;
  for (const k of indices.sort(byP(1))) {
    const h = row[k] * total;
    const yBottom = y(base);
    const px = yBottom - y(base + h);
    base += h;
    if (px >= MIN_GLYPH) parts.push(glyph(letters[k], x0 + pad, colW - 2 * pad, yBottom, px, color(letters[k])));
  }
  parts.push('</g>');
  return parts.join('');
}

/** The axes: bits (or probability) up the left with d3 ticks, positions 1..W along the bottom. */
function axes(y: ScaleLinear<number, number>, left: number, plotW: number, W: number, mode: 'information' | 'probability'): string {
  const [yBottom, yTop] = y.range();
  const axisX = left - 4;
  const colW = plotW / W;
  const parts = ['<g class="axis">', `<line x1="${fmt(axisX)}" x2="${fmt(axisX)}" y1="${fmt(yTop)}" y2="${fmt(yBottom)}" stroke="#333"/>`];
  const format = y.tickFormat(5);
  for (const v of y.ticks(5)) {
    parts.push(`<line x1="${fmt(axisX - 4)}" x2="${fmt(axisX)}" y1="${fmt(y(v))}" y2="${fmt(y(v))}" stroke="#333"/>`);
    parts.push(text(axisX - 6, y(v) + 3.5, format(v), { anchor: 'end', size: 10, cls: 'tick' }));
  }
  parts.push(text(14, (yTop + yBottom) / 2, mode === 'information' ? 'bits' : 'probability', { anchor: 'middle', size: 10, rotate: -90 }));
  parts.push(`<line x1="${fmt(left)}" x2="${fmt(left + plotW)}" y1="${fmt(yBottom + 2)}" y2="${fmt(yBottom + 2)}" stroke="#333"/>`);
  const every = colW >= 14 ? 1 : Math.ceil(14 / colW / 5) * 5; // every position, or every 5th, 10th, … when narrow
  for (let j = 0; j < W; j++) {
    if ((j + 1) % every !== 0 && j !== 0) continue;
    parts.push(text(left + (j + 0.5) * colW, yBottom + 15, String(j + 1), { anchor: 'middle', size: 10, cls: 'position' }));
  }
  parts.push(text(left + plotW / 2, yBottom + 31, 'position', { anchor: 'middle', size: 10 }), '</g>');
  return parts.join('');
}

/** SVG sequence logo of a PWM; see the file comment. */
export function sequenceLogo(motif: SequenceLogoData, options: SequenceLogoOptions = {}): string {
  const mode = options.mode ?? 'information';
  if (mode !== 'information' && mode !== 'probability') throw new SeqlabError(`sequenceLogo: mode '${String(mode)}' is not 'information' or 'probability'`);
  const rows = normalisedRows(motif);
  const letters = [...motif.letters];
  const W = rows.length;
  const { color, legend } = letterColors(motif.letters, options.colors ?? {});
  // The legend sits right of the plot: 14 px gap, 17 px swatch, then its widest label at 10 px.
  const legendW = legend.length ? 14 + 17 + Math.max(...legend.map((e) => textWidth(e.label, 10))) + 8 : 0;
  const margin = { left: 52, right: Math.max(16, legendW), top: 34, bottom: 40 };
  const width = options.width ?? margin.left + margin.right + 28 * W;
  const height = options.height ?? 200;
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  if (!(plotW >= W && plotH >= 20)) throw new SeqlabError(`sequenceLogo: ${width}×${height} px is too small for ${W} positions`);
  const maxHeight = mode === 'information' ? Math.log2(letters.length) : 1;
  const y = scaleLinear().domain([0, maxHeight]).range([margin.top + plotH, margin.top]);
  const colW = plotW / W;
  const title = options.title ?? (motif.name ? `Sequence logo: ${motif.name}` : 'Sequence logo');
  const body: string[] = [text(8, 18, title, { size: 13, weight: 'bold' })];

  rows.forEach((row, j) => body.push(column(row, j, letters, mode, y, margin.left + j * colW, colW, color)));
  body.push(axes(y, margin.left, plotW, W, mode));
  if (legend.length) body.push(swatchLegend(legend, width - margin.right + 14, margin.top).svg);
  return svgDoc(width, height, title, body);
}

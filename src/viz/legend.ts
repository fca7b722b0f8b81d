/**
 * Colour legends: a bar of the colour map with ticks and a label, and a swatch list for
 * categories. The bar is made of stepped rects, not a gradient, so several SVGs inlined in one
 * page never clash over ids.
 */
import type { ColorMap } from './scales.js';
import { tickLabel, ticks } from './scales.js';
import { esc, fmt, text } from './svg.js';

/** Width and height a colour bar legend takes (bar, ticks and label). */
export const LEGEND_SIZE = { width: 150, height: 44 } as const;

/** A horizontal colour bar for `map` at (x, y), `width` px wide, labelled `label`, with ticks. */
export function colorLegend(map: ColorMap, x: number, y: number, label: string, width = LEGEND_SIZE.width - 10): string {
  const [lo, hi] = map.domain;
  const steps = 32;
  const parts = [`<g class="legend" aria-label="${esc(`${label}: ${lo} to ${hi}`)}">`, text(x, y + 9, label, { size: 10 })];
  const barY = y + 13;
  const barH = 10;
  for (let i = 0; i < steps; i++) {
    const v = lo + ((i + 0.5) / steps) * (hi - lo);
    parts.push(`<rect x="${fmt(x + (i * width) / steps)}" y="${fmt(barY)}" width="${fmt(width / steps + 0.3)}" height="${barH}" fill="${map.color(v)}"/>`);
  }
  parts.push(`<rect x="${fmt(x)}" y="${fmt(barY)}" width="${fmt(width)}" height="${barH}" fill="none" stroke="#888" stroke-width="0.5"/>`);
  const count = 4;
  for (const v of ticks(lo, hi, count)) {
    const tx = x + ((v - lo) / (hi - lo || 1)) * width;
    parts.push(`<line class="tick" x1="${fmt(tx)}" x2="${fmt(tx)}" y1="${fmt(barY + barH)}" y2="${fmt(barY + barH + 3)}" stroke="#555"/>`);
    parts.push(text(tx, barY + barH + 13, tickLabel(lo, hi, count, v), { anchor: 'middle', size: 9 }));
  }
  parts.push('</g>');
  return parts.join('');
}

/** A column of colour swatches with their labels at (x, y); returns the markup and its height. */
export function swatchLegend(entries: readonly { label: string; color: string }[], x: number, y: number): { svg: string; height: number } {
  const parts = ['<g class="legend">'];
  entries.forEach((e, i) => {
    const ey = y + i * 16;
    parts.push(`<rect x="${fmt(x)}" y="${fmt(ey)}" width="12" height="10" fill="${e.color}"/>`);
    parts.push(text(x + 17, ey + 9, e.label, { size: 10 }));
  });
  parts.push('</g>');
  return { svg: parts.join(''), height: entries.length * 16 };
}

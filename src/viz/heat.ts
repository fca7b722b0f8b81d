/**
 * A heatmap's cells: one rect per value of a matrix, coloured by a ColorMap, each with a
 * <title> tooltip. Shared by the gate heatmap, the alignment matrix, the attention matrices and
 * the unrolled RNN's state columns.
 */
import type { ColorMap } from './scales.js';
import { esc, fmt } from './svg.js';

export interface HeatCellsOptions {
  /** Tooltip of cell (r, c); none when omitted. */
  tip?: (r: number, c: number, v: number) => string;
  /** Draw the value in the cell (when it is large enough to read). */
  values?: boolean;
}

/** Cells of `rows` [R][C] at (x, y), each cw × ch, class "cell". */
export function heatCells(rows: readonly (readonly number[])[], x: number, y: number, cw: number, ch: number, map: ColorMap,
  options: HeatCellsOptions = {}): string {
  const parts: string[] = [];
  rows.forEach((row, r) => row.forEach((v, c) => {
    const cx = x + c * cw;
    const cy = y + r * ch;
    const tip = options.tip ? `<title>${esc(options.tip(r, c, v))}</title>` : '';
    parts.push(`<rect class="cell" x="${fmt(cx)}" y="${fmt(cy)}" width="${fmt(cw)}" height="${fmt(ch)}" fill="${map.color(v)}">${tip}</rect>`);
    if (options.values && cw >= 22 && ch >= 12) {
      const light = map.kind === 'magnitude' ? v < (map.domain[0] + map.domain[1]) / 2 : Math.abs(v) > map.domain[1] * 0.6;
      parts.push(`<text x="${fmt(cx + cw / 2)}" y="${fmt(cy + ch / 2 + 3.5)}" text-anchor="middle" font-size="9" fill="${light ? 'white' : 'black'}">${v.toFixed(2)}</text>`);
    }
  }));
  return parts.join('\n');
}

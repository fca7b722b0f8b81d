/**
 * The alignment matrix of an encoder-decoder's attention: source tokens as columns, target
 * tokens as rows, each cell the weight target token t gave source token s (rows sum to 1),
 * coloured on viridis over [0, 1] with a legend; the weight can be written in each cell.
 *
 * data.weights is [T][S]: one row per target token.
 */
import { SeqlabError } from '../errors.js';
import { colorLegend, LEGEND_SIZE } from './legend.js';
import { heatCells } from './heat.js';
import { magnitudeMap } from './scales.js';
import { clip, svgDoc, text, textWidth, tokenLabel } from './svg.js';

export interface AlignmentData {
  source: readonly string[];
  target: readonly string[];
  weights: readonly (readonly number[])[];
}

export interface AlignmentOptions {
  title?: string;
  /** Write each weight in its cell (when cells are large enough); default false. */
  cellText?: boolean;
  /** Cell size in px; default: fits 600 px, between 10 and 32. */
  cellSize?: number;
}

/** SVG alignment matrix; see the file comment. Throws when weights is not [T][S]. */
export function alignmentMatrix(data: AlignmentData, options: AlignmentOptions = {}): string {
  const S = data.source.length;
  const T = data.target.length;
  if (data.weights.length !== T || data.weights.some((r) => r.length !== S)) {
    throw new SeqlabError(`alignmentMatrix: weights must be [${T}][${S}] (target × source)`);
  }
  const title = options.title ?? 'Attention alignment: target (rows) × source (columns)';
  const cell = options.cellSize ?? Math.max(10, Math.min(32, 600 / Math.max(S, T, 1)));
  const src = data.source.map((t) => clip(tokenLabel(t), 14));
  const tgt = data.target.map((t) => clip(tokenLabel(t), 14));
  const left = 16 + Math.max(20, ...tgt.map((t) => textWidth(t, 10)));
  const top = 30 + Math.min(90, 8 + Math.max(10, ...src.map((t) => textWidth(t, 10))) * 0.87);
  const map = magnitudeMap(0, 1);
  const body: string[] = [text(8, 16, title, { size: 13, weight: 'bold' })];
  src.forEach((t, s) => body.push(text(left + s * cell + cell / 2 + 3, top - 6, t, { rotate: -60, size: 10 })));
  tgt.forEach((t, r) => body.push(text(left - 6, top + r * cell + cell / 2 + 3.5, t, { anchor: 'end', size: 10 })));
  body.push(heatCells(data.weights, left, top, cell, cell, map, {
    values: options.cellText ?? false,
    tip: (r, c, v) => `${tokenLabel(data.target[r])} → ${tokenLabel(data.source[c])}: ${v.toFixed(3)}`,
  }));
  body.push(`<rect x="${left}" y="${top}" width="${S * cell}" height="${T * cell}" fill="none" stroke="#999" stroke-width="0.5"/>`);
  const legendX = left + S * cell + 20;
  body.push(colorLegend(map, legendX, top, 'attention weight'));
  return svgDoc(legendX + LEGEND_SIZE.width + 10, Math.max(top + T * cell, top + LEGEND_SIZE.height) + 12, title, body);
}

/**
 * Gate heatmaps: each gate's activation over time, aligned under the input tokens. One block of
 * rows per gate (units × time): LSTM i, f, g, o and the cell state c; GRU r, z, n; a plain RNN
 * just h. Gates in [0, 1] (i, f, o, r, z) are on viridis; signed values (g, n in tanh range, the
 * cell state c, h) on a diverging map centred on 0. Both maps have a legend.
 *
 * data.gates and data.states hold [T][H] per name (time major), as `RecurrentTrace` does.
 */
import { colorLegend, LEGEND_SIZE } from './legend.js';
import { heatCells } from './heat.js';
import { type ColorMap, magnitudeMap, signedBound, signedMap } from './scales.js';
import { clip, maxAbs, svgDoc, text, tokenLabel } from './svg.js';
import { SeqlabError } from '../errors.js';

export interface GateHeatmapData {
  kind: 'rnn' | 'gru' | 'lstm';
  tokens: readonly string[];
  gates: Readonly<Record<string, readonly (readonly number[])[]>>;
  states: Readonly<Record<string, readonly (readonly number[])[]>>;
}

export interface GateHeatmapOptions {
  title?: string;
  /** Show only the N units that vary most over time (summed over the blocks); default: all (at most 64). */
  topUnits?: number;
  /** Time steps shown (the first ones); default 64. */
  maxSteps?: number;
  /** Cell height in px; default 6. */
  cellHeight?: number;
}

/** Blocks drawn per cell kind, in order: the gates, then the state that matters. */
const BLOCKS: Record<GateHeatmapData['kind'], readonly string[]> = {
  lstm: ['i', 'f', 'g', 'o', 'c'],
  gru: ['r', 'z', 'n'],
  rnn: ['h'],
};

/** Blocks on the diverging map; the others are in [0, 1]. */
const SIGNED = new Set(['g', 'c', 'n', 'h']);

/** Per unit, the variance over time, summed over the blocks. */
function unitVariance(blocks: readonly (readonly (readonly number[])[])[], units: number): number[] {
  const out = new Array<number>(units).fill(0);
  for (const m of blocks) {
    for (let u = 0; u < units; u++) {
      const xs = m.map((row) => row[u]);
      const mean = xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
      out[u] += xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length || 1);
    }
  }
  return out;
}

/** The units to show: all of them, or the `top` most varying in their original order. */
function pickUnits(blocks: readonly (readonly (readonly number[])[])[], units: number, top: number): number[] {
  const all = Array.from({ length: units }, (_, u) => u);
  if (top >= units) return all;
  const v = unitVariance(blocks, units);
  return all.sort((a, b) => v[b] - v[a] || a - b).slice(0, top).sort((a, b) => a - b);
}

/** One legend per distinct colour map, labelled with the blocks that use it. */
function legendGroups(names: readonly string[], maps: Record<string, ColorMap>): [string, ColorMap][] {
  const groups = new Map<string, { names: string[]; map: ColorMap }>();
  for (const n of names) {
    const key = `${maps[n].kind}:${maps[n].domain.join(',')}`;
    const g = groups.get(key) ?? { names: [], map: maps[n] };
    g.names.push(n);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => [`${g.names.join(', ')}${g.map.kind === 'magnitude' ? ' (gates)' : ''}`, g.map]);
}

/** SVG heatmaps of a recurrent layer's gates over time; see the file comment. */
export function gateHeatmap(data: GateHeatmapData, options: GateHeatmapOptions = {}): string {
  const names = BLOCKS[data.kind];
  if (!names) throw new SeqlabError(`gateHeatmap: unknown cell kind '${String(data.kind)}'`);
  const matrices = names.map((n) => {
    const m = data.gates[n] ?? data.states[n];
    if (!m) throw new SeqlabError(`gateHeatmap: the ${data.kind} trace has no '${n}'`);
    return m;
  });
  const maxSteps = options.maxSteps ?? 64;
  const T = Math.min(data.tokens.length, maxSteps, ...matrices.map((m) => m.length));
  const shown = matrices.map((m) => m.slice(0, T));
  const H = shown[0][0]?.length ?? 0;
  const units = pickUnits(shown, H, Math.min(options.topUnits ?? 64, H));
  const title = options.title ?? `${data.kind.toUpperCase()} gates over time`;
  const cw = Math.max(8, Math.min(22, 720 / Math.max(1, T)));
  const ch = options.cellHeight ?? (units.length > 32 ? 3 : 6);
  const left = 52;
  const labelH = Math.min(80, 14 + 6 * Math.max(1, ...data.tokens.slice(0, T).map((t) => Math.min(12, [...tokenLabel(t)].length))));
  const top = 26 + labelH;
  const blockH = units.length * ch;
  const gap = 16;
  const gridW = T * cw;
  // Gates in (0, 1) share viridis; g and n are tanh outputs in (−1, 1); c (and a relu RNN's h) may
  // go beyond, so each gets a diverging map of its own range.
  const maps: Record<string, ColorMap> = {};
  names.forEach((n, i) => {
    maps[n] = !SIGNED.has(n) ? magnitudeMap(0, 1) : signedMap(n === 'g' || n === 'n' ? 1 : signedBound(maxAbs(shown[i])));
  });
  const body: string[] = [text(8, 16, title, { size: 13, weight: 'bold' })];
  data.tokens.slice(0, T).forEach((t, c) => {
    body.push(text(left + c * cw + cw / 2 + 3, top - 6, clip(tokenLabel(t), 12), { rotate: -60, size: 10 }));
  });
  names.forEach((name, b) => {
    const y = top + b * (blockH + gap);
    const map = maps[name];
    const matrix = units.map((u) => shown[b].map((row) => row[u])); // [units][T]
    body.push(`<g class="block" data-name="${name}">`);
    body.push(text(left - 8, y + blockH / 2 + 4, name, { anchor: 'end', size: 12, weight: 'bold' }));
    body.push(heatCells(matrix, left, y, cw, ch, map, { tip: (r, c, v) => `${name} unit ${units[r]}, step ${c} (${tokenLabel(data.tokens[c])}): ${v.toFixed(3)}` }));
    body.push(`<rect x="${left}" y="${y}" width="${gridW}" height="${blockH}" fill="none" stroke="#999" stroke-width="0.5"/>`);
    body.push('</g>');
  });
  const gridBottom = top + names.length * (blockH + gap) - gap;
  const notes: string[] = [];
  if (units.length < H) notes.push(`showing the ${units.length} most varying of ${H} units`);
  if (T < data.tokens.length) notes.push(`showing steps 1–${T} of ${data.tokens.length}`);
  const legendX = left + gridW + 20;
  const legends = legendGroups(names, maps);
  legends.forEach(([label, map], k) => body.push(colorLegend(map, legendX, top + k * (LEGEND_SIZE.height + 8), label)));
  const notesY = Math.max(gridBottom, top + legends.length * (LEGEND_SIZE.height + 8)) + 16;
  if (notes.length) body.push(text(left, notesY, notes.join('; '), { size: 10, fill: '#555' }));
  const width = legendX + LEGEND_SIZE.width + 10;
  const height = notesY + (notes.length ? 10 : -6);
  return svgDoc(width, height, title, body);
}

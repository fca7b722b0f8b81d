/**
 * Self-attention per layer and head, two ways:
 *   mode 'matrix'  a grid of small matrices, one row per layer and one column per head, each
 *                  queries (rows) × keys (columns) on viridis over [0, 1], with a legend;
 *   mode 'lines'   BertViz-like: per layer and head, the tokens in two columns (queries left,
 *                  keys right) joined by lines whose opacity is the weight.
 *
 * data.layers[l].heads is [heads][Tq][Tk]; `layers` and `heads` options select which to draw.
 */
import { SeqlabError } from '../errors.js';
import { colorLegend, LEGEND_SIZE } from './legend.js';
import { heatCells } from './heat.js';
import { categoryColors, magnitudeMap } from './scales.js';
import { clip, fmt, svgDoc, text, textWidth, tokenLabel } from './svg.js';

export interface AttentionLayer {
  label?: string;
  queries: readonly string[];
  keys: readonly string[];
  heads: readonly (readonly (readonly number[])[])[];
}

export interface AttentionHeadsData {
  layers: readonly AttentionLayer[];
}

export interface AttentionHeadsOptions {
  title?: string;
  mode?: 'matrix' | 'lines';
  /** 0-based layer indices to draw; default all. */
  layers?: readonly number[];
  /** 0-based head indices to draw; default all. */
  heads?: readonly number[];
  /** Lines lighter than this weight are left out (mode 'lines'); default 0.02. */
  minWeight?: number;
}

function pick(what: string, wanted: readonly number[] | undefined, count: number): number[] {
  const all = Array.from({ length: count }, (_, i) => i);
  if (!wanted) return all;
  for (const i of wanted) if (!all.includes(i)) throw new SeqlabError(`attentionHeads: no ${what} ${i} (there are ${count})`);
  return [...wanted];
}

function checkLayer(l: AttentionLayer, i: number): void {
  const bad = l.heads.some((h) => h.length !== l.queries.length || h.some((r) => r.length !== l.keys.length));
  if (bad) throw new SeqlabError(`attentionHeads: layer ${i} heads must be [${l.queries.length}][${l.keys.length}]`);
}

/** SVG of the selected layers and heads; see the file comment. */
export function attentionHeads(data: AttentionHeadsData, options: AttentionHeadsOptions = {}): string {
  if (data.layers.length === 0) throw new SeqlabError('attentionHeads: no layers');
  data.layers.forEach(checkLayer);
  const mode = options.mode ?? 'matrix';
  if (mode !== 'matrix' && mode !== 'lines') throw new SeqlabError(`attentionHeads: unknown mode '${String(mode)}'`);
  const layers = pick('layer', options.layers, data.layers.length);
  const heads = pick('head', options.heads, Math.min(...layers.map((l) => data.layers[l].heads.length)));
  const title = options.title ?? `Self-attention by layer and head (${mode})`;
  return mode === 'matrix' ? matrices(data, layers, heads, title) : lines(data, layers, heads, title, options.minWeight ?? 0.02);
}

function matrices(data: AttentionHeadsData, layers: number[], heads: number[], title: string): string {
  const n = Math.max(...layers.map((l) => Math.max(data.layers[l].queries.length, data.layers[l].keys.length)));
  // Up to about 30 tokens keep cells large enough to label; longer inputs shrink to fit 240 px.
  const cell = Math.max(3, Math.min(14, 240 / n));
  const labels = cell >= 8;
  const labelW = labels ? 6 + Math.max(...layers.flatMap((l) => data.layers[l].queries.map((q) => textWidth(clip(tokenLabel(q), 8), 8)))) : 0;
  const labelH = labels ? 6 + Math.max(...layers.flatMap((l) => data.layers[l].keys.map((k) => textWidth(clip(tokenLabel(k), 8), 8)))) * 0.87 : 0;
  const panel = n * cell;
  const left = 70;
  const top = 40;
  const panelW = panel + labelW + 16;
  const panelH = panel + labelH + 22;
  const map = magnitudeMap(0, 1);
  const body: string[] = [text(8, 16, title, { size: 13, weight: 'bold' })];
  heads.forEach((h, j) => body.push(text(left + j * panelW + labelW + panel / 2, top, `head ${h + 1}`, { anchor: 'middle', size: 11 })));
  layers.forEach((l, i) => {
    const layer = data.layers[l];
    const y0 = top + 8 + i * panelH;
    body.push(text(8, y0 + labelH + panel / 2, layer.label ?? `layer ${l + 1}`, { size: 11, weight: 'bold' }));
    heads.forEach((h, j) => {
      const x = left + j * panelW + labelW;
      const y = y0 + labelH;
      body.push(`<g class="head" data-layer="${l}" data-head="${h}">`);
      if (labels) {
        layer.keys.forEach((k, c) => body.push(text(x + c * cell + cell / 2 + 2, y - 3, clip(tokenLabel(k), 8), { rotate: -60, size: 8 })));
        layer.queries.forEach((q, r) => body.push(text(x - 3, y + r * cell + cell / 2 + 3, clip(tokenLabel(q), 8), { anchor: 'end', size: 8 })));
      }
      body.push(heatCells(layer.heads[h], x, y, cell, cell, map, {
        tip: (r, c, v) => `layer ${l + 1} head ${h + 1}: ${tokenLabel(layer.queries[r])} → ${tokenLabel(layer.keys[c])}: ${v.toFixed(3)}`,
      }));
      body.push(`<rect x="${fmt(x)}" y="${fmt(y)}" width="${fmt(layer.keys.length * cell)}" height="${fmt(layer.queries.length * cell)}" fill="none" stroke="#999" stroke-width="0.5"/>`);
      body.push('</g>');
    });
  });
  const legendX = left + heads.length * panelW + 10;
  body.push(colorLegend(map, legendX, top + 8, 'attention weight'));
  return svgDoc(legendX + LEGEND_SIZE.width + 10, Math.max(top + 8 + layers.length * panelH, top + 60), title, body);
}

function lines(data: AttentionHeadsData, layers: number[], heads: number[], title: string, minWeight: number): string {
  const rowH = 16;
  const n = Math.max(...layers.map((l) => Math.max(data.layers[l].queries.length, data.layers[l].keys.length)));
  const tokW = 8 + Math.max(...layers.flatMap((l) => [...data.layers[l].queries, ...data.layers[l].keys].map((t) => textWidth(clip(tokenLabel(t), 10), 10))));
  const gapW = 90;
  const panelW = 2 * tokW + gapW + 24;
  const panelH = n * rowH + 36;
  const left = 70;
  const top = 40;
  const color = categoryColors(heads.map((h) => `head ${h + 1}`));
  const body: string[] = [text(8, 16, title, { size: 13, weight: 'bold' })];
  layers.forEach((l, i) => {
    const layer = data.layers[l];
    const y0 = top + i * panelH;
    body.push(text(8, y0 + 20 + (n * rowH) / 2, layer.label ?? `layer ${l + 1}`, { size: 11, weight: 'bold' }));
    heads.forEach((h, j) => {
      const x0 = left + j * panelW;
      const xl = x0 + tokW;
      const xr = xl + gapW;
      const c = color(`head ${h + 1}`);
      body.push(`<g class="head" data-layer="${l}" data-head="${h}">`);
      body.push(text(xl + gapW / 2, y0 + 6, `head ${h + 1}`, { anchor: 'middle', size: 11, fill: c }));
      layer.queries.forEach((q, r) => body.push(text(xl - 4, y0 + 24 + r * rowH, clip(tokenLabel(q), 10), { anchor: 'end', size: 10 })));
      layer.keys.forEach((k, s) => body.push(text(xr + 4, y0 + 24 + s * rowH, clip(tokenLabel(k), 10), { size: 10 })));
      layer.heads[h].forEach((row, r) => row.forEach((w, s) => {
        if (!(w >= minWeight)) return;
        body.push(`<line class="link" x1="${fmt(xl)}" y1="${fmt(y0 + 20 + r * rowH)}" x2="${fmt(xr)}" y2="${fmt(y0 + 20 + s * rowH)}" stroke="${c}" stroke-width="2" stroke-opacity="${w.toFixed(3)}"/>`);
      }));
      body.push('</g>');
    });
  });
  const legendX = left + heads.length * panelW + 10;
  const legend = ['<g class="legend">', text(legendX, top + 8, 'line opacity = weight', { size: 10 })];
  [0, 0.25, 0.5, 0.75, 1].forEach((w, k) => {
    legend.push(`<line x1="${legendX + k * 28}" x2="${legendX + k * 28 + 20}" y1="${top + 20}" y2="${top + 20}" stroke="#333" stroke-width="3" stroke-opacity="${w}"/>`);
    legend.push(text(legendX + k * 28 + 10, top + 34, String(w), { anchor: 'middle', size: 9 }));
  });
  legend.push('</g>');
  body.push(legend.join(''));
  return svgDoc(legendX + 150, top + layers.length * panelH, title, body);
}

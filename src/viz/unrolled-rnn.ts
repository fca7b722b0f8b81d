/**
 * An unrolled recurrent layer: the same cell drawn once per time step. Input tokens sit at the
 * bottom with an arrow up into the cell; each cell box holds its hidden state h_t (and the cell
 * state c_t of an LSTM) as a small column heatmap, H cells coloured on a diverging map; an arrow
 * carries the state from step t to t + 1; outputs sit on top. A bidirectional layer has two
 * rows: forward (arrows left → right) and backward (arrows right → left).
 *
 * Each row's h and c are [T][H] (time major). Long sequences are cut at `maxSteps` and the
 * drawing says so; many units are cut to the `maxUnits` that vary most.
 */
import { SeqlabError } from '../errors.js';
import { colorLegend, LEGEND_SIZE } from './legend.js';
import { heatCells } from './heat.js';
import { signedBound, signedMap } from './scales.js';
import { arrow, clip, esc, fmt, maxAbs, svgDoc, text, tokenLabel } from './svg.js';

export interface UnrolledRow {
  direction: 'forward' | 'backward';
  /** Hidden states [T][H]. */
  h: readonly (readonly number[])[];
  /** LSTM cell states [T][H]. */
  c?: readonly (readonly number[])[];
}

export interface UnrolledRnnData {
  kind: 'rnn' | 'gru' | 'lstm';
  tokens: readonly string[];
  /** One row, or two for a bidirectional layer (forward and backward). */
  rows: readonly UnrolledRow[];
  /** What each step outputs (a predicted token), drawn above; default: y_t. */
  outputs?: readonly string[];
}

export interface UnrolledRnnOptions {
  title?: string;
  /** Steps drawn (the first ones); default 16. */
  maxSteps?: number;
  /** Units drawn per state column (the most varying ones); default 24. */
  maxUnits?: number;
}

const CELL_W = 9;

/** The `n` units of the rows' h that vary most over time, in unit order. */
function topUnits(rows: readonly UnrolledRow[], T: number, n: number): number[] {
  const H = rows[0].h[0]?.length ?? 0;
  const all = Array.from({ length: H }, (_, u) => u);
  if (n >= H) return all;
  const score = all.map((u) => rows.reduce((s, r) => {
    const xs = r.h.slice(0, T).map((v) => v[u]);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    return s + xs.reduce((a, b) => a + (b - mean) ** 2, 0);
  }, 0));
  return all.sort((a, b) => score[b] - score[a] || a - b).slice(0, n).sort((a, b) => a - b);
}

/** SVG of the unrolled layer; see the file comment. Throws on no rows or mismatched lengths. */
export function unrolledRnn(data: UnrolledRnnData, options: UnrolledRnnOptions = {}): string {
  if (data.rows.length < 1 || data.rows.length > 2) throw new SeqlabError(`unrolledRnn: expected 1 or 2 rows, got ${data.rows.length}`);
  if (data.kind === 'lstm' && data.rows.some((r) => !r.c)) throw new SeqlabError('unrolledRnn: an LSTM row needs its cell states c');
  const total = data.tokens.length;
  if (data.rows.some((r) => r.h.length < total)) throw new SeqlabError(`unrolledRnn: every row needs ${total} hidden states`);
  const T = Math.min(total, options.maxSteps ?? 16);
  const units = topUnits(data.rows, T, options.maxUnits ?? 24);
  const H = data.rows[0].h[0]?.length ?? 0;
  const lstm = data.kind === 'lstm';
  const ch = Math.max(2, Math.min(8, 120 / Math.max(1, units.length)));
  const boxW = (lstm ? 2 : 1) * CELL_W + (lstm ? 22 : 16);
  const boxH = units.length * ch + 24;
  const stepW = boxW + 34;
  const left = 78;
  const top = 64;
  const rowGap = 40;
  // h of tanh cells stays in (−1, 1); c (and a relu RNN's h) may not: each state its own range.
  const range = (pick: (r: UnrolledRow) => readonly (readonly number[])[] | undefined): number =>
    signedBound(Math.max(...data.rows.map((r) => maxAbs((pick(r) ?? []).slice(0, T)))));
  const maps = { h: signedMap(range((r) => r.h)), c: signedMap(range((r) => r.c)) };
  const title = options.title ?? `Unrolled ${data.kind.toUpperCase()}${data.rows.length === 2 ? ' (bidirectional)' : ''}`;
  const body: string[] = [text(8, 16, title, { size: 13, weight: 'bold' })];
  // Rows top to bottom: the last row is nearest the inputs.
  const rowY = (i: number): number => top + i * (boxH + rowGap);
  const bottom = rowY(data.rows.length - 1) + boxH;
  for (let t = 0; t < T; t++) {
    const x = left + t * stepW;
    const out = data.outputs?.[t] !== undefined ? clip(tokenLabel(data.outputs[t]), 8) : `y${t + 1}`;
    body.push(text(x + boxW / 2, top - 26, out, { anchor: 'middle', size: 11 }));
    body.push(arrow(x + boxW / 2, top - 2, x + boxW / 2, top - 20, '#888'));
    body.push(text(x + boxW / 2, bottom + 46, clip(tokenLabel(data.tokens[t]), 8), { anchor: 'middle', size: 12, weight: 'bold' }));
    body.push(text(x + boxW / 2, bottom + 60, `t=${t + 1}`, { anchor: 'middle', size: 9, fill: '#777' }));
    body.push(arrow(x + boxW / 2, bottom + 32, x + boxW / 2, bottom + 2, '#888'));
  }
  data.rows.forEach((row, i) => {
    const y = rowY(i);
    const fwd = row.direction === 'forward';
    body.push(`<g class="row" data-direction="${row.direction}">`);
    body.push(text(left - 10, y + boxH / 2, fwd ? 'forward →' : '← backward', { anchor: 'end', size: 10, fill: '#333' }));
    for (let t = 0; t < T; t++) {
      const x = left + t * stepW;
      body.push(`<rect class="cell-box" x="${fmt(x)}" y="${fmt(y)}" width="${fmt(boxW)}" height="${fmt(boxH)}" rx="5" fill="#f7f7f7" stroke="#555"><title>${esc(`${data.kind} cell, step ${t + 1}`)}</title></rect>`);
      const cols: [string, readonly (readonly number[])[]][] = lstm ? [['h', row.h], ['c', row.c!]] : [['h', row.h]];
      cols.forEach(([name, m], k) => {
        const cx = x + 8 + k * (CELL_W + 6);
        body.push(text(cx + CELL_W / 2, y + 12, name, { anchor: 'middle', size: 9 }));
        const column = units.map((u) => [m[t][u]]); // [units][1]
        body.push(heatCells(column, cx, y + 17, CELL_W, ch, name === 'c' ? maps.c : maps.h, { tip: (r, _c, v) => `${name}[${units[r]}] at step ${t + 1}: ${v.toFixed(3)}` }));
      });
      if (t + 1 < T) {
        const [x1, x2] = fwd ? [x + boxW, x + stepW] : [x + stepW, x + boxW];
        body.push(arrow(x1 + (fwd ? 1 : -1), y + boxH / 2, x2 + (fwd ? -1 : 1), y + boxH / 2, '#333'));
      }
      if (i > 0) body.push(arrow(x + boxW / 2 - 6, y - 2, x + boxW / 2 - 6, y - rowGap + 2, '#bbb', 4));
    }
    body.push('</g>');
  });
  const notes = [`cell: ${data.kind.toUpperCase()}, ${H} units`];
  if (data.rows.length === 2) notes.push('both rows read the same inputs; the layer outputs [h→; h←]');
  if (units.length < H) notes.push(`columns show the ${units.length} most varying units`);
  if (T < total) notes.push(`showing steps 1–${T} of ${total} (maxSteps)`);
  const gridR = left + T * stepW;
  body.push(text(left, bottom + 80, notes.join('; '), { size: 10, fill: '#555' }));
  body.push(colorLegend(maps.h, gridR + 10, top, 'hidden state h'));
  if (lstm) body.push(colorLegend(maps.c, gridR + 10, top + LEGEND_SIZE.height + 8, 'cell state c'));
  return svgDoc(gridR + LEGEND_SIZE.width + 20, Math.max(bottom + 92, top + 2 * LEGEND_SIZE.height + 20), title, body);
}

/**
 * Per-position values along a long sequence, with annotated regions (genome-browser style):
 * several named tracks, each a line, area or bar chart of one value per position; regions
 * (0-based, half-open [start, end), a label, optional score and strand) as coloured boxes on a
 * lane of their own, packed so they never overlap, with a legend of labels; the sequence's
 * letters when the window is short enough; and a position axis with d3 ticks.
 *
 * `options.window = [start, end]` zooms to that half-open range: positions outside are dropped.
 */
import { scaleLinear } from 'd3-scale';
import { SeqlabError } from '../errors.js';
import { swatchLegend } from './legend.js';
import { categoryColors } from './scales.js';
import { clip, esc, fmt, svgDoc, text } from './svg.js';

export interface Track {
  name: string;
  /** One value per position of the sequence. */
  values: readonly number[];
  mark?: 'line' | 'area' | 'bar';
  color?: string;
}

export interface Region {
  start: number;
  end: number;
  label: string;
  score?: number;
  strand?: '+' | '-' | '.';
}

export interface SequenceTrackData {
  /** The sequence's letters (its length is the sequence length when given). */
  sequence?: string;
  /** The sequence length when no letters are given; default: the longest track. */
  length?: number;
  tracks: readonly Track[];
  regions?: readonly Region[];
}

export interface SequenceTrackOptions {
  title?: string;
  width?: number;
  /** Half-open [start, end) window of positions to show; default the whole sequence. */
  window?: readonly [number, number];
  trackHeight?: number;
  /** Letters are drawn when the window holds at most this many positions; default 150. */
  maxLetters?: number;
  /**
   * Region labels in colour (and legend) order, so a label keeps its colour across records and
   * windows; labels not listed follow, in order of first appearance (the default for all).
   */
  labels?: readonly string[];
}

const DEFAULT_COLORS = ['#4e79a7', '#e15759', '#59a14f', '#b07aa1', '#f28e2b'];

/** Assigns each region a lane so that regions in one lane do not overlap (greedy by start). */
function lanes(regions: readonly Region[]): number[] {
  const ends: number[] = [];
  const order = regions.map((_, i) => i).sort((a, b) => regions[a].start - regions[b].start || a - b);
  const lane = new Array<number>(regions.length);
  for (const i of order) {
    let k = ends.findIndex((e) => e <= regions[i].start);
    if (k < 0) k = ends.push(0) - 1;
    ends[k] = regions[i].end;
    lane[i] = k;
  }
  return lane;
}

function trackMarks(track: Track, start: number, end: number, x: (p: number) => number, y0: number, h: number, color: string): string {
  const vals = track.values.slice(start, end);
  const finite = vals.filter(Number.isFinite);
  const lo = Math.min(0, ...finite);
  const hi = Math.max(lo + 1e-9, ...finite);
  const y = scaleLinear().domain([lo, hi]).range([y0 + h, y0]);
  const parts = [`<rect x="${fmt(x(start))}" y="${fmt(y0)}" width="${fmt(x(end) - x(start))}" height="${h}" fill="#fafafa" stroke="#ddd"/>`];
  parts.push(text(x(start) - 6, y0 + 9, hi.toPrecision(3), { anchor: 'end', size: 9, fill: '#666' }));
  parts.push(text(x(start) - 6, y0 + h, lo.toPrecision(3), { anchor: 'end', size: 9, fill: '#666' }));
  const mark = track.mark ?? 'line';
  if (mark === 'bar') {
    vals.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      const p = start + i;
      const [ya, yb] = [y(Math.max(0, v)), y(Math.min(0, v))];
      parts.push(`<rect class="bar" x="${fmt(x(p))}" y="${fmt(ya)}" width="${fmt(Math.max(0.5, x(p + 1) - x(p) - 0.5))}" height="${fmt(Math.max(0.5, yb - ya))}" fill="${color}"/>`);
    });
    return parts.join('\n');
  }
  const pts = vals.map((v, i) => (Number.isFinite(v) ? `${fmt(x(start + i + 0.5))},${fmt(y(v))}` : null)).filter((p): p is string => p !== null);
  if (pts.length === 0) return parts.join('\n');
  if (mark === 'area') {
    const base = fmt(y(Math.max(lo, 0)));
    const firstX = pts[0].split(',')[0];
    const lastX = pts[pts.length - 1].split(',')[0];
    parts.push(`<path class="area" d="M${firstX},${base}L${pts.join('L')}L${lastX},${base}Z" fill="${color}" fill-opacity="0.35" stroke="${color}"/>`);
  } else {
    parts.push(`<polyline class="line" points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
  }
  return parts.join('\n');
}

/** SVG of tracks and regions along a sequence; see the file comment. */
export function sequenceTrack(data: SequenceTrackData, options: SequenceTrackOptions = {}): string {
  const length = data.sequence?.length ?? data.length ?? Math.max(0, ...data.tracks.map((t) => t.values.length));
  const [start, end] = options.window ?? [0, length];
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end <= length && start < end)) {
    throw new SeqlabError(`sequenceTrack: window [${start}, ${end}) is not inside [0, ${length})`);
  }
  const title = options.title ?? `Positions ${start}–${end} of ${length}`;
  const width = options.width ?? 800;
  const left = 110;
  const right = 130;
  const trackH = options.trackHeight ?? 50;
  const x = scaleLinear().domain([start, end]).range([left, width - right]);
  const body: string[] = [text(8, 16, title, { size: 13, weight: 'bold' })];
  let y = 34;
  data.tracks.forEach((t, i) => {
    body.push(`<g class="track" data-name="${esc(t.name)}">`);
    body.push(text(8, y + trackH / 2 + 4, clip(t.name, 14), { size: 11 }));
    body.push(trackMarks(t, start, end, (p) => x(p), y, trackH, t.color ?? DEFAULT_COLORS[i % DEFAULT_COLORS.length]));
    body.push('</g>');
    y += trackH + 10;
  });
  const regions = (data.regions ?? []).filter((r) => r.end > start && r.start < end);
  const lane = lanes(regions);
  const color = categoryColors([...(options.labels ?? []), ...regions.map((r) => r.label)]);
  const laneH = 16;
  const laneCount = regions.length ? Math.max(...lane) + 1 : 0;
  if (laneCount) body.push(text(8, y + 12, 'regions', { size: 11 }));
  regions.forEach((r, i) => {
    const x0 = x(Math.max(r.start, start));
    const x1 = x(Math.min(r.end, end));
    const ry = y + lane[i] * laneH;
    const strand = r.strand === '+' ? ' ▶' : r.strand === '-' ? ' ◀' : '';
    const tip = `${r.label} [${r.start}, ${r.end})${r.score !== undefined ? ` score ${r.score}` : ''}${r.strand ? ` strand ${r.strand}` : ''}`;
    body.push(`<g class="region"><rect x="${fmt(x0)}" y="${fmt(ry)}" width="${fmt(Math.max(1, x1 - x0))}" height="${laneH - 3}" fill="${color(r.label)}" fill-opacity="${r.score !== undefined ? fmt(0.35 + 0.65 * Math.min(1, Math.max(0, r.score)), 2) : '0.85'}"><title>${esc(tip)}</title></rect>`);
    const label = `${r.label}${strand}`;
    if (x1 - x0 > label.length * 6) body.push(text(x0 + 3, ry + 10, label, { size: 9, fill: 'black' }));
    body.push('</g>');
  });
  y += laneCount * laneH + (laneCount ? 6 : 0);
  if (data.sequence && end - start <= (options.maxLetters ?? 150)) {
    const size = Math.max(6, Math.min(12, (x(start + 1) - x(start)) * 1.2));
    const letters = [...data.sequence.slice(start, end)].map((ch, i) => text(x(start + i + 0.5), y + 11, ch, { anchor: 'middle', size, cls: 'letter' }));
    body.push(`<g class="letters" font-family="ui-monospace, monospace">${letters.join('')}</g>`);
    y += 16;
  }
  const axis = ['<g class="axis">', `<line x1="${left}" x2="${fmt(width - right)}" y1="${fmt(y + 2)}" y2="${fmt(y + 2)}" stroke="#333"/>`];
  for (const p of x.ticks(8).filter(Number.isInteger)) {
    axis.push(`<line x1="${fmt(x(p))}" x2="${fmt(x(p))}" y1="${fmt(y + 2)}" y2="${fmt(y + 6)}" stroke="#333"/>`);
    axis.push(text(x(p), y + 17, String(p), { anchor: 'middle', size: 10, cls: 'tick' }));
  }
  axis.push(text((left + width - right) / 2, y + 32, 'position (0-based)', { anchor: 'middle', size: 10 }), '</g>');
  body.push(axis.join(''));
  const present = new Set(regions.map((r) => r.label));
  const labels = [...new Set([...(options.labels ?? []).filter((l) => present.has(l)), ...present])];
  const legend = swatchLegend(labels.map((l) => ({ label: l, color: color(l) })), width - right + 14, 34);
  if (labels.length) body.push(legend.svg);
  return svgDoc(width, Math.max(y + 40, 40 + legend.height), title, body);
}

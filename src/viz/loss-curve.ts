/**
 * Loss curves as SVG: one polyline per named series of (x, loss) points, with axes, d3 ticks and
 * a legend. A pure function from data to markup, used by the CLI, the explorer and the docs.
 */
import { categoryColors, tickLabel, ticks } from './scales.js';
import { esc, svgDoc } from './svg.js';

export interface CurveSeries {
  name: string;
  points: readonly (readonly [number, number])[];
}

export interface LossCurveOptions {
  width?: number;
  height?: number;
  xLabel?: string;
  yLabel?: string;
  title?: string;
}

export function lossCurve(series: readonly CurveSeries[], options: LossCurveOptions = {}): string {
  const { width = 640, height = 400, xLabel = 'seconds', yLabel = 'validation loss (nats/token)', title = '' } = options;
  const pad = { left: 60, right: 130, top: title ? 34 : 16, bottom: 44 };
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const [x0, x1] = [Math.min(0, ...xs), Math.max(1e-9, ...xs)];
  const [y0, y1] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const sx = (x: number): number => pad.left + ((x - x0) / (x1 - x0 || 1)) * plotW;
  const sy = (y: number): number => pad.top + (1 - (y - y0) / (y1 - y0 || 1)) * plotH;
  const parts: string[] = [];
  const color = categoryColors(series.map((s) => s.name));
  if (title) parts.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`);
  for (const v of ticks(y0, y1, 5)) {
    parts.push(`<line x1="${pad.left}" x2="${pad.left + plotW}" y1="${sy(v).toFixed(1)}" y2="${sy(v).toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${pad.left - 6}" y="${(sy(v) + 4).toFixed(1)}" text-anchor="end">${tickLabel(y0, y1, 5, v)}</text>`);
  }
  for (const v of ticks(x0, x1, 5)) {
    parts.push(`<text x="${sx(v).toFixed(1)}" y="${pad.top + plotH + 16}" text-anchor="middle">${tickLabel(x0, x1, 5, v)}</text>`);
  }
  parts.push(`<rect x="${pad.left}" y="${pad.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${pad.left + plotW / 2}" y="${height - 8}" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${pad.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  series.forEach((s, i) => {
    const c = color(s.name);
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
    if (pts.length) parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.join(' ')}"><title>${esc(s.name)}</title></polyline>`);
    const ly = pad.top + 14 + i * 18;
    parts.push(`<line x1="${pad.left + plotW + 12}" x2="${pad.left + plotW + 32}" y1="${ly - 4}" y2="${ly - 4}" stroke="${c}" stroke-width="2"/>`);
    parts.push(`<text x="${pad.left + plotW + 38}" y="${ly}">${esc(s.name)}</text>`);
  });
  return svgDoc(width, height, title || 'loss curves', parts, false);
}

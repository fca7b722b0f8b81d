/**
 * Accuracy against lag as SVG: one line per model with a marker at each measured lag, a legend,
 * a dashed chance line, and a vertical marker where a window model stops reaching. A pure
 * function from rows to markup (the `seqlab compare memory` chart), deterministic for the same
 * input, with no external references.
 *
 * Colours are the Okabe–Ito palette (safe for the common colour-vision deficiencies), and each
 * model also gets its own marker shape, so the lines stay apart in greyscale too.
 */
import { scaleLinear, scaleLog, scaleOrdinal, scalePoint } from 'd3-scale';

/** One measurement: a model's accuracy at one lag. */
export interface LagPoint {
  model: string;
  lag: number;
  accuracy: number;
}

export interface LagChartOptions {
  width?: number;
  height?: number;
  /** The chart's heading and accessible name (default 'Accuracy against lag'). */
  title?: string;
  /** 'log' (default): lags spaced by ratio; 'point': the measured lags evenly spaced. */
  xScale?: 'log' | 'point';
  /** Accuracy of a model that remembers nothing, drawn dashed. */
  chance?: number;
  /** A vertical marker, e.g. the longest lag a window model can reach. */
  marker?: { lag: number; label: string };
  xLabel?: string;
  yLabel?: string;
}

/** Okabe & Ito (2008), strongest contrast on white first. */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'down'] as const;

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

const f = (v: number): string => v.toFixed(1);

/** A marker of `shape`, about 8 px across, centred on (x, y). */
function markerPath(shape: (typeof SHAPES)[number], x: number, y: number, color: string): string {
  const r = 4;
  switch (shape) {
    case 'circle': return `<circle cx="${f(x)}" cy="${f(y)}" r="${r}" fill="${color}"/>`;
    case 'square': return `<rect x="${f(x - r)}" y="${f(y - r)}" width="${2 * r}" height="${2 * r}" fill="${color}"/>`;
    case 'triangle': return `<path d="M${f(x)},${f(y - r - 1)}L${f(x + r + 1)},${f(y + r)}L${f(x - r - 1)},${f(y + r)}Z" fill="${color}"/>`;
    case 'diamond': return `<path d="M${f(x)},${f(y - r - 1)}L${f(x + r + 1)},${f(y)}L${f(x)},${f(y + r + 1)}L${f(x - r - 1)},${f(y)}Z" fill="${color}"/>`;
    case 'down': return `<path d="M${f(x)},${f(y + r + 1)}L${f(x + r + 1)},${f(y - r)}L${f(x - r - 1)},${f(y - r)}Z" fill="${color}"/>`;
  }
}

/**
 * The x position of a lag: the log scale's, or on the point scale the measured lags' positions
 * with anything between them placed proportionally (a marker at 7.5 between lags 5 and 10).
 */
function xPosition(lags: readonly number[], kind: 'log' | 'point', left: number, right: number): (lag: number) => number {
  if (kind === 'log') {
    const lo = lags[0];
    const hi = lags[lags.length - 1];
    const s = scaleLog().domain(lo === hi ? [lo / 2, hi * 2] : [lo / 1.25, hi * 1.25]).range([left, right]);
    return (lag) => s(lag);
  }
  const s = scalePoint<number>().domain([...lags]).range([left, right]).padding(0.5);
  return (lag) => {
    const i = lags.findIndex((l) => l >= lag);
    if (i < 0) return s(lags[lags.length - 1])!;
    if (i === 0 || lags[i] === lag) return s(lags[i])!;
    const t = (lag - lags[i - 1]) / (lags[i] - lags[i - 1]);
    return s(lags[i - 1])! + t * (s(lags[i])! - s(lags[i - 1])!);
  };
}

/** The chart: accuracy (0..1) up, lag across, one line and marker shape per model in first-seen order. */
export function lagChart(rows: readonly LagPoint[], options: LagChartOptions = {}): string {
  const { width = 640, height = 380, title = 'Accuracy against lag', xScale = 'log', xLabel = 'lag (steps back)',
    yLabel = 'accuracy on fresh sequences' } = options;
  const pad = { left: 56, right: 140, top: 40, bottom: 48 };
  const plot = { x0: pad.left, x1: width - pad.right, y0: pad.top, y1: height - pad.bottom };
  const points = rows.filter((r) => Number.isFinite(r.lag) && r.lag > 0 && Number.isFinite(r.accuracy));
  const lags = [...new Set(points.map((r) => r.lag))].sort((a, b) => a - b);
  const models = [...new Set(points.map((r) => r.model))];
  const x = lags.length ? xPosition(lags, xScale, plot.x0, plot.x1) : () => (plot.x0 + plot.x1) / 2;
  const y = scaleLinear().domain([0, 1]).range([plot.y1, plot.y0]).clamp(true);
  const color = scaleOrdinal<string, string>(PALETTE).domain(models);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`);
  parts.push(`<title>${esc(title)}</title>`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${f(plot.x0)}" y="22" font-size="14" font-weight="600">${esc(title)}</text>`);
  for (const v of y.ticks(5)) {
    parts.push(`<line x1="${f(plot.x0)}" x2="${f(plot.x1)}" y1="${f(y(v))}" y2="${f(y(v))}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${f(plot.x0 - 6)}" y="${f(y(v) + 4)}" text-anchor="end" fill="#333">${y.tickFormat(5)(v)}</text>`);
  }
  for (const l of lags) {
    parts.push(`<line x1="${f(x(l))}" x2="${f(x(l))}" y1="${f(plot.y1)}" y2="${f(plot.y1 + 5)}" stroke="#333"/>`);
    parts.push(`<text x="${f(x(l))}" y="${f(plot.y1 + 18)}" text-anchor="middle" fill="#333">${l}</text>`);
  }
  parts.push(`<rect x="${f(plot.x0)}" y="${f(plot.y0)}" width="${f(plot.x1 - plot.x0)}" height="${f(plot.y1 - plot.y0)}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${f((plot.x0 + plot.x1) / 2)}" y="${height - 10}" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${f((plot.y0 + plot.y1) / 2)}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  if (options.chance !== undefined && Number.isFinite(options.chance)) {
    const cy = y(options.chance);
    parts.push(`<line class="chance" x1="${f(plot.x0)}" x2="${f(plot.x1)}" y1="${f(cy)}" y2="${f(cy)}" stroke="#666" stroke-dasharray="5 4"/>`);
    parts.push(`<text x="${f(plot.x1 - 4)}" y="${f(cy - 4)}" text-anchor="end" fill="#666" font-size="11">chance ${options.chance.toFixed(3)}</text>`);
  }
  if (options.marker && lags.length) {
    const mx = x(options.marker.lag);
    parts.push(`<line class="marker" x1="${f(mx)}" x2="${f(mx)}" y1="${f(plot.y0)}" y2="${f(plot.y1)}" stroke="#999" stroke-dasharray="2 3"/>`);
    parts.push(`<text x="${f(mx + 4)}" y="${f(plot.y1 - 6)}" fill="#666" font-size="11">${esc(options.marker.label)}</text>`); // below the lines that hold at 1
  }
  models.forEach((m, i) => {
    const c = color(m);
    const own = points.filter((r) => r.model === m).sort((a, b) => a.lag - b.lag);
    const d = own.map((r, j) => `${j ? 'L' : 'M'}${f(x(r.lag))},${f(y(r.accuracy))}`).join('');
    parts.push(`<g class="series">`);
    parts.push(`<title>${esc(m)}: ${own.map((r) => `lag ${r.lag} ${r.accuracy.toFixed(3)}`).join(', ')}</title>`);
    parts.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="2"/>`);
    for (const r of own) parts.push(markerPath(SHAPES[i % SHAPES.length], x(r.lag), y(r.accuracy), c));
    parts.push('</g>');
    const ly = plot.y0 + 10 + i * 20;
    const lx = plot.x1 + 14;
    parts.push(`<line x1="${f(lx)}" x2="${f(lx + 24)}" y1="${f(ly)}" y2="${f(ly)}" stroke="${c}" stroke-width="2"/>`);
    parts.push(markerPath(SHAPES[i % SHAPES.length], lx + 12, ly, c));
    parts.push(`<text x="${f(lx + 30)}" y="${f(ly + 4)}">${esc(m)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

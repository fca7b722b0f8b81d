/**
 * What every diagram shares: escaping, number formatting, the <svg> wrapper (role="img", a
 * <title> and an aria-label, system fonts, no external references), arrows, and a heuristic for
 * text widths. Pure string building: the same output in Node and the browser.
 */

/** Escapes text for SVG/HTML content and attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A coordinate with one decimal, never `-0.0`: output is the same on every platform. */
export function fmt(x: number, digits = 1): string {
  const s = x.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** The font every diagram uses: the platform's UI font, no web fonts. */
export const FONT = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';

/**
 * Estimated width in pixels of `text` at `size` px: 0.6 em per character (a little wide for
 * proportional fonts, so labels do not collide). No DOM to measure with.
 */
export function textWidth(text: string, size = 11): number {
  return [...text].length * size * 0.6;
}

/** `text` cut to at most `max` characters, with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}

/**
 * How a token shows as a label: whitespace made visible (space ·, newline ⏎, tab ⇥), so a
 * character model's inputs read unambiguously.
 */
export function tokenLabel(token: string): string {
  return token.replace(/ /g, '·').replace(/\n/g, '⏎').replace(/\t/g, '⇥') || '∅';
}

/**
 * The whole document: <svg> with role="img", aria-label, <title>, white background, then the
 * body; at least wide enough for the title unless `fitTitle` is false.
 */
export function svgDoc(width: number, height: number, title: string, body: readonly string[], fitTitle = true): string {
  // Never narrower than the heading the diagrams draw at 13 px (unless the caller fixes the width).
  const w = Math.ceil(fitTitle ? Math.max(width, textWidth(title, 13) + 16) : width);
  const h = Math.ceil(height);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="${FONT}" font-size="11">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    ...body,
    '</svg>',
  ].join('\n');
}

export interface TextOptions {
  anchor?: 'start' | 'middle' | 'end';
  size?: number;
  fill?: string;
  weight?: 'bold';
  /** Degrees, about (x, y). */
  rotate?: number;
  cls?: string;
}

/** One <text> element, escaped. */
export function text(x: number, y: number, content: string, o: TextOptions = {}): string {
  const attrs = [`x="${fmt(x)}"`, `y="${fmt(y)}"`];
  if (o.anchor && o.anchor !== 'start') attrs.push(`text-anchor="${o.anchor}"`);
  if (o.size) attrs.push(`font-size="${o.size}"`);
  if (o.fill) attrs.push(`fill="${o.fill}"`);
  if (o.weight) attrs.push(`font-weight="${o.weight}"`);
  if (o.rotate) attrs.push(`transform="rotate(${o.rotate} ${fmt(x)} ${fmt(y)})"`);
  if (o.cls) attrs.push(`class="${o.cls}"`);
  return `<text ${attrs.join(' ')}>${esc(content)}</text>`;
}

/** A line from (x1, y1) to (x2, y2) ending in a filled arrowhead (drawn inline: no marker ids to clash). */
export function arrow(x1: number, y1: number, x2: number, y2: number, color = '#555', head = 5): string {
  const len = Math.hypot(x2 - x1, y2 - y1) || 1;
  const ux = (x2 - x1) / len;
  const uy = (y2 - y1) / len;
  const bx = x2 - ux * head;
  const by = y2 - uy * head;
  const px = -uy * head * 0.6;
  const py = ux * head * 0.6;
  return `<g class="arrow"><line x1="${fmt(x1)}" y1="${fmt(y1)}" x2="${fmt(bx)}" y2="${fmt(by)}" stroke="${color}" stroke-width="1.2"/>`
    + `<polygon points="${fmt(x2)},${fmt(y2)} ${fmt(bx + px)},${fmt(by + py)} ${fmt(bx - px)},${fmt(by - py)}" fill="${color}"/></g>`;
}

/** Largest |v| over a matrix (0 for an empty one). */
export function maxAbs(rows: readonly (readonly number[])[]): number {
  let m = 0;
  for (const r of rows) for (const v of r) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
}

/**
 * Several whole SVG documents stacked top to bottom in one (each nested <svg> keeps its own role
 * and title), `gap` pixels apart; as wide as the widest. For files that hold many diagrams.
 */
export function stackSvgs(svgs: readonly string[], title: string, gap: number, fontFamily?: string): string {
  let y = 0;
  let width = 0;
  const parts = svgs.map((svg) => {
    const m = /width="([\d.]+)" height="([\d.]+)"/.exec(svg);
    const [w, h] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
    const part = svg.replace('<svg ', `<svg x="0" y="${y}" `);
    y += h + gap;
    width = Math.max(width, w);
    return part;
  });
  const font = fontFamily ? ` font-family="${fontFamily}"` : '';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}"${font}>`,
    `<title>${esc(title)}</title>`, ...parts, '</svg>', '',
  ].join('\n');
}

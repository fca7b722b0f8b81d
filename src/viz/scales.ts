/**
 * Colour maps and axis ticks, from d3-scale and d3-scale-chromatic: viridis for magnitudes in a
 * known range (gates, attention weights), a red–blue diverging map centred on 0 for signed values
 * (tanh states, cell states), and a categorical palette for labels.
 */
import { scaleDiverging, scaleLinear, scaleOrdinal, scaleSequential } from 'd3-scale';
import { interpolateRdBu, interpolateViridis, schemeTableau10 } from 'd3-scale-chromatic';

/** A value → colour map with its domain and kind, which the legend draws. */
export interface ColorMap {
  kind: 'magnitude' | 'signed';
  domain: readonly [number, number];
  color(v: number): string;
}

/** Viridis over [lo, hi] (default [0, 1]); values outside are clamped. */
export function magnitudeMap(lo = 0, hi = 1): ColorMap {
  const s = scaleSequential(interpolateViridis).domain([lo, hi === lo ? lo + 1 : hi]).clamp(true);
  return { kind: 'magnitude', domain: [lo, hi], color: (v) => (Number.isFinite(v) ? s(v) : '#ccc') };
}

/**
 * Diverging over [−m, m]: negative blue, 0 white, positive red (RdBu reversed, as signed states
 * are usually read). `m` defaults to 1, the range of tanh.
 */
export function signedMap(m = 1): ColorMap {
  const bound = m > 0 ? m : 1;
  const s = scaleDiverging((t: number) => interpolateRdBu(1 - t)).domain([-bound, 0, bound]).clamp(true);
  return { kind: 'signed', domain: [-bound, bound], color: (v) => (Number.isFinite(v) ? s(v) : '#ccc') };
}

/** The bound of a signed map for values up to |m|: 1 (tanh's range) or above, rounded up by d3's nice(). */
export function signedBound(m: number): number {
  return m <= 1 ? 1 : scaleLinear().domain([0, m]).nice(4).domain()[1];
}

/** Round tick values over [lo, hi], about `count` of them (d3's 1-2-5 rule). */
export function ticks(lo: number, hi: number, count = 5): number[] {
  return scaleLinear().domain([lo, hi]).ticks(count);
}

/** A tick label with no trailing noise: d3's precision for the tick step. */
export function tickLabel(lo: number, hi: number, count: number, v: number): string {
  return scaleLinear().domain([lo, hi]).tickFormat(count)(v);
}

/** One colour per label, in first-seen order (Tableau 10, repeating). */
export function categoryColors(labels: readonly string[]): (label: string) => string {
  const s = scaleOrdinal<string, string>(schemeTableau10).domain([...new Set(labels)]);
  return (label) => s(label);
}

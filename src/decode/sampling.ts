import { ConfigError } from '../config/resolve.js';
import type { Rng } from '../tensor/random.js';

/** How to pick the next token from a distribution. */
export interface SamplingConfig {
  /** Divides the logits: < 1 sharpens, > 1 flattens; 0 means greedy (argmax). */
  temperature: number;
  /** Keep only the k most likely tokens (0 = all). */
  topK: number;
  /** Keep the smallest set of most likely tokens whose mass reaches p (1 = all). */
  topP: number;
}

export const defaultSamplingConfig: Readonly<SamplingConfig> = Object.freeze({ temperature: 1, topK: 0, topP: 1 });

export function checkSamplingConfig(c: SamplingConfig): void {
  if (!(c.temperature >= 0 && Number.isFinite(c.temperature))) throw new ConfigError('sampling', 'temperature', `must be >= 0, got ${c.temperature}`);
  if (!(Number.isInteger(c.topK) && c.topK >= 0)) throw new ConfigError('sampling', 'topK', `must be a whole number >= 0, got ${c.topK}`);
  if (!(c.topP > 0 && c.topP <= 1)) throw new ConfigError('sampling', 'topP', `must be in (0, 1], got ${c.topP}`);
}

/** softmax(logits / T) in float64. */
export function softmaxWithTemperature(logits: ArrayLike<number>, temperature = 1): Float64Array {
  const p = new Float64Array(logits.length);
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    p[i] = Math.exp((logits[i] - max) / temperature);
    sum += p[i];
  }
  for (let i = 0; i < p.length; i++) p[i] /= sum;
  return p;
}

/**
 * The distribution sampling actually draws from: softmax(logits / T), cut to the top k, then to
 * the nucleus of mass p (Holtzman et al. 2020), renormalised. Temperature 0 puts all mass on the
 * argmax.
 */
export function samplingDistribution(logits: ArrayLike<number>, c: SamplingConfig): Float64Array {
  checkSamplingConfig(c);
  if (c.temperature === 0) {
    const p = new Float64Array(logits.length);
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
    p[best] = 1;
    return p;
  }
  const p = softmaxWithTemperature(logits, c.temperature);
  const order = Array.from(p.keys()).sort((a, b) => p[b] - p[a]);
  let keep = c.topK > 0 ? Math.min(c.topK, order.length) : order.length;
  if (c.topP < 1) {
    let mass = 0;
    for (let i = 0; i < keep; i++) {
      mass += p[order[i]];
      if (mass >= c.topP) {
        keep = i + 1;
        break;
      }
    }
  }
  const out = new Float64Array(p.length);
  let total = 0;
  for (let i = 0; i < keep; i++) total += p[order[i]];
  for (let i = 0; i < keep; i++) out[order[i]] = p[order[i]] / total;
  return out;
}

/** Draws an index from a distribution with the seeded `rng`. */
export function drawFrom(p: ArrayLike<number>, rng: Rng): number {
  const u = rng.uniform();
  let acc = 0;
  let last = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] <= 0) continue;
    acc += p[i];
    last = i;
    if (u < acc) return i;
  }
  return last;
}

/** Samples the next token from logits under `c`. */
export function sampleToken(logits: ArrayLike<number>, c: SamplingConfig, rng: Rng): number {
  return drawFrom(samplingDistribution(logits, c), rng);
}

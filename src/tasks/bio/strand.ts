/**
 * Whether a DNA classification problem reads the same on both strands. ChIP-seq peaks (TF
 * binding) carry their motif in either orientation, so a sequence and its reverse complement
 * share a label, and training on both strands and averaging them helps. Splice sites and
 * promoters are read on one strand (GT…AG, the TATA box before the TSS): there the reverse
 * complement of a donor is not a donor, and averaging both strands hurts.
 *
 * The test: for each class c of fixed-length sequences, the position profile P_c[i][a] (the
 * share of letter a at position i) against its reverse complement R_c[i][a] = P_c[L−1−i][ā]:
 *
 *   asym_c = n_c · (1/L) Σ_i TV(P_c[i], R_c[i])²,   TV = ½ Σ_a |P − R|
 *
 * n_c · TV² stays near 1 when the data are strand-symmetric (sampling noise alone; measured
 * 0.9–3.2 on the five GUE TF sets) and grows with n when they are not (19–145 on the GUE
 * promoter sets, 55–73 on UCI splice sites). Above `STRAND_ASYMMETRY_LIMIT` the problem is
 * taken to be strand-specific.
 */
import type { ClassifyExample } from './batches.js';

export const STRAND_ASYMMETRY_LIMIT = 8;

/** Profiles use the four bases; N and padding count for nothing. */
const BASES = 4;

/**
 * The largest asym_c over classes; NaN when the sequences differ in length (no position
 * profile to compare). Classes with fewer than 50 sequences are too noisy to judge and skipped.
 */
export function strandAsymmetry(examples: readonly ClassifyExample[], complement: Uint8Array): number {
  if (examples.length === 0) return NaN;
  const length = examples[0].ids.length;
  if (examples.some((e) => e.ids.length !== length)) return NaN;
  const byClass = new Map<number, ClassifyExample[]>();
  for (const e of examples) {
    const group = byClass.get(e.label);
    if (group) group.push(e);
    else byClass.set(e.label, [e]);
  }
  let worst = 0;
  for (const group of byClass.values()) {
    if (group.length < 50) continue;
    const counts = new Float64Array(length * BASES);
    for (const e of group) e.ids.forEach((id, i) => { if (id < BASES) counts[i * BASES + id]++; });
    let total = 0;
    for (let i = 0; i < length; i++) {
      const j = length - 1 - i;
      const n = sumRow(counts, i);
      const m = sumRow(counts, j);
      if (n === 0 || m === 0) continue;
      let tv = 0;
      for (let a = 0; a < BASES; a++) tv += Math.abs(counts[i * BASES + a] / n - counts[j * BASES + complement[a]] / m);
      total += (tv / 2) ** 2;
    }
    worst = Math.max(worst, (group.length * total) / length);
  }
  return worst;
}

function sumRow(counts: Float64Array, i: number): number {
  let s = 0;
  for (let a = 0; a < BASES; a++) s += counts[i * BASES + a];
  return s;
}

/** 'auto' → use both strands unless the data are measurably strand-specific (variable lengths: both strands). */
export function decideStrands(setting: 'auto' | 'on' | 'off', examples: readonly ClassifyExample[], complement: Uint8Array | null): 'on' | 'off' {
  if (!complement) return 'off';
  if (setting !== 'auto') return setting;
  const asym = strandAsymmetry(examples, complement);
  return Number.isNaN(asym) || asym <= STRAND_ASYMMETRY_LIMIT ? 'on' : 'off';
}

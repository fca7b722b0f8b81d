/**
 * Saliency by in-silico mutagenesis (ISM): every position of a sequence is mutated to every other
 * letter, and the model's score is recomputed. For a sequence x with score s(x),
 *
 *   Δ[i, a] = s(x with x_i := a) − s(x)            (0 where a is x_i itself)
 *   importance[i] = −(1 / (A − 1)) Σ_{a ≠ x_i} Δ[i, a]
 *
 * so importance is high where the letter that is there supports the score and any change
 * lowers it, near zero where the position does not matter, and negative where the letter works
 * against the score. Unlike gradients, ISM is exact about what the model does with a mutation.
 */

/** Scores of a batch of sequences (letter ids), one number each. */
export type SequenceScorer = (seqs: readonly Uint8Array[]) => ArrayLike<number>;

export interface Saliency {
  /** s(x). */
  score: number;
  /** Δ as [L][letters] (row-major, length L·letters). */
  delta: Float32Array;
  /** importance per position [L]. */
  importance: Float32Array;
}

/**
 * ISM of `ids` over letters 0..letters−1 (letters listed in `mutateTo`; the unknown letter is
 * usually left out), scoring the mutants in batches of `batch`.
 */
export function inSilicoMutagenesis(ids: Uint8Array, letters: number, mutateTo: readonly number[], score: SequenceScorer,
  batch = 256): Saliency {
  const reference = score([ids])[0];
  const jobs: { pos: number; letter: number }[] = [];
  for (let i = 0; i < ids.length; i++) for (const a of mutateTo) if (a !== ids[i]) jobs.push({ pos: i, letter: a });
  const delta = new Float32Array(ids.length * letters);
  for (let j = 0; j < jobs.length; j += batch) {
    const part = jobs.slice(j, j + batch);
    const mutants = part.map(({ pos, letter }) => {
      const m = ids.slice();
      m[pos] = letter;
      return m;
    });
    const scores = score(mutants);
    part.forEach(({ pos, letter }, k) => { delta[pos * letters + letter] = scores[k] - reference; });
  }
  const importance = new Float32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    let total = 0;
    let count = 0;
    for (const a of mutateTo) {
      if (a === ids[i]) continue;
      total += delta[i * letters + a];
      count++;
    }
    importance[i] = count > 0 ? -total / count : 0;
  }
  return { score: reference, delta, importance };
}

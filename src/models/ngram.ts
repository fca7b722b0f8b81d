import { SeqlabError } from '../errors.js';

/** An n-gram model's settings. */
export interface NgramConfig {
  /** n: the longest context is n − 1 tokens. */
  order: number;
  /** The absolute discount D of Kneser-Ney smoothing. */
  discount: number;
}

export const defaultNgramConfig: Readonly<NgramConfig> = Object.freeze({ order: 3, discount: 0.75 });

/** Follower counts of one context: how often each token came next, their total and variety. */
interface ContextCounts {
  next: Map<number, number>;
  total: number;
}

/**
 * Interpolated Kneser-Ney (Chen & Goodman 1998, one discount per order), the classical keyboard
 * model, as a baseline the neural models must beat:
 *
 *   P(w | h) = max(c(h, w) − D, 0) / c(h) + D · N₁₊(h •) / c(h) · P(w | h′)
 *
 * where h′ drops the oldest token of h. The highest order counts occurrences; lower orders count
 * continuations c(h′, w) = N₁₊(• h′ w), the number of distinct tokens seen before h′w, which is
 * what makes "Francisco" unlikely after an unseen context even though it is frequent. The
 * recursion ends in the uniform distribution over the vocabulary.
 */
export class KneserNey {
  /** counts[k] holds contexts of length k (0..n−1). */
  private readonly counts: Map<string, ContextCounts>[];

  constructor(readonly config: NgramConfig, readonly vocabSize: number) {
    if (!Number.isInteger(config.order) || config.order < 1) throw new SeqlabError(`ngram: order must be >= 1, got ${config.order}`);
    if (!(config.discount > 0 && config.discount < 1)) throw new SeqlabError(`ngram: discount must be in (0, 1), got ${config.discount}`);
    this.counts = Array.from({ length: config.order }, () => new Map());
  }

  /** Counts every n-gram of a token stream. */
  fit(stream: ArrayLike<number>): this {
    const n = this.config.order;
    const seenBefore = new Set<string>(); // distinct (left token, h′, w) for continuation counts
    for (let i = 0; i < stream.length; i++) {
      const w = stream[i];
      for (let k = 0; k < n && k <= i; k++) {
        const ctx = key(stream, i - k, i);
        if (k === n - 1) {
          this.bump(k, ctx, w); // the highest order counts occurrences
          continue;
        }
        // Lower orders count continuations: once per distinct left neighbour of (ctx, w);
        // an n-gram at the very start of the stream has the start as its neighbour.
        const left = i - k - 1 >= 0 ? stream[i - k - 1] : -1;
        const id = `${k}|${left}|${ctx}|${w}`;
        if (!seenBefore.has(id)) {
          seenBefore.add(id);
          this.bump(k, ctx, w);
        }
      }
    }
    return this;
  }

  private bump(k: number, ctx: string, w: number): void {
    let c = this.counts[k].get(ctx);
    if (!c) {
      c = { next: new Map(), total: 0 };
      this.counts[k].set(ctx, c);
    }
    c.next.set(w, (c.next.get(w) ?? 0) + 1);
    c.total++;
  }

  /** P(w | context) for one token (the context may be longer than n − 1; its tail is used). */
  prob(context: ArrayLike<number>, w: number): number {
    let p = 1 / this.vocabSize;
    const n = Math.min(this.config.order - 1, context.length);
    for (let k = 0; k <= n; k++) {
      const c = this.counts[k].get(key(context, context.length - k, context.length));
      if (!c) continue;
      const d = this.config.discount;
      p = Math.max((c.next.get(w) ?? 0) - d, 0) / c.total + (d * c.next.size / c.total) * p;
    }
    return p;
  }

  /** The whole next-token distribution after `context`: Float64Array over the vocabulary. */
  distribution(context: ArrayLike<number>): Float64Array {
    const p = new Float64Array(this.vocabSize).fill(1 / this.vocabSize);
    const n = Math.min(this.config.order - 1, context.length);
    for (let k = 0; k <= n; k++) {
      const c = this.counts[k].get(key(context, context.length - k, context.length));
      if (!c) continue;
      const d = this.config.discount;
      const backoff = (d * c.next.size) / c.total;
      for (let i = 0; i < p.length; i++) p[i] *= backoff;
      for (const [w, cnt] of c.next) p[w] += Math.max(cnt - d, 0) / c.total;
    }
    return p;
  }

  /** Counts as plain JSON, for config.json-style storage. */
  toJSON(): { config: NgramConfig; vocabSize: number; counts: [string, [number, number][]][][] } {
    return {
      config: this.config, vocabSize: this.vocabSize,
      counts: this.counts.map((m) => [...m.entries()].map(([ctx, c]) => [ctx, [...c.next.entries()]])),
    };
  }

  static fromJSON(json: ReturnType<KneserNey['toJSON']>): KneserNey {
    const model = new KneserNey(json.config, json.vocabSize);
    json.counts.forEach((level, k) => {
      for (const [ctx, next] of level) {
        const m = new Map(next);
        let total = 0;
        for (const v of m.values()) total += v;
        model.counts[k].set(ctx, { next: m, total });
      }
    });
    return model;
  }
}

function key(s: ArrayLike<number>, from: number, to: number): string {
  let out = '';
  for (let i = Math.max(0, from); i < to; i++) out += (i > from ? ',' : '') + s[i];
  return out;
}

import { describe, expect, it } from 'vitest';
import { KneserNey } from '../../src/models/ngram.js';

// a b c a b c a b d ... : after "a b", c is twice as likely as d.
const stream = [0, 1, 2, 0, 1, 2, 0, 1, 3, 0, 1, 2, 4, 0, 1, 2];

describe('Kneser-Ney', () => {
  const model = new KneserNey({ order: 3, discount: 0.75 }, 6).fit(stream);

  it('gives a proper distribution for seen and unseen contexts', () => {
    for (const ctx of [[0, 1], [4, 4], [], [5]]) {
      const p = model.distribution(ctx);
      expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 10);
      for (let w = 0; w < 6; w++) expect(model.prob(ctx, w)).toBeCloseTo(p[w], 12);
    }
  });

  it('learns the frequent continuation and leaves mass for unseen tokens', () => {
    const p = model.distribution([0, 1]);
    expect(p[2]).toBeGreaterThan(p[3]);
    expect(p[3]).toBeGreaterThan(p[5]);
    expect(p[5]).toBeGreaterThan(0);
    // c(a b c) = 4, c(a b) = 5: the top term alone is (4 − 0.75) / 5.
    expect(p[2]).toBeGreaterThan((4 - 0.75) / 5);
  });

  it('survives a JSON round trip', () => {
    const again = KneserNey.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    expect([...again.distribution([1, 2])]).toEqual([...model.distribution([1, 2])]);
  });

  it('rejects bad settings', () => {
    expect(() => new KneserNey({ order: 0, discount: 0.75 }, 3)).toThrow(/order/);
    expect(() => new KneserNey({ order: 2, discount: 1.5 }, 3)).toThrow(/discount/);
  });
});

import { describe, expect, it } from 'vitest';
import { MemorySource } from '../../src/store/store.js';
import { alignedPairs, filterPairs, readPairs, tsvPairs } from '../../src/tasks/translate/pairs.js';

describe('translation pairs', () => {
  it('reads TSV (further columns ignored) and aligned files, with or without a final newline', () => {
    expect(tsvPairs('a.tsv', 'Hallo\tHello\tCC-BY\nJa\tYes')).toEqual([
      { src: 'Hallo', tgt: 'Hello', line: 1 }, { src: 'Ja', tgt: 'Yes', line: 2 }]);
    expect(alignedPairs('s', 'a\n\nc\n', 't', 'x\ny\nz\n')).toEqual([
      { src: 'a', tgt: 'x', line: 1 }, { src: '', tgt: 'y', line: 2 }, { src: 'c', tgt: 'z', line: 3 }]);
  });

  it('names the file and line of every problem', () => {
    expect(() => tsvPairs('a.tsv', 'Hallo\tHello\nkaputt\n')).toThrow('a.tsv:2: no tab between source and target');
    expect(() => alignedPairs('s.de', 'a\nb\nc\n', 't.en', 'x\ny\n')).toThrow(/^s\.de:3: has no aligned line in t\.en/);
    expect(() => alignedPairs('s.de', '', 't.en', 'x\n')).toThrow('s.de: the file is empty');
    expect(() => readPairs(new MemorySource({}), ['a', 'b', 'c'], 'training data')).toThrow(/one TSV file or two/);
  });

  it('filters empty, long and badly proportioned pairs', () => {
    const p = (s: number, t: number) => ({ src: Array(s).fill(1), tgt: Array(t).fill(1) });
    const kept = filterPairs([p(0, 3), p(3, 3), p(3, 10), p(60, 60), p(4, 6)], { maxLength: 50, maxRatio: 2 });
    expect(kept.map((x) => [x.src.length, x.tgt.length])).toEqual([[3, 3], [4, 6]]);
  });
});

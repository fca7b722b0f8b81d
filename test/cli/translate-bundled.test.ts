import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, seqlab } from './helpers.js';

/**
 * The German-to-English model shipped in models/ (trained with the task's defaults on Multi30k,
 * weights in half precision): it translates right after install, through the CLI.
 */
const model = join(root, 'models', 'multi30k-de-en-transformer');

function translate(args: string[], input: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/seqlab.js'), 'translate', model, ...args], { input, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('the bundled German-to-English model', () => {
  it('translates simple sentences into English with the words one expects, one line per line', () => {
    const r = translate([], 'Ein Hund läuft durch das Gras.\n\nZwei Männer spielen Fußball.\nEine Frau trinkt Kaffee.\n');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toBe('');
    expect(lines[0].toLowerCase()).toMatch(/\bdog\b/);
    expect(lines[0].toLowerCase()).toMatch(/\bgrass\b/);
    expect(lines[2].toLowerCase()).toMatch(/\bmen\b/);
    expect(lines[2].toLowerCase()).toMatch(/soccer|football/);
    expect(lines[3].toLowerCase()).toMatch(/\bwoman\b/);
    expect(lines[3].toLowerCase()).toMatch(/\bcoffee\b/);
  });

  it('cuts a line past its 256 positions and says so, translating every other line in full', () => {
    const long = Array.from({ length: 400 }, (_, i) => (i % 2 ? 'hund' : 'katze')).join(' ');
    const r = translate([], `Ein Hund läuft durch das Gras.\n${long}\nEine Frau trinkt Kaffee.\n`);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0].toLowerCase()).toMatch(/\bdog\b/);
    expect(lines[1].length).toBeGreaterThan(0);
    expect(lines[2].toLowerCase()).toMatch(/\bcoffee\b/);
    expect(r.stderr.trim()).toMatch(/^seqlab: warning: line 2: \d+ source tokens, past the model's 256; translated the first 256$/);
    const json = translate(['--json'], `${long}\n`);
    expect(json.code, json.stderr).toBe(0);
    const t = JSON.parse(json.stdout).truncated;
    expect(t.kept).toBe(256);
    expect(t.tokens).toBeGreaterThan(256);
  });

  it('--json --alignments: the attention of each target token over the source tokens sums to 1', () => {
    const r = translate(['--json', '--alignments', '--beam', '3'], 'Ein kleines Mädchen lacht.\n');
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout.trim());
    expect(o.translation.toLowerCase()).toMatch(/\bgirl\b/);
    expect(o.alignment.weights).toHaveLength(o.alignment.target.length);
    for (const row of o.alignment.weights as number[][]) {
      expect(row).toHaveLength(o.alignment.source.length);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    }
  });

  it('eval scores a small test set with sacreBLEU signatures', () => {
    const r = seqlab('eval', model, '--test', join(root, 'data', 'multi30k-sample', 'test_2016_flickr.first20.tsv'), '--json');
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o.sentences).toBe(20);
    expect(o.bleu).toBeGreaterThan(20);
  });
});

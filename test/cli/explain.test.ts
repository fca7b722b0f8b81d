import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Explanation } from '../../src/inspect/explanation.js';
import { expectUsageError, root, seqlab, tempDir } from './helpers.js';

const LSTM = join(root, 'models/shakespeare-char-lstm');
const TRANSFORMER = join(root, 'models/multi30k-de-en-transformer');

/** A light XML well-formedness check: tags balance, attributes quoted, no stray ampersands. */
function expectXml(text: string): void {
  expect(text).not.toMatch(/&(?!amp;|lt;|gt;|quot;|#39;)/);
  const stack: string[] = [];
  for (const m of text.matchAll(/<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>/g)) {
    if (m[4]) continue;
    if (m[1]) expect(stack.pop()).toBe(m[2]);
    else stack.push(m[2]);
  }
  expect(stack).toEqual([]);
  expect(text.match(/</g)!.length).toBe(text.match(/<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>/g)!.length);
}

describe('seqlab explain', () => {
  const dir = tempDir();

  it('writes the LSTM LM explanation as JSON: tokens, h/c states and the forget gate per step, next tokens', () => {
    const out = join(dir, 'lstm.json');
    const r = seqlab('explain', LSTM, '--input', 'To be, or not', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(readFileSync(out, 'utf8')) as Explanation;
    expect(e).toMatchObject({ task: 'lm', arch: 'lstm', input: 'To be, or not' });
    expect(e.tokens).toEqual([...'To be, or not']);
    const [lstm] = e.recurrent;
    expect(lstm.kind).toBe('lstm');
    expect(Object.keys(lstm.gates).sort()).toEqual(['f', 'g', 'i', 'o']);
    expect(lstm.gates.f).toHaveLength(13);
    expect(lstm.gates.f[0]).toHaveLength(256);
    expect(lstm.states.c).toHaveLength(13);
    expect(e.prediction!.items).toHaveLength(5);
  });

  it('reads --input from a file, and draws the translation as SVG with cross-attention', () => {
    const input = join(dir, 'source.txt');
    writeFileSync(input, 'Ein Mann fährt Fahrrad.\n');
    const out = join(dir, 'tr.svg');
    const r = seqlab('explain', TRANSFORMER, '--input', input, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" role="img"')).toBe(true);
    expectXml(svg);
    expect(svg).toContain('Cross-attention');
    expect(svg).toContain('Self-attention');
    expect(svg.match(/role="img"/g)!.length).toBeGreaterThan(4);
  });

  it('writes the translation explanation as JSON with cross attention and the target tokens', () => {
    const out = join(dir, 'tr.json');
    expect(seqlab('explain', TRANSFORMER, '--input', 'Ein Hund läuft.', '--out', out).code).toBe(0);
    const e = JSON.parse(readFileSync(out, 'utf8')) as Explanation;
    expect(e.target!.length).toBeGreaterThan(1);
    const cross = e.attention.filter((a) => a.kind === 'cross');
    expect(cross).toHaveLength(3);
    expect(cross[0].keys).toEqual(e.tokens);
    expect(cross[0].heads).toHaveLength(4);
    expect(e.prediction!.items[0].text.length).toBeGreaterThan(0);
  });

  it('writes one self-contained HTML page: headings, inline SVGs, no scripts or external references', () => {
    const out = join(dir, 'lstm.html');
    expect(seqlab('explain', LSTM, '--input', 'Romeo', '--out', out).code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toMatch(/<h2>Gates of LSTM/);
    expect(html.match(/<svg /g)!.length).toBe(3);
    expect(html).not.toMatch(/<script|src=|href=|url\(/);
  });

  it('refuses an unknown --out extension, a missing model folder and an empty input, leaving no file', () => {
    const before = readdirSync(dir).length;
    expectUsageError(seqlab('explain', LSTM, '--input', 'x', '--out', join(dir, 'out.png')), /--out/);
    expectUsageError(seqlab('explain', join(dir, 'no-such-model'), '--input', 'x', '--out', join(dir, 'm.json')), /no-such-model/);
    expectUsageError(seqlab('explain', LSTM, '--input', '', '--out', join(dir, 'e.json')), /--input/);
    expect(readdirSync(dir).length).toBe(before);
    expect(existsSync(join(dir, 'm.json'))).toBe(false);
  });
});

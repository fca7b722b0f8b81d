import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectUsageError, seqlab, tempDir } from './helpers.js';

describe('seqlab compare memory', () => {
  it('runs a small grid, prints the table, and writes the table, rows and one chart per kind to --out', () => {
    const out = join(tempDir(), 'cmp');
    const r = seqlab('compare', 'memory', '--kinds', 'echo,brackets', '--lags', '3,2', '--models', 'ffn,gru', '--steps', '5',
      '--budget', '3000', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('### echo (chance 0.125)');
    expect(r.stdout).toContain('| model | parameters | lag 2 | lag 3 |');
    expect(r.stderr).toMatch(/\[1\/8\] echo lag 2 ffn \(\d+ parameters\)/);
    expect(readdirSync(out).sort()).toEqual(['memory-brackets.svg', 'memory-echo.svg', 'memory.json', 'memory.md']);
    const json = JSON.parse(readFileSync(join(out, 'memory.json'), 'utf8'));
    expect(json.rows).toHaveLength(8);
    expect(json.rows[0]).toMatchObject({ kind: 'echo', lag: 2, model: 'ffn', steps: 5 });
    expect(Object.keys(json.rows[0]).sort()).toEqual(['accuracy', 'kind', 'lag', 'model', 'parameters', 'seconds', 'steps']);
    expect(json.chance).toEqual({ echo: 0.125, brackets: 0.5 });
    expect(readFileSync(join(out, 'memory.md'), 'utf8')).toContain('| gru |');
    const svg = readFileSync(join(out, 'memory-echo.svg'), 'utf8');
    expect(svg).toContain('role="img"');
    expect(svg).toContain('ffn window 8');
  });

  it('prints exactly one JSON object with --json', () => {
    const r = seqlab('compare', 'memory', '--lags', '2', '--models', 'rnn', '--steps', '3', '--budget', '2000', '--json');
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.rows).toEqual([expect.objectContaining({ kind: 'echo', lag: 2, model: 'rnn', steps: 3 })]);
  });

  it('names the flag at fault with exit 2, and writes nothing', () => {
    const out = join(tempDir(), 'bad');
    expectUsageError(seqlab('compare', 'memory', '--lags', '5,0', '--out', out), /--lags: '0' is not a positive whole number/);
    expectUsageError(seqlab('compare', 'memory', '--lags', '5,x', '--out', out), /--lags: 'x'/);
    expectUsageError(seqlab('compare', 'memory', '--lags', '2.5', '--out', out), /--lags: '2.5'/);
    expectUsageError(seqlab('compare', 'memory', '--models', 'gru,cnn', '--out', out), /--models: unknown model 'cnn'/);
    expectUsageError(seqlab('compare', 'memory', '--kinds', 'copy', '--out', out), /--kinds: unknown kind 'copy'/);
    expectUsageError(seqlab('compare', 'memory', '--steps', '0', '--out', out), /--steps/);
    expectUsageError(seqlab('compare', 'memory', '--threads', 'many', '--out', out), /--threads/);
    expectUsageError(seqlab('compare', 'speed', '--out', out), /unknown comparison 'speed'/);
    expect(existsSync(out)).toBe(false);
  });

  it('is listed in --help with its flags documented', () => {
    expect(seqlab('--help').stdout).toMatch(/compare/);
    const help = seqlab('compare', '--help').stdout;
    for (const flag of ['--lags', '--models', '--kinds', '--steps', '--seed', '--threads', '--out', '--json']) expect(help).toContain(flag);
  });
});

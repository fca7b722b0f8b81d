import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Fixture } from '../golden/fixture.js';
import { runFixture } from '../golden/runner.js';

const here = dirname(fileURLToPath(import.meta.url));
const load = (name: string): Fixture => JSON.parse(readFileSync(join(here, '../golden/fixtures', name), 'utf8')) as Fixture;

describe('golden runner', () => {
  it('passes an untouched fixture', () => {
    expect(runFixture(load('layer_norm.json')).ok).toBe(true);
  });

  it('fails when an output is off, naming the tensor and the worst error', () => {
    const f = load('layer_norm.json');
    const out = f.outputs.output as { data: number[] };
    out.data[3] += 0.01;
    const r = runFixture(f);
    expect(r.ok).toBe(false);
    expect(r.mismatches[0].tensor).toBe('outputs.output');
    expect(r.mismatches[0].detail).toMatch(/1\/120 values differ; worst abs error 1\.000e-2/);
  });

  it('fails when a gradient is off', () => {
    const f = load('conv1d_same.json');
    (f.grads as Record<string, { data: number[] }>)['params.weight'].data[0] += 0.5;
    const r = runFixture(f);
    expect(r.mismatches.map((m) => m.tensor)).toEqual(['grads.params.weight']);
  });

  it('counts an unknown op as failed, not skipped', () => {
    const f = load('layer_norm.json');
    f.op = 'not_an_op';
    const r = runFixture(f);
    expect(r.ok).toBe(false);
    expect(r.mismatches[0].detail).toMatch(/not implemented/);
  });
});

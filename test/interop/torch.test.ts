import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Gru, Lstm, type Module, TransformerEncoderLayer } from '../../src/nn/index.js';
import { noGrad, Rng, type Tensor, tensor } from '../../src/tensor/index.js';
import { loadModelBytes, saveModelBytes } from '../../src/train/checkpoint.js';

/**
 * Weights move both ways between seqlab and PyTorch through safetensors: seqlab's file loads
 * into the equivalent torch module (strict load_state_dict) and gives the same outputs, and
 * PyTorch's weights load into seqlab and give PyTorch's outputs. Runs where Debian's
 * python3-torch is installed (.ci/run installs it); elsewhere the suite says it is skipped.
 */
const here = dirname(fileURLToPath(import.meta.url));
const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0);

interface Case { kind: string; make: () => Module; shape: number[]; run: (m: Module, x: Tensor) => Tensor }

const cases: Case[] = [
  { kind: 'lstm', make: () => new Lstm({ inputSize: 4, hiddenSize: 6, numLayers: 2, bidirectional: true }, new Rng(1)), shape: [3, 5, 4],
    run: (m, x) => (m as Lstm).forward(x).output },
  { kind: 'gru', make: () => new Gru({ inputSize: 4, hiddenSize: 6, bidirectional: true }, new Rng(2)), shape: [3, 5, 4],
    run: (m, x) => (m as Gru).forward(x).output },
  { kind: 'encoder', make: () => new TransformerEncoderLayer({ dModel: 8, nhead: 2, dimFeedforward: 16, normFirst: true }, new Rng(3)),
    shape: [2, 5, 8], run: (m, x) => (m as TransformerEncoderLayer).forward(x) },
];

function close(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-5 + 1e-4 * Math.abs(b[i]));
}

describe.skipIf(!python)('safetensors interop with PyTorch (python3-torch)', () => {
  for (const c of cases) {
    it(`${c.kind}: seqlab → PyTorch and PyTorch → seqlab give the same outputs`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'seqlab-torch-'));
      const model = c.make().eval();
      const rng = new Rng(9);
      const n = c.shape.reduce((p, d) => p * d, 1);
      const x = tensor(Array.from({ length: n }, () => rng.uniform(-1, 1)), c.shape);
      writeFileSync(join(dir, 'seqlab.safetensors'), saveModelBytes(model));
      writeFileSync(join(dir, 'input.json'), JSON.stringify({ shape: c.shape, data: [...x.data] }));
      const r = spawnSync(python!, [join(here, 'torch_roundtrip.py'), c.kind, join(dir, 'seqlab.safetensors'), join(dir, 'input.json'),
        join(dir, 'out.json'), join(dir, 'torch.safetensors')], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const theirs = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
      const ours = noGrad(() => c.run(model, x));
      expect(ours.shape).toEqual(theirs.shape);
      close(ours.data, theirs.data);
      const fromTorch = c.make().eval();
      loadModelBytes(fromTorch, new Uint8Array(readFileSync(join(dir, 'torch.safetensors'))));
      const fresh = JSON.parse(readFileSync(join(dir, 'out.json.fresh.json'), 'utf8'));
      close(noGrad(() => c.run(fromTorch, x)).data, fresh.data);
    });
  }
});

import { describe, expect, it } from 'vitest';
import { GruCell, LstmCell, type RecurrentCell, RnnCell } from '../../src/nn/cells.js';
import { scan } from '../../src/nn/scan.js';
import { add, mul, sum } from '../../src/ops/index.js';
import { recurrence } from '../../src/ops/recurrence.js';
import { backward, noGrad, Rng, type Tensor } from '../../src/tensor/index.js';
import { gradCheck, rand } from '../helpers/check-op.js';
import type { CellKind } from '../../src/backend/index.js';

const B = 3;
const T = 5;
const IN = 4;
const H = 6;

function makeCell(kind: CellKind): RecurrentCell {
  const rng = new Rng(11);
  if (kind === 'lstm') return new LstmCell(IN, H, rng, true);
  if (kind === 'gru') return new GruCell(IN, H, rng, true);
  return new RnnCell(IN, H, rng, kind === 'rnn_tanh' ? 'tanh' : 'relu', true);
}

/** The fused op driven from a cell's own parameters. */
function fused(kind: CellKind, cell: RecurrentCell, x: Tensor, h0: Tensor, c0: Tensor | null, lengths: number[] | null,
  reverse: boolean): { output: Tensor; hN: Tensor; cN: Tensor | null } {
  const proj = cell.project(x);
  const xProj = kind === 'gru' ? proj : add(proj, cell.bias_hh!);
  return recurrence(kind, xProj, cell.weight_hh, kind === 'gru' ? cell.bias_hh : null, h0, c0, lengths, reverse);
}

const KINDS: CellKind[] = ['rnn_tanh', 'rnn_relu', 'gru', 'lstm'];

describe('fused recurrence equals stepping the cells', () => {
  for (const kind of KINDS) {
    for (const [lengths, reverse] of [[null, false], [[5, 3, 1], false], [[5, 2, 4], true]] as const) {
      it(`${kind}, lengths ${lengths ?? 'all'}, ${reverse ? 'reverse' : 'forward'}: outputs and every gradient`, () => {
        const cell = makeCell(kind);
        const x = rand([B, T, IN], 1);
        const h0 = rand([B, H], 2);
        const c0 = kind === 'lstm' ? rand([B, H], 3) : null;
        const up = rand([B, T, H], 4);
        const upH = rand([B, H], 5);
        const run = (which: 'fused' | 'scan'): Map<string, Float32Array> => {
          for (const t of [x, h0, ...(c0 ? [c0] : []), ...cell.parameters()]) { t.requiresGrad = true; t.grad = null; }
          let output: Tensor; let hN: Tensor; let cN: Tensor | null;
          if (which === 'fused') ({ output, hN, cN } = fused(kind, cell, x, h0, c0, lengths ? [...lengths] : null, reverse));
          else {
            const r = scan(cell, x, { initial: c0 ? [h0, c0] : [h0], lengths: lengths ? [...lengths] : undefined, reverse });
            output = r.output; hN = r.final[0]; cN = r.final[1] ?? null;
          }
          let loss = add(sum(mul(output, up)), sum(mul(hN, upH)));
          if (cN) loss = add(loss, sum(mul(cN, upH)));
          backward(loss);
          const out = new Map<string, Float32Array>([['output', output.data], ['hN', hN.data], ['x.grad', x.grad!.data], ['h0.grad', h0.grad!.data]]);
          if (cN) out.set('cN', cN.data).set('c0.grad', c0!.grad!.data);
          for (const [n, p] of cell.namedParameters()) out.set(`${n}.grad`, p.grad!.data);
          return out;
        };
        const a = run('fused');
        const b = run('scan');
        expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
        for (const [name, va] of a) {
          const vb = b.get(name)!;
          for (let i = 0; i < va.length; i++) {
            if (Math.abs(va[i] - vb[i]) > 1e-5 + 1e-4 * Math.abs(vb[i])) expect.fail(`${name}[${i}]: fused ${va[i]} vs scan ${vb[i]}`);
          }
        }
      });
    }
  }
});

describe('fused recurrence gradients match finite differences', () => {
  for (const kind of KINDS) {
    it(kind, () => {
      const cell = makeCell(kind);
      const gru = kind === 'gru';
      gradCheck((x, w, h0, b) => {
        const r = recurrence(kind, x, w, gru ? b : null, h0, null, [5, 2, 4], false);
        return add(r.output, mul(sum(r.hN), 0.5));
      }, [rand([B, T, cell.gateCount * H], 6), rand([cell.gateCount * H, H], 7, -0.5, 0.5), rand([B, H], 8), rand([cell.gateCount * H], 9)].slice(0, 4),
      // ReLU has a kink at 0: a smaller step keeps finite differences on one side of it.
      { atol: 3e-3, eps: kind === 'rnn_relu' ? 1e-3 : 1e-2 });
    });
  }
});

describe('fused recurrence without a graph (inference)', () => {
  for (const kind of KINDS) {
    it(`${kind}: the same output and final states as with one, and nothing recorded`, () => {
      const cell = makeCell(kind);
      const x = rand([B, T, IN], 21);
      const h0 = rand([B, H], 22);
      const c0 = kind === 'lstm' ? rand([B, H], 23) : null;
      for (const [lengths, reverse] of [[null, false], [[5, 3, 1], true]] as const) {
        const lens = lengths ? [...lengths] : null;
        for (const p of cell.parameters()) p.requiresGrad = true;
        const recorded = fused(kind, cell, x, h0, c0, lens, reverse);
        const free = noGrad(() => fused(kind, cell, x, h0, c0, lens, reverse));
        expect(free.output.requiresGrad).toBe(false);
        expect(Array.from(free.output.data)).toEqual(Array.from(recorded.output.data));
        expect(Array.from(free.hN.data)).toEqual(Array.from(recorded.hN.data));
        if (kind === 'lstm') expect(Array.from(free.cN!.data)).toEqual(Array.from(recorded.cN!.data));
        else expect(free.cN).toBeNull();
        expect(free.hN.shape).toEqual([B, H]);
      }
    });
  }
});

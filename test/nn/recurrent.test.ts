import { describe, expect, it } from 'vitest';
import { SeqlabError } from '../../src/errors.js';
import { tracing, withTrace } from '../../src/inspect/trace.js';
import { GruCell, LstmCell, type RecurrentCell, RnnCell } from '../../src/nn/cells.js';
import { Module } from '../../src/nn/module.js';
import { Gru, Lstm, Rnn } from '../../src/nn/recurrent.js';
import { scan } from '../../src/nn/scan.js';
import { FfnWindow } from '../../src/nn/window.js';
import { concat, reshape, slice } from '../../src/ops/shape-ops.js';
import { backward, noGrad, Rng, type Tensor, tensor } from '../../src/tensor/index.js';
import { gradCheck, rand } from '../helpers/check-op.js';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** Overwrites a module's parameters by name. */
function setParams(m: Module, values: Record<string, number[]>): void {
  const params = m.stateDict();
  for (const [name, v] of Object.entries(values)) params.get(name)!.data.set(v);
}

/** All of a tensor's values as one flat [N] tensor, so several outputs can be checked at once. */
const flat = (...ts: Tensor[]): Tensor => concat(ts.map((t) => reshape(t, [t.size])), 0);

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], digits);
}

describe('cells, computed by hand (one unit, one input)', () => {
  it('RnnCell: h′ = tanh(w_ih·x + b_ih + w_hh·h + b_hh), and relu', () => {
    const cell = new RnnCell(1, 1, new Rng(0));
    setParams(cell, { weight_ih: [0.5], weight_hh: [-1], bias_ih: [0.1], bias_hh: [0.2] });
    // 0.5·2 + 0.1 − 1·0.3 + 0.2 = 1.0
    expect(cell.step(tensor([2], [1, 1]), [tensor([0.3], [1, 1])])[0].item()).toBeCloseTo(0.7615941559557649, 6);
    const reluCell = new RnnCell(1, 1, new Rng(0), 'relu');
    setParams(reluCell, { weight_ih: [0.5], weight_hh: [-1], bias_ih: [0.1], bias_hh: [0.2] });
    // 0.5·(−2) + 0.1 − 0.3 + 0.2 = −1.0 → 0; 0.5·3 + 0.1 − 0.3 + 0.2 = 1.5
    expectClose(reluCell.step(tensor([-2, 3], [2, 1]), [tensor([0.3, 0.3], [2, 1])])[0].data, [0, 1.5]);
  });

  it('GruCell: rows r, z, n with r applied to (w_hn·h + b_hn)', () => {
    const cell = new GruCell(1, 1, new Rng(0));
    setParams(cell, { weight_ih: [0.5, -0.4, 1.2], weight_hh: [0.3, 0.6, -0.7], bias_ih: [0.1, 0, -0.2], bias_hh: [0, 0.2, 0.3] });
    const x = 1.5;
    const h = -0.4;
    const r = sigmoid(0.5 * x + 0.1 + 0.3 * h);
    const z = sigmoid(-0.4 * x + 0.6 * h + 0.2);
    const n = Math.tanh(1.2 * x - 0.2 + r * (-0.7 * h + 0.3));
    const out = cell.step(tensor([x], [1, 1]), [tensor([h], [1, 1])]);
    expect(out[0].item()).toBeCloseTo((1 - z) * n + z * h, 6);
  });

  it('LstmCell: rows i, f, g, o; c′ = f·c + i·g, h′ = o·tanh(c′)', () => {
    const cell = new LstmCell(1, 1, new Rng(0));
    setParams(cell, { weight_ih: [0.5, -0.5, 1, 0.25], weight_hh: [0.1, 0.2, -0.3, 0.4], bias_ih: [0, 0.1, 0, -0.1], bias_hh: [0.05, 0, 0.2, 0] });
    const [x, h, c] = [1, 0.5, -0.2];
    const i = sigmoid(0.5 * x + 0.1 * h + 0.05);
    const f = sigmoid(-0.5 * x + 0.2 * h + 0.1);
    const g = Math.tanh(x - 0.3 * h + 0.2);
    const o = sigmoid(0.25 * x + 0.4 * h - 0.1);
    const cNext = f * c + i * g;
    const [hOut, cOut] = cell.step(tensor([x], [1, 1]), [tensor([h], [1, 1]), tensor([c], [1, 1])]);
    expect(cOut.item()).toBeCloseTo(cNext, 6);
    expect(hOut.item()).toBeCloseTo(o * Math.tanh(cNext), 6);
  });

  it('Rnn over two steps: h₂ = tanh(0.5·x₂ − h₁ + 0.3), with h0', () => {
    const rnn = new Rnn({ inputSize: 1, hiddenSize: 1 }, new Rng(0));
    setParams(rnn, { weight_ih_l0: [0.5], weight_hh_l0: [-1], bias_ih_l0: [0.1], bias_hh_l0: [0.2] });
    const h1 = Math.tanh(0.5 * 1 - 1 * 0.25 + 0.3);
    const h2 = Math.tanh(0.5 * -2 - h1 + 0.3);
    const { output, hN } = rnn.forward(tensor([1, -2], [1, 2, 1]), { h0: tensor([0.25], [1, 1, 1]) });
    expectClose(output.data, [h1, h2]);
    expect(hN.shape).toEqual([1, 1, 1]);
    expect(hN.item()).toBeCloseTo(h2, 6);
  });
});

describe('cells: gradients against finite differences', () => {
  const cases: [string, RecurrentCell][] = [
    ['RnnCell', new RnnCell(3, 4, new Rng(1))],
    ['GruCell', new GruCell(3, 4, new Rng(2))],
    ['LstmCell', new LstmCell(3, 4, new Rng(3))],
  ];
  for (const [name, cell] of cases) {
    it(`${name}: x, state and every parameter`, () => {
      const x = rand([2, 3], 10, -2, 2);
      const state = cell.stateNames.map((_, k) => rand([2, 4], 20 + k));
      gradCheck((xx, ...rest) => flat(...cell.step(xx, rest.slice(0, state.length))), [x, ...state, ...cell.parameters()]);
    });
  }
});

describe('stacks', () => {
  it('name their parameters exactly as torch.nn.LSTM(4, 6, num_layers=2, bidirectional=True)', () => {
    const lstm = new Lstm({ inputSize: 4, hiddenSize: 6, numLayers: 2, bidirectional: true }, new Rng(0));
    const expected: [string, number[]][] = [];
    for (const suffix of ['l0', 'l0_reverse', 'l1', 'l1_reverse']) {
      const inputs = suffix.startsWith('l0') ? 4 : 12;
      expected.push([`weight_ih_${suffix}`, [24, inputs]], [`weight_hh_${suffix}`, [24, 6]],
        [`bias_ih_${suffix}`, [24]], [`bias_hh_${suffix}`, [24]]);
    }
    expect(lstm.namedParameters().map(([n, t]) => [n, t.shape])).toEqual(expected);
    const gru = new Gru({ inputSize: 4, hiddenSize: 6, bias: false }, new Rng(0));
    expect(gru.namedParameters().map(([n, t]) => [n, t.shape])).toEqual([['weight_ih_l0', [18, 4]], ['weight_hh_l0', [18, 6]]]);
  });

  it('draw every parameter from U(±1/√H) with the seeded generator', () => {
    const a = new Lstm({ inputSize: 3, hiddenSize: 16, numLayers: 2 }, new Rng(5));
    const b = new Lstm({ inputSize: 3, hiddenSize: 16, numLayers: 2 }, new Rng(5));
    const values = a.parameters().flatMap((p) => [...p.data]);
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(0.25);
    expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0.24);
    expect(b.parameters().flatMap((p) => [...p.data])).toEqual(values);
  });

  it('with lengths: each sequence behaves as if run alone (PyTorch packed sequences)', () => {
    const lengths = [5, 3, 1];
    const x = rand([3, 5, 2], 4);
    for (const model of [new Gru({ inputSize: 2, hiddenSize: 3, bidirectional: true, numLayers: 2 }, new Rng(6)),
      new Lstm({ inputSize: 2, hiddenSize: 3, bidirectional: true }, new Rng(7))]) {
      const h0 = rand([model.config.numLayers * 2, 3, 3], 8);
      const batched = noGrad(() => model.forward(x, { h0, lengths }));
      lengths.forEach((len, b) => {
        const alone = noGrad(() => model.forward(slice(slice(x, 0, b, b + 1), 1, 0, len), { h0: slice(h0, 1, b, b + 1) }));
        const out = slice(batched.output, 0, b, b + 1);
        expectClose(slice(out, 1, 0, len).data, alone.output.data);
        expect([...slice(out, 1, len, 5).data].every((v) => v === 0)).toBe(true);
        expectClose(slice(batched.hN, 1, b, b + 1).data, alone.hN.data);
      });
    }
  });

  it('bidirectional 2-layer LSTM with lengths: gradients of x, h0, c0 and every parameter', () => {
    const lstm = new Lstm({ inputSize: 3, hiddenSize: 2, numLayers: 2, bidirectional: true }, new Rng(8));
    const x = rand([3, 4, 3], 30);
    const h0 = rand([4, 3, 2], 31);
    const c0 = rand([4, 3, 2], 32);
    const lengths = [4, 2, 3];
    gradCheck((xx, hh, cc) => {
      const { output, hN, cN } = lstm.forward(xx, { h0: hh, c0: cc, lengths });
      return flat(output, hN, cN);
    }, [x, h0, c0, ...lstm.parameters()]);
  });

  it('bidirectional 2-layer GRU and relu RNN with lengths: gradients', () => {
    const gru = new Gru({ inputSize: 2, hiddenSize: 2, numLayers: 2, bidirectional: true }, new Rng(9));
    const rnn = new Rnn({ inputSize: 2, hiddenSize: 2, numLayers: 2, bidirectional: true }, new Rng(10));
    const x = rand([2, 3, 2], 33);
    for (const model of [gru, rnn]) {
      gradCheck((xx) => {
        const { output, hN } = model.forward(xx, { lengths: [3, 2] });
        return flat(output, hN);
      }, [x, ...model.parameters()]);
    }
  });

  it('run the fused kernel, or the explicit scan under a trace, with equal outputs and gradients', () => {
    const sizes = { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true };
    const models = [new Rnn({ ...sizes, nonlinearity: 'relu' }, new Rng(21)), new Gru(sizes, new Rng(22)),
      new Gru({ ...sizes, bias: false }, new Rng(23)), new Lstm(sizes, new Rng(24))];
    const x = rand([3, 5, 3], 25);
    const h0 = rand([4, 3, 4], 26);
    const c0 = rand([4, 3, 4], 27);
    const lengths = [5, 2, 4];
    for (const model of models) {
      const run = (traced: boolean): Float32Array[] => {
        const leaves = [x, h0, c0, ...model.parameters()];
        for (const t of leaves) { t.requiresGrad = true; t.grad = null; }
        const go = (): { output: Tensor; hN: Tensor; cN?: Tensor } =>
          (model instanceof Lstm ? model.forward(x, { h0, c0, lengths }) : model.forward(x, { h0, lengths }));
        let out: ReturnType<typeof go>;
        if (traced) {
          const { result, trace } = withTrace(model, go);
          expect(trace.entries.length).toBeGreaterThan(0);
          out = result;
        } else {
          out = go();
          // output = concat of the two directions, each a slice of one fused `<kind>_sequence` op.
          expect(out.output.inputs[0].inputs[0].op).toMatch(/_sequence$/);
        }
        const all = flat(out.output, out.hN, ...(out.cN ? [out.cN] : []));
        backward(all, rand([all.size], 28));
        return [out.output.data, out.hN.data, ...leaves.map((t) => t.grad?.data ?? new Float32Array(0))];
      };
      const fused = run(false);
      const explicit = run(true);
      fused.forEach((a, k) => expectClose(a, explicit[k], 5));
    }
  });

  it('scan equals stepping the cell by hand, forward and reversed', () => {
    const cell = new LstmCell(2, 3, new Rng(11));
    const x = rand([2, 4, 2], 12);
    const stepAt = (t: number): Tensor => reshape(slice(x, 1, t, t + 1), [2, 2]);
    let state = cell.zeroState(2);
    for (let t = 0; t < 4; t++) state = cell.step(stepAt(t), state);
    const forward = scan(cell, x);
    expectClose(forward.final[0].data, state[0].data);
    expectClose(forward.final[1].data, state[1].data);
    expectClose(slice(forward.output, 1, 3, 4).data, state[0].data);
    state = cell.zeroState(2);
    for (let t = 3; t >= 0; t--) state = cell.step(stepAt(t), state);
    const reversed = scan(cell, x, { reverse: true });
    expectClose(reversed.final[0].data, state[0].data);
    expectClose(slice(reversed.output, 1, 0, 1).data, state[0].data);
  });

  it('apply dropout between layers only in training mode', () => {
    const lstm = new Lstm({ inputSize: 2, hiddenSize: 4, numLayers: 2, dropout: 0.5 }, new Rng(12));
    const x = rand([2, 3, 2], 13);
    const evalOut = noGrad(() => lstm.eval().forward(x).output);
    expectClose(noGrad(() => lstm.forward(x).output).data, evalOut.data);
    const trainOut = noGrad(() => lstm.train().forward(x).output);
    expect([...trainOut.data].some((v, i) => Math.abs(v - evalOut.data[i]) > 1e-6)).toBe(true);
  });

  it('reject bad inputs and configs with a SeqlabError naming the problem', () => {
    const lstm = new Lstm({ inputSize: 3, hiddenSize: 2 }, new Rng(0));
    expect(() => lstm.forward(rand([2, 4, 5]))).toThrow(/input \[2, 4, 5\] should be \[batch, time, 3\]/);
    expect(() => lstm.forward(rand([2, 4, 3]), { h0: rand([1, 3, 2]) })).toThrow(/h0 is \[1, 3, 2\], expected \[1, 2, 2\]/);
    expect(() => lstm.forward(rand([2, 4, 3]), { lengths: [4, 5] })).toThrow(/length 5 of sequence 1 is not in 1..4/);
    expect(() => lstm.forward(rand([2, 4, 3]), { lengths: [4] })).toThrow(/1 lengths given for a batch of 2/);
    expect(() => new Lstm({ inputSize: 3, hidenSize: 2 } as never, new Rng(0))).toThrow(/Lstm\.hidenSize: unknown key/);
    expect(() => new Gru({ inputSize: 0 }, new Rng(0))).toThrow(SeqlabError);
    expect(() => new Rnn({ nonlinearity: 'sigmoid' as never }, new Rng(0))).toThrow(/Rnn\.nonlinearity: must be one of tanh, relu/);
    expect(() => new Gru({ dropout: 1 }, new Rng(0))).toThrow(/Gru\.dropout: must be in \[0, 1\), got 1/);
  });
});

describe('traces', () => {
  class Encoder extends Module {
    constructor(readonly encoder: Lstm) {
      super();
    }
  }

  it('record gates and states per step under each cell’s path', () => {
    const lstm = new Lstm({ inputSize: 2, hiddenSize: 3, bidirectional: true }, new Rng(13));
    const x = rand([2, 4, 2], 14);
    const { result, trace } = withTrace(new Encoder(lstm), () => lstm.forward(x));
    const keys = ['gate.i', 'gate.f', 'gate.g', 'gate.o', 'h', 'c'];
    expect(trace.keys()).toEqual([...keys.map((k) => `encoder.l0:${k}`), ...keys.map((k) => `encoder.l0_reverse:${k}`)]);
    expect(trace.get('encoder.l0', 'h').map((e) => e.step)).toEqual([0, 1, 2, 3]);
    expect(trace.get('encoder.l0_reverse', 'gate.f').map((e) => e.step)).toEqual([3, 2, 1, 0]);
    expect(trace.get('encoder.l0', 'gate.o')[0].shape).toEqual([2, 3]);
    // The last forward h is hN[0]; the reverse direction ends at step 0 with hN[1].
    expectClose(trace.get('encoder.l0', 'h')[3].data, slice(result.hN, 0, 0, 1).data);
    expectClose(trace.get('encoder.l0_reverse', 'h')[3].data, slice(result.hN, 0, 1, 2).data);
    const c = trace.get('encoder.l0', 'c')[3].data;
    expect([...c].every((v) => Number.isFinite(v))).toBe(true);
  });

  it('record r, z, n and h for a GRU, and the carried state past a sequence’s end', () => {
    const gru = new Gru({ inputSize: 2, hiddenSize: 3, numLayers: 2 }, new Rng(15));
    const { result, trace } = withTrace(gru, () => gru.forward(rand([2, 3, 2], 16), { lengths: [3, 1] }));
    expect(trace.keys()).toEqual(['l0:gate.r', 'l0:gate.z', 'l0:gate.n', 'l0:h', 'l1:gate.r', 'l1:gate.z', 'l1:gate.n', 'l1:h']);
    const h = trace.get('l1', 'h');
    expect(h.map((e) => e.step)).toEqual([0, 1, 2]);
    expectClose(h[2].data, slice(result.hN, 0, 1, 2).data);
    expectClose(h[2].data.subarray(3), h[0].data.subarray(3)); // sequence 1 stopped after step 0
  });

  it('record nothing when no trace is active', () => {
    const rnn = new Rnn({ inputSize: 2, hiddenSize: 3 }, new Rng(17));
    const x = rand([1, 3, 2], 18);
    const { trace } = withTrace(rnn, () => rnn.forward(x));
    const before = trace.entries.length;
    expect(before).toBe(3);
    expect(tracing()).toBe(false);
    rnn.forward(x);
    new RnnCell(2, 3, new Rng(0)).step(rand([1, 2]));
    expect(trace.entries.length).toBe(before);
  });
});

describe('FfnWindow', () => {
  it('sees exactly the last k inputs, zero-padded at the start', () => {
    const model = new FfnWindow({ inputSize: 1, outputSize: 2, window: 3, hiddenSize: 4 }, new Rng(19));
    const x = tensor([1, 2, 3, 4], [1, 4, 1]);
    expect([...model.windows(x).data]).toEqual([0, 0, 1, 0, 1, 2, 1, 2, 3, 2, 3, 4]);
    const y = noGrad(() => model.forward(x));
    expect(y.shape).toEqual([1, 4, 2]);
    // Changing x₀ changes y₀..y₂ but not y₃, which only sees x₁..x₃.
    const y2 = noGrad(() => model.forward(tensor([-5, 2, 3, 4], [1, 4, 1])));
    expect(y2.data[0]).not.toBeCloseTo(y.data[0], 4);
    expect(y2.data[4]).not.toBeCloseTo(y.data[4], 4);
    expectClose(y2.data.subarray(6), y.data.subarray(6));
  });

  it('gradients against finite differences, and input checks', () => {
    const model = new FfnWindow({ inputSize: 2, outputSize: 2, window: 2, hiddenSize: 3 }, new Rng(20));
    gradCheck((x) => model.forward(x), [rand([2, 3, 2], 21), ...model.parameters()]);
    expect(() => model.forward(rand([2, 3, 4]))).toThrow(/should be \[batch, time, 2\]/);
    expect(() => new FfnWindow({ window: 0 }, new Rng(0))).toThrow(/FfnWindow\.window: must be a whole number >= 1, got 0/);
  });
});

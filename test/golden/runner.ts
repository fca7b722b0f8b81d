import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ops } from '../../src/index.js';
import { backward, type Tensor, tensor } from '../../src/tensor/index.js';
import { type Fixture, type FixtureValue, GoldenCase, loadFixture } from './fixture.js';
import { handlers, type Outputs } from './handlers/index.js';

/** Float32 against float64 references: |a − b| ≤ ATOL + RTOL·|b|. */
export const ATOL = 1e-4;
export const RTOL = 1e-3;

export interface Mismatch {
  tensor: string;
  detail: string;
}

export interface CaseResult {
  file: string;
  name: string;
  op: string;
  ok: boolean;
  mismatches: Mismatch[];
}

function compare(name: string, actual: ArrayLike<number> | undefined, actualShape: readonly number[] | undefined,
  expected: { shape: number[]; data: number[] }): Mismatch | null {
  if (!actual) return { tensor: name, detail: 'not produced' };
  if (actualShape && (actualShape.length !== expected.shape.length || actualShape.some((d, i) => d !== expected.shape[i]))) {
    return { tensor: name, detail: `shape [${actualShape.join(', ')}], expected [${expected.shape.join(', ')}]` };
  }
  if (actual.length !== expected.data.length) {
    return { tensor: name, detail: `${actual.length} values, expected ${expected.data.length}` };
  }
  let worstAbs = 0;
  let worstRel = 0;
  let bad = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const b = expected.data[i];
    const err = Math.abs(a - b);
    if (!(err <= ATOL + RTOL * Math.abs(b))) bad++;
    if (!(err <= worstAbs)) worstAbs = err;
    const rel = err / Math.max(Math.abs(b), 1e-12);
    if (!(rel <= worstRel)) worstRel = rel;
  }
  if (bad === 0) return null;
  return { tensor: name, detail: `${bad}/${actual.length} values differ; worst abs error ${worstAbs.toExponential(3)}, worst rel error ${worstRel.toExponential(3)}` };
}

function compareValue(name: string, actual: Outputs[string] | undefined, expected: FixtureValue): Mismatch[] {
  if (typeof expected === 'number') {
    const a = typeof actual === 'number' ? actual : undefined;
    const m = compare(name, a === undefined ? undefined : [a], undefined, { shape: [1], data: [expected] });
    return m ? [m] : [];
  }
  if (Array.isArray(expected)) {
    const list = Array.isArray(actual) ? actual : [];
    return expected.flatMap((e, i) => {
      const t = list[i];
      const m = compare(`${name}[${i}]`, t?.data, t?.shape, e);
      return m ? [m] : [];
    });
  }
  const t = actual as Tensor | undefined;
  const m = compare(name, t?.data, t?.shape, expected);
  return m ? [m] : [];
}

/** Runs one fixture: forward outputs, then gradients of Σₖ sum(outputₖ · upstreamₖ). */
export function runFixture(fixture: Fixture, file = fixture.name): CaseResult {
  const result: CaseResult = { file, name: fixture.name, op: fixture.op, ok: false, mismatches: [] };
  const handler = handlers[fixture.op];
  if (!handler) {
    result.mismatches.push({ tensor: '-', detail: `op '${fixture.op}' is not implemented` });
    return result;
  }
  try {
    const c = new GoldenCase(fixture);
    const outputs = handler(c);
    for (const [name, expected] of Object.entries(fixture.outputs)) {
      result.mismatches.push(...compareValue(`outputs.${name}`, outputs[name], expected));
    }
    const upstream = Object.entries(fixture.upstream);
    if (upstream.length > 0 && !Array.isArray(fixture.grads)) {
      let loss: Tensor | null = null;
      for (const [name, up] of upstream) {
        const out = outputs[name] as Tensor;
        const term = ops.sum(ops.mul(out, tensor(up.data, up.shape)));
        loss = loss ? ops.add(loss, term) : term;
      }
      if (loss) backward(loss);
      for (const [key, expected] of Object.entries(fixture.grads)) {
        const [kind, ...rest] = key.split('.');
        const name = rest.join('.');
        const t = kind === 'inputs' ? c.inputs.get(name) : c.params.get(name);
        const g = t?.grad ?? undefined;
        const m = compare(`grads.${key}`, g?.data ?? (t ? new Float32Array(t.size) : undefined), t?.shape, expected);
        if (m) result.mismatches.push(m);
      }
    }
  } catch (err) {
    result.mismatches.push({ tensor: '-', detail: `threw ${err instanceof Error ? err.message : String(err)}` });
  }
  result.ok = result.mismatches.length === 0;
  return result;
}

/** Every `*.json` fixture in a folder, in name order. */
export function runFolder(dir: string): CaseResult[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  return files.map((f) => {
    try {
      return runFixture(loadFixture(join(dir, f)), f);
    } catch (err) {
      return { file: f, name: f, op: '?', ok: false, mismatches: [{ tensor: '-', detail: `unreadable fixture: ${String(err)}` }] };
    }
  });
}

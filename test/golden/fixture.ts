import { readFileSync } from 'node:fs';
import { Tensor, tensor } from '../../src/tensor/index.js';

/** One tensor as stored in a golden fixture (flat row-major data). */
export interface FixtureTensor {
  shape: number[];
  data: number[];
  dtype?: 'int' | 'bool';
}

export type FixtureValue = FixtureTensor | FixtureTensor[] | number;

/** A golden case: see ../shared/golden/README.md. */
export interface Fixture {
  name: string;
  op: string;
  config: Record<string, unknown>;
  inputs: Record<string, FixtureValue>;
  params: Record<string, FixtureTensor>;
  outputs: Record<string, FixtureValue>;
  upstream: Record<string, FixtureTensor>;
  grads: Record<string, FixtureTensor> | FixtureTensor[];
}

export function loadFixture(path: string): Fixture {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Fixture;
  return { ...raw, config: raw.config ?? {}, inputs: raw.inputs ?? {}, params: raw.params ?? {},
    outputs: raw.outputs ?? {}, upstream: raw.upstream ?? {}, grads: raw.grads ?? {} };
}

export function isTensor(v: unknown): v is FixtureTensor {
  return typeof v === 'object' && v !== null && 'shape' in v && 'data' in v;
}

/** A float fixture tensor as a leaf that records gradients. */
export function leaf(t: FixtureTensor): Tensor {
  return tensor(t.data, t.shape, true);
}

/**
 * What a handler gets: float inputs and params as gradient-recording leaves (by fixture name),
 * integer and boolean inputs as plain arrays.
 */
export class GoldenCase {
  readonly inputs = new Map<string, Tensor>();
  readonly params = new Map<string, Tensor>();

  constructor(readonly fixture: Fixture) {
    for (const [name, v] of Object.entries(fixture.inputs)) {
      if (isTensor(v) && !v.dtype) this.inputs.set(name, leaf(v));
    }
    for (const [name, v] of Object.entries(fixture.params)) this.params.set(name, leaf(v));
  }

  get config(): Record<string, unknown> {
    return this.fixture.config;
  }

  input(name: string): Tensor {
    const t = this.inputs.get(name);
    if (!t) throw new Error(`fixture ${this.fixture.name} has no float input '${name}'`);
    return t;
  }

  hasInput(name: string): boolean {
    return name in this.fixture.inputs;
  }

  /** An integer or boolean input: its raw values and shape. */
  raw(name: string): FixtureTensor {
    const v = this.fixture.inputs[name];
    if (!isTensor(v)) throw new Error(`fixture ${this.fixture.name} has no tensor input '${name}'`);
    return v;
  }

  /** A boolean input (true = masked) as a 0/1 tensor. */
  mask(name: string): Tensor {
    const v = this.raw(name);
    return tensor(v.data.map((b) => (b ? 1 : 0)), v.shape);
  }
}

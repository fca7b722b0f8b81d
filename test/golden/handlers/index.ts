import type { Tensor } from '../../../src/tensor/index.js';
import type { GoldenCase } from '../fixture.js';
import { attentionHandlers } from './attention.js';
import { basicHandlers } from './basic.js';
import { optimHandlers } from './optim.js';
import { recurrentHandlers } from './recurrent.js';
import { transformerHandlers } from './transformer.js';

/** What a handler returns: its outputs by the fixture's output names. */
export type Outputs = Record<string, Tensor | Tensor[] | number>;

export type Handler = (c: GoldenCase) => Outputs;

/** Fixture op → the seqlab implementation that answers it. */
export const handlers: Record<string, Handler> = {
  ...basicHandlers,
  ...recurrentHandlers,
  ...attentionHandlers,
  ...transformerHandlers,
  ...optimHandlers,
};

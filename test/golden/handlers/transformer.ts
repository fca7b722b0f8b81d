import type { Handler } from './index.js';

/** Golden handlers for the transformer fixtures (filled in as the layers land). */
export const transformerHandlers: Record<string, Handler> = {};

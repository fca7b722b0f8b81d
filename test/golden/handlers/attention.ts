import type { Handler } from './index.js';

/** Golden handlers for the attention fixtures (filled in as the layers land). */
export const attentionHandlers: Record<string, Handler> = {};

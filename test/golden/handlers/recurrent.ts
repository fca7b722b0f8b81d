import type { Handler } from './index.js';

/** Golden handlers for the recurrent fixtures (filled in as the layers land). */
export const recurrentHandlers: Record<string, Handler> = {};

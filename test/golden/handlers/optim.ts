import type { Handler } from './index.js';

/** Golden handlers for the optim fixtures (filled in as the layers land). */
export const optimHandlers: Record<string, Handler> = {};

/**
 * `seqlab serve`: an HTTP server (Fastify) for the checkpoints given at start. It answers the
 * task routes (task-routes.ts), OpenAI's models and completions (openai-routes.ts), the Open
 * Inference Protocol's health probes, and serves the explorer's static build (dist-web/) at `/`.
 * Inference runs in a pool of worker threads (pool.ts); the event loop only parses, checks and
 * forwards. On SIGTERM or SIGINT the server stops accepting, finishes the requests in flight,
 * stops the workers, and resolves `closed`.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { SeqlabError } from '../errors.js';
import { Catalog, readCatalog } from './catalog.js';
import { trackConnections } from './connections.js';
import { ApiError, badRequest, bodyTooLarge, unavailable, validationError, type ValidationIssue } from './errors.js';
import { registerOpenAiRoutes } from './openai-routes.js';
import { InferencePool, type PoolOptions } from './pool.js';
import type { Limits } from './schemas.js';
import { registerTaskRoutes, type ServeContext } from './task-routes.js';

export interface ServeOptions extends PoolOptions, Limits {
  /** Checkpoint folders; each model's id is its folder's base name. */
  dirs: string[];
  host: string;
  /** 0: any free port (the one chosen is in `url`). */
  port: number;
  /** The explorer's static build; null: none. Default: dist-web/ of this package, when built. */
  explorer?: string | null;
}

export const defaultServeOptions = {
  host: '127.0.0.1', port: 8000, workers: 2, queue: 64, timeoutMs: 30_000, maxBody: 1024 * 1024, maxLength: 10_000,
} as const;

/** The cross-origin isolation headers the explorer needs for its threaded WebAssembly backend. */
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** This package's dist-web/ (the explorer built by `npm run build:web`), if it is there. */
export function builtExplorer(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  const web = join(dir, 'dist-web');
  return existsSync(join(web, 'index.html')) ? web : null;
}

/** Any error a request met, as the API error to answer with. */
function asApiError(err: FastifyError, limits: Limits): ApiError {
  if (err instanceof ApiError) return err;
  if (err.validation && err.validation.length > 0) return validationError(err.validation[0] as ValidationIssue);
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return bodyTooLarge(limits.maxBody);
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new ApiError(415, 'send the body as JSON (content-type: application/json)', 'invalid_request_error', 'body');
  }
  if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return badRequest('body', 'the body is empty; send a JSON object');
  if (err.statusCode === 400) return badRequest('body', `the body is not valid JSON: ${err.message}`);
  if (err.statusCode === 503) return unavailable('the server is shutting down');
  return new ApiError(500, 'internal server error', 'server_error');
}

/** The Fastify app with every route, for a pool that is (or is being) started. */
export async function buildApp(context: ServeContext, explorer: string | null): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: context.limits.maxBody,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false } },
  });
  app.setErrorHandler((err: FastifyError, _request, reply) => {
    const api = asApiError(err, context.limits);
    if (api.type === 'server_error') process.stderr.write(`seqlab: internal error: ${err.stack ?? err.message}\n`);
    return reply.status(api.status).send(api.body());
  });
  app.setNotFoundHandler((request, reply) => {
    const hint = request.url === '/' ? ': the explorer is not built (npm run build:web, then start the server again)' : '';
    return reply.status(404).send(new ApiError(404, `no route ${request.method} ${request.url}${hint}`, 'not_found_error').body());
  });

  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_request, reply) => {
    const ready = context.pool.isReady;
    return reply.status(ready ? 200 : 503).send({ ready });
  });
  registerOpenAiRoutes(app, context);
  registerTaskRoutes(app, context);

  if (explorer) {
    // One route per file found now (wildcard off): no request path reaches the disk.
    await app.register(fastifyStatic, {
      root: explorer, wildcard: false,
      setHeaders: (res) => { for (const [k, v] of Object.entries(ISOLATION)) res.setHeader(k, v); },
    });
  }
  return app;
}

/** A running server. */
export interface Server {
  /** `http://HOST:PORT` as bound. */
  url: string;
  app: FastifyInstance;
  pool: InferencePool;
  /** Drains and stops the server (what SIGTERM does). */
  close(): Promise<void>;
  /** Settles once the server has stopped. */
  closed: Promise<void>;
}

/**
 * Checks the checkpoints (start-up errors are SeqlabErrors), starts the workers, and listens.
 * Models load in the workers while the server already answers; `/v2/health/ready` says when.
 */
export async function startServer(options: ServeOptions, log: (line: string) => void = () => {}): Promise<Server> {
  const catalog = new Catalog(readCatalog(options.dirs));
  const pool = new InferencePool(catalog.models, options);
  pool.onReplaced = (id) => log(`seqlab: worker ${id} replaced one stopped past --timeout; it has loaded the models`);
  const explorer = options.explorer === undefined ? builtExplorer() : options.explorer;
  const app = await buildApp({ catalog, pool, limits: options }, explorer);
  // An idle keep-alive connection would hold the drain up for its whole timeout: answers sent
  // while draining close their connection.
  let draining = false;
  app.addHook('onSend', async (_request, reply, payload) => {
    if (draining) reply.header('connection', 'close');
    return payload;
  });
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (err) {
    await pool.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new SeqlabError(`--port: ${options.port} is in use on ${options.host}`);
    if (code === 'EACCES') throw new SeqlabError(`--port: no permission to listen on ${options.port}`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw new SeqlabError(`--host: cannot listen on '${options.host}'`);
    throw err;
  }
  const connections = trackConnections(app.server);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;

  let finished!: () => void;
  const closed = new Promise<void>((done) => (finished = done));
  let closing: Promise<void> | null = null;
  const onSignal = (): void => {
    log('seqlab: draining requests in flight, then stopping');
    void close();
  };
  const close = (): Promise<void> => (closing ??= (async () => {
    draining = true;
    const stopping = app.close(); // stops accepting; waits for the requests in flight
    connections.dropIdle();
    await stopping;
    await pool.close();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    finished();
  })());
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  void pool.ready.then(() => log(`seqlab: ready: ${catalog.models.length} models in ${options.workers} workers`));

  log(`seqlab: serving ${catalog.models.map((m) => m.id).join(', ')} on ${url}`);
  log(explorer ? `seqlab: explorer at ${url}/` : 'seqlab: explorer not built (npm run build:web to serve it at /)');
  return { url, app, pool, close, closed };
}

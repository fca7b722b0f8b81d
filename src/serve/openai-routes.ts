/**
 * The OpenAI-compatible routes: `GET /v1/models` (and `/v1/models/:id`) and `POST /v1/completions`
 * for language models, plain or streamed as server-sent events (`data: {...}` chunks, then
 * `data: [DONE]`), so the official `openai` client works unchanged with `baseURL` set here.
 * A seqlab language model samples exactly `max_tokens` tokens, so `finish_reason` is `length`.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { MessageChannel } from 'node:worker_threads';
import type { FastifyInstance } from 'fastify';
import type { GenerateRequest } from '../tasks/task.js';
import type { ServedModel } from './catalog.js';
import { ApiError, modelNotFound } from './errors.js';
import { type CompletionBody, completionSchema } from './schemas.js';
import { clientGone, modelFor, type ServeContext } from './task-routes.js';
import type { Generated, StreamMessage } from './worker.js';

/** A model as OpenAI lists one, with what seqlab knows about it besides. */
export function modelCard(m: ServedModel): Record<string, unknown> {
  return {
    id: m.id, object: 'model', created: m.created, owned_by: 'seqlab',
    task: m.task, arch: m.arch, capabilities: m.capabilities, vocabulary: m.vocabulary, seqlab_version: m.version,
  };
}

function generateRequest(body: CompletionBody): GenerateRequest {
  return {
    prompt: body.prompt,
    length: body.max_tokens,
    sampling: { temperature: body.temperature, topK: body.top_k, topP: body.top_p },
    // Without a seed each request samples afresh, as OpenAI's API does; with one it repeats.
    seed: body.seed ?? randomInt(2 ** 31 - 1),
  };
}

function usage(g: Generated): Record<string, number> {
  return { prompt_tokens: g.promptTokens, completion_tokens: g.completionTokens, total_tokens: g.promptTokens + g.completionTokens };
}

/** A completion object (the whole answer, or one streamed chunk of it). */
function completion(id: string, created: number, model: string, text: string, finish: string | null): Record<string, unknown> {
  return { id, object: 'text_completion', created, model, choices: [{ text, index: 0, logprobs: null, finish_reason: finish }] };
}

export function registerOpenAiRoutes(app: FastifyInstance, { catalog, pool, limits }: ServeContext): void {
  app.get('/v1/models', async () => ({ object: 'list', data: catalog.models.map(modelCard) }));

  app.get<{ Params: { id: string } }>('/v1/models/:id', async (request) => {
    const model = catalog.get(request.params.id);
    if (!model) throw modelNotFound(request.params.id);
    return modelCard(model);
  });

  app.post<{ Body: CompletionBody }>('/v1/completions', { schema: { body: completionSchema(limits) } }, async (request, reply) => {
    const body = request.body;
    modelFor(catalog, body.model, 'generate');
    const id = `cmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const job = { kind: 'generate' as const, model: body.model, request: generateRequest(body) };
    if (!body.stream) {
      const g = (await pool.run(job, 'prompt', { cancel: clientGone(reply) })) as Generated;
      const text = body.echo ? body.prompt + g.text : g.text;
      return { ...completion(id, created, body.model, text, 'length'), usage: usage(g) };
    }

    // Streamed: the worker posts each token's text on a port; each becomes one `data:` event.
    pool.admit();
    const out = new PassThrough();
    // Once the client has gone, fastify destroys the stream: later pieces are dropped.
    const send = (value: unknown): void => void (out.destroyed || out.write(`data: ${JSON.stringify(value)}\n\n`));
    const { port1, port2 } = new MessageChannel();
    const portDone = new Promise<void>((done) => {
      port1.on('message', (m: StreamMessage) => {
        if ('text' in m) send(completion(id, created, body.model, m.text, null));
        else done();
      });
    });
    if (body.echo) send(completion(id, created, body.model, body.prompt, null));
    pool.run({ ...job, port: port2 }, 'prompt', { cancel: clientGone(reply), transferList: [port2] }).then(async (value) => {
      await portDone; // the port's last pieces may arrive after the job's result
      send(completion(id, created, body.model, '', 'length'));
      if (body.stream_options?.include_usage) send({ ...completion(id, created, body.model, '', null), choices: [], usage: usage(value as Generated) });
    }, (err: unknown) => {
      const api = err instanceof ApiError ? err : new ApiError(500, 'internal error while generating', 'server_error');
      if (!(err instanceof ApiError)) process.stderr.write(`seqlab: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
      send(api.body());
    }).finally(() => {
      port1.close();
      if (!out.destroyed) out.end('data: [DONE]\n\n');
    });
    return reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache').send(out);
  });
}

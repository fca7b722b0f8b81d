/**
 * The task routes: `POST /v1/suggest`, `/v1/translate`, `/v1/annotate` and `/v1/explain`. Each
 * body mirrors its CLI command's flags, and each answer is that command's JSON for the same input
 * (the worker makes it with the same task functions).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Capability } from '../tasks/task.js';
import type { Catalog, ServedModel } from './catalog.js';
import { badRequest, modelNotFound, notCapable } from './errors.js';
import type { InferencePool } from './pool.js';
import {
  type AnnotateBody, annotateSchema, type ExplainBody, explainSchema, type Limits, longSequence, type SuggestBody, suggestSchema,
  type TranslateBody, translateSchema,
} from './schemas.js';

/** What the routes share: the models, the pool and the limits. */
export interface ServeContext {
  catalog: Catalog;
  pool: InferencePool;
  limits: Limits;
}

/** The model a request names, by id only, which must be able to do `capability`. */
export function modelFor(catalog: Catalog, id: string, capability: Capability): ServedModel {
  const model = catalog.get(id);
  if (!model) throw modelNotFound(id);
  if (!model.capabilities.includes(capability)) throw notCapable(id, model.task, capability);
  return model;
}

/** A signal that fires when the client goes away before the answer is sent (its job is then stopped). */
export function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

export function registerTaskRoutes(app: FastifyInstance, { catalog, pool, limits }: ServeContext): void {
  app.post<{ Body: SuggestBody }>('/v1/suggest', { schema: { body: suggestSchema(limits) } }, async (request, reply) => {
    const { model, text, k } = request.body;
    modelFor(catalog, model, 'suggest');
    return pool.run({ kind: 'suggest', model, text, k }, 'text', { cancel: clientGone(reply) });
  });

  app.post<{ Body: TranslateBody }>('/v1/translate', { schema: { body: translateSchema(limits) } }, async (request, reply) => {
    const { model, source, sentences, beam, nbest, alignments } = request.body;
    modelFor(catalog, model, 'translate');
    if ((source === undefined) === (sentences === undefined)) throw badRequest('source', 'give either `source` (one sentence) or `sentences` (a list)');
    if (nbest > beam) throw badRequest('nbest', `nbest: ${nbest} is more than the beam (${beam})`);
    const job = { kind: 'translate' as const, model, sentences: sentences ?? [source!], request: { beam, nbest, alignments } };
    const results = (await pool.run(job, sentences ? 'sentences' : 'source', { cancel: clientGone(reply) })) as unknown[];
    return sentences ? { translations: results } : results[0];
  });

  app.post<{ Body: AnnotateBody }>('/v1/annotate', { schema: { body: annotateSchema() } }, async (request, reply) => {
    const { model, fasta, csv, saliency } = request.body;
    modelFor(catalog, model, 'annotate');
    if ((fasta === undefined) === (csv === undefined)) {
      throw badRequest('fasta', 'give the sequences inline as either `fasta` (FASTA text) or `csv` (CSV or TSV text with a `sequence` column)');
    }
    const field = fasta !== undefined ? 'fasta' : 'csv';
    const text = (fasta ?? csv)!;
    const problem = longSequence(text, limits.maxLength);
    if (problem) throw badRequest(field, `${field}: ${problem} (the server's --max-length)`, 'too_long');
    return pool.run({ kind: 'annotate', model, field, text, saliency }, field, { cancel: clientGone(reply) });
  });

  app.post<{ Body: ExplainBody }>('/v1/explain', { schema: { body: explainSchema(limits) } }, async (request, reply) => {
    const { model, input } = request.body;
    modelFor(catalog, model, 'explain');
    if (input.trim() === '') throw badRequest('input', 'input: the input is empty');
    return pool.run({ kind: 'explain', model, input }, 'input', { cancel: clientGone(reply) });
  });
}

/**
 * A worker thread of the server's pool (piscina). It loads every served checkpoint once, when
 * the thread starts, tells the main thread so (the readiness probe waits for every worker), then
 * answers jobs one at a time, off the main thread's event loop: a long translation holds one
 * worker while the others keep answering.
 *
 * Answers are the CLI's JSON for the same input (`seqlab suggest --json`, `translate --json`,
 * `annotate --format json`, `explain --out FILE.json`), made by the same task functions.
 * A mistake the user can cause (a SeqlabError: a bad letter in a FASTA record) comes back as
 * a value, because an error's class does not survive the trip between threads.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { backend } from '../backend/index.js';
import { SETTLE_BYTES } from '../backend/settle.js';
import { SeqlabError } from '../errors.js';
import { FileStore } from '../store/file-store.js';
import { MemorySource } from '../store/store.js';
import { annotationJson } from '../tasks/bio/annotate.js';
import { loadCheckpoint } from '../tasks/registry.js';
import type { GenerateRequest, LoadedModel, TranslateRequest } from '../tasks/task.js';

/** What the pool hands each worker at start: the models to load. */
export interface WorkerSetup {
  models: { id: string; dir: string }[];
}

/**
 * One piece of work; `model` is an id the main thread has already checked. `cancel` (one Int32 in
 * shared memory, set to 1 by the main thread when the client goes away) is read before the job
 * starts and between tokens or batches.
 */
export type Job = (
  | { kind: 'suggest'; model: string; text: string; k: number }
  | { kind: 'translate'; model: string; sentences: string[]; request: TranslateRequest }
  | { kind: 'annotate'; model: string; field: 'fasta' | 'csv'; text: string; saliency: boolean }
  | { kind: 'explain'; model: string; input: string }
  | { kind: 'generate'; model: string; request: GenerateRequest; port?: MessagePort }
) & { cancel?: Int32Array };

/** A job's outcome: the answer, or the message of a mistake in the request's data, or that it was cancelled. */
export type JobResult = { ok: true; value: unknown } | { ok: false; message: string } | { ok: false; cancelled: true; message: string };

/** What `generate` answers (the text also went piece by piece to the job's port, when it had one). */
export interface Generated {
  text: string;
  promptTokens: number;
  completionTokens: number;
}

/** What a streaming job's port carries: pieces of text in order, then `done`. */
export type StreamMessage = { text: string } | { done: true };

/** The message a worker posts once its models are loaded. */
export interface LoadedMessage {
  seqlabLoaded: number;
}

/** Sentences decoded together, as `seqlab translate` batches them (the same batches give the same numbers). */
const TRANSLATE_CHUNK = 32;

const setup = workerData as WorkerSetup;
const models = new Map<string, LoadedModel>(setup.models.map((m) => [m.id, loadCheckpoint(new FileStore(m.dir))]));
parentPort?.postMessage({ seqlabLoaded: threadId } satisfies LoadedMessage);

/** Tokens in a prompt, by the model's own tokenizer where the model shows one (language models do). */
function promptTokens(model: LoadedModel, prompt: string): number {
  const tokenizer = (model as { parts?: { tokenizer?: { encode(text: string): ArrayLike<number> } } }).parts?.tokenizer;
  return tokenizer ? tokenizer.encode(prompt).length : [...prompt].length;
}

/** Thrown inside a job once its cancel flag is set; `run` answers it as cancelled. */
class Cancelled extends Error {}

function checkCancel(job: Job): void {
  if (job.cancel && Atomics.load(job.cancel, 0) !== 0) throw new Cancelled('cancelled');
}

function generate(job: Extract<Job, { kind: 'generate' }>, model: LoadedModel): Generated {
  const { request, port } = job;
  const pieces: string[] = [];
  try {
    model.generate!(request, (text) => {
      checkCancel(job); // the client has gone: stop sampling
      pieces.push(text);
      port?.postMessage({ text } satisfies StreamMessage);
    });
  } finally {
    port?.postMessage({ done: true } satisfies StreamMessage);
    port?.close();
  }
  return { text: pieces.join(''), promptTokens: promptTokens(model, request.prompt), completionTokens: pieces.length };
}

function translate(job: Extract<Job, { kind: 'translate' }>, model: LoadedModel): unknown[] {
  const { sentences, request } = job;
  const out: unknown[] = [];
  for (let i = 0; i < sentences.length; i += TRANSLATE_CHUNK) {
    checkCancel(job);
    out.push(...model.translate!(sentences.slice(i, i + TRANSLATE_CHUNK), request));
  }
  return out;
}

function answer(job: Job): unknown {
  const model = models.get(job.model);
  if (!model) throw new Error(`internal error: worker has no model '${job.model}'`);
  switch (job.kind) {
    case 'suggest': {
      const t0 = performance.now();
      const suggestions = model.suggest!(job.text, job.k);
      return { suggestions, ms: Number((performance.now() - t0).toFixed(3)) };
    }
    case 'translate':
      return translate(job, model);
    case 'annotate': {
      const source = new MemorySource({ [job.field]: job.text });
      return annotationJson(model.annotate!(source, job.field, job.saliency));
    }
    case 'explain':
      return model.explain!(job.input);
    case 'generate':
      return generate(job, model);
  }
}

/**
 * The pool's entry point: one job in, its result out; internal errors are thrown (a 500).
 * Between jobs, as the trainer does between steps, the backend may ask for a collection
 * (backend/settle.ts): tensors live in WebAssembly memory that V8 does not count, so without it
 * every job takes fresh memory and a busy server's RSS grows by tens of MB a second. (bin/seqlab.js
 * turns on --expose-gc before the pool starts, so each worker has its own `gc`.) The bar is the
 * smallest, 64 MB: at the trainer's (up to 256 MB, where collecting is slow) each worker's heap
 * held 270 MB for models of a few MB, and still grew by half after 16,000 jobs.
 */
export default async function run(job: Job): Promise<JobResult> {
  try {
    checkCancel(job);
    return { ok: true, value: answer(job) };
  } catch (err) {
    if (err instanceof Cancelled) return { ok: false, cancelled: true, message: 'the client closed the request' };
    if (err instanceof SeqlabError) return { ok: false, message: err.message.split('\n')[0] };
    throw err;
  } finally {
    await backend().afterStep({ maxBytes: SETTLE_BYTES });
  }
}

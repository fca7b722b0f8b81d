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
import { annotationJson } from '../cli/commands/annotate.js';
import { SeqlabError } from '../errors.js';
import { FileStore } from '../store/file-store.js';
import { MemorySource } from '../store/store.js';
import { loadCheckpoint } from '../tasks/registry.js';
import type { GenerateRequest, LoadedModel, TranslateRequest } from '../tasks/task.js';

/** What the pool hands each worker at start: the models to load. */
export interface WorkerSetup {
  models: { id: string; dir: string }[];
}

/** One piece of work; `model` is an id the main thread has already checked. */
export type Job =
  | { kind: 'suggest'; model: string; text: string; k: number }
  | { kind: 'translate'; model: string; sentences: string[]; request: TranslateRequest }
  | { kind: 'annotate'; model: string; field: 'fasta' | 'csv'; text: string; saliency: boolean }
  | { kind: 'explain'; model: string; input: string }
  | { kind: 'generate'; model: string; request: GenerateRequest; port?: MessagePort };

/** A job's outcome: the answer, or the message of a mistake in the request's data. */
export type JobResult = { ok: true; value: unknown } | { ok: false; message: string };

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

function generate(model: LoadedModel, request: GenerateRequest, port: MessagePort | undefined): Generated {
  const pieces: string[] = [];
  try {
    model.generate!(request, (text) => {
      pieces.push(text);
      port?.postMessage({ text } satisfies StreamMessage);
    });
  } finally {
    port?.postMessage({ done: true } satisfies StreamMessage);
    port?.close();
  }
  return { text: pieces.join(''), promptTokens: promptTokens(model, request.prompt), completionTokens: pieces.length };
}

function translate(model: LoadedModel, sentences: readonly string[], request: TranslateRequest): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < sentences.length; i += TRANSLATE_CHUNK) out.push(...model.translate!(sentences.slice(i, i + TRANSLATE_CHUNK), request));
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
      return translate(model, job.sentences, job.request);
    case 'annotate': {
      const source = new MemorySource({ [job.field]: job.text });
      return annotationJson(model.annotate!(source, job.field, job.saliency));
    }
    case 'explain':
      return model.explain!(job.input);
    case 'generate':
      return generate(model, job.request, job.port);
  }
}

/**
 * The pool's entry point: one job in, its result out; internal errors are thrown (a 500).
 * Between jobs, as the trainer does between steps, the backend may ask for a collection
 * (backend/settle.ts): tensors live in WebAssembly memory that V8 does not count, so without it
 * every job takes fresh memory and a busy server's RSS grows by tens of MB a second. (bin/seqlab.js
 * turns on --expose-gc before the pool starts, so each worker has its own `gc`.)
 */
export default async function run(job: Job): Promise<JobResult> {
  try {
    return { ok: true, value: answer(job) };
  } catch (err) {
    if (err instanceof SeqlabError) return { ok: false, message: err.message.split('\n')[0] };
    throw err;
  } finally {
    await backend().afterStep();
  }
}

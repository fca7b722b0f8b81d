/**
 * The models a server offers: fixed at start from the folders on the command line, each named
 * by its folder's base name. Requests name a model by that id only; nothing in a request ever
 * becomes a path, so the server reads no file but the checkpoints it was started with.
 */
import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { SeqlabError } from '../errors.js';
import { FileStore } from '../store/file-store.js';
import { FILES } from '../store/store.js';
import { getTask, loadCheckpoint } from '../tasks/registry.js';
import type { Capability } from '../tasks/task.js';

/** One served model, as `GET /v1/models` lists it and as the workers load it. */
export interface ServedModel {
  /** The folder's base name: what requests put in `model`. */
  id: string;
  /** The checkpoint folder (absolute). */
  dir: string;
  task: string;
  arch: string;
  /** What the model can do (`suggest`, `translate`, ...), from its task. */
  capabilities: Capability[];
  /** When config.json was written (Unix seconds): OpenAI's `created`. */
  created: number;
  /** The seqlab version that wrote the checkpoint. */
  version: string;
  /** The tokenizer kind (char, word, bpe) for text models; the alphabet for biology models. */
  vocabulary: string | null;
}

/** What config.json says about the vocabulary: `tokenizer.kind`, or the biology alphabet. */
function vocabularyOf(config: Record<string, unknown>): string | null {
  const tokenizer = config.tokenizer as { kind?: unknown } | undefined;
  if (tokenizer && typeof tokenizer.kind === 'string') return tokenizer.kind;
  if (typeof config.alphabet === 'string') return config.alphabet;
  return null;
}

/**
 * Reads and loads each checkpoint once, here in the main thread, so that a missing folder or a
 * corrupt checkpoint is a start-up error (`seqlab: error: ...`, exit 2) rather than a worker's
 * crash. Two folders with the same base name are an error too: an id must name one model.
 */
export function readCatalog(dirs: readonly string[]): ServedModel[] {
  if (dirs.length === 0) throw new SeqlabError('serve: give at least one checkpoint folder');
  const byId = new Map<string, ServedModel>();
  for (const given of dirs) {
    const dir = resolve(given);
    const id = basename(dir);
    const twin = byId.get(id);
    if (twin) {
      throw new SeqlabError(`${given}: its id '${id}' is taken by ${twin.dir}; models are named by folder name, so rename one folder`);
    }
    const store = new FileStore(dir);
    if (!store.exists()) throw new SeqlabError(`${given}: no such checkpoint folder`);
    const loaded = loadCheckpoint(store);
    const config = loaded.config as Record<string, unknown>;
    byId.set(id, {
      id, dir,
      task: loaded.config.task,
      arch: typeof config.arch === 'string' ? config.arch : 'unknown',
      capabilities: [...getTask(loaded.config.task).capabilities],
      created: Math.floor(statSync(store.path(FILES.config)).mtimeMs / 1000),
      version: typeof loaded.config.seqlab === 'string' ? loaded.config.seqlab : 'unknown',
      vocabulary: vocabularyOf(config),
    });
  }
  return [...byId.values()];
}

/** Looks models up by id, for the routes. */
export class Catalog {
  private readonly byId: ReadonlyMap<string, ServedModel>;

  constructor(readonly models: readonly ServedModel[]) {
    this.byId = new Map(models.map((m) => [m.id, m]));
  }

  /** The model with this exact id, or undefined (a path or `../x` matches nothing). */
  get(id: string): ServedModel | undefined {
    return this.byId.get(id);
  }
}

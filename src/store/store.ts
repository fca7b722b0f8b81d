/**
 * Where a training run keeps its checkpoint: a folder of named files. The run writes only
 * through a `CheckpointStore`, so the same run trains in Node into a folder (`FileStore`) and in
 * a browser Worker into memory (`MemoryStore`), with resume, best-by-validation and metrics the
 * same through both.
 *
 * The folder contract (../shared/ARCHITECTURE.md):
 *   config.json          everything needed to rebuild the model and its tokenizer
 *   vocab.json           the tokenizer's vocabulary (and merges), for reading
 *   model.safetensors    the best weights by validation loss (a counted model keeps its own file)
 *   last.safetensors     the latest weights, with optimizer.safetensors and trainer-state.json
 *   metrics.jsonl        one JSON object per evaluation
 * and, for a moment while a resume point is saved, `.last.safetensors.next` and
 * `.optimizer.safetensors.next` (tasks/run-training.ts says how the three files stay one set).
 */
import { SeqlabError } from '../errors.js';

/** A folder of named files. Every write is whole: a reader never sees half a file. */
export interface CheckpointStore {
  /** How to name the store in messages: its path, or `memory:NAME`. */
  readonly name: string;
  /** Whether the store exists at all (a folder that is there). */
  exists(): boolean;
  /** Makes the store ready for writing (creates the folder). */
  create(): void;
  has(file: string): boolean;
  /** A file's bytes; a missing file is a SeqlabError naming it. */
  read(file: string): Uint8Array;
  /** A file's text (UTF-8); a missing file is a SeqlabError naming it. */
  readText(file: string): string;
  /** Replaces a file whole (atomically on disk: a temporary file, then a rename). */
  write(file: string, data: Uint8Array | string): void;
  /** Adds text at the end of a file (metrics.jsonl), creating it if needed; the file stays whole. */
  append(file: string, text: string): void;
  /** Removes a file; a missing one is no error. */
  remove(file: string): void;
  /** Renames a file, replacing `to` in one step (atomically on disk). */
  rename(from: string, to: string): void;
  /** The store's path to a file, for messages. */
  path(file: string): string;
}

export const FILES = {
  config: 'config.json',
  vocab: 'vocab.json',
  model: 'model.safetensors',
  last: 'last.safetensors',
  optimizer: 'optimizer.safetensors',
  state: 'trainer-state.json',
  metrics: 'metrics.jsonl',
} as const;

/** `before` with `text` (UTF-8) added at the end: what a store's `append` writes whole. */
export function withText(before: Uint8Array, text: string): Uint8Array {
  const add = new TextEncoder().encode(text);
  const joined = new Uint8Array(before.length + add.length);
  joined.set(before);
  joined.set(add, before.length);
  return joined;
}

/** A store held in memory (a browser Worker, tests): files are copies, so callers cannot alias them. */
export class MemoryStore implements CheckpointStore {
  private readonly files = new Map<string, Uint8Array>();
  private created = false;

  constructor(readonly name = 'memory') {}

  exists(): boolean {
    return this.created;
  }

  create(): void {
    this.created = true;
  }

  has(file: string): boolean {
    return this.files.has(file);
  }

  read(file: string): Uint8Array {
    const bytes = this.files.get(file);
    if (!bytes) throw new SeqlabError(`${this.path(file)}: missing`);
    return bytes.slice();
  }

  readText(file: string): string {
    return new TextDecoder().decode(this.read(file));
  }

  write(file: string, data: Uint8Array | string): void {
    this.created = true;
    this.files.set(file, typeof data === 'string' ? new TextEncoder().encode(data) : data.slice());
  }

  append(file: string, text: string): void {
    this.write(file, withText(this.files.get(file) ?? new Uint8Array(0), text));
  }

  remove(file: string): void {
    this.files.delete(file);
  }

  rename(from: string, to: string): void {
    const bytes = this.files.get(from);
    if (!bytes) throw new SeqlabError(`${this.path(from)}: missing`);
    this.files.set(to, bytes);
    this.files.delete(from);
  }

  path(file: string): string {
    return `${this.name}/${file}`;
  }

  /** The names of the files held, sorted. */
  list(): string[] {
    return [...this.files.keys()].sort();
  }
}

/**
 * Where a task reads its data from: files in Node, texts handed over in a browser. A path is
 * whatever the user gave; errors name it.
 */
export interface DataSource {
  /** The whole text at `path` (UTF-8 checked, BOM dropped, CRLF → LF); `what` names it in errors. */
  readText(path: string, what?: string): string;
}

/** Texts held in memory by name (the explorer, tests). */
export class MemorySource implements DataSource {
  constructor(private readonly texts: Readonly<Record<string, string>>) {}

  readText(path: string, what = 'file'): string {
    const text = this.texts[path];
    if (text === undefined) throw new SeqlabError(`${what} '${path}' does not exist`);
    return text;
  }
}

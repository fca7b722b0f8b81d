/**
 * A checkpoint store on a folder (Node only): today's folder contract, with every write to a
 * temporary file renamed into place, so a failure never leaves a half-written file.
 */
import { appendFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SeqlabError } from '../errors.js';
import { readBytes, readText, writeAtomic } from './files.js';
import type { CheckpointStore, DataSource } from './store.js';

export class FileStore implements CheckpointStore {
  constructor(readonly name: string) {}

  exists(): boolean {
    return existsSync(this.name) && statSync(this.name).isDirectory();
  }

  create(): void {
    if (existsSync(this.name) && !statSync(this.name).isDirectory()) {
      throw new SeqlabError(`'${this.name}' exists and is not a folder`);
    }
    mkdirSync(this.name, { recursive: true });
  }

  has(file: string): boolean {
    return existsSync(this.path(file));
  }

  read(file: string): Uint8Array {
    return readBytes(this.path(file), 'checkpoint file');
  }

  readText(file: string): string {
    return readText(this.path(file), 'checkpoint file');
  }

  write(file: string, data: Uint8Array | string): void {
    writeAtomic(this.path(file), data);
  }

  append(file: string, text: string): void {
    appendFileSync(this.path(file), text);
  }

  path(file: string): string {
    return join(this.name, file);
  }
}

/** Data files on disk, streamed through the UTF-8 decoder (store/files.ts). */
export const fileSource: DataSource = {
  readText: (path: string, what = 'file') => readText(path, what),
};

/**
 * A checkpoint store on a folder (Node only): today's folder contract, with every write to a
 * temporary file renamed into place, so neither a failure (a full disk) nor a kill leaves a
 * half-written file.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SeqlabError } from '../errors.js';
import { makeFolder, readBytes, readText, removeTemporaryFiles, writeAtomic, writeFailure } from './files.js';
import { type CheckpointStore, type DataSource, withText } from './store.js';

export class FileStore implements CheckpointStore {
  constructor(readonly name: string) {}

  exists(): boolean {
    return existsSync(this.name) && statSync(this.name).isDirectory();
  }

  /** Creates the folder, and clears the temporary files a killed writer left in it. */
  create(): void {
    if (existsSync(this.name) && !statSync(this.name).isDirectory()) {
      throw new SeqlabError(`'${this.name}' exists and is not a folder`);
    }
    makeFolder(this.name);
    removeTemporaryFiles(this.name);
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

  /**
   * Rewrites the file whole with `text` added (metrics.jsonl is small: one line per
   * evaluation), so a kill mid-write never leaves half a line.
   */
  append(file: string, text: string): void {
    this.write(file, withText(this.has(file) ? this.read(file) : new Uint8Array(0), text));
  }

  remove(file: string): void {
    try {
      rmSync(this.path(file), { force: true });
    } catch (err) {
      throw writeFailure(err, this.path(file));
    }
  }

  rename(from: string, to: string): void {
    try {
      renameSync(this.path(from), this.path(to));
    } catch (err) {
      throw writeFailure(err, this.path(to));
    }
  }

  path(file: string): string {
    return join(this.name, file);
  }
}

/** Data files on disk, streamed through the UTF-8 decoder (store/files.ts). */
export const fileSource: DataSource = {
  readText: (path: string, what = 'file') => readText(path, what),
};

/**
 * The biology tasks' data: records read by src/data/bio-records.ts, then encoded for the
 * network (letter ids, class indices, per-position targets with IGNORE where masked).
 */
import type { Alphabet } from '../../data/alphabet.js';
import { type ClassifyRecord, encodeSequences, readClassifyRecords, readTagRecords, type TagRecord as RawTagRecord } from '../../data/bio-records.js';
import { SeqlabError } from '../../errors.js';
import type { DataSource } from '../../store/store.js';
import { type ClassifyExample, IGNORE, type TagExample } from './batches.js';

export type ClassRecord = ClassifyRecord;

/** A tag record with the label names its label indices refer to. */
export interface TagRecord extends RawTagRecord {
  labelNames: readonly string[];
}

export function readClassify(source: DataSource, path: string, what: string, requireLabel: boolean): ClassRecord[] {
  const records = readClassifyRecords(source, path, what, { requireLabel });
  if (records.length === 0) throw new SeqlabError(`${what} '${path}' holds no sequences`);
  return records;
}

export function readTag(source: DataSource, paths: readonly string[], what: string, requireLabels: boolean): { records: TagRecord[]; labels: string[] } {
  const data = readTagRecords(source, paths, what, { requireLabels });
  if (data.records.length === 0) throw new SeqlabError(`${what} '${paths[0]}' holds no sequences`);
  return { records: data.records.map((r) => ({ ...r, labelNames: data.labelNames })), labels: [...data.labelNames] };
}

/** Letter ids and class indices; a label the model does not know is an error naming the record. */
export function encodeClassify(records: readonly ClassRecord[], alphabet: Alphabet, classes: readonly string[], file: string): ClassifyExample[] {
  const ids = encodeSequences(records, alphabet, file);
  const index = new Map(classes.map((c, i) => [c, i]));
  return records.map((r, i) => {
    const label = index.get(r.label!);
    if (label === undefined) {
      throw new SeqlabError(`${file}:${r.line}: record '${r.id}' has label '${r.label}', which the training data does not have (classes: ${classes.join(', ')})`);
    }
    return { ids: ids[i], label };
  });
}

/** Letter ids and per-position targets (label indices into `labels`, IGNORE where masked or unlabelled). */
export function encodeTag(records: readonly TagRecord[], alphabet: Alphabet, labels: readonly string[], file: string): TagExample[] {
  const ids = encodeSequences(records, alphabet, file);
  const index = new Map(labels.map((c, i) => [c, i]));
  return records.map((r, i) => {
    const targets = new Int32Array(r.sequence.length).fill(IGNORE);
    if (r.labels) {
      const remap = r.labelNames.map((name) => index.get(name) ?? -1);
      for (let p = 0; p < targets.length; p++) {
        if (r.mask && r.mask[p] === 0) continue;
        const t = remap[r.labels[p]];
        if (t < 0) throw new SeqlabError(`${file}: record '${r.id}' has label '${r.labelNames[r.labels[p]]}' at position ${p + 1}, which the model does not know (labels: ${labels.join(', ')})`);
        targets[p] = t;
      }
    }
    return { ids: ids[i], targets };
  });
}

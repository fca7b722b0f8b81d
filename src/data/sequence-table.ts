/**
 * Sequence tables: CSV or TSV with a header line naming a `sequence` column and, for training
 * and evaluation, a `label` column. Column names are matched case-insensitively and other
 * columns are ignored. An `id` column, when there is one, gives the record ids; without it the
 * id is the 1-based data row number as a string ('1' for the first row after the header), as
 * `seqlab annotate` reports it (../shared/ARCHITECTURE.md). Other columns, `name` included, are
 * not ids: the UCI splice table's `name` column repeats names.
 *
 * The delimiter comes from the header line: a tab if it has one, else a comma. Fields may be
 * double-quoted as RFC 4180 has it (`""` is a quote inside a quoted field), but a field may not
 * span lines, so every error names one line. Blank lines are skipped; used fields are trimmed; a
 * stray CR before a line end is dropped (DataSource readers already turn CRLF into LF).
 *
 * Errors name the file and line: no header, no `sequence` column (or no `label` column when it
 * is required), a column named twice, a row with the wrong number of fields, an unterminated
 * quote, an empty sequence, id or required label.
 */
import { SeqlabError } from '../errors.js';

/** One table row. */
export interface TableRecord {
  /** The `id` column, or the 1-based data row number. */
  id: string;
  sequence: string;
  /** The `label` column; null when there is none or (label not required) it is empty. */
  label: string | null;
  /** The 1-based line in the file. */
  line: number;
}

export interface TableOptions {
  /** Whether a `label` column, and a label in every row, is required. */
  requireLabel: boolean;
}

/** The fields of one line; quoted fields lose their quotes. */
function splitFields(line: string, delim: string, where: string): string[] {
  if (!line.includes('"')) return line.split(delim);
  const fields: string[] = [];
  for (let i = 0; ;) {
    if (line[i] === '"') {
      let value = '';
      for (i++; ;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new SeqlabError(`${where}: a quoted field has no closing quote`);
        value += line.slice(i, q);
        i = q + 1;
        if (line[i] !== '"') break;
        value += '"';
        i++;
      }
      fields.push(value);
      if (i === line.length) return fields;
      if (line[i] !== delim) throw new SeqlabError(`${where}: text after a closing quote`);
      i++;
    } else {
      const d = line.indexOf(delim, i);
      fields.push(line.slice(i, d < 0 ? line.length : d));
      if (d < 0) return fields;
      i = d + 1;
    }
  }
}

/** The non-blank lines of `text`, with their 1-based line numbers. */
function* nonBlankLines(text: string): Generator<{ text: string; line: number }> {
  let line = 0;
  for (let start = 0; start < text.length;) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    line++;
    const s = text.slice(start, text[end - 1] === '\r' ? end - 1 : end);
    start = end + 1;
    if (s.trim() !== '') yield { text: s, line };
  }
}

interface Columns {
  count: number;
  sequence: number;
  label: number;
  id: number;
}

/** Finds the columns the reader uses in the header line. */
function headerColumns(fields: string[], where: string, opts: TableOptions): Columns {
  const names = fields.map((f) => f.trim().toLowerCase());
  const find = (name: string): number => {
    const at = names.indexOf(name);
    if (at >= 0 && names.indexOf(name, at + 1) >= 0) throw new SeqlabError(`${where}: the header names the column '${name}' twice`);
    return at;
  };
  const columns = { count: fields.length, sequence: find('sequence'), label: find('label'), id: find('id') };
  const listed = `(columns: ${fields.map((f) => f.trim()).join(', ')})`;
  if (columns.sequence < 0) throw new SeqlabError(`${where}: the header has no 'sequence' column ${listed}`);
  if (opts.requireLabel && columns.label < 0) throw new SeqlabError(`${where}: the header has no 'label' column ${listed}`);
  return columns;
}

/** The records of CSV or TSV `text` in file order; `file` names it in errors. */
export function* readSequenceTable(text: string, file: string, opts: TableOptions): Generator<TableRecord> {
  const lines = nonBlankLines(text);
  const first = lines.next();
  if (first.done) throw new SeqlabError(`${file}: empty; expected a header line naming a 'sequence' column`);
  const delim = first.value.text.includes('\t') ? '\t' : ',';
  const headerAt = `${file}:${first.value.line}`;
  const cols = headerColumns(splitFields(first.value.text, delim, headerAt), headerAt, opts);

  let row = 0;
  for (const { text: lineText, line } of lines) {
    row++;
    const where = `${file}:${line}`;
    const fields = splitFields(lineText, delim, where);
    if (fields.length !== cols.count) {
      throw new SeqlabError(`${where}: ${fields.length} field${fields.length === 1 ? '' : 's'}, but the header has ${cols.count}`);
    }
    const id = cols.id < 0 ? String(row) : fields[cols.id].trim();
    if (id === '') throw new SeqlabError(`${where}: row ${row} has an empty id`);
    const sequence = fields[cols.sequence].trim();
    if (sequence === '') throw new SeqlabError(`${where}: record '${id}' has an empty sequence`);
    const label = cols.label < 0 ? '' : fields[cols.label].trim();
    if (label === '' && opts.requireLabel) throw new SeqlabError(`${where}: record '${id}' has an empty label`);
    yield { id, sequence, label: label === '' ? null : label, line };
  }
}

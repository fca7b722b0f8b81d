/**
 * FASTA, record by record. A record is a header line `>id description...` and the sequence
 * lines after it, each trimmed of surrounding whitespace and joined. Blank lines and `;` comment
 * lines are skipped anywhere. The sequence is given exactly as written (case kept, letters not
 * checked): what the letters mean is the alphabet's business (alphabet.ts), and label or mask
 * FASTA files hold other characters.
 *
 * Errors name the file and line: text before the first header, a header with no id, and a
 * record with no sequence (an empty record is always a mistake in sequence, label and mask files
 * alike). Duplicate ids are the caller's to judge (bio-records.ts), since only it knows which
 * files are joined.
 */
import { SeqlabError } from '../errors.js';
import { numberedLines } from './lines.js';

/** One FASTA record. */
export interface FastaRecord {
  /** The header's first word after `>`. */
  id: string;
  /** The rest of the header after the id, trimmed ('' when none). */
  description: string;
  /** The sequence lines, trimmed and joined, case kept. */
  sequence: string;
  /** The 1-based line of the header. */
  line: number;
}

/** Whether a text looks like FASTA: its first line that is not blank or a `;` comment starts with `>`. */
export function looksLikeFasta(text: string): boolean {
  for (let start = 0; start < text.length;) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const line = text.slice(start, end).trim();
    if (line !== '' && !line.startsWith(';')) return line.startsWith('>');
    start = end + 1;
  }
  return false;
}

/** Splits a header line (without its `>`) into the id and the rest. */
function parseHeader(header: string, file: string, line: number): { id: string; description: string } {
  const text = header.trim();
  const space = text.search(/\s/);
  const id = space < 0 ? text : text.slice(0, space);
  if (id === '') throw new SeqlabError(`${file}:${line}: a FASTA header with no id (write '>id ...')`);
  return { id, description: space < 0 ? '' : text.slice(space + 1).trim() };
}

/**
 * The records of FASTA `text` in file order; `file` names it in errors. Linear in the text:
 * each line is visited once and each sequence joined once.
 */
export function* readFasta(text: string, file: string): Generator<FastaRecord> {
  let current: { id: string; description: string; line: number } | null = null;
  let parts: string[] = [];
  const finish = (): FastaRecord => {
    const rec = current!;
    const sequence = parts.join('');
    if (sequence === '') throw new SeqlabError(`${file}:${rec.line}: record '${rec.id}' has no sequence`);
    return { ...rec, sequence };
  };

  for (const { line, lineNo } of numberedLines(text)) {
    if (line === '' || line.startsWith(';')) continue;
    if (line.startsWith('>')) {
      if (current) yield finish();
      current = { ...parseHeader(line.slice(1), file, lineNo), line: lineNo };
      parts = [];
    } else if (current) {
      parts.push(line);
    } else {
      throw new SeqlabError(`${file}:${lineNo}: sequence data before the first FASTA header ('>id')`);
    }
  }
  if (current) yield finish();
}

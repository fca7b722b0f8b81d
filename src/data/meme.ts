/**
 * The MEME suite's minimal motif format (https://meme-suite.org/meme/doc/meme-format.html), so
 * motifs a model has learnt can go to Tomtom, FIMO or any tool that reads it:
 *
 *     MEME version 4
 *
 *     ALPHABET= ACGT
 *
 *     strands: + -
 *
 *     Background letter frequencies
 *     A 0.250000 C 0.250000 G 0.250000 T 0.250000
 *
 *     MOTIF filter0
 *     letter-probability matrix: alength= 4 w= 7 nsites= 312 E= 0
 *      0.010000 0.020000 0.950000 0.020000
 *      …one row per position
 *
 * Only the two standard alphabets: DNA (ACGT) and protein (ACDEFGHIKLMNPQRSTVWY), in that
 * column order. A model's alphabet may hold an unknown letter (N for DNA, X for protein) and
 * list the letters in another order: `formatMeme` drops the unknown column, renormalises each
 * row, and reorders the columns. `parseMeme` reads the same format back, strictly enough to
 * validate what we write (an error names the line).
 */
import { SeqlabError } from '../errors.js';

/** A motif as MEME holds it: a name (no spaces), [width][letters] probabilities, and its site count. */
export interface MemeMotif {
  name: string;
  pwm: number[][];
  sites: number;
}

/** The alphabet a PWM's columns follow: `letters` in column order, possibly with N (DNA) or X (protein). */
export interface MemeAlphabet {
  letters: string;
  name: 'dna' | 'protein';
}

/** What `parseMeme` reads: the standard alphabet, strands, background and motifs (columns in MEME order). */
export interface MemeFile {
  alphabet: MemeAlphabet;
  /** '+ -' (both strands), '+' or '-'; null when the file does not say. */
  strands: string | null;
  /** One frequency per letter; uniform when the file gives none. */
  background: number[];
  motifs: (MemeMotif & { evalue: number })[];
}

/** The standard alphabets in MEME's column order, and the unknown letter a model's alphabet may add. */
const STANDARD = {
  dna: { letters: 'ACGT', unknown: 'N' },
  protein: { letters: 'ACDEFGHIKLMNPQRSTVWY', unknown: 'X' },
} as const;

/** A row sums to 1 within this in a file (MEME writes six decimals). */
const ROW_TOLERANCE = 0.01;

/** For each standard letter, its column in `alphabet.letters`; throws unless the letters are the standard ones (plus the unknown). */
function standardColumns(alphabet: MemeAlphabet): number[] {
  const std = STANDARD[alphabet.name];
  if (!std) throw new SeqlabError(`formatMeme: alphabet name '${String(alphabet.name)}' is not 'dna' or 'protein'`);
  const chars = [...alphabet.letters.toUpperCase()];
  const core = chars.filter((c) => c !== std.unknown);
  if (core.length !== std.letters.length || new Set(core).size !== core.length || !core.every((c) => std.letters.includes(c))) {
    throw new SeqlabError(`formatMeme: alphabet '${alphabet.letters}' is not ${std.letters} in some order (plus ${std.unknown})`);
  }
  return [...std.letters].map((c) => chars.indexOf(c));
}

/** `row` over the model's letters → over the standard ones: the unknown dropped, renormalised (uniform when nothing is left). */
function toStandard(row: readonly number[], columns: readonly number[], where: string): number[] {
  if (row.some((v) => !(Number.isFinite(v) && v >= 0))) throw new SeqlabError(`formatMeme: ${where} holds a negative or non-finite value`);
  const picked = columns.map((c) => row[c]);
  const sum = picked.reduce((a, b) => a + b, 0);
  return sum > 0 ? picked.map((v) => v / sum) : picked.map(() => 1 / picked.length);
}

/**
 * MEME minimal motif format text for `motifs`, whose PWM columns follow `alphabet.letters`.
 * `background` (over the same letters; default uniform) goes the same way. Names lose their
 * whitespace (runs become '_'), as MEME identifiers are one word; an empty name becomes
 * `motif<n>`. DNA motifs say `strands: + -`; E-values are 0, as nothing was searched.
 */
export function formatMeme(motifs: readonly MemeMotif[], alphabet: MemeAlphabet, background?: readonly number[]): string {
  const columns = standardColumns(alphabet);
  const std = STANDARD[alphabet.name].letters;
  const width = alphabet.letters.length;
  const bg = background ?? new Array<number>(width).fill(1 / width);
  if (bg.length !== width) throw new SeqlabError(`formatMeme: background has ${bg.length} values for the ${width} letters '${alphabet.letters}'`);
  const bgStd = toStandard(bg, columns, 'background');
  const lines = ['MEME version 4', '', `ALPHABET= ${std}`, ''];
  if (alphabet.name === 'dna') lines.push('strands: + -', '');
  lines.push('Background letter frequencies');
  for (let i = 0; i < std.length; i += 10) {
    lines.push([...std].slice(i, i + 10).map((c, j) => `${c} ${bgStd[i + j].toFixed(6)}`).join(' '));
  }
  lines.push('');
  motifs.forEach((m, k) => {
    const name = m.name.trim().replace(/\s+/g, '_') || `motif${k + 1}`;
    if (m.pwm.length === 0) throw new SeqlabError(`formatMeme: motif '${m.name}' has no positions`);
    if (!(Number.isInteger(m.sites) && m.sites >= 0)) throw new SeqlabError(`formatMeme: motif '${m.name}' has sites ${m.sites}, not a count`);
    lines.push(`MOTIF ${name}`, `letter-probability matrix: alength= ${std.length} w= ${m.pwm.length} nsites= ${m.sites} E= 0`);
    m.pwm.forEach((row, j) => {
      if (row.length !== width) throw new SeqlabError(`formatMeme: motif '${m.name}' position ${j + 1} has ${row.length} values for the ${width} letters '${alphabet.letters}'`);
      lines.push(` ${toStandard(row, columns, `motif '${m.name}' position ${j + 1}`).map((v) => v.toFixed(6)).join(' ')}`);
    });
    lines.push('');
  });
  return lines.join('\n');
}

/** Numbers on a line, or null when any token is not a number. */
function numbers(line: string): number[] | null {
  const tokens = line.trim().split(/\s+/);
  const vals = tokens.map(Number);
  return tokens[0] !== '' && vals.every(Number.isFinite) ? vals : null;
}

/** The alphabet whose standard letters are `letters`, or null. */
function alphabetOf(letters: string): MemeAlphabet | null {
  if (letters === STANDARD.dna.letters) return { letters, name: 'dna' };
  if (letters === STANDARD.protein.letters) return { letters, name: 'protein' };
  return null;
}

/** The `key= value` pairs of a matrix header (`alength= 4 w= 7 nsites= 20 E= 0`). */
function headerFields(rest: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of rest.matchAll(/(\w+)=\s*(\S+)/g)) out[m[1]] = m[2];
  return out;
}

/**
 * Reads MEME minimal motif format: the version line (4 or later), then optional ALPHABET= (ACGT or
 * the 20 amino acids; custom alphabet definitions are refused), strands:, background
 * frequencies, and MOTIF sections with a letter-probability matrix each (URL lines and
 * log-odds matrices are skipped). Each row must hold alength probabilities in [0, 1] that sum to
 * 1 within 0.01, and a matrix must have w rows. Without nsites= a motif has 20 sites, as MEME
 * assumes. Anything else is a SeqlabError naming `source` and the line.
 */
export function parseMeme(text: string, source = 'MEME text'): MemeFile {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const fail = (i: number, msg: string): never => {
    throw new SeqlabError(`${source} line ${i + 1}: ${msg}`);
  };
  const skipBlank = (i: number): number => {
    while (i < lines.length && lines[i] === '') i++;
    return i;
  };
  let i = skipBlank(0);
  const version = /^MEME version (\d+)/.exec(lines[i] ?? '');
  if (!version || Number(version[1]) < 4) fail(Math.min(i, lines.length - 1), `expected 'MEME version 4' (or later), found '${lines[i] ?? ''}'`);
  let alphabet: MemeAlphabet | null = null;
  let strands: string | null = null;
  let background: number[] | null = null;
  const motifs: MemeFile['motifs'] = [];
  for (i = skipBlank(i + 1); i < lines.length; i = skipBlank(i)) {
    const line = lines[i];
    if (line.startsWith('ALPHABET')) {
      const m = /^ALPHABET=\s*(\S+)$/.exec(line);
      if (!m) fail(i, `expected 'ALPHABET= ACGT' or a protein alphabet (custom alphabet definitions are not supported), found '${line}'`);
      if (motifs.length) fail(i, 'ALPHABET= after the first MOTIF');
      alphabet = checkAlphabet(m![1], alphabet, i, fail);
      i++;
    } else if (line.startsWith('strands:')) {
      const m = /^strands:\s*(\+\s+-|\+|-)$/.exec(line);
      if (!m) fail(i, `expected 'strands: + -', 'strands: +' or 'strands: -', found '${line}'`);
      strands = m![1].replace(/\s+/g, ' ');
      i++;
    } else if (/^Background letter frequencies\b/.test(line)) {
      const start = i + 1;
      let letters: string;
      [letters, background, i] = readBackground(lines, start, fail);
      alphabet = checkAlphabet(letters, alphabet, start, fail);
    } else if (line.startsWith('MOTIF')) {
      let motif: MemeFile['motifs'][number];
      [motif, i, alphabet] = readMotif(lines, i, alphabet, fail);
      motifs.push(motif);
    } else if (/^URL\s/.test(line)) {
      i++;
    } else {
      fail(i, `unexpected line '${line}'`);
    }
  }
  if (!alphabet) return fail(lines.length - 1, 'no ALPHABET= line, and no background or motif to tell the alphabet from');
  const n = alphabet.letters.length;
  return { alphabet, strands, background: background ?? new Array<number>(n).fill(1 / n), motifs };
}

type Fail = (i: number, msg: string) => never;

/** The standard alphabet `letters` names, checked against the one already declared. */
function checkAlphabet(letters: string, declared: MemeAlphabet | null, i: number, fail: Fail): MemeAlphabet {
  const a = alphabetOf(letters);
  if (!a) return fail(i, `alphabet '${letters}' is not ACGT or ACDEFGHIKLMNPQRSTVWY`);
  if (declared && declared.letters !== letters) fail(i, `letters '${letters}' do not match ALPHABET= ${declared.letters}`);
  return a;
}

/** Letter–frequency pairs from line i on, up to a blank line: the letters in order, their values, and the next line. */
function readBackground(lines: readonly string[], i: number, fail: Fail): [string, number[], number] {
  let letters = '';
  const values: number[] = [];
  for (; i < lines.length && lines[i] !== ''; i++) {
    const tokens = lines[i].split(/\s+/);
    if (tokens.length % 2 !== 0) fail(i, `expected letter–frequency pairs, found '${lines[i]}'`);
    for (let k = 0; k < tokens.length; k += 2) {
      const v = Number(tokens[k + 1]);
      if (!/^[A-Z]$/.test(tokens[k]) || !(Number.isFinite(v) && v >= 0 && v <= 1)) fail(i, `'${tokens[k]} ${tokens[k + 1]}' is not a letter and a frequency`);
      letters += tokens[k];
      values.push(v);
    }
  }
  if (!values.length) fail(i, 'background letter frequencies are missing');
  const sum = values.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > ROW_TOLERANCE) fail(i - 1, `background frequencies sum to ${sum.toFixed(4)}, not 1`);
  return [letters, values, i];
}

/** A MOTIF section from line i: its name, matrix and counts; returns the line after it and the alphabet (told from alength when unknown). */
function readMotif(lines: readonly string[], i: number, alphabet: MemeAlphabet | null, fail: Fail): [MemeFile['motifs'][number], number, MemeAlphabet] {
  const head = /^MOTIF\s+(\S+)(?:\s+\S.*)?$/.exec(lines[i]);
  if (!head) fail(i, `expected 'MOTIF name', found '${lines[i]}'`);
  const name = head![1];
  for (i++; i < lines.length; i++) {
    const line = lines[i];
    if (line === '' || /^URL\s/.test(line)) continue;
    if (line.startsWith('log-odds matrix:')) {
      const w = Number(headerFields(line.slice('log-odds matrix:'.length)).w);
      if (!(Number.isInteger(w) && w > 0)) fail(i, 'a log-odds matrix needs w= (its rows are skipped)');
      i += w;
      continue;
    }
    if (line.startsWith('letter-probability matrix:')) break;
    fail(i, `expected 'letter-probability matrix:' for motif '${name}', found '${line}'`);
  }
  if (i >= lines.length) fail(lines.length - 1, `motif '${name}' has no letter-probability matrix`);
  const fields = headerFields(lines[i].slice('letter-probability matrix:'.length));
  const alength = fields.alength !== undefined ? Number(fields.alength) : alphabet?.letters.length;
  const a = alphabet ?? (alength === 4 ? alphabetOf(STANDARD.dna.letters) : alength === 20 ? alphabetOf(STANDARD.protein.letters) : null);
  if (!a) return fail(i, `no ALPHABET= line, and alength= ${fields.alength ?? '(none)'} is neither 4 (DNA) nor 20 (protein)`);
  if (alength !== a.letters.length) fail(i, `alength= ${fields.alength} but the alphabet ${a.letters} has ${a.letters.length} letters`);
  const w = fields.w !== undefined ? Number(fields.w) : Infinity;
  if (fields.w !== undefined && !(Number.isInteger(w) && w > 0)) fail(i, `w= ${fields.w} is not a positive integer`);
  const sites = fields.nsites !== undefined ? Number(fields.nsites) : 20;
  const evalue = fields.E !== undefined ? Number(fields.E) : 0;
  if (!(Number.isFinite(sites) && sites >= 0)) fail(i, `nsites= ${fields.nsites} is not a count`);
  if (!(Number.isFinite(evalue) && evalue >= 0)) fail(i, `E= ${fields.E} is not an E-value`);
  const pwm: number[][] = [];
  for (i++; pwm.length < w && i < lines.length; i++) {
    const row = numbers(lines[i]);
    if (!row) {
      if (w === Infinity) break; // without w=, the matrix ends at the first line that is not a row
      fail(i, `motif '${name}' expects ${w} rows but has ${pwm.length}, then '${lines[i]}'`);
    }
    if (row!.length !== a.letters.length) fail(i, `a row of motif '${name}' has ${row!.length} values, not alength= ${a.letters.length}`);
    if (row!.some((v) => v < 0 || v > 1)) fail(i, `a row of motif '${name}' holds a value outside [0, 1]`);
    const sum = row!.reduce((s, v) => s + v, 0);
    if (Math.abs(sum - 1) > ROW_TOLERANCE) fail(i, `a row of motif '${name}' sums to ${sum.toFixed(4)}, not 1`);
    pwm.push(row!);
  }
  if (pwm.length === 0 || (w !== Infinity && pwm.length < w)) fail(i - 1, `motif '${name}' expects ${w === Infinity ? 'at least 1' : w} rows but has ${pwm.length}`);
  return [{ name, pwm, sites, evalue }, i, a];
}

/**
 * The DNA and protein alphabets that classify and tag models read: letters to ids and back.
 *
 * DNA: `ACGTN` (ids 0-4), case-insensitive. The other IUPAC ambiguity codes
 * (`R Y S W K M B D H V`) map to `N`: a model cannot use "A or G" better than "unknown", and the
 * UCI splice data holds a few D, R and S. `U` (uracil) is an error, not a T: an RNA sequence in a
 * DNA file is more likely a mistake than something to convert silently.
 *
 * Protein: the 20 amino acids `ACDEFGHIKLMNPQRSTVWY` (ids 0-19) then `X` (id 20),
 * case-insensitive. The IUPAC extended codes `B` (D or N), `Z` (E or Q), `J` (I or L), `U`
 * (selenocysteine) and `O` (pyrrolysine) map to `X`; the NetSurfP chains hold ten U and one O.
 *
 * Anything else (gaps `-`, stops `*`, digits, spaces, other letters) is a SeqlabError naming the
 * record, the 1-based position and the character.
 */
import { SeqlabError, assert } from '../errors.js';

export type AlphabetName = 'dna' | 'protein';

/** A fixed alphabet of sequence letters. */
export interface Alphabet {
  readonly name: AlphabetName;
  /** The letters in id order (upper case). */
  readonly letters: string;
  /** Number of ids: `letters.length`. */
  readonly size: number;
  /** The id of the unknown letter (`N` for DNA, `X` for protein), which ambiguity codes map to. */
  readonly unknown: number;
  /**
   * The ids of `seq`, one per character. `where()` names the record in errors (for example
   * `train.fasta:12: record 'chr1'`); it is called only when a character is invalid.
   */
  encode(seq: string, where: () => string): Uint8Array;
  /** The upper-case letters of `ids` (every id below `size`). */
  decode(ids: ArrayLike<number>): string;
  /** `complement[id]` is the id of the complementary base (DNA); null for protein. */
  readonly complement: Uint8Array | null;
}

/** Marks a character code with no id in the lookup table. */
const INVALID = 255;

interface AlphabetSpec {
  name: AlphabetName;
  letters: string;
  unknownLetter: string;
  /** Letters accepted as the unknown letter. */
  ambiguous: string;
  /** A hint for a few characters people commonly put in by mistake. */
  hints: Readonly<Record<string, string>>;
  complementLetters: string | null;
}

/** Shows a character in a message: quoted when printable, as U+XXXX when not. */
function showChar(seq: string, i: number): string {
  const cp = seq.codePointAt(i)!;
  const printable = cp > 0x20 && cp !== 0x7f && !(cp >= 0x80 && cp < 0xa0) && !(cp >= 0xd800 && cp < 0xe000);
  if (printable) return `'${String.fromCodePoint(cp)}'`;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

function makeAlphabet(spec: AlphabetSpec): Alphabet {
  const { name, letters } = spec;
  const table = new Uint8Array(128).fill(INVALID);
  const set = (ch: string, id: number): void => {
    table[ch.toUpperCase().charCodeAt(0)] = id;
    table[ch.toLowerCase().charCodeAt(0)] = id;
  };
  [...letters].forEach((ch, id) => set(ch, id));
  const unknown = letters.indexOf(spec.unknownLetter);
  assert(unknown >= 0, `alphabet ${name}: unknown letter not among its letters`);
  for (const ch of spec.ambiguous) set(ch, unknown);
  const accepted = `${name === 'dna' ? 'DNA' : name} letters are ${letters}, and ${spec.ambiguous} read as ${spec.unknownLetter}`;

  const invalid = (seq: string, i: number, where: () => string): SeqlabError => {
    const hint = spec.hints[seq[i].toUpperCase()];
    return new SeqlabError(`${where()}: invalid character ${showChar(seq, i)} at position ${i + 1}`
      + ` (${accepted}, in either case${hint ? `; ${hint}` : ''})`);
  };

  const complement = spec.complementLetters === null
    ? null
    : Uint8Array.from(spec.complementLetters, (ch) => letters.indexOf(ch));

  return {
    name,
    letters,
    size: letters.length,
    unknown,
    complement,
    encode(seq, where) {
      const ids = new Uint8Array(seq.length);
      for (let i = 0; i < seq.length; i++) {
        const c = seq.charCodeAt(i);
        const id = c < 128 ? table[c] : INVALID;
        if (id === INVALID) throw invalid(seq, i, where);
        ids[i] = id;
      }
      return ids;
    },
    decode(ids) {
      const chunks: string[] = [];
      const codes = new Uint16Array(Math.min(ids.length, 8192));
      for (let start = 0; start < ids.length; start += codes.length) {
        const n = Math.min(codes.length, ids.length - start);
        for (let i = 0; i < n; i++) {
          const id = ids[start + i];
          assert(id >= 0 && id < letters.length, `alphabet ${name}: id ${id} out of range`);
          codes[i] = letters.charCodeAt(id);
        }
        chunks.push(String.fromCharCode(...codes.subarray(0, n)));
      }
      return chunks.join('');
    },
  };
}

/** DNA: A C G T N; complement A<->T, C<->G, N->N. */
export const DNA: Alphabet = makeAlphabet({
  name: 'dna',
  letters: 'ACGTN',
  unknownLetter: 'N',
  ambiguous: 'RYSWKMBDHV',
  hints: { U: 'U is RNA: write T for DNA', '-': 'remove alignment gaps' },
  complementLetters: 'TGCAN',
});

/** Protein: the 20 amino acids then X; B, Z, J, U and O read as X. */
export const PROTEIN: Alphabet = makeAlphabet({
  name: 'protein',
  letters: 'ACDEFGHIKLMNPQRSTVWYX',
  unknownLetter: 'X',
  ambiguous: 'BZJUO',
  hints: { '*': 'remove stop codons', '-': 'remove alignment gaps' },
  complementLetters: null,
});

export const ALPHABETS: Readonly<Record<AlphabetName, Alphabet>> = { dna: DNA, protein: PROTEIN };

/** The alphabet called `name`; any other name is a SeqlabError listing the known ones. */
export function alphabetByName(name: string): Alphabet {
  if (name === 'dna' || name === 'protein') return ALPHABETS[name];
  throw new SeqlabError(`unknown alphabet '${name}' (known: ${Object.keys(ALPHABETS).join(', ')})`);
}

/** The DNA letters: ACGTN and the IUPAC ambiguity codes. */
const DNA_CODES = 'ACGTNRYSWKMBDHV';

/**
 * `dna` when at least 95% of the non-whitespace characters of `sequences` are DNA letters (ACGTN
 * or an IUPAC ambiguity code, either case) and at least half are A, C, G, T or N; else
 * `protein`. Real DNA passes even with many ambiguity codes or a stray bad character (which
 * validation then reports as a DNA error); a protein does not, since about a third of its
 * residues (E F I L P Q) are no DNA letter and only about a quarter are A C G T N. No
 * characters at all guesses `dna`.
 */
export function guessAlphabet(sequences: readonly string[]): AlphabetName {
  const kind = new Uint8Array(128); // 2: ACGTN, 1: other IUPAC code, 0: neither
  for (const ch of DNA_CODES) {
    const k = 'ACGTN'.includes(ch) ? 2 : 1;
    kind[ch.charCodeAt(0)] = k;
    kind[ch.toLowerCase().charCodeAt(0)] = k;
  }
  let acgtn = 0;
  let codes = 0;
  let total = 0;
  for (const seq of sequences) {
    for (let i = 0; i < seq.length; i++) {
      const c = seq.charCodeAt(i);
      if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) continue;
      total++;
      const k = c < 128 ? kind[c] : 0;
      if (k > 0) codes++;
      if (k === 2) acgtn++;
    }
  }
  return total === 0 || (codes >= 0.95 * total && acgtn >= 0.5 * total) ? 'dna' : 'protein';
}

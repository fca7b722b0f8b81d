/**
 * The `13a` tokenizer of sacreBLEU 2.5.1 (`tokenizer_13a` + `tokenizer_re`), which reproduces
 * mteval-v13a.pl as used by WMT, and the text primitives the metrics share with it: Python's
 * `str.split()` / `str.rstrip()` whitespace and n-gram counting.
 *
 * Matching sacreBLEU exactly means matching Python's string semantics, not JavaScript's:
 * - whitespace is what `str.isspace()` accepts (it includes U+001C..U+001F and U+0085, which `\s`
 *   lacks, and excludes U+FEFF, which `\s` has);
 * - characters are code points, not UTF-16 units (see `codePoints`).
 */

/** Python's `str.isspace()` set: bidi class WS, B or S, or general category Zs. */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_SPACE_RUN = new RegExp(`[${PY_SPACE}]+`, 'u');
const PY_TRAILING_SPACE = new RegExp(`[${PY_SPACE}]+$`, 'u');

/** Python's `s.split()` with no argument: runs of whitespace separate, no empty words. */
export function splitWords(s: string): string[] {
  return s.split(PY_SPACE_RUN).filter((w) => w.length > 0);
}

/** Python's `s.rstrip()` with no argument. */
export function rstrip(s: string): string {
  return s.replace(PY_TRAILING_SPACE, '');
}

/** The code points of `s`, as Python indexes a `str` (an emoji is one character, not two). */
export function codePoints(s: string): string[] {
  return Array.from(s);
}

/**
 * Counts of the n-grams of `units` for every order n in [minOrder, maxOrder], keyed by the units
 * joined with a space. Units never contain whitespace here, so the key is unambiguous.
 */
export function countNgrams(units: readonly string[], minOrder: number, maxOrder: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = minOrder; n <= maxOrder; n++) {
    for (let i = 0; i + n <= units.length; i++) {
      const key = units.slice(i, i + n).join(' ');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/**
 * mteval-v13a's language-dependent rules, applied in order, each over the whole line:
 * 1. split off ASCII symbols: `{|}~ [\]^_\` space-& (-+ :-@ /` (not `'`, `-`, `.`, `,`, digits);
 * 2. split `.` and `,` unless preceded by a digit;
 * 3. split `.` and `,` unless followed by a digit;
 * 4. split `-` when preceded by a digit.
 * Each regex replaces non-overlapping matches left to right, as Python's `re.sub` does.
 */
const RULES_13A: readonly [RegExp, string][] = [
  [/([\x20-\x26\x28-\x2b\x3a-\x40\x5b-\x60\x7b-\x7e/])/gu, ' $1 '],
  [/([^0-9])([.,])/gu, '$1 $2 '],
  [/([.,])([^0-9])/gu, ' $1 $2'],
  [/([0-9])(-)/gu, '$1 $2 '],
];

/**
 * Tokenizes one segment as sacreBLEU's `13a` does and returns the tokens.
 *
 * First the language-independent part: drop `<skipped>`, join `-\n` hyphenations, turn the
 * remaining newlines into spaces and unescape `&quot; &amp; &lt; &gt;` (in that order, so
 * `&amp;lt;` becomes `<`, as in sacreBLEU). Then the regex rules above on ` line `, and a split
 * on whitespace.
 */
export function tokenize13a(line: string): string[] {
  let s = line
    .replaceAll('<skipped>', '')
    .replaceAll('-\n', '')
    .replaceAll('\n', ' ')
    .replaceAll('&quot;', '"')
    .replaceAll('&amp;', '&')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>');
  s = ` ${s} `;
  for (const [re, replacement] of RULES_13A) s = s.replace(re, replacement);
  return splitWords(s);
}

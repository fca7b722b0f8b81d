/** The lines of a text with their 1-based numbers, trimmed, in one linear pass (no split into an array). */
export function* numberedLines(text: string): Generator<{ line: string; lineNo: number }> {
  let lineNo = 0;
  for (let start = 0; start < text.length;) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    lineNo++;
    yield { line: text.slice(start, end).trim(), lineNo };
    start = end + 1;
  }
}

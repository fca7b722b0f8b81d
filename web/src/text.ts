/** Text helpers shared by the explorer's pages and Worker. */

/**
 * Splits a text into a training part and a held-out tail of about `share` of it, cut at a line
 * or sentence end so no word is split; the whole is first cut to at most `limit` characters.
 */
export function splitHeldOut(text: string, share: number, limit: number): { train: string; heldOut: string } {
  const whole = text.length > limit ? text.slice(0, limit) : text;
  let cut = Math.floor(whole.length * (1 - share));
  const ends = [whole.indexOf('\n', cut), whole.indexOf('. ', cut)].filter((i) => i >= 0);
  if (ends.length) cut = Math.min(...ends) + 1;
  return { train: whole.slice(0, cut), heldOut: whole.slice(cut).replace(/^\s+/, '') };
}

/** The last `n` characters of a text, starting at a word boundary where there is one. */
export function tail(text: string, n: number): string {
  if (text.length <= n) return text;
  const t = text.slice(-n);
  const space = t.indexOf(' ');
  return space >= 0 && space < n / 2 ? t.slice(space + 1) : t;
}

import { UsageError } from './run.js';

/**
 * `--set key=value` pairs: values are read as JSON where they parse (numbers, true/false,
 * quoted strings), otherwise kept as strings.
 */
export function parseSets(pairs: readonly string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set: '${pair}' is not key=value`);
    const key = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1).trim();
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    out[key] = value;
  }
  return out;
}

/** Collects repeated flags (`--set a=1 --set b=2`) into a list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

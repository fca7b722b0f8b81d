/** The benchmarks' command-line flags: the value of `--name VALUE` in the arguments, or the default. */
export function flag(name: string, fallback: string, argv: readonly string[] = process.argv.slice(2)): string {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
}

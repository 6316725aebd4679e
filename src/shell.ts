/** A word for `sh` that stands for `value` exactly: in generated scripts and in commands shown to copy. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_/.,:@%+=-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

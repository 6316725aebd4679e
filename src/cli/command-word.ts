/**
 * What a start needs, from its words alone, before anything but Node's own modules is loaded: the
 * bin (bin/claude-fallback.ts) answers `--version` itself and loads the light program for
 * `statusline`, which Claude Code runs many times a minute, and the full program for the rest.
 */

/** Global options that take a value (SPEC §3); kept equal to `newProgram`'s by a test. */
export const VALUE_OPTIONS: ReadonlySet<string> = new Set(["--config", "--claude"]);

/** The command named in `argv`: the first word that is neither an option nor an option's value. */
export function commandOf(argv: readonly string[]): string | null {
  const at = commandIndex(argv);
  return at === -1 ? null : argv[at]!;
}

/** Where {@link commandOf}'s word is in `argv`; -1 when there is none. */
function commandIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") return -1;
    if (VALUE_OPTIONS.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith("-")) continue;
    return i;
  }
  return -1;
}

/** A global option that takes a value, in either spelling: `--config FILE` (two words) or `--config=FILE`. */
function isValueOption(arg: string): boolean {
  return VALUE_OPTIONS.has(arg) || [...VALUE_OPTIONS].some((option) => arg.startsWith(`${option}=`));
}

/**
 * `--version` alone (any of its spellings, SPEC §3), `statusline`, or anything else (the full
 * program). `statusline` goes to the light program only when nothing but `--config` or `--claude`
 * comes before it: a global flag there (`-v statusline`, `--help statusline`) means what the full
 * program makes of it.
 */
export function startKind(argv: readonly string[]): "version" | "statusline" | "program" {
  if (argv.length === 1 && ["--version", "-V", "-v"].includes(argv[0]!)) return "version";
  const at = commandIndex(argv);
  if (at === -1 || argv[at] !== "statusline") return "program";
  // Before the command, commandIndex skipped only options: each must take a value.
  return argv
    .slice(0, at)
    .every((arg, i, before) => isValueOption(arg) || VALUE_OPTIONS.has(before[i - 1] ?? ""))
    ? "statusline"
    : "program";
}

/**
 * What a start needs, from its words alone, before anything but Node's own modules is loaded: the
 * bin (bin/claude-fallback.ts) answers `--version` itself and loads the light program for
 * `statusline`, which Claude Code runs many times a minute, and the full program for the rest.
 */

/** Global options that take a value (SPEC §3); kept equal to `newProgram`'s by a test. */
export const VALUE_OPTIONS: ReadonlySet<string> = new Set(["--config", "--claude"]);

/** The command named in `argv`: the first word that is neither an option nor an option's value. */
export function commandOf(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") return null;
    if (VALUE_OPTIONS.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith("-")) continue;
    return arg;
  }
  return null;
}

/** `--version` alone (any of its spellings, SPEC §3), `statusline`, or anything else (the full program). */
export function startKind(argv: readonly string[]): "version" | "statusline" | "program" {
  if (argv.length === 1 && ["--version", "-V", "-v"].includes(argv[0]!)) return "version";
  return commandOf(argv) === "statusline" ? "statusline" : "program";
}

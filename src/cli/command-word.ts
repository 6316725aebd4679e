/**
 * What a start needs, from its words alone, before anything but Node's own modules is loaded: the
 * bin (bin/claude-fallback.ts) answers `--version` itself, loads a light program for `statusline`,
 * which Claude Code runs many times a minute, and for a plain `status`, and the full program for
 * the rest.
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
 * The global options' values before the command, for a light program that runs its plain form
 * without commander: `--config FILE` or `--config=FILE`, the last one counting, as commander takes them.
 */
export function globalValues(argv: readonly string[]): { config?: string; claude?: string } {
  const values: { config?: string; claude?: string } = {};
  const at = commandIndex(argv);
  for (let i = 0; i < (at === -1 ? argv.length : at); i++) {
    const arg = argv[i]!;
    const equals = arg.indexOf("=");
    const [option, value] = VALUE_OPTIONS.has(arg)
      ? [arg, argv[++i]]
      : [arg.slice(0, equals), arg.slice(equals + 1)];
    if (value !== undefined && (option === "--config" || option === "--claude"))
      values[option.slice(2) as "config" | "claude"] = value;
  }
  return values;
}

/** The words after the command `argv` names; none without one. */
export function wordsAfterCommand(argv: readonly string[]): string[] {
  const at = commandIndex(argv);
  return at === -1 ? [] : argv.slice(at + 1);
}

/** The words after `status` that its light program serves: the plain forms (help and mistakes go to the full program). */
const PLAIN_STATUS: readonly (readonly string[])[] = [[], ["--json"]];

/**
 * `--version` alone (any of its spellings, SPEC §3), `statusline`, a plain `status` (`--json` or
 * nothing after it), or anything else (the full program). A light program is chosen only when
 * nothing but `--config` or `--claude` comes before its command: a global flag there
 * (`-v statusline`, `--help status`) means what the full program makes of it.
 */
export function startKind(argv: readonly string[]): "version" | "statusline" | "status" | "program" {
  if (argv.length === 1 && ["--version", "-V", "-v"].includes(argv[0]!)) return "version";
  const at = commandIndex(argv);
  if (at === -1) return "program";
  // Before the command, commandIndex skipped only options: each must take a value.
  const onlyValueOptions = argv
    .slice(0, at)
    .every((arg, i, before) => isValueOption(arg) || VALUE_OPTIONS.has(before[i - 1] ?? ""));
  if (!onlyValueOptions) return "program";
  if (argv[at] === "statusline") return "statusline";
  const after = wordsAfterCommand(argv);
  const plainStatus = PLAIN_STATUS.some(
    (words) => words.length === after.length && words.every((w, i) => w === after[i]),
  );
  return argv[at] === "status" && plainStatus ? "status" : "program";
}

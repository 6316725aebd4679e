/**
 * Start-up without the full program for the commands that run often and need little: `statusline`
 * (Claude Code runs it many times a minute) and `--version`. `program.ts` imports every command
 * and, through them, zod, SQLite, undici and node-pty (~0.4 s of start-up); this module imports
 * only commander and the statusline command. Everything else goes to `program.ts` (`main`).
 */
import { Command, CommanderError } from "commander";
import { registerStatusline } from "./statusline.js";
import { VERSION } from "./version.js";

/** Global options that take a value (SPEC §3); kept equal to `buildProgram`'s by a test. */
const VALUE_OPTIONS = new Set(["--config", "--claude"]);

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

/** The program's name, version, global options and error handling, without any command. */
export function newProgram(): Command {
  return new Command("claude-fallback")
    .version(VERSION, "-V, --version")
    .option("--config <path>", "config file to use (default: $CLAUDE_FALLBACK_CONFIG, then the XDG location)")
    .option("--claude <path>", "the Claude Code executable to run")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ outputError: (text, write) => write(text) })
    .exitOverride();
}

/** The light program: {@link newProgram} with the one command it serves. */
export function buildFastProgram(): Command {
  const program = newProgram();
  registerStatusline(program);
  return program;
}

/**
 * Handles `argv` when it is `--version` or the `statusline` command and returns the exit code;
 * returns null for everything else (then `program.ts` `main` runs).
 */
export async function fastMain(argv: readonly string[]): Promise<number | null> {
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (commandOf(argv) !== "statusline") return null;
  try {
    await buildFastProgram().parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    process.stderr.write(`claude-fallback: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

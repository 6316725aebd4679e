/**
 * The light program, for `statusline` (Claude Code runs it many times a minute): commander and the
 * statusline command, without the full program's commands and what they load (zod, SQLite, the
 * gateway). The bin starts it for the words `startKind` (command-word.ts) calls `statusline`.
 */
import { Command, CommanderError, type ErrorOptions } from "commander";
import { UsageError } from "../errors.js";
import { exitCodeSet, reportFailure } from "./failure.js";
import { registerStatusline } from "./statusline.js";
import { VERSION } from "./version.js";

/**
 * A usage error commander found (unknown option, missing or excess argument, bad choice…) as our
 * one line: commander's words without its `error: ` prefix, its "(Did you mean …?)" on the same
 * line, then where the command's help is. `command` is the command that refused its arguments and
 * `code` commander's code (`commander.unknownOption`, `commander.excessArguments`…), so that the
 * full program can say more (see `program.ts`).
 */
export class CommandLineError extends UsageError {
  override name = "CommandLineError";
  constructor(
    readonly command: Command,
    readonly code: string,
    /** The problem alone, without the pointer to the help. */
    readonly problem: string,
  ) {
    super(`${problem}; see \`${[...commandPath(command), "--help"].join(" ")}\``);
  }
}

/** `["claude-fallback", "config", "init"]`: the words that name `command`. */
function commandPath(command: Command): string[] {
  const names: string[] = [];
  for (let at: Command | null = command; at; at = at.parent) names.unshift(at.name());
  return names;
}

/** Commander's error text as one line: `error: unknown option '--jsn'\n(Did you mean --json?)` → `unknown option '--jsn' (did you mean --json?)`. */
function oneLine(message: string): string {
  return message
    .replace(/^error: /, "")
    .replace(/\s*\n\s*\(Did you mean/g, " (did you mean")
    .replace(/\s*\n\s*/g, " ")
    .replace(/\.$/, "");
}

/**
 * Our commands: a usage error is thrown as a {@link CommandLineError} (printed by `main` as one
 * `claude-fallback: …` line, exit 2) instead of being written by commander. Subcommands are made
 * by `createCommand`, so they are of this class too.
 */
class ProgramCommand extends Command {
  override createCommand(name?: string): ProgramCommand {
    return new ProgramCommand(name);
  }

  override error(message: string, options?: ErrorOptions): never {
    throw new CommandLineError(this, options?.code ?? "commander.error", oneLine(message));
  }
}

/** The program's name, version, global options and error handling, without any command. */
export function newProgram(): Command {
  return new ProgramCommand("claude-fallback")
    .version(VERSION, "-V, --version")
    .option("--config <path>", "config file to use (default: $CLAUDE_FALLBACK_CONFIG, then the XDG location)")
    .option("--claude <path>", "the Claude Code executable to run")
    .exitOverride();
}

/** The light program: {@link newProgram} with the one command it serves. */
export function buildFastProgram(): Command {
  const program = newProgram();
  registerStatusline(program);
  return program;
}

/** Runs the `statusline` command `argv` names (see `startKind`) and returns the exit code. */
export async function fastMain(argv: readonly string[]): Promise<number> {
  try {
    await buildFastProgram().parseAsync([...argv], { from: "user" });
    return exitCodeSet();
  } catch (error) {
    // --help and --version end through exitOverride with exit code 0; help shown for a missing
    // subcommand (`config`) with 1.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    return reportFailure(error);
  }
}

import { type Command, CommanderError } from "commander";
import { exitCodeOf, UsageError } from "../errors.js";
import { registerConfig } from "./config.js";
import { registerDemo } from "./demo.js";
import { registerDoctor } from "./doctor.js";
import { newProgram } from "./fast-path.js";
import { registerMonitor } from "./monitor.js";
import { registerResume } from "./resume.js";
import { registerRun } from "./run.js";
import { registerSimulate } from "./simulate.js";
import { registerStatus } from "./status.js";
import { registerStatusline } from "./statusline.js";
import { registerUsage } from "./usage.js";
import { registerUse } from "./use.js";

/** Options every command accepts (SPEC §3). Read them with `command.optsWithGlobals()`. */
export interface GlobalOptions {
  config?: string;
  claude?: string;
}

/**
 * Everything after the first `--` belongs to `claude` and is never parsed as ours (SPEC §3), so
 * `claude-fallback -- -p "fix the tests"` cannot be mistaken for our own options or commands.
 */
export function splitClaudeArgs(argv: string[]): { ours: string[]; claudeArgs: string[] } {
  const separator = argv.indexOf("--");
  const [ours, claudeArgs] =
    separator === -1 ? [argv, []] : [argv.slice(0, separator), argv.slice(separator + 1)];
  return { ours: ours.flatMap((arg) => SEED_SPELLINGS[arg] ?? [arg]), claudeArgs };
}

/** The seed's flags, kept working as spellings of the commands that replaced them (SPEC §3). */
const SEED_SPELLINGS: Record<string, string[]> = {
  "--use-subscription": ["use", "subscription"],
  "--status": ["status"],
};

export function buildProgram(claudeArgs: string[] = []): Command {
  const program = newProgram().description(
    "Run Claude Code on your subscription; at the usage limit, continue the same conversation on your own API key within your budget.",
  );
  registerRun(program, claudeArgs);
  registerUse(program);
  registerConfig(program);
  registerUsage(program);
  registerMonitor(program);
  registerSimulate(program);
  registerDemo(program);
  registerStatus(program);
  registerResume(program, claudeArgs);
  registerDoctor(program);
  registerStatusline(program);
  return program;
}

/** Parses argv, runs the command, and returns the process exit code. Never throws. */
export async function main(argv: string[]): Promise<number> {
  const { ours, claudeArgs } = splitClaudeArgs(argv);
  const program = buildProgram(claudeArgs);
  try {
    await program.parseAsync(ours, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through exitOverride with exit code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`claude-fallback: ${error.message}\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`claude-fallback: ${message}\n`);
    if (process.env.CLAUDE_FALLBACK_DEBUG && error instanceof Error && error.stack) {
      process.stderr.write(`${error.stack}\n`);
    }
    return exitCodeOf(error);
  }
}

import type { Command } from "commander";
import { parseClaudeArgs } from "../claude/args.js";
import { checkSessionId } from "../claude/session-id.js";
import { UsageError } from "../errors.js";
import type { RunOptions } from "./run.js";

export interface ResumeFlags {
  api?: boolean | undefined;
}

/**
 * The `claude` arguments and run options for `resume SESSION_ID [--api] [-- claude args…]`.
 * Throws UsageError for an id that is not a session id, or `claude` arguments that pick another
 * conversation.
 */
export function resumePlan(
  sessionId: string,
  flags: ResumeFlags,
  claudeArgs: readonly string[],
): { args: string[]; forceApi: boolean } {
  checkSessionId(sessionId, "resume");
  if (parseClaudeArgs(claudeArgs).session.kind !== "new") {
    throw new UsageError(
      "resume: the claude arguments after -- must not choose a session (--resume, --continue, --session-id, …)",
    );
  }
  return { args: ["--resume", sessionId, ...claudeArgs], forceApi: flags.api === true };
}

export function registerResume(program: Command, claudeArgs: string[]): void {
  program
    .command("resume")
    .description("resume a Claude Code session under claude-fallback (everything after -- goes to claude)")
    .argument("<session-id>", "the Claude Code session id (a UUID)")
    .option("--api", "continue on API billing (through the metering gateway)")
    .addHelpText(
      "after",
      '\nExamples:\n  claude-fallback resume 0b6c4b7e-5f1a-4c8e-9d3b-2a7f1e6c9d40 --api\n  claude-fallback resume 0b6c4b7e-5f1a-4c8e-9d3b-2a7f1e6c9d40 -- -p "carry on"',
    )
    .action(async (sessionId: string, flags: ResumeFlags, command: Command) => {
      const plan = resumePlan(sessionId, flags, claudeArgs);
      const { runWrapped } = await import("./run.js");
      process.exitCode = await runWrapped(plan.args, {
        ...command.optsWithGlobals<RunOptions>(),
        forceApi: plan.forceApi,
      });
    });
}

import type { Command } from "commander";
import { parseClaudeArgs } from "../claude/args.js";
import { type BillingMode, childEnvironment, removedCredentialNotice } from "../claude/env.js";
import { claudeVersion, locateClaude } from "../claude/locate.js";
import { createKeyProvider } from "../config/secret.js";
import { UsageError } from "../errors.js";
import { HeadlessRun } from "../session/headless.js";
import { InteractiveRun } from "../session/interactive.js";
import { runClaudeInheritingTerminal } from "../session/plain-run.js";
import { NO_KEY_REASON } from "../session/policy.js";
import { readState, stateFile } from "../state/store.js";
import { ledgerPath, openLedger } from "../usage/ledger.js";
import { type ContextOptions, loadContext } from "./context.js";

export interface RunOptions extends ContextOptions {
  forceApi?: boolean;
}

/** Runs `claude` with the user's arguments under the wrapper; resolves with the exit status. */
export async function runWrapped(claudeArgs: string[], opts: RunOptions): Promise<number> {
  const ctx = loadContext(opts);
  const claude = locateClaude({ flag: opts.claude, configured: ctx.config.claude_path }, ctx.env);
  const args = parseClaudeArgs(claudeArgs);
  const keys = createKeyProvider(ctx.config, ctx.env);
  if (opts.forceApi && keys.source === null) throw new UsageError(NO_KEY_REASON);
  const preferred = readState(stateFile(ctx.paths.stateDir)).preferred_mode;
  const mode: BillingMode =
    opts.forceApi || (preferred === "api" && keys.source !== null) ? "api" : "subscription";

  if (args.passThrough) {
    // `claude mcp …`, `--help`, `--version`: nothing to bill or switch; stray keys still go.
    const child = childEnvironment(ctx.env, "subscription");
    for (const name of child.removed)
      process.stderr.write(`${removedCredentialNotice(name, "subscription")}\n`);
    return runClaudeInheritingTerminal(claude, claudeArgs, child.env);
  }

  const ledger = openLedger(ledgerPath(ctx.paths.dataDir), { logUsage: ctx.config.log_usage });
  const runId = ledger.startRun({
    startedAt: Date.now(),
    pid: process.pid,
    cwd: process.cwd(),
    initialMode: mode,
    claudeVersion: await claudeVersion(claude),
  });
  const common = {
    claudePath: claude,
    args,
    config: ctx.config,
    env: ctx.env as NodeJS.ProcessEnv,
    cwd: process.cwd(),
    paths: ctx.paths,
    keys,
    ledger,
    runId,
    initialMode: mode,
  };
  let exitCode: number | null = null;
  try {
    if (args.print) {
      exitCode = await new HeadlessRun(common).run();
    } else if (process.stdin.isTTY && process.stdout.isTTY) {
      exitCode = await new InteractiveRun({ ...common, configPath: ctx.configPath }).run();
    } else {
      throw new UsageError(
        'an interactive Claude Code session needs a terminal; use -- -p "…" for a headless run',
      );
    }
    return exitCode;
  } finally {
    ledger.endRun(runId, { endedAt: Date.now(), exitCode });
    ledger.close();
  }
}

export function registerRun(program: Command, claudeArgs: string[]): void {
  program
    .command("run", { isDefault: true })
    .description("run Claude Code through claude-fallback (everything after -- goes to claude)")
    .option("--force-api", "start this run on API billing through the metering gateway")
    .addHelpText(
      "after",
      '\nExamples:\n  claude-fallback\n  claude-fallback --force-api -- -p "fix the failing test"\n  claude-fallback run -- --model opus',
    )
    .action(async (_opts: RunOptions, command: Command) => {
      process.exitCode = await runWrapped(claudeArgs, command.optsWithGlobals<RunOptions>());
    });
}

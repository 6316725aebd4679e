import type { Command } from "commander";
import { isPrintMode } from "../claude/args.js";
import { type BillingMode, childEnvironment, removedCredentialNotice } from "../claude/env.js";
import { claudeVersion, locateClaude } from "../claude/locate.js";
import { createKeyProvider } from "../config/secret.js";
import { UsageError } from "../errors.js";
import type { Gateway } from "../gateway/server.js";
import { startApiBilling } from "../session/api-billing.js";
import { runClaudeInheritingTerminal } from "../session/plain-run.js";
import { ledgerPath, openLedger } from "../usage/ledger.js";
import { type ContextOptions, loadContext } from "./context.js";

interface RunOptions extends ContextOptions {
  forceApi?: boolean;
}

export const NO_KEY_MESSAGE =
  "no API key configured for API billing: set CLAUDE_FALLBACK_API_KEY, or api_key_command / api_key in the config (claude-fallback config init)";

async function runAction(claudeArgs: string[], opts: RunOptions): Promise<number> {
  const ctx = loadContext(opts);
  const claude = locateClaude({ flag: opts.claude, configured: ctx.config.claude_path }, ctx.env);
  const mode: BillingMode = opts.forceApi ? "api" : "subscription";
  const headless = isPrintMode(claudeArgs);
  const key = mode === "api" ? await createKeyProvider(ctx.config, ctx.env).get() : null;
  if (mode === "api" && !key) throw new UsageError(NO_KEY_MESSAGE);

  const ledger = openLedger(ledgerPath(ctx.paths.dataDir), { logUsage: ctx.config.log_usage });
  const runId = ledger.startRun({
    startedAt: Date.now(),
    pid: process.pid,
    cwd: process.cwd(),
    initialMode: mode,
    claudeVersion: await claudeVersion(claude),
  });
  let gateway: Gateway | undefined;
  let exitCode: number | null = null;
  try {
    if (key) {
      gateway = await startApiBilling({
        config: ctx.config,
        key,
        env: ctx.env,
        ledger,
        runId,
        // Claude's own screen must not be written over; it shows cap refusals itself, and every
        // event is in the ledger. A headless run's stderr is free for them.
        onEvent: (event) => {
          if (headless) process.stderr.write(`claude-fallback: ${event.message}\n`);
        },
      });
    }
    const child = childEnvironment(ctx.env, mode, gateway);
    for (const name of child.removed) process.stderr.write(`${removedCredentialNotice(name, mode)}\n`);
    exitCode = await runClaudeInheritingTerminal(claude, claudeArgs, child.env);
    return exitCode;
  } finally {
    await gateway?.close();
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
      process.exitCode = await runAction(claudeArgs, command.optsWithGlobals<RunOptions>());
    });
}

import type { Command } from "commander";
import { parseClaudeArgs } from "../claude/args.js";
import { type BillingMode, childEnvironment, removedCredentialNotice } from "../claude/env.js";
import { claudeVersion, locateClaude } from "../claude/locate.js";
import type { Config } from "../config/schema.js";
import { createKeyProvider } from "../config/secret.js";
import { FallbackError, UsageError } from "../errors.js";
import { formatUsd, nanoToUsd } from "../money.js";
import { formatClock } from "../notify/messages.js";
import { HeadlessRun } from "../session/headless.js";
import { InteractiveRun } from "../session/interactive.js";
import type { LimitInfo } from "../session/machine.js";
import { runClaudeInheritingTerminal } from "../session/plain-run.js";
import { NO_KEY_REASON } from "../session/policy.js";
import { readState, type SharedState, setAsideDamagedState, stateFile } from "../state/store.js";
import { type Ledger, LedgerDamagedError, ledgerPath, moveLedgerAside, openLedger } from "../usage/ledger.js";
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
  const damagedState = setAsideDamagedState(stateFile(ctx.paths.stateDir), Date.now());
  if (damagedState) process.stderr.write(`claude-fallback: ${damagedState}\n`);
  const shared = readState(stateFile(ctx.paths.stateDir));
  const limitInForce = limitStillInForce(shared, Date.now());
  // With auto_switch, a run started while the subscription's limit is known to be in force goes
  // straight to API billing (and back at the reset) instead of spending a refused request first.
  const startAfterLimit =
    limitInForce !== null && ctx.config.auto_switch && keys.source !== null && !opts.forceApi;
  const mode: BillingMode =
    opts.forceApi || startAfterLimit || (shared.preferred_mode === "api" && keys.source !== null)
      ? "api"
      : "subscription";
  if (startAfterLimit && !args.passThrough) {
    process.stderr.write(
      `claude-fallback: your subscription's limit is in force until ${formatClock(limitInForce.resetsAt)}; starting on API billing (auto_switch).\n`,
    );
  }

  if (args.passThrough) {
    // `claude mcp …`, `--help`, `--version`: nothing to bill or switch; stray keys still go.
    const child = childEnvironment(ctx.env, "subscription");
    for (const name of child.removed)
      process.stderr.write(`${removedCredentialNotice(name, "subscription")}\n`);
    return runClaudeInheritingTerminal(claude, claudeArgs, child.env);
  }

  const ledger = openRunLedger(ledgerPath(ctx.paths.dataDir), ctx.config);
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
      exitCode = await new InteractiveRun({
        ...common,
        configPath: ctx.configPath,
        initialLimit: startAfterLimit ? limitInForce : null,
      }).run();
    } else {
      throw new UsageError(
        'an interactive Claude Code session needs a terminal; use -- -p "…" for a headless run',
      );
    }
    return exitCode;
  } finally {
    closeRunLedger(ledger, runId, exitCode);
  }
}

/**
 * The usage ledger for a run. A damaged one (not a SQLite database, truncated) is moved aside and
 * a new one made, with one line saying so — unless a daily or monthly cap is set: those count the
 * spend it holds, so the run is refused with the fix rather than started with today's spend forgotten.
 */
function openRunLedger(file: string, config: Config): Ledger {
  const options = { logUsage: config.log_usage };
  try {
    return openLedger(file, options);
  } catch (error) {
    if (!(error instanceof LedgerDamagedError)) throw error;
    const cap = config.cost_limit_per_day !== null ? "cost_limit_per_day" : "cost_limit_per_month";
    if (config.cost_limit_per_day !== null || config.cost_limit_per_month !== null) {
      throw new FallbackError(`${error.message} (not done automatically: ${cap} counts the spend it holds)`);
    }
    const aside = moveLedgerAside(file, Date.now());
    if (aside) {
      process.stderr.write(
        `claude-fallback: usage ledger ${file} was damaged or not a SQLite database (${error.detail}); moved it to ${aside} and started a new one\n`,
      );
    }
    return openLedger(file, options);
  }
}

/**
 * Records the end of the run, after the request rows still waiting for the ledger (a full disk).
 * A ledger that still cannot take them is said in one line, with what it misses; the exit status
 * stays Claude's.
 */
function closeRunLedger(ledger: Ledger, runId: string, exitCode: number | null): void {
  try {
    ledger.flushPending();
    ledger.endRun(runId, { endedAt: Date.now(), exitCode });
  } catch (error) {
    const waiting = ledger.pendingSpend();
    const missing =
      waiting.requests > 0
        ? `; ${waiting.requests} API request${waiting.requests === 1 ? "" : "s"} of this run (${formatUsd(nanoToUsd(waiting.nanoUsd))}) could not be written to it, so usage reports and the daily and monthly caps will not count ${waiting.requests === 1 ? "it" : "them"}`
        : "";
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`claude-fallback: ${message}${missing}\n`);
  } finally {
    ledger.close();
  }
}

/**
 * The subscription limit recorded by an earlier run, if it has not reset yet and the user has not
 * chosen the subscription since (`use subscription`). A reset that was only assumed does not count.
 */
export function limitStillInForce(shared: SharedState, now: number): LimitInfo | null {
  const limit = shared.last_limit;
  if (!limit || limit.assumed || limit.resets_at <= now) return null;
  if (shared.preferred_mode === "subscription" && (shared.preferred_mode_set_at ?? 0) > limit.at) return null;
  return { window: limit.window, resetsAt: limit.resets_at, resetAssumed: false, source: "state" };
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

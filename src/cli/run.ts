import { resolve } from "node:path";
import type { Command } from "commander";
import { parseClaudeArgs } from "../claude/args.js";
import { startupNotice } from "../claude/compat.js";
import { locateClaude } from "../claude/locate.js";
import { sessionLastPrompt } from "../claude/transcripts/last-prompt.js";
import { cachedClaudeVersion } from "../claude/version-cache.js";
import { type Config, NO_KEY_MESSAGE } from "../config/schema.js";
import { createKeyProvider } from "../config/secret.js";
import { FallbackError, UsageError } from "../errors.js";
import { costText } from "../money.js";
import { spawnChild } from "../platform/child.js";
import { runPlainClaude } from "../session/plain-run.js";
import { startingMode } from "../session/policy.js";
import { RunCore } from "../session/run-core.js";
import type { ShellKind } from "../session/run-record.js";
import { startingAfterLimitText } from "../session/wording.js";
import { shellQuote } from "../shell.js";
import { readState, setAsideDamagedState, stateFile } from "../state/store.js";
import { RUN_SPANNING_CAPS } from "../usage/caps.js";
import { type Ledger, ledgerPath, moveLedgerAside, openLedger } from "../usage/ledger.js";
import { LedgerDamagedError } from "../usage/ledger-errors.js";
import { type ContextOptions, loadContext } from "./context.js";

export interface RunOptions extends ContextOptions {
  forceApi?: boolean;
}

/**
 * `claude-fallback` with the `--config` and `--claude` this run was given: the commands it offers
 * ("continue with: …") then run the same claude with the same key and caps.
 */
export function ourCommandFor(opts: Pick<ContextOptions, "config" | "claude">, claude: string): string {
  const words = ["claude-fallback"];
  if (opts.config) words.push("--config", resolve(opts.config));
  if (opts.claude) words.push("--claude", claude);
  return words.map(shellQuote).join(" ");
}

/** Runs `claude` with the user's arguments under the wrapper; resolves with the exit status. */
export async function runWrapped(claudeArgs: string[], opts: RunOptions): Promise<number> {
  const ctx = loadContext(opts);
  const claude = locateClaude({ flag: opts.claude, configured: ctx.config.claude_path }, ctx.env);
  const args = parseClaudeArgs(claudeArgs);
  const keys = createKeyProvider(ctx.config, ctx.env);
  if (opts.forceApi && keys.source === null) throw new UsageError(NO_KEY_MESSAGE);
  const say = (line: string) => process.stderr.write(`${line}\n`);
  if (args.passThrough) {
    // `claude mcp …`, `--help`, `--version`: nothing to bill or switch; stray keys still go.
    return runPlainClaude(claude, claudeArgs, ctx.env as NodeJS.ProcessEnv, say);
  }
  const shell: ShellKind = args.inputFormat === "stream-json" ? "stream-json" : args.print ? "print" : "pty";
  if (shell === "pty" && !(process.stdin.isTTY && process.stdout.isTTY)) {
    throw new UsageError(
      'an interactive Claude Code session needs a terminal; use -- -p "…" for a headless run',
    );
  }
  const damagedState = setAsideDamagedState(stateFile(ctx.paths.stateDir), Date.now());
  if (damagedState) say(`claude-fallback: ${damagedState}`);
  const startedAt = Date.now();
  const start = startingMode({
    forceApi: opts.forceApi === true,
    hasKey: keys.source !== null,
    autoSwitch: ctx.config.auto_switch,
    state: readState(stateFile(ctx.paths.stateDir)),
    now: startedAt,
  });
  if (start.code === "limit_in_force" && start.limit) say(startingAfterLimitText(start.limit, startedAt));

  const probe = await cachedClaudeVersion(claude, ctx.paths.stateDir, ctx.env as NodeJS.ProcessEnv);
  const { version } = probe;
  // Something that gives no Claude Code version is likely not Claude Code (`--claude /bin/true`):
  // said once, as below the verified range, never a silent run that does nothing.
  if (probe.version === null) {
    say(
      `claude-fallback: ${claude} may not be Claude Code: ${probe.problem}; running it anyway (check it with \`claude-fallback doctor\`)`,
    );
  }
  // Below the verified range: one line that says what will not work, never a silent half-working run.
  const notice = startupNotice(version);
  if (notice) say(notice);
  const ledger = openRunLedger(ledgerPath(ctx.paths.dataDir), ctx.config);
  const runId = ledger.startRun({
    startedAt: Date.now(),
    pid: process.pid,
    cwd: process.cwd(),
    initialMode: start.mode,
    claudeVersion: version,
  });
  const core = new RunCore({
    claudePath: claude,
    ourCommand: ourCommandFor(opts, claude),
    args,
    config: ctx.config,
    env: ctx.env as NodeJS.ProcessEnv,
    cwd: process.cwd(),
    paths: ctx.paths,
    keys,
    ledger,
    runId,
    start,
    shell,
  });
  let exitCode: number | null = null;
  try {
    exitCode = await runShell(shell, core, say);
    return exitCode;
  } finally {
    closeRunLedger(ledger, runId, exitCode);
  }
}

/**
 * The shell for how Claude is run, loaded for that kind alone: a `-p` run does not load the
 * pseudo-terminal's native module.
 */
async function runShell(shell: ShellKind, core: RunCore, say: (line: string) => void): Promise<number> {
  const pipes = {
    stdout: (chunk: Buffer) => process.stdout.write(chunk),
    childStderr: (chunk: Buffer) => process.stderr.write(chunk),
    stderr: say,
    spawn: spawnChild,
  };
  if (shell === "stream-json") {
    const { StreamJsonShell } = await import("../shells/stream-json.js");
    const input = (onData: (chunk: Buffer) => void, onEnd: () => void) => {
      process.stdin.on("data", onData);
      process.stdin.on("end", onEnd);
      return () => {
        process.stdin.off("data", onData).off("end", onEnd);
        process.stdin.pause();
      };
    };
    const lastPrompt = (sessionId: string) => sessionLastPrompt(sessionId, core.options.env);
    return new StreamJsonShell(core, { ...pipes, input, lastPrompt }).run();
  }
  if (shell === "print") {
    const { PrintShell } = await import("../shells/print.js");
    return new PrintShell(core, pipes).run();
  }
  const [{ PtyShell }, { processTerminal }, { PtyChild }] = await Promise.all([
    import("../shells/pty.js"),
    import("../terminal/port.js"),
    import("../terminal/pty-child.js"),
  ]);
  return new PtyShell(core, processTerminal(), PtyChild.spawn).run();
}

/**
 * The usage ledger for a run. A damaged one (not a SQLite database, truncated) is moved aside and
 * a new one made, with one line saying so — unless a cap over all runs is set (daily, monthly,
 * until the reset): those count the spend it holds, so the run is refused with the fix rather than
 * started with that spend forgotten.
 */
function openRunLedger(file: string, config: Config): Ledger {
  const options = { logUsage: config.log_usage };
  try {
    return openLedger(file, options);
  } catch (error) {
    if (!(error instanceof LedgerDamagedError)) throw error;
    const cap = RUN_SPANNING_CAPS.find((key) => config[key] !== null);
    if (cap)
      throw new FallbackError(`${error.message} (not done automatically: ${cap} counts the spend it holds)`);
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
        ? `; ${waiting.requests} API request${waiting.requests === 1 ? "" : "s"} of this run (${costText(waiting.nanoUsd, waiting.requests, waiting.unknownCostRequests)}) could not be written to it, so usage reports and the daily and monthly caps will not count ${waiting.requests === 1 ? "it" : "them"}`
        : "";
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`claude-fallback: ${message}${missing}\n`);
  } finally {
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

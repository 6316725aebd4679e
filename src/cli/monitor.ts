import { realpathSync } from "node:fs";
import type { Command } from "commander";
import { type ProcessTable, systemProcessTable } from "../claude/process.js";
import { checkSessionId } from "../claude/session-id.js";
import { UsageError } from "../errors.js";
import { type MonitorEvent, type MonitorTarget, runMonitor } from "../monitor/monitor.js";
import type { Notification } from "../notify/messages.js";
import { Notifier } from "../notify/notifier.js";
import { runEventTitle } from "../notify/run-events.js";
import { onBrokenPipe } from "../platform/broken-pipe.js";
import { zoneOfEnv } from "../usage/periods.js";
import { type ContextOptions, loadContext } from "./context.js";

export interface MonitorFlags {
  pid?: string | undefined;
  session?: string | undefined;
  all?: boolean | undefined;
}

/** Which sessions `monitor` watches; none given means all. Throws UsageError for bad flags. */
export function monitorTarget(flags: MonitorFlags): MonitorTarget {
  const given = [flags.pid !== undefined, flags.session !== undefined, flags.all === true].filter(Boolean);
  if (given.length > 1) throw new UsageError("monitor: use only one of --pid, --session and --all");
  if (flags.pid !== undefined) {
    if (!/^\d+$/.test(flags.pid) || Number(flags.pid) <= 0) {
      throw new UsageError(`monitor: --pid must be a process id, not ${JSON.stringify(flags.pid)}`);
    }
    return { kind: "pid", pid: Number(flags.pid) };
  }
  if (flags.session !== undefined) {
    return { kind: "session", sessionId: checkSessionId(flags.session, "monitor: --session") };
  }
  return { kind: "all" };
}

/** The desktop / webhook notification of a monitor event. */
export function monitorNotification(event: MonitorEvent): Notification {
  const kind = event.kind === "limit" ? "limit_reached" : "approaching_limit";
  return { kind, title: runEventTitle(kind), body: event.line };
}

export interface MonitorCommandIo {
  env: Record<string, string | undefined>;
  table?: ProcessTable;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stop?: AbortSignal;
}

/**
 * `claude-fallback monitor [--pid N | --session ID | --all]`: prints one line per limit (with the
 * command that continues the session on API billing) and per warning, and sends them through the
 * desktop and webhook channels of the config. Resolves 0 when the watched process exits or on
 * Ctrl-C, 1 when `--pid` names no running process.
 */
export async function runMonitorCommand(
  flags: MonitorFlags,
  opts: ContextOptions,
  io: MonitorCommandIo,
): Promise<number> {
  const target = monitorTarget(flags);
  const ctx = loadContext(opts, io.env, io.stderr);
  const notifier = new Notifier({
    notifications: ctx.config.notifications,
    env: io.env as NodeJS.ProcessEnv,
    onChannelError: (error) => io.stderr(`claude-fallback: ${error.message}\n`),
  });
  const code = await runMonitor({
    target,
    env: io.env,
    table: io.table ?? systemProcessTable(),
    zone: zoneOfEnv(process.env, realpathSync),
    warnAtPercent: ctx.config.notify_at_percentage,
    out: (line) => io.stdout(`${line}\n`),
    info: (line) => io.stderr(`claude-fallback monitor: ${line}\n`),
    onEvent: (event) => {
      void notifier.notify(monitorNotification(event));
    },
    stop: io.stop,
  });
  await notifier.flush();
  return code;
}

export function registerMonitor(program: Command): void {
  program
    .command("monitor")
    .description(
      "watch a Claude Code session not started by claude-fallback: report its limits and warnings, and how to continue it on API billing",
    )
    .option("--pid <pid>", "the running claude process to watch; ends when it exits")
    .option("--session <id>", "the Claude Code session id to watch (until Ctrl-C)")
    .option("--all", "every running claude, and those started later (until Ctrl-C); the default")
    .action(async (flags: MonitorFlags, command: Command) => {
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      // Watching for no one: `monitor | head -3` ends once head has its lines.
      const offBrokenPipe = onBrokenPipe([process.stdout, process.stderr], onSignal);
      try {
        process.exitCode = await runMonitorCommand(flags, command.optsWithGlobals<ContextOptions>(), {
          env: process.env,
          stdout: (text) => process.stdout.write(text),
          stderr: (text) => process.stderr.write(text),
          stop: stop.signal,
        });
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        offBrokenPipe();
      }
    });
}

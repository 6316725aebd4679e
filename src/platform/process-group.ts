import { spawn } from "node:child_process";
import { onProcessExit } from "./exit-hooks.js";

/**
 * Short helper commands we wait for (`api_key_command`, `claude --version`) run in a process
 * group of their own, so that whatever they start goes with them. The whole group is killed:
 * - on a time-out or too much output, at once, without waiting for the pipes to close;
 * - when the command itself exits: a background child still holding its stdout open would
 *   otherwise keep us waiting for as long as it lives, and outlive us;
 * - when this process ends first (a signal, `process.exit`), through `onProcessExit`.
 * Only a process that leaves the group itself (a daemon calling `setsid`) survives.
 *
 * The group is a new session (Node's `detached`), so the command has no controlling terminal:
 * it cannot prompt on `/dev/tty`, and the terminal's Ctrl-C does not reach it (our exit kills it).
 */

export interface GroupExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export type GroupRunResult =
  | ({ outcome: "exited"; stdout: string; stderr: string } & GroupExit)
  /** `exit` is set when the command exited but a process outside its group kept its output open. */
  | { outcome: "timeout"; exit: GroupExit | null }
  | { outcome: "overflow" }
  | { outcome: "error"; message: string };

export interface GroupRunOptions {
  env: Record<string, string | undefined>;
  timeoutMs: number;
  /** More stdout than this ends the run as `overflow`. */
  maxStdoutBytes: number;
  /** stderr past this many bytes is dropped; the run goes on. */
  maxStderrBytes: number;
}

/**
 * Runs `file args` with stdin at the null device and collects its output (UTF-8). Never
 * rejects: every way it can end is a {@link GroupRunResult}. When it resolves, nothing of the
 * group is left running (a killed process may still be in the kernel's hands for a moment).
 */
export function runInOwnGroup(
  file: string,
  args: readonly string[],
  options: GroupRunOptions,
): Promise<GroupRunResult> {
  return new Promise((resolve) => {
    const child = spawn(file, [...args], {
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrBytes = 0;
    let exit: GroupExit | null = null;
    let groupKilled = false;
    let settled = false;

    // Once only: after a SIGKILL to the group nothing is left in it, and its number may be reused.
    const killGroup = () => {
      if (groupKilled || child.pid === undefined) return;
      groupKilled = true;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // ESRCH: nothing was left in the group.
      }
    };
    const forgetExitHook = onProcessExit(killGroup);
    const finish = (result: GroupRunResult, abandon: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      forgetExitHook();
      if (abandon) {
        killGroup();
        child.stdout.destroy();
        child.stderr.destroy();
      }
      resolve(result);
    };

    const timer = setTimeout(() => finish({ outcome: "timeout", exit }, true), options.timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > options.maxStdoutBytes) finish({ outcome: "overflow" }, true);
      else stdout.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (stderrBytes < options.maxStderrBytes) stderr.push(chunk);
      stderrBytes += chunk.length;
    });
    child.on("error", (error) => finish({ outcome: "error", message: error.message }, true));
    // The command is done: what it left in its group goes too, so the pipes close and `close` follows.
    child.on("exit", (code, signal) => {
      exit = { code, signal };
      killGroup();
    });
    child.on("close", (code, signal) => {
      finish(
        {
          outcome: "exited",
          code,
          signal,
          stdout: Buffer.concat(stdout).toString("utf8"),
          stderr: Buffer.concat(stderr).toString("utf8"),
        },
        false,
      );
    });
  });
}

/** `exit status 3`, `killed by SIGKILL`. */
export function exitStatus({ code, signal }: GroupExit): string {
  return code !== null ? `exit status ${code}` : `killed by ${signal}`;
}

/** `10 s`, `0.2 s`: for messages about time limits. */
export function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

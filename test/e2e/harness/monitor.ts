import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { spawnTracked } from "./claude.js";
import { CLI, fallbackEnv } from "./cli.js";
import type { Sandbox } from "./sandbox.js";

/** A running `claude-fallback monitor`. */
export interface Monitor {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves when stdout or stderr (all output) satisfies the pattern; rejects if it exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** Starts `claude-fallback monitor <args>` in the sandbox; killLiveProcesses() ends it if a test does not. */
export function startMonitor(sandbox: Sandbox, args: string[]): Monitor {
  const child = spawnTracked(process.execPath, [CLI, "monitor", ...args], {
    cwd: sandbox.root,
    env: fallbackEnv(sandbox),
  });
  child.stdin.end();
  let stdout = "";
  let stderr = "";
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    notify();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    notify();
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(stdout + stderr)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`monitor did not print ${pattern}\nstdout: ${stdout}\nstderr: ${stderr}`));
        }, timeoutMs);
        waiters.add(check);
        void exited.then(() => {
          if (!waiters.has(check)) return;
          waiters.delete(check);
          clearTimeout(timer);
          if (pattern.test(stdout + stderr)) resolve();
          else
            reject(
              new Error(`monitor exited without printing ${pattern}\nstdout: ${stdout}\nstderr: ${stderr}`),
            );
        });
        check();
      });
    },
  };
}

export const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

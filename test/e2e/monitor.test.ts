/**
 * `claude-fallback monitor` end to end (SPEC §8): the real `claude`, started by hand (not by us)
 * in a pseudo-terminal, reaches the simulator's subscription limit; the monitor, given only its
 * pid, finds the transcript, prints the command that continues that session on API billing, and
 * ends when that `claude` ends.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type Simulator, startSimulator } from "../../src/simulator/index.js";
import { killLiveProcesses, pinnedClaudeBinary } from "./harness/claude.js";
import { CLI, fallbackEnv } from "./harness/cli.js";
import { PtySession } from "./harness/pty.js";
import { createSandbox, type Sandbox } from "./harness/sandbox.js";

let simulator: Simulator;
let sandbox: Sandbox;
const sessions: PtySession[] = [];
const monitors: ChildProcessWithoutNullStreams[] = [];

beforeEach(async () => {
  simulator = await startSimulator({ limitAfterRequests: 1 });
  sandbox = await createSandbox({ baseUrl: simulator.url });
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
  for (const monitor of monitors.splice(0)) {
    if (monitor.exitCode === null && monitor.signalCode === null) monitor.kill("SIGKILL");
  }
  killLiveProcesses();
  await simulator.close();
  await sandbox.cleanup();
});

interface Monitor {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves when stdout or stderr (all output) satisfies the pattern. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

function startMonitor(args: string[]): Monitor {
  const child = spawn(process.execPath, [CLI, "monitor", ...args], {
    cwd: sandbox.root,
    env: fallbackEnv(sandbox),
    stdio: ["pipe", "pipe", "pipe"],
  });
  monitors.push(child);
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

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function messageRequests() {
  return simulator.requests.filter((request) => request.method === "POST" && request.path === "/v1/messages");
}

describe("monitor --pid on a claude we did not start", () => {
  test("prints the resume command once when the limit hits, and exits 0 when claude exits", async () => {
    const claude = new PtySession(pinnedClaudeBinary(), [], { cwd: sandbox.project, env: sandbox.env });
    sessions.push(claude);
    await claude.waitFor("❯");

    const monitor = startMonitor(["--pid", String(claude.process.pid)]);
    await monitor.waitFor(
      new RegExp(escapeRegExp(`watching claude pid ${claude.process.pid} in ${sandbox.project}`)),
    );

    await claude.submit("first question about pineapples");
    await claude.waitFor("Simulated reply 1");
    await claude.submit("second question");

    const sessionId = messageRequests()[0]?.sessionId;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const command = `claude-fallback resume ${sessionId} --api`;
    await monitor.waitFor(new RegExp(escapeRegExp(command)));
    const line = monitor
      .stdout()
      .split("\n")
      .find((text) => text.includes(command));
    expect(line).toMatch(
      new RegExp(
        `limit reached in session ${sessionId} \\(${escapeRegExp(sandbox.project)}\\): resets (at|on) .*continue on API billing`,
      ),
    );
    // Claude Code waits for the reset on its own screen; the monitor said it once.
    await claude.waitFor(/continue automatically|Continuing automatically/);
    expect(monitor.stdout().split(command).length - 1).toBe(1);

    claude.kill();
    await claude.exited;
    expect(await monitor.exited).toBe(0);
    expect(monitor.stderr()).toContain(`claude pid ${claude.process.pid} exited`);
    expect(monitor.stdout().split(command).length - 1).toBe(1);
  });

  test("a pid that is not running is an error", async () => {
    const monitor = startMonitor(["--pid", "999999999"]);
    expect(await monitor.exited).toBe(1);
    expect(monitor.stderr()).toContain("no running process with pid 999999999");
  });

  test("--all finds a claude started after it, reports its limit, and stops on Ctrl-C", async () => {
    const monitor = startMonitor(["--all"]);
    await monitor.waitFor(/watching every running claude/);
    const claude = new PtySession(pinnedClaudeBinary(), [], { cwd: sandbox.project, env: sandbox.env });
    sessions.push(claude);
    await claude.waitFor("❯");
    await monitor.waitFor(
      new RegExp(escapeRegExp(`watching claude pid ${claude.process.pid} in ${sandbox.project}`)),
    );

    await claude.submit("first question about pineapples");
    await claude.waitFor("Simulated reply 1");
    await claude.submit("second question");
    const sessionId = messageRequests()[0]?.sessionId;
    await monitor.waitFor(new RegExp(escapeRegExp(`claude-fallback resume ${sessionId} --api`)));

    monitor.child.kill("SIGINT");
    expect(await monitor.exited).toBe(0);
  });
});

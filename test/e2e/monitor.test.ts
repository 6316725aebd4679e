/**
 * `claude-fallback monitor` end to end (SPEC §8): the real `claude`, started by hand (not by us)
 * in a pseudo-terminal, reaches the simulator's subscription limit; the monitor, given only its
 * pid, finds the transcript, prints the command that continues that session on API billing, and
 * ends when that `claude` ends.
 */
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type Simulator, startSimulator } from "../../src/simulator/index.js";
import { killLiveProcesses, testedClaudeBinary } from "./harness/claude.js";
import { escapeRegExp, startMonitor } from "./harness/monitor.js";
import { PtySession } from "./harness/pty.js";
import { messageRequests } from "./harness/requests.js";
import { createSandbox, type Sandbox } from "./harness/sandbox.js";

let simulator: Simulator;
let sandbox: Sandbox;
const sessions: PtySession[] = [];

beforeEach(async () => {
  simulator = await startSimulator({ limitAfterRequests: 1 });
  sandbox = await createSandbox({ baseUrl: simulator.url });
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
  killLiveProcesses();
  await simulator.close();
  await sandbox.cleanup();
});

describe("monitor --pid on a claude we did not start", () => {
  test("prints the resume command once when the limit hits, and exits 0 when claude exits", async () => {
    const claude = new PtySession(testedClaudeBinary(), [], { cwd: sandbox.project, env: sandbox.env });
    sessions.push(claude);
    await claude.waitFor("❯");

    const monitor = startMonitor(sandbox, ["--pid", String(claude.process.pid)]);
    await monitor.waitFor(
      new RegExp(escapeRegExp(`watching claude pid ${claude.process.pid} in ${sandbox.project}`)),
    );

    await claude.submit("first question about pineapples");
    await claude.waitFor("Simulated reply 1");
    await claude.submit("second question");

    const sessionId = messageRequests(simulator)[0]?.sessionId;
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
    const monitor = startMonitor(sandbox, ["--pid", "999999999"]);
    expect(await monitor.exited).toBe(1);
    expect(monitor.stderr()).toContain("no running process with pid 999999999");
  });

  test("--all finds a claude started after it, reports its limit, and stops on Ctrl-C", async () => {
    const monitor = startMonitor(sandbox, ["--all"]);
    await monitor.waitFor(/watching every running claude/);
    const claude = new PtySession(testedClaudeBinary(), [], { cwd: sandbox.project, env: sandbox.env });
    sessions.push(claude);
    await claude.waitFor("❯");
    await monitor.waitFor(
      new RegExp(escapeRegExp(`watching claude pid ${claude.process.pid} in ${sandbox.project}`)),
    );

    await claude.submit("first question about pineapples");
    await claude.waitFor("Simulated reply 1");
    await claude.submit("second question");
    const sessionId = messageRequests(simulator)[0]?.sessionId;
    await monitor.waitFor(new RegExp(escapeRegExp(`claude-fallback resume ${sessionId} --api`)));

    monitor.child.kill("SIGINT");
    expect(await monitor.exited).toBe(0);
  });
});

test("--all whose reader has gone (`monitor --all | head -1`) ends at its first line instead of watching for no one", async () => {
  const monitor = startMonitor(sandbox, ["--all"]);
  monitor.child.stdout.destroy();
  await monitor.waitFor(/watching every running claude/);
  const claude = new PtySession(testedClaudeBinary(), [], { cwd: sandbox.project, env: sandbox.env });
  sessions.push(claude);
  await claude.waitFor("❯");
  await monitor.waitFor(new RegExp(escapeRegExp(`watching claude pid ${claude.process.pid}`)));
  await claude.submit("first question about pineapples");
  await claude.waitFor("Simulated reply 1");
  await claude.submit("second question");
  // Its line for the limit meets a broken pipe: it stops as on Ctrl-C, without a stack trace.
  expect(await monitor.exited).toBe(0);
  expect(monitor.stderr()).not.toMatch(/EPIPE|\n\s+at /);
});

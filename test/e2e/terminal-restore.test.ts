/**
 * The user's terminal after the wrapper, however it ends (SPEC §4.1): the real `claude` under
 * claude-fallback inside a shell in a pseudo-terminal; the shell records `stty -g` before and
 * after, and the wrapper's exit status. The terminal settings must come back byte-identical, the
 * screen must be the normal one with a visible cursor, and no `claude` may outlive the wrapper.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type Simulator, startSimulator } from "../../src/simulator/index.js";
import { alive, groupMembers } from "../support/processes.js";
import { killLiveProcesses, testedClaudeBinary } from "./harness/claude.js";
import { CLI, fallbackEnv, writeFallbackConfig } from "./harness/cli.js";
import { PtySession } from "./harness/pty.js";
import { createSandbox, type Sandbox, TEST_API_KEY } from "./harness/sandbox.js";

let simulator: Simulator;
let sandbox: Sandbox;
const sessions: PtySession[] = [];
const pids: number[] = [];

beforeEach(async () => {
  simulator = await startSimulator({ requireApiKey: TEST_API_KEY });
  sandbox = await createSandbox({ baseUrl: simulator.url });
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
  for (const pid of pids.splice(0)) signalGroup(pid, "SIGKILL");
  killLiveProcesses();
  await simulator.close();
  await sandbox.cleanup();
});

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
    } catch {
      // Gone.
    }
  }
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

interface LiveRunFile {
  pid: number;
  claudePid: number | null;
}

function liveRun(home: string): LiveRunFile | undefined {
  const dir = join(home, "state", "runs");
  if (!existsSync(dir)) return undefined;
  for (const name of readdirSync(dir).filter((entry) => entry.endsWith(".json"))) {
    try {
      const run = JSON.parse(readFileSync(join(dir, name), "utf8")) as LiveRunFile;
      if (run.claudePid) return run;
    } catch {
      // Being replaced (atomic rename): read it again on the next poll.
    }
  }
  return undefined;
}

interface Outcome {
  before: string;
  after: string;
  status: number;
  wrapperPid: number;
  claudePid: number;
  session: PtySession;
}

/**
 * Starts a shell in a pty that saves `stty -g`, runs the wrapper, then saves its exit status and
 * `stty -g` again; `end` ends the wrapper once Claude's prompt is up.
 */
async function runAndEnd(end: (session: PtySession, run: LiveRunFile) => unknown): Promise<Outcome> {
  const home = await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
  const out = (name: string) => join(sandbox.root, name);
  const script = [
    `stty -g > ${quote(out("before"))}`,
    `${quote(process.execPath)} ${quote(CLI)} --claude ${quote(testedClaudeBinary())}`,
    `echo $? > ${quote(out("status"))}`,
    `stty -g > ${quote(out("after"))}`,
    "echo SHELL-DONE",
  ].join("; ");
  const session = new PtySession("/bin/sh", ["-c", script], {
    cwd: sandbox.project,
    env: fallbackEnv(sandbox),
  });
  sessions.push(session);
  await session.waitFor("❯");
  await session.waitUntil(() => liveRun(home) !== undefined, "the live-run file with claude's pid");
  const run = liveRun(home);
  pids.push(run!.claudePid!, run!.pid);
  // Claude has taken over the terminal: hidden cursor (and whatever else it sets) in force.
  expect(cursorHidden(session)).toBe(true);
  await end(session, run!);
  await session.exited;
  expect(session.text()).toContain("SHELL-DONE");
  return {
    before: readFileSync(out("before"), "utf8").trim(),
    after: readFileSync(out("after"), "utf8").trim(),
    status: Number(readFileSync(out("status"), "utf8").trim()),
    wrapperPid: run!.pid,
    claudePid: run!.claudePid!,
    session,
  };
}

/** xterm's own cursor visibility (DECTCEM); not in the public typings. */
function cursorHidden(session: PtySession): boolean {
  const core = (session.terminal as unknown as { _core: { coreService: { isCursorHidden: boolean } } })._core;
  return core.coreService.isCursorHidden;
}

async function expectRestored(outcome: Outcome): Promise<void> {
  const { session } = outcome;
  expect(outcome.after).toBe(outcome.before);
  expect(session.terminal.buffer.active.type).toBe("normal");
  expect(cursorHidden(session)).toBe(false);
  expect(session.terminal.modes.bracketedPasteMode).toBe(false);
  expect(session.terminal.modes.sendFocusMode).toBe(false);
  expect(session.terminal.modes.mouseTrackingMode).toBe("none");
  expect(alive(outcome.wrapperPid)).toBe(false);
  // Nothing of Claude's survives: neither it nor anything left in its process group.
  await session
    .waitUntil(() => groupMembers(outcome.claudePid).length === 0, "claude's process group to be gone", 5000)
    .catch(() => {});
  expect(alive(outcome.claudePid)).toBe(false);
  expect(groupMembers(outcome.claudePid)).toEqual([]);
}

describe("the terminal is restored and claude does not outlive the wrapper", () => {
  test("Claude's own exit (Ctrl-C twice): its exit status passes through", async () => {
    const outcome = await runAndEnd((session) => session.quit());
    await expectRestored(outcome);
    expect(outcome.status).toBe(0);
  });

  test("claude killed with SIGKILL: 128 + 9", async () => {
    const outcome = await runAndEnd((_session, run) => process.kill(run.claudePid!, "SIGKILL"));
    await expectRestored(outcome);
    expect(outcome.status).toBe(137);
  });

  for (const [signal, number] of [
    ["SIGINT", 2],
    ["SIGTERM", 15],
    ["SIGHUP", 1],
  ] as const) {
    test(`${signal} to the wrapper: it dies of it (128 + ${number})`, async () => {
      const outcome = await runAndEnd((_session, run) => process.kill(run.pid, signal));
      await expectRestored(outcome);
      expect(outcome.status).toBe(128 + number);
    });
  }
});

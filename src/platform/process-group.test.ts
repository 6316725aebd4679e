import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventually } from "../../test/support/eventually.js";
import { alive, killLeftover, recordedPid } from "../../test/support/processes.js";
import { runExitCleanups } from "./exit-hooks.js";
import { exitStatus, formatSeconds, type GroupRunOptions, runInOwnGroup } from "./process-group.js";

const OPTIONS: GroupRunOptions = {
  env: { PATH: process.env.PATH },
  timeoutMs: 60_000,
  maxStdoutBytes: 1024,
  maxStderrBytes: 1024,
};

let dir: string;
let pidFile: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-group-"));
  pidFile = join(dir, "pid");
});

afterEach(() => {
  killLeftover(pidFile);
  rmSync(dir, { recursive: true, force: true });
});

/** A shell command that starts `sleep 1000` in the background and records its pid first. */
function withBackgroundSleep(rest: string, redirect = ""): string[] {
  return ["-c", `/bin/sleep 1000 ${redirect} & echo $! > ${pidFile}; ${rest}`];
}

function backgroundPid(): number {
  const pid = recordedPid(pidFile);
  if (pid === null) throw new Error("the command recorded no pid");
  return pid;
}

async function expectGone(pid: number): Promise<void> {
  await eventually(() => !alive(pid), `the background sleep ${pid} to be killed`);
}

describe("runInOwnGroup", () => {
  it("collects the output and exit status of a command that ends by itself", async () => {
    expect(await runInOwnGroup("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], OPTIONS)).toEqual({
      outcome: "exited",
      code: 3,
      signal: null,
      stdout: "out\n",
      stderr: "err\n",
    });
  });

  it("a time-out kills the command and everything it started", async () => {
    const result = await runInOwnGroup("/bin/sh", withBackgroundSleep("wait"), {
      ...OPTIONS,
      timeoutMs: 2000,
    });
    expect(result).toEqual({ outcome: "timeout", exit: null });
    await expectGone(backgroundPid());
  });

  it("a background child holding stdout open neither delays the result nor outlives the command", async () => {
    // Without the group kill at exit this waits for the sleep (1000 s): the test times out.
    const result = await runInOwnGroup("/bin/sh", withBackgroundSleep("echo done"), OPTIONS);
    expect(result).toMatchObject({ outcome: "exited", code: 0, stdout: "done\n" });
    await expectGone(backgroundPid());
  }, 30_000);

  it("a background child with its output elsewhere does not outlive the command either", async () => {
    const result = await runInOwnGroup("/bin/sh", withBackgroundSleep("true", ">/dev/null 2>&1"), OPTIONS);
    expect(result).toMatchObject({ outcome: "exited", code: 0 });
    await expectGone(backgroundPid());
  });

  it("too much output kills the group at once", async () => {
    const result = await runInOwnGroup("/bin/sh", withBackgroundSleep("yes"), OPTIONS);
    expect(result).toEqual({ outcome: "overflow" });
    await expectGone(backgroundPid());
  });

  it("when this process ends first, the group goes with it", async () => {
    const running = runInOwnGroup("/bin/sh", withBackgroundSleep("wait"), OPTIONS);
    await eventually(() => recordedPid(pidFile) !== null, "the pid file");
    // What `process.exit` or a fatal signal runs (src/terminal/exit-hooks.ts).
    runExitCleanups();
    expect(await running).toMatchObject({ outcome: "exited", code: null, signal: "SIGKILL" });
    await expectGone(backgroundPid());
  }, 30_000);

  it("a command that cannot be started is an error, not a rejection", async () => {
    const result = await runInOwnGroup(join(dir, "no-such-command"), [], OPTIONS);
    expect(result).toMatchObject({ outcome: "error", message: expect.stringContaining("ENOENT") });
  });
});

describe("messages", () => {
  it.each([
    [10_000, "10 s"],
    [200, "0.2 s"],
    [15_000, "15 s"],
  ])("formatSeconds(%i) = %s", (ms, text) => {
    expect(formatSeconds(ms)).toBe(text);
  });

  it("exitStatus names the code, or the signal", () => {
    expect(exitStatus({ code: 3, signal: null })).toBe("exit status 3");
    expect(exitStatus({ code: null, signal: "SIGKILL" })).toBe("killed by SIGKILL");
  });
});

/**
 * claude-fallback's own files are private whatever the umask (SPEC §4.2, §10 "Files"; SECURITY.md):
 * directories 0700, files 0600, our generated scripts 0700. Everything here runs under umask 000,
 * where only the modes the code asks for explicitly hold.
 *
 * The hook channel is a loopback HTTP endpoint with a per-run secret, not a Unix socket (SPEC §4.2):
 * what the original design called "a 0600 socket in a 0700 directory" is here the 0600
 * `settings.json` holding the endpoint's address and secret, and the spool files of the `sh`
 * scripts, in the 0700 run directory (the status line's own files follow the umask: see below).
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { configInit } from "../../src/cli/config.js";
import { writeInjection, writeSegmentFile } from "../../src/hooks/settings.js";
import { createRunDir, type RunDir } from "../../src/hooks/spool.js";
import { writeLiveRun } from "../../src/state/runs.js";
import { stateFile, updateState } from "../../src/state/store.js";
import { openLedger } from "../../src/usage/ledger.js";
import { recordRow } from "../support/ledger.js";

const hookServer = { url: "http://127.0.0.1:43210", secret: "cf-hook-permissions-test-secret" };

let previousUmask: number;
beforeAll(() => {
  previousUmask = process.umask(0o000);
});
afterAll(() => {
  process.umask(previousUmask);
});

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "cf-permissions-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function mode(path: string): string {
  return (statSync(path).mode & 0o777).toString(8).padStart(4, "0");
}

/** Every entry under `dir` with its mode, paths relative to `dir`. */
function modesUnder(dir: string): Record<string, string> {
  const modes: Record<string, string> = {};
  const walk = (sub: string) => {
    for (const name of readdirSync(join(dir, sub))) {
      const path = sub ? `${sub}/${name}` : name;
      modes[path] = mode(join(dir, path));
      if (statSync(join(dir, path)).isDirectory()) walk(path);
    }
  };
  walk("");
  return modes;
}

/** Runs a generated script as Claude Code would (`/bin/sh`), under `umask`, with `input` on stdin. */
function runScript(
  script: string,
  input: string,
  umask = "000",
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", `umask ${umask}; exec /bin/sh "$0"`, script], { cwd: root });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout }));
    child.stdin.end(input);
  });
}

describe("the run directory", () => {
  let run: RunDir;
  beforeEach(async () => {
    run = createRunDir(join(root, "runtime"), "run-1");
    writeInjection({ runDir: run.path, hookServer, userStatusLine: { command: "echo hi" } });
    await writeSegmentFile(run.segmentFile, "API $1.24/$10");
  });

  test("0700, with the 0600 settings file that holds the hook secret and 0700 scripts", () => {
    expect(mode(join(root, "runtime"))).toBe("0700");
    expect(readFileSync(run.settingsFile, "utf8")).toContain(hookServer.secret);
    expect(modesUnder(run.path)).toEqual({
      events: "0700",
      "owner.pid": "0600",
      "segment.txt": "0600",
      "session-start.sh": "0700",
      "settings.json": "0600",
      "statusline.sh": "0700",
      tmp: "0700",
    });
    expect(mode(run.path)).toBe("0700");
  });

  test("a runtime directory that exists with wider modes is made 0700", async () => {
    const shared = join(root, "shared-runtime");
    mkdirSync(shared);
    chmodSync(shared, 0o755);
    createRunDir(shared, "run-2");
    expect(mode(shared)).toBe("0700");
  });

  test("the SessionStart script spools 0600 files under any umask", async () => {
    const input = JSON.stringify({ hook_event_name: "SessionStart", session_id: "s1", source: "startup" });
    expect(await runScript(run.sessionStartScript, input)).toEqual({ code: 0, stdout: "" });
    const names = readdirSync(run.eventsDir);
    expect(names).toHaveLength(1);
    expect(mode(join(run.eventsDir, names[0]!))).toBe("0600");
  });

  test("the status line's files follow Claude Code's umask, in 0700 directories; the user's command keeps it", async () => {
    const seen = join(root, "user-umask");
    writeInjection({
      runDir: run.path,
      hookServer,
      userStatusLine: { command: `umask > '${seen}'; echo USER` },
    });
    const result = await runScript(run.statusLineScript, '{"session_id":"s1"}', "022");
    expect(result).toEqual({ code: 0, stdout: "USER API $1.24/$10\n" });
    expect(readFileSync(seen, "utf8").trim()).toBe("0022");
    // Narrowing the umask for our own writes only would take a subshell (a process) per status
    // line: these files are the umask's, and out of other users' reach in the 0700 run directory.
    expect(mode(run.statusLineFile)).toBe("0644");
    const temporary = readdirSync(run.tempDir);
    expect(temporary.filter((name) => name.startsWith("out."))).toHaveLength(1);
    for (const name of temporary) expect(mode(join(run.tempDir, name)), name).toBe("0644");
    expect([run.path, run.tempDir].map(mode)).toEqual(["0700", "0700"]);
  });
});

describe("state", () => {
  test("state.json and the live-run entries: 0600 files in 0700 directories", () => {
    const stateDir = join(root, "state", "claude-fallback");
    updateState(stateFile(stateDir), () => ({ preferred_mode: "api", preferred_mode_set_at: 1 }));
    writeLiveRun(stateDir, {
      runId: "run-1",
      pid: process.pid,
      claudePid: null,
      cwd: root,
      mode: "api",
      sessionId: null,
      startedAt: 1,
      pending: null,
    });
    expect(mode(join(root, "state"))).toBe("0700");
    expect(modesUnder(stateDir)).toEqual({ runs: "0700", "runs/run-1.json": "0600", "state.json": "0600" });
    expect(mode(stateDir)).toBe("0700");
  });
});

describe("the usage ledger", () => {
  test("usage.db and its WAL and shared-memory files: 0600 in a 0700 directory", () => {
    const dataDir = join(root, "data", "claude-fallback");
    const ledger = openLedger(join(dataDir, "usage.db"));
    try {
      const runId = ledger.startRun({ startedAt: 1, initialMode: "api" });
      recordRow(ledger, { runId, at: 1, outcome: "ok", model: "claude-sonnet-4-5", costNanoUsd: 1 });
      expect(modesUnder(dataDir)).toEqual({
        "usage.db": "0600",
        "usage.db-shm": "0600",
        "usage.db-wal": "0600",
      });
      expect(mode(dataDir)).toBe("0700");
    } finally {
      ledger.close();
    }
  });
});

describe("the config file", () => {
  test("config init writes it 0600 in a new 0700 directory", () => {
    const out: string[] = [];
    const env = { XDG_CONFIG_HOME: join(root, "config"), HOME: root };
    configInit({}, { stdout: (text) => out.push(text), stderr: () => {}, env, cwd: root });
    expect(modesUnder(join(root, "config"))).toEqual({
      "claude-fallback": "0700",
      "claude-fallback/config.json": "0600",
    });
    expect(out.join("")).toContain("mode 0600");
  });
});

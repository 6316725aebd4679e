/**
 * Files of ours that are damaged or that the user cannot read or write, through the built CLI run
 * as an unprivileged user (see `runFallbackUnprivileged`): what they hold is said to be unknown,
 * with the path and the fix — never read as "nothing spent" or "none set", never written over.
 */

import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type Simulator, startSimulator } from "../../src/simulator/index.js";
import { stateFile, updateState } from "../../src/state/store.js";
import { ledgerPath, openLedger } from "../../src/usage/ledger.js";
import { recordRow } from "../support/ledger.js";
import { killLiveProcesses } from "./harness/claude.js";
import { runFallback, runFallbackUnprivileged, writeFallbackConfig } from "./harness/cli.js";
import { createSandbox, type Sandbox, TEST_API_KEY } from "./harness/sandbox.js";

let simulator: Simulator;
let sandbox: Sandbox;
let home: string;
/** Directories a test closed to the user, opened again before the sandbox is removed. */
const closed: string[] = [];

beforeEach(async () => {
  simulator = await startSimulator({ requireApiKey: TEST_API_KEY });
  sandbox = await createSandbox({ baseUrl: simulator.url });
  home = await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
});

afterEach(async () => {
  killLiveProcesses();
  for (const dir of closed.splice(0)) await chmod(dir, 0o700);
  await simulator.close();
  await sandbox.cleanup();
});

async function close(dir: string, mode: number): Promise<void> {
  closed.push(dir);
  await chmod(dir, mode);
}

/** $0.19 of API spend today in the ledger. */
function seedSpend(): string {
  const file = ledgerPath(join(home, "data"));
  const ledger = openLedger(file);
  const runId = ledger.startRun({ startedAt: Date.now(), initialMode: "api" });
  recordRow(ledger, {
    runId,
    at: Date.now(),
    outcome: "ok",
    model: "claude-sonnet-4-5",
    costNanoUsd: 190_000_000,
  });
  ledger.close();
  return file;
}

describe("a ledger directory the user cannot read", () => {
  let file: string;
  beforeEach(async () => {
    file = seedSpend();
    await close(join(home, "data"), 0o000);
  });

  test("usage: one line with the path and the fix, exit 1 — not 'No API usage recorded yet.'", async () => {
    const result = await runFallbackUnprivileged(sandbox, ["usage"]);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(
      new RegExp(
        `^claude-fallback: usage ledger: cannot read ${file} \\(EACCES: [^)]*\\); fix: let your user read it \\(chmod u\\+rwx ${join(home, "data")}\\), or set CLAUDE_FALLBACK_HOME or XDG_DATA_HOME to another place\\n$`,
      ),
    );
    expect(result.code).toBe(1);
  });

  test("forecast: says the ledger could not be read, exit 1", async () => {
    const result = await runFallbackUnprivileged(sandbox, ["forecast"]);
    expect(result.stderr).toContain(`usage ledger: cannot read ${file} (EACCES`);
    expect(result.code).toBe(1);
  });

  test("status: the spend is unknown, with the path and the fix — never $0.00", async () => {
    const text = await runFallbackUnprivileged(sandbox, ["status"]);
    expect(text.stdout).toMatch(/^API today: +unknown — usage ledger: cannot read .*; fix: /m);
    expect(text.stdout).toMatch(/^API month: +unknown$/m);
    expect(text.stdout).not.toContain("$0.00");
    const json = await runFallbackUnprivileged(sandbox, ["status", "--json"]);
    const report = JSON.parse(json.stdout);
    expect(report.api_spend.day).toMatchObject({ cost_usd: null, cost_nanousd: null, requests: null });
    expect(report.api_spend.problem).toContain(`cannot read ${file} (EACCES`);
  });
});

describe("a ledger file the user cannot read, in a directory they can", () => {
  test("usage and status say it cannot be read (not 'not writable'), with the file's own chmod", async () => {
    const file = seedSpend();
    await close(file, 0o000);
    const result = await runFallbackUnprivileged(sandbox, ["usage"]);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(
      new RegExp(
        `^claude-fallback: usage ledger: cannot read ${file} \\(EACCES: [^)]*\\); fix: let your user read it \\(chmod u\\+rwx ${join(home, "data")}; chmod u\\+rw ${file}\\), or set CLAUDE_FALLBACK_HOME or XDG_DATA_HOME to another place\\n$`,
      ),
    );
    expect(result.code).toBe(1);
    const status = await runFallbackUnprivileged(sandbox, ["status"]);
    expect(status.stdout).toMatch(/^API today: +unknown — usage ledger: cannot read .*; fix: /m);
  });
});

describe("the state file", () => {
  const limit = { at: Date.now(), resets_at: Date.now() + 3_600_000, window: "five_hour", assumed: false };

  test("cut in half: status says the limit is unknown; use keeps the file aside, in one line, before writing", async () => {
    const file = stateFile(join(home, "state"));
    updateState(file, () => ({ last_limit: limit }));
    const whole = await readFile(file, "utf8");
    const half = whole.slice(0, whole.length / 2);
    await writeFile(file, half);

    const status = await runFallback(sandbox, ["status"]);
    expect(status.stdout).toContain(`Limit:         unknown — state: ${file} is damaged`);
    expect(status.stdout).not.toContain("none seen");

    const use = await runFallback(sandbox, ["use", "api"]);
    expect(use.code).toBe(0);
    const aside = (await readdir(join(home, "state"))).filter((name) =>
      name.startsWith("state.json.corrupt-"),
    );
    expect(aside).toHaveLength(1);
    expect(await readFile(join(home, "state", aside[0] as string), "utf8")).toBe(half);
    expect(use.stderr).toBe(
      `claude-fallback: the state file ${file} was damaged; moved it to ${join(home, "state", aside[0] as string)} (a \`use\` preference or a limit it held is forgotten)\n`,
    );
  });

  test("in a directory the user cannot read: status says so, not 'no `use` preference' and 'none seen'", async () => {
    updateState(stateFile(join(home, "state")), () => ({ last_limit: limit, preferred_mode: "api" }));
    await close(join(home, "state"), 0o000);
    const status = await runFallbackUnprivileged(sandbox, ["status"]);
    expect(status.stdout).toMatch(/^Limit: +unknown — state: cannot read .*state\.json \(EACCES/m);
    expect(status.stdout).toContain(
      "(the state file could not be read: a `use` preference it holds is not known)",
    );
    expect(status.stdout).not.toContain("none seen");
  });
});

describe("the live runs directory", () => {
  test("one the user cannot read: status says the sessions are unknown, with the path and the fix — not 'none'", async () => {
    updateState(stateFile(join(home, "state")), () => ({}));
    const runs = join(home, "state", "runs");
    await mkdir(runs, { mode: 0o700 });
    await close(runs, 0o000);
    const text = await runFallbackUnprivileged(sandbox, ["status"]);
    expect(text.stdout).toMatch(
      new RegExp(`^Live sessions: unknown — live runs: cannot read ${runs} \\(EACCES: [^)]*\\); fix: `, "m"),
    );
    expect(text.stdout).not.toContain("Live sessions: none");
    const json = JSON.parse((await runFallbackUnprivileged(sandbox, ["status", "--json"])).stdout);
    expect(json.sessions).toEqual([]);
    expect(json.sessions_problem).toContain(`cannot read ${runs} (EACCES`);
  });

  test("one the user can read but not write: the entry of a run that is gone is left, status still answers", async () => {
    updateState(stateFile(join(home, "state")), () => ({}));
    const runs = join(home, "state", "runs");
    await mkdir(runs, { mode: 0o700 });
    // A run whose process is gone (a pid no process has): its entry is pruned where it can be.
    const gone = { runId: "gone", pid: 2 ** 22 + 12345, claudePid: null, cwd: "/", mode: "api" };
    await writeFile(
      join(runs, "gone.json"),
      JSON.stringify({ ...gone, sessionId: null, startedAt: 0, pending: null }),
    );
    await close(runs, 0o500);
    const text = await runFallbackUnprivileged(sandbox, ["status"]);
    expect(text.stderr).toBe("");
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Live sessions: none$/m);
  });
});

describe("a run that cannot write its state", () => {
  test("the session goes on, with one line naming the state directory and the fix", async () => {
    const stateDir = join(home, "state");
    updateState(stateFile(stateDir), () => ({}));
    await close(stateDir, 0o500);
    const result = await runFallbackUnprivileged(sandbox, ["--", "-p", "hi"]);
    expect(result.stdout).toContain("Simulated reply");
    expect(result.stderr).toMatch(
      new RegExp(
        `^claude-fallback: could not save its state \\(cannot write ${stateDir} \\(EACCES: [^)]*\\); fix: let your user write it \\(chmod u\\+rwx ${stateDir}\\), or set CLAUDE_FALLBACK_HOME or XDG_STATE_HOME to another place\\); the session goes on\\n$`,
      ),
    );
    expect(result.code).toBe(0);
  });

  test("a run directory that cannot be created: one line naming it and the fix, not a bare EACCES", async () => {
    seedSpend();
    updateState(stateFile(join(home, "state")), () => ({}));
    await close(home, 0o500);
    const result = await runFallbackUnprivileged(sandbox, ["--", "-p", "hi"]);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines.at(-1)).toBe(
      `claude-fallback: run directory: cannot create ${join(home, "run")} (EACCES: permission denied, mkdir '${join(home, "run")}'); fix: let your user write it (chmod u+rwx ${home}), or set CLAUDE_FALLBACK_HOME or XDG_RUNTIME_DIR to another place`,
    );
    for (const line of lines) expect(line).toMatch(/^claude-fallback: .*fix: /);
    expect(result.code).toBe(1);
  });
});

describe("Claude Code's transcripts the user cannot read", () => {
  test("usage --subscription and forecast name the folder and exit 1: never 'no usage' or 'no history'", async () => {
    const folder = join(sandbox.claudeDir, "projects", "-home-me-app");
    await mkdir(folder, { recursive: true });
    const record = {
      type: "assistant",
      timestamp: new Date().toISOString(),
      sessionId: "s-1",
      requestId: "req-1",
      message: { id: "msg-1", model: "claude-sonnet-4-5", usage: { input_tokens: 1000, output_tokens: 500 } },
    };
    await writeFile(join(folder, "s-1.jsonl"), `${JSON.stringify(record)}\n`);
    await close(folder, 0o000);
    const line = `could not read ${folder}/; fix: let your user read it (chmod u+rx ${folder}/)`;

    const usage = await runFallbackUnprivileged(sandbox, ["usage", "--subscription"]);
    expect(usage.stderr).toBe(`claude-fallback: ${line}; the subscription's figures leave it out\n`);
    expect(usage.stdout).toContain(
      "Not known: 1 transcript file or folder could not be read (named on stderr).",
    );
    expect(usage.code).toBe(1);

    const forecast = await runFallbackUnprivileged(sandbox, ["forecast"]);
    expect(forecast.stderr).toBe(`claude-fallback: ${line}; the forecast leaves it out\n`);
    expect(forecast.stdout).toContain(
      "Forecast:      not known: the history it is made from could not be read",
    );
    expect(forecast.code).toBe(1);
  });
});

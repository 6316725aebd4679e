import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { recordRow } from "../../test/support/ledger.js";
import { fieldNames, fieldPaths, readmeJsonDocs } from "../../test/support/readme.js";
import { UsageError } from "../errors.js";
import { resolvePaths } from "../state/paths.js";
import { writeLiveRun } from "../state/runs.js";
import { stateFile, updateState } from "../state/store.js";
import { ledgerPath, openLedger } from "../usage/ledger.js";
import { buildProgram, splitClaudeArgs } from "./program.js";
import { collectStatus, renderStatusText, statusCommand } from "./status.js";

let home: string;
const KEY = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789-WXYZ";
// 2030-01-15T10:00:00Z
const now = Date.UTC(2030, 0, 15, 10, 0);
const HOUR = 3600_000;
const SESSION = "0b6c4b7e-5f1a-4c8e-9d3b-2a7f1e6c9d40";

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "cf-status-"));
});

afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

function writeConfig(config: Record<string, unknown>): void {
  const path = join(home, "config.json");
  writeFileSync(path, JSON.stringify(config));
  chmodSync(path, 0o600);
}

function io(env: Record<string, string> = {}) {
  let out = "";
  let err = "";
  return {
    io: {
      env: { CLAUDE_FALLBACK_HOME: home, ...env },
      cwd: home,
      now,
      zone: "UTC",
      stderr: (text: string) => (err += text),
      write: (text: string) => (out += text),
    },
    out: () => out,
    err: () => err,
  };
}

/** A live run of this process, with two requests in the ledger (one today, one earlier this month). */
function seedRunAndLedger(): string {
  const paths = resolvePaths({ CLAUDE_FALLBACK_HOME: home });
  const ledger = openLedger(ledgerPath(paths.dataDir));
  const runId = ledger.startRun({ startedAt: now - 2 * HOUR, initialMode: "subscription" });
  const request = { runId, outcome: "ok" as const, model: "claude-sonnet-4-5" };
  recordRow(ledger, { ...request, at: now - HOUR, costNanoUsd: 1_240_000_000 });
  recordRow(ledger, { ...request, at: now - 5 * 24 * HOUR, costNanoUsd: 3_000_000_000 });
  recordRow(ledger, { ...request, at: now - 20 * 24 * HOUR, costNanoUsd: 7_000_000_000 }); // last month
  recordRow(ledger, { ...request, at: now - HOUR / 2, model: "mystery", costNanoUsd: null });
  ledger.close();
  writeLiveRun(paths.stateDir, {
    runId,
    pid: process.pid,
    claudePid: null,
    cwd: "/work/project",
    mode: "api",
    sessionId: SESSION,
    startedAt: now - 2 * HOUR,
    pending: "subscription (reset)",
  });
  // A run whose process is gone is not shown.
  writeLiveRun(paths.stateDir, {
    ...{ runId: "gone", pid: 2 ** 22 + 12345, claudePid: null },
    cwd: "/",
    mode: "api",
    sessionId: null,
    startedAt: 0,
    pending: null,
  });
  return runId;
}

/** The run raised `cap` from the menu, for itself alone, by one more of the configured amount. */
function seedCapRaised(runId: string, cap: string, from_usd: number, to_usd: number): void {
  const ledger = openLedger(ledgerPath(resolvePaths({ CLAUDE_FALLBACK_HOME: home }).dataDir));
  ledger.recordEvent({ runId, at: now - HOUR / 4, kind: "cap_raised", detail: { cap, from_usd, to_usd } });
  ledger.close();
}

/** Every field of the report non-null: a `use api` preference, a limit, utilisation, a live run, spend, a cap it raised. */
function seedEverything(): string {
  writeConfig({
    api_key: KEY,
    cost_limit_per_day: 5,
    cost_limit_per_month: 50,
    cost_limit_until_reset: null,
  });
  const file = stateFile(resolvePaths({ CLAUDE_FALLBACK_HOME: home }).stateDir);
  updateState(file, () => ({
    preferred_mode: "api",
    preferred_mode_set_at: now - HOUR,
    last_limit: { at: now - 3 * HOUR, resets_at: now + 2 * HOUR, window: "five_hour", assumed: false },
    utilisation: {
      at: now - 3 * HOUR,
      windows: { five_hour: { used_percentage: 100, resets_at: now + 2 * HOUR } },
    },
  }));
  const runId = seedRunAndLedger();
  seedCapRaised(runId, "day", 5, 10);
  return runId;
}

describe("collectStatus", () => {
  test("nothing known: defaults, no key, no ledger", async () => {
    const { io: env } = io();
    const report = await collectStatus({}, env);
    expect(report).toEqual({
      format: 1,
      generated_at: "2030-01-15T10:00:00.000Z",
      timezone: "UTC",
      mode: "subscription",
      mode_reason: "default: no `use` preference",
      preferred_mode: null,
      preferred_mode_set_at: null,
      limit: null,
      subscription: null,
      api_spend: {
        day: {
          period: "2030-01-15",
          cost_usd: 0,
          cost_nanousd: 0,
          requests: 0,
          unknown_cost_requests: 0,
          cap_usd: null,
        },
        month: {
          period: "2030-01",
          cost_usd: 0,
          cost_nanousd: 0,
          requests: 0,
          unknown_cost_requests: 0,
          cap_usd: null,
        },
        until_reset: null,
        run_cap_usd: 10,
        log_usage: true,
        problem: null,
      },
      sessions: [],
      sessions_problem: null,
      // Nothing to forecast from: every figure null, never $0.
      forecast: expect.objectContaining({
        format: 1,
        basis: expect.objectContaining({ kind: "none" }),
        pace: null,
        until_reset: expect.objectContaining({ usd: null, usd_p90: null }),
        unreadable: [],
      }),
      config: { path: join(home, "config.json"), source: "default", exists: false },
      state: { path: join(home, "state", "state.json"), problem: null },
      api_key: { source: null, masked: null, problem: null },
    });
  });

  test("everything known: the pinned --json shape", async () => {
    seedEverything();
    const { io: env, out } = io();
    await statusCommand({ json: true }, env);
    const report = JSON.parse(out());
    const run = report.sessions[0];
    expect(report).toEqual({
      format: 1,
      generated_at: "2030-01-15T10:00:00.000Z",
      timezone: "UTC",
      mode: "api",
      mode_reason: "preferred mode set by `claude-fallback use api`",
      preferred_mode: "api",
      preferred_mode_set_at: "2030-01-15T09:00:00.000Z",
      limit: {
        detected_at: "2030-01-15T07:00:00.000Z",
        resets_at: "2030-01-15T12:00:00.000Z",
        window: "five_hour",
        reset_assumed: false,
        in_force: true,
      },
      subscription: {
        updated_at: "2030-01-15T07:00:00.000Z",
        windows: [{ name: "five_hour", used_percentage: 100, resets_at: "2030-01-15T12:00:00.000Z" }],
      },
      api_spend: {
        day: {
          period: "2030-01-15",
          cost_usd: 1.24,
          cost_nanousd: 1_240_000_000,
          requests: 2,
          unknown_cost_requests: 1,
          cap_usd: 5,
        },
        month: {
          period: "2030-01",
          cost_usd: 4.24,
          cost_nanousd: 4_240_000_000,
          requests: 3,
          unknown_cost_requests: 1,
          cap_usd: 50,
        },
        // Since the limit was hit at 07:00: the request at 09:00 and the one of unknown cost at 09:30.
        until_reset: {
          since: "2030-01-15T07:00:00.000Z",
          cost_usd: 1.24,
          cost_nanousd: 1_240_000_000,
          requests: 2,
          unknown_cost_requests: 1,
          cap_usd: null,
        },
        run_cap_usd: 10,
        log_usage: true,
        problem: null,
      },
      sessions: [
        {
          run_id: run.run_id,
          pid: process.pid,
          claude_pid: null,
          cwd: "/work/project",
          mode: "api",
          session_id: SESSION,
          started_at: "2030-01-15T08:00:00.000Z",
          pending: "subscription (reset)",
          shell: null,
          spend: {
            cost_usd: 11.24,
            cost_nanousd: 11_240_000_000,
            requests: 4,
            unknown_cost_requests: 1,
            cap_usd: 10,
          },
          caps_raised: [{ cap: "day", cap_usd: 10 }],
        },
      ],
      sessions_problem: null,
      forecast: expect.objectContaining({
        format: 1,
        until_reset: expect.objectContaining({ resets_at: "2030-01-15T12:00:00.000Z" }),
      }),
      config: { path: join(home, "config.json"), source: "default", exists: true },
      state: { path: join(home, "state", "state.json"), problem: null },
      api_key: { source: "config", masked: "sk-ant-…WXYZ", problem: null },
    });
    expect(out()).not.toContain(KEY);
  });

  test.each([
    [
      "env key, masked",
      { CLAUDE_FALLBACK_API_KEY: KEY },
      {},
      { source: "env", masked: "sk-ant-…WXYZ", problem: null },
    ],
    [
      "an env key a run would refuse, with why",
      { CLAUDE_FALLBACK_API_KEY: "garbage-secret-value" },
      {},
      { source: "env", masked: "…alue", problem: "not an Anthropic API key (expected sk-ant-…)" },
    ],
    // The command is never run by status: `false` would fail if it were.
    [
      "command key, not run",
      {},
      { api_key_command: "echo ran >&2; exit 1" },
      { source: "command", masked: null, problem: null },
    ],
  ])("%s", async (_name, env, config, expected) => {
    writeConfig(config);
    const { io: ctx, err } = io(env);
    expect((await collectStatus({}, ctx)).api_key).toEqual(expected);
    expect(err()).toBe("");
  });

  test.each([
    [
      "api preferred without a key",
      { preferred_mode: "api" as const },
      "subscription",
      /no API key is configured/,
    ],
    [
      "subscription preferred",
      { preferred_mode: "subscription" as const },
      "subscription",
      /use subscription/,
    ],
  ])("mode: %s", async (_name, state, mode, reason) => {
    updateState(stateFile(resolvePaths({ CLAUDE_FALLBACK_HOME: home }).stateDir), () => state);
    const report = await collectStatus({}, io().io);
    expect(report.mode).toBe(mode);
    expect(report.mode_reason).toMatch(reason);
  });

  test("mode: a limit in force with auto_switch and a key is API billing, as the next run starts (not `subscription`)", async () => {
    writeConfig({ api_key: KEY, auto_switch: true });
    updateState(stateFile(resolvePaths({ CLAUDE_FALLBACK_HOME: home }).stateDir), () => ({
      last_limit: { at: now - HOUR, resets_at: now + 2 * HOUR, window: "seven_day", assumed: false },
    }));
    const report = await collectStatus({}, io().io);
    expect(report.mode).toBe("api");
    expect(report.mode_reason).toBe(
      "the subscription's weekly limit is in force until 12:00 and auto_switch is on",
    );
  });

  test("an invalid config is a usage error", async () => {
    writeConfig({ auto_swtich: true });
    await expect(collectStatus({}, io().io)).rejects.toBeInstanceOf(UsageError);
  });

  test("a file where the data directory should be: the spend is unknown, with the file in the way named, not $0", async () => {
    const dataDir = resolvePaths({ CLAUDE_FALLBACK_HOME: home }).dataDir;
    writeFileSync(dataDir, "not a directory");
    const report = await collectStatus({}, io().io);
    expect(report.api_spend.problem).toBe(
      `usage ledger: cannot read ${join(dataDir, "usage.db")}: ${dataDir} is a file, not a directory; move it aside, or set CLAUDE_FALLBACK_HOME or XDG_DATA_HOME to another place`,
    );
    expect(report.api_spend.day).toMatchObject({ cost_usd: null, cost_nanousd: null, requests: null });
  });

  test("a file where the state directory should be: the limit is unknown, with the file in the way named", async () => {
    const stateDir = resolvePaths({ CLAUDE_FALLBACK_HOME: home }).stateDir;
    writeFileSync(stateDir, "not a directory");
    const report = await collectStatus({}, io().io);
    expect(report.state.problem).toBe(
      `state: cannot read ${join(stateDir, "state.json")}: ${stateDir} is a file, not a directory; move it aside, or set CLAUDE_FALLBACK_HOME or XDG_STATE_HOME to another place; a \`use\` preference or a limit it holds is not known`,
    );
  });

  test("a directory where the state file should be: named as such, with a fix that can work (not chmod)", async () => {
    const stateDir = resolvePaths({ CLAUDE_FALLBACK_HOME: home }).stateDir;
    mkdirSync(join(stateDir, "state.json"), { recursive: true });
    const report = await collectStatus({}, io().io);
    expect(report.state.problem).toBe(
      `state: cannot read ${join(stateDir, "state.json")}: it is a directory, not a file; move it aside, or set CLAUDE_FALLBACK_HOME or XDG_STATE_HOME to another place; a \`use\` preference or a limit it holds is not known`,
    );
  });

  test("a ledger that cannot be read: spend unknown in JSON (null) and text (never $0.00), with the path and the fix", async () => {
    writeConfig({ cost_limit_per_day: 5 });
    seedRunAndLedger();
    const file = ledgerPath(resolvePaths({ CLAUDE_FALLBACK_HOME: home }).dataDir);
    rmSync(file);
    symlinkSync("usage.db", file); // A symlink loop: ELOOP, unreadable even to root.
    const report = await collectStatus({}, io().io);
    expect(report.api_spend.problem).toMatch(
      new RegExp(`^usage ledger: cannot read ${file} \\(ELOOP: .*\\); fix: let your user read it`),
    );
    const unknown = { cost_usd: null, cost_nanousd: null, requests: null, unknown_cost_requests: null };
    expect(report.api_spend.day).toEqual({ period: "2030-01-15", ...unknown, cap_usd: 5 });
    expect(report.api_spend.month).toEqual({ period: "2030-01", ...unknown, cap_usd: null });
    expect(report.sessions[0]?.spend).toEqual({ ...unknown, cap_usd: 10 });
    const text = renderStatusText(report, true);
    expect(text).toContain(`API today:     unknown — ${report.api_spend.problem}\n`);
    expect(text).toContain("API month:     unknown\n");
    expect(text).not.toContain("$0.00");
  });

  test("a damaged state file: the limit and the `use` preference are unknown, said with the file and the fix", async () => {
    const file = stateFile(resolvePaths({ CLAUDE_FALLBACK_HOME: home }).stateDir);
    updateState(file, () => ({
      last_limit: { at: now - HOUR, resets_at: now + HOUR, window: "five_hour", assumed: false },
    }));
    writeFileSync(file, readFileSync(file, "utf8").slice(0, 60)); // Cut in half.
    const report = await collectStatus({}, io().io);
    expect(report.state.problem).toBe(
      `state: ${file} is damaged (not valid JSON state); a \`use\` preference or a limit it held is not known; fix: the next \`claude-fallback use\` or run moves it aside (kept as ${file}.corrupt-<time>) and starts afresh`,
    );
    const text = renderStatusText(report, true);
    expect(text).toContain(`Limit:         unknown — ${report.state.problem}\n`);
    expect(text).not.toContain("none seen");
    expect(text).toContain("(the state file could not be read: a `use` preference it holds is not known)");
    // The utilisation lives there too: unknown, not "not known yet".
    expect(text).toContain(
      "Subscription:  utilisation not known — the state file holding it could not be read\n",
    );
  });
  test("a state file with an instant no date can hold: damaged, said so — not a bare 'Invalid time value'", async () => {
    const file = stateFile(resolvePaths({ CLAUDE_FALLBACK_HOME: home }).stateDir);
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(
      file,
      JSON.stringify({
        last_limit: { at: now - HOUR, resets_at: 1e300, window: "five_hour", assumed: false },
      }),
    );
    const report = await collectStatus({}, io().io);
    expect(report.state.problem).toContain(`state: ${file} is damaged (not valid JSON state)`);
    expect(report.limit).toBeNull();
    expect(renderStatusText(report, true)).toContain(`Limit:         unknown — ${report.state.problem}\n`);
  });
  test("live runs that cannot be listed: sessions unknown, with the path and the fix — not 'none'", async () => {
    const stateDir = resolvePaths({ CLAUDE_FALLBACK_HOME: home }).stateDir;
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(join(stateDir, "runs"), "not a directory");
    const report = await collectStatus({}, io().io);
    expect(report.sessions).toEqual([]);
    expect(report.sessions_problem).toBe(
      `live runs: cannot read ${join(stateDir, "runs")}: ${join(stateDir, "runs")} is a file, not a directory; move it aside, or set CLAUDE_FALLBACK_HOME or XDG_STATE_HOME to another place`,
    );
    const text = renderStatusText(report, true);
    expect(text).toContain(`Live sessions: unknown — ${report.sessions_problem}\n`);
    expect(text).not.toContain("Live sessions: none");
  });
});

test("README.md's JSON output section documents exactly the fields `status --json` prints", async () => {
  seedEverything();
  const { io: env, out } = io();
  await statusCommand({ json: true }, env);
  // `forecast` is the object of `forecast --json`, documented (and held to the docs) in its own section.
  const { forecast, ...report } = JSON.parse(out());
  expect(forecast.format).toBe(1);
  const docs = readmeJsonDocs("### `status --json`");
  expect(docs.examples).toHaveLength(1);
  // …in the order it is printed (a reader compares the two side by side).
  expect(Object.keys(docs.examples[0] as object)).toEqual(Object.keys(JSON.parse(out())));
  delete (docs.examples[0] as { forecast?: unknown }).forecast;
  // The example has the real shape, every nested field included…
  expect([...fieldPaths(docs.examples[0])].sort()).toEqual([...fieldPaths(report)].sort());
  // …and the table describes each field name, and no other.
  expect([...docs.fields].sort()).toEqual([...fieldNames(report), "forecast"].sort());
}, 30_000);

describe("text output", () => {
  test("names the mode, limit, spend against caps, sessions and key source", async () => {
    writeConfig({ api_key: KEY, cost_limit_per_day: 5 });
    updateState(stateFile(resolvePaths({ CLAUDE_FALLBACK_HOME: home }).stateDir), () => ({
      last_limit: { at: now - HOUR, resets_at: now + 2 * HOUR, window: "five_hour", assumed: true },
    }));
    seedRunAndLedger();
    const text = renderStatusText(await collectStatus({}, io().io), true);
    expect(text).toContain("Mode:          subscription — default: no `use` preference");
    expect(text).toContain(
      "Limit:         5-hour limit reached 2030-01-15 09:00, resets 2030-01-15 12:00 (assumed)",
    );
    expect(text).toContain("API today:     $1.24 of $5.00 cap (+1 of unknown cost)");
    expect(text).toContain("API month:     $4.24 (no cap) (+1 of unknown cost)");
    expect(text).toContain("API to reset:  $1.24 (no cap) (+1 of unknown cost)");
    // Every label fits the 15-column gutter, so the values line up.
    for (const line of text.split("\n").filter((line) => /^\S/.test(line))) {
      expect(line.slice(0, 15), line).toMatch(/^[A-Z][A-Za-z ]*: +$/);
      expect(line[15], line).not.toBe(" ");
    }
    expect(text).toMatch(
      new RegExp(
        `pid ${process.pid}  api  session ${SESSION}  /work/project  spend \\$11.24 of \\$10.00 cap.*switch pending: subscription \\(reset\\)`,
      ),
    );
    expect(text).toContain("API key:       api_key in the config file sk-ant-…WXYZ");
    expect(text).not.toContain(KEY);
  });

  test("a live run's caps raised from the menu are shown on its line, its spend against its own cap", async () => {
    seedCapRaised(seedEverything(), "session", 10, 20);
    const report = await collectStatus({}, io().io);
    expect(report.sessions[0]?.spend.cap_usd).toBe(20);
    expect(report.sessions[0]?.caps_raised).toEqual([
      { cap: "day", cap_usd: 10 },
      { cap: "session", cap_usd: 20 },
    ]);
    const text = renderStatusText(report, true);
    expect(text).toContain(
      "spend $11.24 of $20.00 cap (+1 of unknown cost), raised for this run: daily cap $10.00, per-session cap $20.00, switch pending",
    );
    // The config's caps are what every other run keeps to.
    expect(text).toContain("API today:     $1.24 of $5.00 cap");
    expect(text).toContain("API per run:   cap $10.00");
  });

  test("a window 99.6 % used is 99 %, not 100 %: 100 % reads as the limit reached", async () => {
    updateState(stateFile(resolvePaths({ CLAUDE_FALLBACK_HOME: home }).stateDir), () => ({
      utilisation: { at: now - HOUR, windows: { five_hour: { used_percentage: 99.6, resets_at: null } } },
    }));
    const text = renderStatusText(await collectStatus({}, io().io), true);
    expect(text).toContain("Subscription:  5-hour 99%");
  });

  test("a window that has reset since the utilisation was seen is not shown at its old use", async () => {
    updateState(stateFile(resolvePaths({ CLAUDE_FALLBACK_HOME: home }).stateDir), () => ({
      utilisation: {
        at: now - 3 * HOUR,
        windows: {
          five_hour: { used_percentage: 100, resets_at: now - HOUR },
          seven_day: { used_percentage: 41, resets_at: now + 48 * HOUR },
        },
      },
    }));
    const text = renderStatusText(await collectStatus({}, io().io), true);
    expect(text).toContain(
      "Subscription:  5-hour reset at 2030-01-15 09:00, use since not known; weekly 41%, resets 2030-01-17 10:00",
    );
  });

  test("the time of a `use` preference is local, like the other times", async () => {
    seedEverything();
    // 09:00 UTC is 18:00 in Tokyo.
    const text = renderStatusText(await collectStatus({}, { ...io().io, zone: "Asia/Tokyo" }), true);
    expect(text).toContain(
      "Mode:          api — preferred mode set by `claude-fallback use api` (since 2030-01-15 18:00)",
    );
    expect(text).toContain("Limit:         5-hour limit reached 2030-01-15 16:00, resets 2030-01-15 21:00");
    expect(text).not.toMatch(/\d{4}-\d\d-\d\dT/);
  });

  test("a `use api` preference that cannot apply (no key) shows no time: it is not what decides", async () => {
    updateState(stateFile(resolvePaths({ CLAUDE_FALLBACK_HOME: home }).stateDir), () => ({
      preferred_mode: "api",
      preferred_mode_set_at: now - HOUR,
    }));
    const text = renderStatusText(await collectStatus({}, io().io), true);
    expect(text).toContain("Mode:          subscription — `use api` is set but no API key is configured\n");
  });

  test("a spend that has reached its cap says so; one below it does not", async () => {
    // Today $1.24 against a cap of exactly $1.24 (reached: the gateway refuses at >=), the month
    // $4.24 against $50, the run $11.24 against $10.
    writeConfig({
      api_key: KEY,
      cost_limit_per_day: 1.24,
      cost_limit_per_month: 50,
      cost_limit_until_reset: null,
    });
    seedRunAndLedger();
    const text = renderStatusText(await collectStatus({}, io().io), true);
    expect(text).toContain("API today:     $1.24 of $1.24 cap (+1 of unknown cost) — cap reached\n");
    expect(text).toContain("API month:     $4.24 of $50.00 cap (+1 of unknown cost)\n");
    expect(text).toMatch(
      /spend \$11\.24 of \$10\.00 cap \(\+1 of unknown cost\) — cap reached, switch pending/,
    );
  });

  // Runs with log_usage false keep no request rows (SPEC §7): their spend is in no figure, so the
  // figures say so rather than read as all that was spent ($0.00 when every run had it off).
  test.each([
    [true, false, "API today:     $0.00 (no cap)\n"],
    [false, false, "API today:     $0.00 (no cap) (runs with log_usage false are not counted)\n"],
    [true, true, "API month:     $4.24 (no cap) (+1 of unknown cost)\n"],
    [
      false,
      true,
      "API month:     $4.24 (no cap) (+1 of unknown cost) (runs with log_usage false are not counted)\n",
    ],
  ])("log_usage %s, ledger seeded %s: %j", async (logUsage, seeded, line) => {
    writeConfig({ api_key: KEY, log_usage: logUsage });
    if (seeded) seedRunAndLedger();
    const report = await collectStatus({}, io().io);
    expect(report.api_spend.log_usage).toBe(logUsage);
    expect(renderStatusText(report, true)).toContain(line);
  });

  test("a half cent spent reads as usage shows it, not $0.00 or $0.004", async () => {
    writeConfig({ api_key: KEY, cost_limit_per_day: 5 });
    const ledger = openLedger(ledgerPath(resolvePaths({ CLAUDE_FALLBACK_HOME: home }).dataDir));
    const runId = ledger.startRun({ startedAt: now - 2 * HOUR, initialMode: "api" });
    recordRow(ledger, {
      runId,
      outcome: "ok",
      model: "claude-sonnet-4-5",
      at: now - HOUR,
      costNanoUsd: 4_000_000,
    });
    ledger.close();
    expect(renderStatusText(await collectStatus({}, io().io), true)).toContain(
      "API today:     <$0.01 of $5.00 cap\n",
    );
  });

  test("outside a UTF-8 locale the text is ASCII, as doctor's and the status line's", async () => {
    seedEverything();
    const ascii = io({ LANG: "C" });
    await statusCommand({}, ascii.io);
    expect(ascii.out()).toMatch(/^[\x20-\x7e\n]*$/);
    expect(ascii.out()).toContain("Mode:          api -- preferred mode set by");
    expect(ascii.out()).toContain("API key:       api_key in the config file sk-ant-...WXYZ");
    expect(ascii.out()).toContain("spend $11.24 of $10.00 cap (+1 of unknown cost) -- cap reached");
    const utf8 = io({ LANG: "en_US.UTF-8" });
    await statusCommand({}, utf8.io);
    expect(utf8.out()).toContain("Mode:          api — preferred mode set by");
    expect(utf8.out()).toContain("sk-ant-…WXYZ");
  });
});

test("status --help points to the README's JSON output section", async () => {
  const status = (await buildProgram()).commands.find((command) => command.name() === "status");
  expect(status?.helpInformation().replace(/\s+/g, " ")).toContain(
    '--json machine-readable JSON (stable; documented in the README, section "JSON output")',
  );
});

test("`--status` is the seed spelling of `status`", () => {
  expect(splitClaudeArgs(["--status", "--json"]).ours).toEqual(["status", "--json"]);
});

/**
 * The information and maintenance commands through the built CLI: `status --json`, `doctor` with
 * the pinned real claude, the standalone `statusline`, and `resume <id>` against the simulator.
 */

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { VERIFIED_MAX, VERIFIED_MIN } from "../../src/claude/compat.js";
import { type Simulator, startSimulator } from "../../src/simulator/index.js";
import { killLiveProcesses, runProcess, testedClaudeVersion } from "./harness/claude.js";
import { CLI, fallbackEnv, runFallback, writeFallbackConfig } from "./harness/cli.js";
import { messageRequests } from "./harness/requests.js";
import { createSandbox, type Sandbox, TEST_API_KEY } from "./harness/sandbox.js";

let simulator: Simulator;
let sandbox: Sandbox;

beforeEach(async () => {
  simulator = await startSimulator({ requireApiKey: TEST_API_KEY });
  sandbox = await createSandbox({ baseUrl: simulator.url });
});

afterEach(async () => {
  killLiveProcesses();
  await simulator.close();
  await sandbox.cleanup();
});

test("status --json (and the seed spelling --status): stable shape, key masked", async () => {
  await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, cost_limit_per_day: 5 });
  const result = await runFallback(sandbox, ["status", "--json"]);
  expect(result.code).toBe(0);
  expect(result.stdout).not.toContain(TEST_API_KEY);
  const report = JSON.parse(result.stdout);
  expect(Object.keys(report)).toEqual([
    "format",
    "generated_at",
    "timezone",
    "mode",
    "mode_reason",
    "preferred_mode",
    "preferred_mode_set_at",
    "limit",
    "subscription",
    "api_spend",
    "sessions",
    "sessions_problem",
    "forecast",
    "config",
    "state",
    "api_key",
  ]);
  expect(report).toMatchObject({
    format: 1,
    mode: "subscription",
    limit: null,
    sessions: [],
    api_spend: { day: { cost_usd: 0, cap_usd: 5 }, month: { cap_usd: null }, run_cap_usd: 10 },
    config: { exists: true, source: "default" },
    api_key: { source: "config", masked: "sk-ant-…AAAA", problem: null },
  });
  const seed = await runFallback(sandbox, ["--status"]);
  expect(seed.code).toBe(0);
  expect(seed.stdout).toMatch(/^Mode: +subscription — default/m);
  expect(seed.stdout).toContain("API key:       api_key in the config file sk-ant-…AAAA");
});

test("status with --config before it, either spelling, reads that file (the light program's own parse)", async () => {
  const other = join(sandbox.root, "other.json");
  await writeFile(other, JSON.stringify({ cost_limit_per_day: 7 }), { mode: 0o600 });
  for (const args of [
    ["--config", other, "status", "--json"],
    [`--config=${other}`, "status", "--json"],
    ["--config", join(sandbox.root, "missing.json"), `--config=${other}`, "status", "--json"],
  ]) {
    const result = await runFallback(sandbox, args);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.config).toMatchObject({ path: other, exists: true });
    expect(report.api_spend.day.cap_usd).toBe(7);
  }
  const missing = await runFallback(sandbox, ["--config", join(sandbox.root, "missing.json"), "status"]);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toBe(
    `claude-fallback: config file not found: ${join(sandbox.root, "missing.json")} (from --config)\n`,
  );
});

test("a run and status open the ledger with SQLite's native module named, its JavaScript bundled: no search through `bindings`", async () => {
  await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
  const env = fallbackEnv(sandbox, { NODE_DEBUG: "module" });
  const run = await runFallback(sandbox, ["--force-api", "--", "-p", "a paid question"], env);
  const status = await runFallback(sandbox, ["status", "--json"], env);
  expect(JSON.parse(status.stdout).api_spend.day.requests).toBeGreaterThan(0);
  for (const { code, stderr } of [run, status]) {
    expect(code).toBe(0);
    // Node's module loader says what it loads: SQLite's native module, by its path and nothing else.
    expect(stderr).toMatch(/better-sqlite3\/build\/Release\/better_sqlite3\.node/);
    expect(stderr).not.toMatch(/REQUEST (bindings|better-sqlite3)\b/);
  }
});

test("doctor with the pinned claude: all checks pass offline", async () => {
  await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
  const result = await runFallback(sandbox, ["doctor"]);
  expect(result.stdout).toContain(`(${testedClaudeVersion()}; verified ${VERIFIED_MIN} – ${VERIFIED_MAX})`);
  expect(result.stdout).toContain("✓ StopFailure hook");
  expect(result.stdout.trimEnd().split("\n").at(-1)).toBe("all checks passed");
  expect(result.code).toBe(0);
  // Offline by default: nothing was asked of the API.
  expect(simulator.requests).toEqual([]);
});

describe("statusline", () => {
  const input = JSON.stringify({
    session_id: "0b6c4b7e-5f1a-4c8e-9d3b-2a7f1e6c9d40",
    transcript_path: "/tmp/t.jsonl",
    cwd: "/tmp",
    model: { id: "claude-sonnet-4-5", display_name: "Sonnet 4.5" },
    workspace: { current_dir: "/tmp", project_dir: "/tmp" },
    version: testedClaudeVersion(),
    cost: { total_cost_usd: 0.01 },
    rate_limits: {
      five_hour: { used_percentage: 63, resets_at: Math.floor(Date.UTC(2099, 0, 1, 15, 0) / 1000) },
      seven_day: { used_percentage: 12, resets_at: Math.floor(Date.UTC(2099, 0, 5) / 1000) },
    },
  });

  function statusline(env: NodeJS.ProcessEnv, before: string[] = []) {
    // Exactly as Claude Code runs a settings.json `statusLine` command: no --claude, JSON on stdin.
    return runProcess(process.execPath, [CLI, ...before, "statusline"], {
      cwd: sandbox.project,
      env: fallbackEnv(sandbox, { TZ: "UTC", ...env }),
      input,
      timeoutMs: 30_000,
    });
  }

  test("prints the segment from rate_limits", async () => {
    const result = await statusline({});
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(/^SUB 63% ⟳\w{3} 15:00\n$/);
  });

  test("a broken config: the segment stays, exit 0; why is said once, then a short mark", async () => {
    const home = await writeFallbackConfig(sandbox, {});
    await writeFile(join(home, "config.json"), '{ "auto_switch": yes }');
    const first = await statusline({});
    expect(first).toMatchObject({ code: 0, stderr: "" });
    expect(first.stdout).toMatch(
      /^SUB 63% ⟳\w{3} 15:00 · claude-fallback: config file \S+config\.json: invalid JSON at line 1, column \d+: .*config validate lists every problem\)\n$/,
    );
    const next = await statusline({});
    expect(next).toMatchObject({ code: 0, stderr: "" });
    expect(next.stdout).toMatch(/^SUB 63% ⟳\w{3} 15:00 · claude-fallback: config invalid\n$/);
  });

  test("--config before it, either spelling: that file's problem is the one said", async () => {
    for (const [spelling, other] of [
      ["two words", join(sandbox.root, "one.json")],
      ["=", join(sandbox.root, "two.json")],
    ] as const) {
      await writeFile(other, '{ "auto_switch": maybe }', { mode: 0o600 });
      const before = spelling === "=" ? [`--config=${other}`] : ["--config", other];
      const result = await statusline({}, before);
      expect(result).toMatchObject({ code: 0, stderr: "" });
      expect(result.stdout).toContain(`claude-fallback: config file ${other}: invalid JSON`);
    }
  });

  test("quiet when run as the user's status line under a wrapped run", async () => {
    const result = await statusline({ CLAUDE_FALLBACK_STATUSLINE: "wrapped" });
    expect(result).toMatchObject({ code: 0, stdout: "", stderr: "" });
  });
});

describe("resume", () => {
  async function firstSession(): Promise<string> {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
    const first = await runFallback(sandbox, [
      "--",
      "-p",
      "remember the word pineapple",
      "--output-format",
      "json",
    ]);
    expect(first.code).toBe(0);
    const sessionId = (JSON.parse(first.stdout) as { session_id: string }).session_id;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    return sessionId;
  }

  test("resume <id> -- -p … continues the same conversation on the subscription", async () => {
    const sessionId = await firstSession();
    const result = await runFallback(sandbox, ["resume", sessionId, "--", "-p", "what was the word?"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Simulated reply/);
    const last = messageRequests(simulator).at(-1);
    expect(last?.billing).toBe("subscription");
    expect(last?.sessionId).toBe(sessionId);
    const body = JSON.stringify(last?.body);
    expect(body).toContain("remember the word pineapple");
    expect(body).toContain("what was the word?");
  });

  test("resume <id> --api continues it on API billing", async () => {
    const sessionId = await firstSession();
    const result = await runFallback(sandbox, ["resume", sessionId, "--api", "--", "-p", "and now?"]);
    expect(result.code).toBe(0);
    const last = messageRequests(simulator).at(-1);
    expect(last?.billing).toBe("api");
    expect(last?.sessionId).toBe(sessionId);
    expect(JSON.stringify(last?.body)).toContain("remember the word pineapple");
  });

  test("a bad id is a usage error before anything runs", async () => {
    const result = await runFallback(sandbox, ["resume", "yesterday", "--", "-p", "hi"]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(messageRequests(simulator)).toEqual([]);
  });
});

/**
 * API billing end to end: the real `claude`, started by `claude-fallback --force-api`, talks to
 * our metering gateway, which forwards to the simulator with the configured key.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type Simulator, startSimulator } from "../../src/simulator/index.js";
import { killLiveProcesses, runProcess, testedClaudeBinary } from "./harness/claude.js";
import {
  CLI,
  fallbackEnv,
  ourCommand,
  runFallback,
  spawnFallback,
  writeFallbackConfig,
} from "./harness/cli.js";
import type { PtySession } from "./harness/pty.js";
import { messageRequests } from "./harness/requests.js";
import { createSandbox, type Sandbox, TEST_API_KEY } from "./harness/sandbox.js";

let simulator: Simulator;
let sandbox: Sandbox;
const sessions: PtySession[] = [];

beforeEach(async () => {
  simulator = await startSimulator({ requireApiKey: TEST_API_KEY });
  sandbox = await createSandbox({ baseUrl: simulator.url });
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
  killLiveProcesses();
  await simulator.close();
  await sandbox.cleanup();
});

interface RequestRow {
  model: string;
  outcome: string;
  http_status: number;
  cost_nanousd: number | null;
  claude_session_id: string | null;
  run_id: string;
  input_tokens: number;
  output_tokens: number;
}

function ledgerRows(): RequestRow[] {
  const file = join(sandbox.root, "fallback-home", "data", "usage.db");
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT * FROM requests ORDER BY id").all() as RequestRow[];
  } finally {
    db.close();
  }
}

function ledgerEvents(): { kind: string; detail: string }[] {
  const db = new Database(join(sandbox.root, "fallback-home", "data", "usage.db"), { readonly: true });
  try {
    return db.prepare("SELECT kind, detail FROM events ORDER BY id").all() as {
      kind: string;
      detail: string;
    }[];
  } finally {
    db.close();
  }
}

describe("--force-api", () => {
  test("a -p run completes through the gateway; only the configured key reaches the API; Claude never sees it", async () => {
    const envDump = join(sandbox.root, "claude-env.txt");
    await sandbox.writeUserSettings({
      hooks: { UserPromptSubmit: [{ hooks: [{ type: "command", command: `env > '${envDump}'` }] }] },
    });
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
    simulator.enqueue({
      usage: { inputTokens: 1000, outputTokens: 500 },
      responseModel: "claude-sonnet-4-5-20250929",
    });
    const result = await runFallback(sandbox, ["--force-api", "--", "-p", "hello through the gateway"]);
    expect(result.stderr).not.toContain("sk-ant-api03");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("hello through the gateway");

    const requests = messageRequests(simulator);
    expect(requests.length).toBe(1);
    for (const request of requests) {
      expect(request.billing).toBe("api");
      expect(request.headers["x-api-key"]).toBe(TEST_API_KEY);
      expect(request.headers.authorization).toBeUndefined();
    }

    const env = readFileSync(envDump, "utf8");
    expect(env).not.toContain(TEST_API_KEY);
    expect(env).not.toContain(TEST_API_KEY.slice(-24));
    expect(env).not.toContain("CLAUDE_FALLBACK_API_KEY");
    expect(env).toMatch(/^ANTHROPIC_BASE_URL=http:\/\/127\.0\.0\.1:\d+$/m);
    expect(env).not.toContain(`ANTHROPIC_BASE_URL=${simulator.url}\n`);
    expect(env).toMatch(/^ANTHROPIC_AUTH_TOKEN=cf-gw-[A-Za-z0-9_-]{40,}$/m);

    const [row, ...others] = ledgerRows();
    expect(others).toEqual([]);
    expect(row).toMatchObject({ model: "claude-sonnet-4-5-20250929", outcome: "ok", http_status: 200 });
    expect(row?.input_tokens).toBe(1000);
    expect(row?.output_tokens).toBe(500);
    // Sonnet 4.5: $3 per million input tokens, $15 per million output tokens.
    expect(row?.cost_nanousd).toBe(1000 * 3000 + 500 * 15000);
    expect(row?.claude_session_id).toBe(requests[0]?.sessionId);
    // The run ends with what API billing cost, on stderr (stdout is Claude's answer).
    expect(result.stderr.trim().split("\n").at(-1)).toBe(
      `claude-fallback: this run's API billing: $0.01 (details: claude-fallback usage run ${row?.run_id}); continue the conversation with: ${ourCommand()} resume ${requests[0]?.sessionId}`,
    );
    expect(result.stdout).not.toContain("this run's API billing");
  });

  test("a -p run's HTTP parser is not compiled again by V8's optimizing compiler, which the exit would wait for", async () => {
    // undici's llhttp is WebAssembly; with V8's default tiering budget its parser was compiled again
    // after the first response (~190 ms of CPU) and Node waited for that before the process could exit.
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
    const result = await runProcess(
      process.execPath,
      [
        "--trace-wasm-compilation-times",
        CLI,
        "--claude",
        testedClaudeBinary(),
        "--force-api",
        "--",
        "-p",
        "hello",
      ],
      { cwd: sandbox.project, env: fallbackEnv(sandbox), timeoutMs: 90_000 },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Simulated reply");
    expect(result.stdout).toMatch(/Compiled function .* using Liftoff/);
    expect(result.stdout).not.toContain("using TurboFan");
  });

  test("a key from CLAUDE_FALLBACK_API_KEY wins, and a stray ANTHROPIC_API_KEY is removed with a notice", async () => {
    await writeFallbackConfig(sandbox, {});
    const env = fallbackEnv(sandbox, {
      CLAUDE_FALLBACK_API_KEY: TEST_API_KEY,
      ANTHROPIC_API_KEY: "sk-ant-api03-test-stray-key-that-must-not-be-used-0000000000",
    });
    const result = await runFallback(sandbox, ["--force-api", "--", "-p", "hi"], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("ignoring ANTHROPIC_API_KEY");
    expect(messageRequests(simulator).map((request) => request.headers["x-api-key"])).toEqual([TEST_API_KEY]);
  });

  test("a key the API refuses is reported as that, shown by claude verbatim, never as a login problem", async () => {
    const refused = `sk-ant-api03-test-refused-${"r".repeat(60)}-QQQQ`;
    await writeFallbackConfig(sandbox, { api_key: refused });
    const result = await runFallback(sandbox, ["--force-api", "--", "-p", "hi"]);
    expect(result.code).toBe(1);
    const output = result.stdout + result.stderr;
    expect(output).toContain("API Error: 402 claude-fallback gateway");
    expect(output).toContain("refused the configured API key sk-ant-…QQQQ");
    expect(output).not.toContain(refused);
    expect(output).not.toMatch(/\/login/);
  });

  test("without a key, --force-api exits 2 with one line saying how to add one", async () => {
    await writeFallbackConfig(sandbox, {});
    const result = await runFallback(sandbox, ["--force-api", "--", "-p", "hi"]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("no API key is configured");
    expect(messageRequests(simulator)).toEqual([]);
  });

  test("a daily cap holds across separate runs: the refused request is shown by claude and never reaches the API", async () => {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, cost_limit_per_day: 0.01 });
    // 10 000 Sonnet 4.5 output tokens cost $0.15: the first run crosses the $0.01 cap.
    simulator.configure({
      usage: { inputTokens: 100, outputTokens: 10_000 },
      responseModel: "claude-sonnet-4-5",
    });
    const first = await runFallback(sandbox, ["--force-api", "--", "-p", "first run"]);
    expect(first.code).toBe(0);
    const second = await runFallback(sandbox, ["--force-api", "--", "-p", "second run"]);
    expect(second.code).toBe(1);
    expect(second.stdout + second.stderr).toMatch(
      /API Error: 402 claude-fallback: the daily API spending cap of \$0\.01 is reached \(\$0\.15 spent today\)/,
    );
    expect(second.stdout + second.stderr).toContain("cost_limit_per_day");
    expect(messageRequests(simulator)).toHaveLength(1);
    expect(ledgerRows().map((row) => row.outcome)).toEqual(["ok", "refused_cap"]);
  });

  test("a session cap stops the second prompt of an interactive run, shown verbatim on Claude's screen", async () => {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, cost_limit_per_session: 0.05 });
    simulator.configure({
      usage: { inputTokens: 100, outputTokens: 10_000 },
      responseModel: "claude-sonnet-4-5",
    });
    const session = spawnFallback(sandbox, ["--force-api"]);
    sessions.push(session);
    await session.waitFor("❯");
    await session.submit("first prompt");
    await session.waitFor("Simulated reply 1");
    await session.submit("second prompt");
    // Refused: Claude shows the refusal, which says where to raise the cap for this run.
    await session.waitFor(
      /API Error: 402 claude-fallback: the per-session API spending cap of \$0\.05 is reached/,
    );
    await session.waitFor("press ctrl-] then r to raise it for this run");
    expect(messageRequests(simulator)).toHaveLength(1);
    const exit = await session.quit();
    expect(exit.exitCode).toBe(0);
    expect(existsSync(join(sandbox.root, "fallback-home", "data", "usage.db"))).toBe(true);
    expect(ledgerRows().map((row) => row.outcome)).toEqual(["ok", "refused_cap"]);
  });

  test("the menu raises a reached cap for the rest of the run: the prompt sent again goes through", async () => {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, cost_limit_per_session: 0.05 });
    simulator.configure({
      usage: { inputTokens: 100, outputTokens: 2_000 },
      responseModel: "claude-sonnet-4-5",
    });
    const session = spawnFallback(sandbox, ["--force-api"]);
    sessions.push(session);
    await session.waitFor("❯");
    await session.submit("first prompt"); // $0.0303: under the cap
    await session.waitFor("Simulated reply 1");
    await session.submit("second prompt"); // $0.0606: crosses it
    await session.waitFor("Simulated reply 2");
    await session.submit("third prompt"); // refused
    await session.waitFor("press ctrl-] then r to raise it for this run");
    session.write("\x1d");
    await session.waitFor(/\[r\] raise the per-session cap to \$0\.10 for this run/);
    expect(session.text()).toContain(
      "per-session API spending cap of $0.05 is reached ($0.06 spent this run)",
    );
    session.write("r");
    await session.waitFor("API spending cap is $0.10 for the rest of this run");
    await session.submit("third prompt again");
    await session.waitFor("Simulated reply 3");
    expect(messageRequests(simulator)).toHaveLength(3);
    await session.quit();
    expect(ledgerRows().map((row) => row.outcome)).toEqual(["ok", "ok", "refused_cap", "ok"]);
    const raised = ledgerEvents().filter((event) => event.kind === "cap_raised");
    expect(raised.map((event) => JSON.parse(event.detail))).toEqual([
      { cap: "session", from_usd: 0.05, to_usd: 0.1 },
    ]);
  });
});

/**
 * Headless runs (`claude -p`, SPEC §4.8) under the wrapper: with auto_switch the caller sees one
 * coherent result in its output format; without it, the limit passes through with a hint.
 */
import { existsSync, readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { constants } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { formatUsd, nanoToUsd } from "../../src/money.js";
import { type Simulator, startSimulator } from "../../src/simulator/index.js";
import { eventually } from "../support/eventually.js";
import {
  killLiveProcesses,
  runClaude,
  runProcess,
  spawnTracked,
  testedClaudeBinary,
} from "./harness/claude.js";
import { CLI, fallbackEnv, ourCommand, runFallback, writeFallbackConfig } from "./harness/cli.js";
import { messageRequests } from "./harness/requests.js";
import { completeJsonLines, createSandbox, type Sandbox, TEST_API_KEY } from "./harness/sandbox.js";

let simulator: Simulator;
let sandbox: Sandbox;

beforeEach(async () => {
  simulator = await startSimulator({ requireApiKey: TEST_API_KEY, limitAfterRequests: 0 });
  sandbox = await createSandbox({ baseUrl: simulator.url });
});

afterEach(async () => {
  killLiveProcesses();
  await simulator.close();
  await sandbox.cleanup();
});

describe("claude -p at the limit with auto_switch", () => {
  test("text: only the continued run's answer is printed", async () => {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, auto_switch: true });
    const result = await runFallback(sandbox, ["--", "-p", "summarise the repo"]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/hit your|limit/i);
    expect(result.stdout).toMatch(/^Simulated reply 2/);
    expect(result.stderr).toContain("Continuing on API billing");
    const [limited, continued, ...others] = messageRequests(simulator);
    expect(others).toEqual([]);
    expect(limited?.status).toBe(429);
    expect(continued?.billing).toBe("api");
    expect(continued?.sessionId).toBe(limited?.sessionId);
    expect(JSON.stringify(continued?.body)).toContain("summarise the repo");
  });

  test("json: one result object, not an error", async () => {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, auto_switch: true });
    const result = await runFallback(sandbox, ["--", "-p", "summarise", "--output-format", "json"]);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { is_error: boolean; result: string; session_id: string };
    expect(parsed.is_error).toBe(false);
    expect(parsed.result).toContain("Simulated reply 2");
    expect(parsed.session_id).toBe(messageRequests(simulator)[0]?.sessionId);
  });

  test("stream-json: one init, one result, and no rejected rate-limit event", async () => {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, auto_switch: true });
    const result = await runFallback(sandbox, [
      "--",
      "-p",
      "summarise",
      "--output-format",
      "stream-json",
      "--verbose",
    ]);
    expect(result.code).toBe(0);
    const events = result.stdout
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map(
        (line) =>
          JSON.parse(line) as {
            type: string;
            subtype?: string;
            is_error?: boolean;
            rate_limit_info?: { status?: string };
          },
      );
    expect(events.filter((event) => event.type === "system" && event.subtype === "init")).toHaveLength(1);
    const results = events.filter((event) => event.type === "result");
    expect(results).toHaveLength(1);
    expect(results[0]?.is_error).toBe(false);
    expect(events.some((event) => event.rate_limit_info?.status === "rejected")).toBe(false);
  });
});

describe("what a headless run's output holds of ours", () => {
  const STREAM_JSON = ["-p", "hello", "--output-format", "stream-json", "--verbose"];
  /** Each event of a stream-json output as `type:subtype:hook_name` (a hook's lines name it). */
  const eventKinds = (stdout: string) =>
    stdout
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => {
        const event = JSON.parse(line) as { type: string; subtype?: string; hook_name?: string };
        return [event.type, event.subtype, event.hook_name].filter(Boolean).join(":");
      });

  test("a new conversation: the same events as bare claude's, no hook of ours", async () => {
    simulator.configure({ limitAfterRequests: null });
    const bare = await runClaude(STREAM_JSON, { cwd: sandbox.project, env: sandbox.env, timeoutMs: 90_000 });
    const wrapped = await runFallback(sandbox, ["--", ...STREAM_JSON]);
    expect([bare.code, wrapped.code]).toEqual([0, 0]);
    expect(eventKinds(wrapped.stdout)).toEqual(eventKinds(bare.stdout));
  });

  test("--continue: the id is Claude's to pick, so our SessionStart hook is there to tell it", async () => {
    simulator.configure({ limitAfterRequests: null });
    expect((await runClaude(["-p", "first"], { cwd: sandbox.project, env: sandbox.env })).code).toBe(0);
    const wrapped = await runFallback(sandbox, ["--", "--continue", ...STREAM_JSON]);
    expect(wrapped.code).toBe(0);
    expect(eventKinds(wrapped.stdout).slice(0, 2)).toEqual([
      "system:hook_started:SessionStart:resume",
      "system:hook_response:SessionStart:resume",
    ]);
  });
});

describe("a run started while the limit is known to be in force", () => {
  test("with auto_switch it starts on API billing, spending no refused subscription request", async () => {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, auto_switch: true });
    const first = await runFallback(sandbox, ["--", "-p", "first run hits the limit"]);
    expect(first.code).toBe(0);
    const before = messageRequests(simulator).length;
    const second = await runFallback(sandbox, ["--", "-p", "second run"]);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain("starting on API billing");
    const during = messageRequests(simulator).slice(before);
    expect(during.map((request) => request.billing)).toEqual(["api"]);
    expect(second.stdout).toContain("second run");
  });

  test("without auto_switch it still tries the subscription", async () => {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, auto_switch: true });
    await runFallback(sandbox, ["--", "-p", "first run hits the limit"]);
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
    const before = messageRequests(simulator).length;
    const second = await runFallback(sandbox, ["--", "-p", "second run"]);
    expect(second.code).toBe(1);
    expect(
      messageRequests(simulator)
        .slice(before)
        .map((request) => request.billing),
    ).toEqual(["subscription"]);
  });
});

describe("claude -p at the limit without auto_switch", () => {
  test("the limit text and exit code pass through, with a one-line hint on stderr", async () => {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
    const result = await runFallback(sandbox, ["--", "-p", "summarise"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/You've hit your 5-hour limit · resets/);
    const hint = result.stderr.split("\n").filter((line) => line.startsWith("claude-fallback:"));
    expect(hint).toHaveLength(1);
    expect(hint[0]).toContain("auto_switch");
    expect(hint[0]).toContain("--resume");
    expect(messageRequests(simulator).every((request) => request.billing === "subscription")).toBe(true);
  });

  test("without a key it says how to add one, and offers no command that would fail", async () => {
    await writeFallbackConfig(sandbox, {});
    const result = await runFallback(sandbox, ["--", "-p", "summarise"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("config init");
    expect(result.stderr).not.toContain("--force-api");
  });

  test("the hint's command keeps the user's other options and continues the same session", async () => {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
    const result = await runFallback(sandbox, ["--", "-p", "summarise", "--output-format", "json"]);
    expect(result.code).toBe(1);
    const sessionId = messageRequests(simulator)[0]?.sessionId;
    expect(result.stderr).toContain(
      `${ourCommand()} --force-api -- -p --output-format json --resume ${sessionId} -- 'Continue where you left off.'`,
    );
  });
});

describe("a limit while an API cap is already reached", () => {
  test("auto_switch does not switch into the refusal: the limit passes through and the hint names the cap", async () => {
    await writeFallbackConfig(sandbox, {
      api_key: TEST_API_KEY,
      auto_switch: true,
      cost_limit_per_session: 0,
    });
    const result = await runFallback(sandbox, ["--", "-p", "summarise"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/You've hit your 5-hour limit/);
    expect(result.stderr).not.toContain("Continuing on API billing");
    const hint = result.stderr.split("\n").filter((line) => line.includes("subscription limit reached"));
    expect(hint).toHaveLength(1);
    expect(hint[0]).toContain("per-session API spending cap of $0.00 is reached ($0.00 spent this run)");
    expect(hint[0]).toContain("cost_limit_per_session");
    expect(messageRequests(simulator).map((request) => request.billing)).toEqual(["subscription"]);
  });
});

describe("stream-json flows as it comes", () => {
  /** Runs a stream-json -p whose first API request hangs, until its init event has been printed. */
  async function initEventWhileRunning(config: Record<string, unknown>): Promise<void> {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, ...config });
    simulator.configure({ limitAfterRequests: null });
    simulator.enqueue({ firstByteDelayMs: 10 * 60_000 });
    let printed = "";
    let exited = false;
    const run = runFallback(
      sandbox,
      ["--", "-p", "summarise", "--output-format", "stream-json", "--verbose"],
      undefined,
      { onStdout: (chunk) => (printed += chunk) },
    ).finally(() => {
      exited = true;
    });
    await eventually(
      () => printed.split("\n").some((line) => line.includes('"subtype":"init"')) || exited,
      "the init event",
      60_000,
    );
    expect(exited).toBe(false);
    killLiveProcesses();
    await run.catch(() => {});
  }

  test("without auto_switch nothing is held back", async () => {
    await initEventWhileRunning({});
  });

  test("with auto_switch only a limit's epilogue would be held back, not the run's events", async () => {
    await initEventWhileRunning({ auto_switch: true });
  });
});

describe("a headless run is a live session", () => {
  test("status --json lists it, with shell print, while its request is in flight", async () => {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
    simulator.configure({ limitAfterRequests: null });
    simulator.enqueue({ firstByteDelayMs: 10 * 60_000 });
    const run = runFallback(sandbox, ["--", "-p", "summarise"]);
    let sessions: Array<Record<string, unknown>> = [];
    await eventually(
      async () => {
        const status = await runFallback(sandbox, ["status", "--json"]);
        sessions = JSON.parse(status.stdout).sessions;
        return sessions.length > 0 && messageRequests(simulator).length > 0;
      },
      "the headless run in status",
      60_000,
    );
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ shell: "print", mode: "subscription", cwd: sandbox.project });
    expect(sessions[0]?.session_id).toBe(messageRequests(simulator)[0]?.sessionId);
    const text = await runFallback(sandbox, ["status"]);
    expect(text.stdout).not.toContain("Live sessions: none");
    expect(text.stdout).toContain(String(sessions[0]?.session_id));
    killLiveProcesses();
    await run.catch(() => {});
  });
});

describe("a refusal and a limit are said once, in Claude's words and minute", () => {
  test("a cap's refusal: Claude's 402 line only, and no resume offered into the same refusal", async () => {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, cost_limit_per_session: 0 });
    simulator.configure({ limitAfterRequests: null });
    const result = await runFallback(sandbox, ["--force-api", "--", "-p", "summarise"]);
    expect(result.stdout).toContain("API Error: 402 claude-fallback: the per-session API spending cap");
    expect(result.stderr).not.toContain("spending cap");
    const summary = result.stderr.split("\n").filter((line) => line.includes("this run's API billing"));
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatch(/\(details: claude-fallback usage run [0-9a-f-]{36}\)$/);
  });

  test("the limit's reset: our line names the minute Claude printed", async () => {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
    // 50 s into a minute: a reset rounded to the nearest minute would show the next one.
    const resetAt = Math.floor(Date.now() / 60_000) * 60 + 2 * 3600 + 50;
    simulator.configure({ resetAt });
    const result = await runFallback(sandbox, ["--", "-p", "summarise"]);
    const claudes = /resets (\d{1,2}):(\d{2})(am|pm) \(UTC\)/.exec(result.stdout);
    // After 22:00 UTC the reset falls on the next day, and our line names it: "resets on Dec 6 at 01:36".
    const ours =
      /subscription limit reached \(resets (?:on ([A-Z][a-z]{2} \d{1,2}) )?at (\d{2}):(\d{2})\)/.exec(
        result.stderr,
      );
    expect(claudes).not.toBeNull();
    expect(ours).not.toBeNull();
    const dayOf = (ms: number) =>
      new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" }).format(ms);
    const resetDay = dayOf(resetAt * 1000);
    expect(ours![1]).toBe(resetDay === dayOf(Date.now()) ? undefined : resetDay);
    const hour24 = (Number(claudes![1]) % 12) + (claudes![3] === "pm" ? 12 : 0);
    expect([Number(ours![2]), ours![3]]).toEqual([hour24, claudes![2]]);
    expect(ours![3]).toBe(new Date(resetAt * 1000).toISOString().slice(14, 16));
  });
});

describe("the end of a run on API billing", () => {
  test("a conversation that exists: resume offered, and usage run RUN_ID lists the run's requests", async () => {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
    simulator.configure({ limitAfterRequests: null });
    const result = await runFallback(sandbox, ["--force-api", "--", "-p", "summarise"]);
    expect(result.code).toBe(0);
    const sessionId = messageRequests(simulator)[0]?.sessionId;
    const summary =
      /details: claude-fallback usage run ([0-9a-f-]{36})\); continue the conversation with: claude-fallback --claude \S+ resume (\S+)$/m.exec(
        result.stderr,
      );
    expect(summary?.[2]).toBe(sessionId);
    const details = await runFallback(
      sandbox,
      ["usage", "run", summary![1]!],
      fallbackEnv(sandbox, { COLUMNS: "80" }),
    );
    expect(details.code).toBe(0);
    expect(details.stdout).toContain("Requests of this run:");
    expect(details.stdout).toContain(sandbox.project.slice(-10));
    expect(Math.max(...details.stdout.split("\n").map((line) => line.length))).toBeLessThanOrEqual(80);
  });

  test("resume of an id Claude does not know: no offer to resume it again", async () => {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
    simulator.configure({ limitAfterRequests: null });
    const result = await runFallback(sandbox, [
      "resume",
      "0b6c4b7e-5f1a-4c8e-9d3b-2a7f1e6c9d40",
      "--api",
      "--",
      "-p",
      "carry on",
    ]);
    expect(`${result.stdout}${result.stderr}`).toMatch(/No conversation found/);
    expect(result.stderr).not.toContain("continue the conversation with");
  });
});

describe("start-up", () => {
  test("`claude --version` is asked once per installed claude, not at every start", async () => {
    simulator.configure({ limitAfterRequests: null });
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
    const starts = join(sandbox.root, "claude-starts.log");
    const shim = join(sandbox.root, "claude");
    await writeFile(shim, `#!/bin/sh\necho "$*" >> '${starts}'\nexec '${testedClaudeBinary()}' "$@"\n`, {
      mode: 0o755,
    });
    for (const prompt of ["first", "second"]) {
      const result = await runProcess(process.execPath, [CLI, "--claude", shim, "--", "-p", prompt], {
        cwd: sandbox.project,
        env: fallbackEnv(sandbox),
        timeoutMs: 90_000,
      });
      expect(result.code).toBe(0);
    }
    const lines = (await readFile(starts, "utf8")).trim().split("\n");
    expect(lines.filter((line) => line === "--version")).toHaveLength(1);
    expect(lines.filter((line) => line.includes("-p"))).toHaveLength(2);
  });
});

// ── a signal to the wrapper (an Agent SDK abort, a kill, a closed terminal) ────────────────────

/** The wrapper with piped stdio, left running: the test signals it. */
function startWrapper(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawnTracked(process.execPath, [CLI, "--claude", testedClaudeBinary(), ...args], {
    cwd: sandbox.project,
    env: fallbackEnv(sandbox, env),
  });
  let stderr = "";
  child.stdout.resume();
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => child.on("close", (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, exited };
}

function ledgerRows<T>(home: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(home, "data", "usage.db"), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** The machine's effects so far, from the wrapper's trace. */
function tracedEffects(trace: string): string[] {
  if (!existsSync(trace)) return [];
  return (completeJsonLines(readFileSync(trace, "utf8")) as { effects: string[] }[]).flatMap(
    (entry) => entry.effects,
  );
}

const STREAM_JSON = ["--input-format", "stream-json", "--output-format", "stream-json", "--verbose"];

function streamJsonTurn(text: string): string {
  return [
    { type: "control_request", request_id: "init-1", request: { subtype: "initialize", hooks: {} } },
    { type: "user", message: { role: "user", content: [{ type: "text", text }] }, parent_tool_use_id: null },
  ]
    .map((message) => `${JSON.stringify(message)}\n`)
    .join("");
}

describe("a signal to the wrapper while it switches to API billing", () => {
  test.each([
    ["-p", "SIGTERM"],
    ["-p", "SIGHUP"],
    ["stream-json", "SIGTERM"],
    ["stream-json", "SIGINT"],
  ] as const)(
    "%s, %s: the run ends with 128+n, no API request is made, the run is ended in the ledger",
    async (form, signal) => {
      // The key comes only once the test lets it: the signal lands while the switch sets up API
      // billing, before anything could be started, however slow the machine.
      const gate = join(sandbox.root, `key-gate-${form}-${signal}`);
      const home = await writeFallbackConfig(sandbox, {
        api_key_command: `while [ ! -e '${gate}' ]; do sleep 0.02; done; printf %s '${TEST_API_KEY}'`,
        auto_switch: true,
      });
      const trace = join(sandbox.root, "trace.jsonl");
      const args = form === "-p" ? ["--", "-p", "summarise the repo"] : ["--", ...STREAM_JSON];
      const { child, exited } = startWrapper(args, { CLAUDE_FALLBACK_TRACE: trace });
      // The program keeps its end open, as the Agent SDK does.
      if (form === "stream-json") child.stdin.write(streamJsonTurn("summarise the repo"));
      else child.stdin.end();
      await eventually(() => tracedEffects(trace).includes("switch"), "the switch to begin", 60_000);
      process.kill(child.pid!, signal);
      await writeFile(gate, "");
      const exit = await exited;
      const status = 128 + constants.signals[signal];
      expect(exit.code).toBe(status);
      expect(exit.stderr).not.toContain("Continuing on API billing");
      expect(messageRequests(simulator).filter((request) => request.billing === "api")).toEqual([]);
      expect(ledgerRows(home, "SELECT ended_at IS NOT NULL AS ended, exit_code FROM runs")).toEqual([
        { ended: 1, exit_code: status },
      ]);
    },
  );
});

describe("a signal to the wrapper in the middle of an API turn", () => {
  test.each([
    ["-p", "SIGTERM"],
    ["stream-json", "SIGHUP"],
  ] as const)(
    "%s, %s: the request is in the ledger as aborted, the run ended with 128+n, its cost said",
    async (form, signal) => {
      const home = await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
      simulator.configure({ limitAfterRequests: null });
      // The answer starts (its usage is known) and then stalls: the signal comes mid-stream.
      simulator.enqueue({ billing: "api", eventDelayMs: 10 * 60_000 });
      const args =
        form === "-p" ? ["--force-api", "--", "-p", "a long answer"] : ["--force-api", "--", ...STREAM_JSON];
      const { child, exited } = startWrapper(args);
      if (form === "stream-json") child.stdin.write(streamJsonTurn("a long answer"));
      else child.stdin.end();
      await eventually(
        () => messageRequests(simulator).length > 0,
        "the API request at the simulator",
        60_000,
      );
      process.kill(child.pid!, signal);
      const exit = await exited;
      const status = 128 + constants.signals[signal];
      expect(exit.code).toBe(status);
      const rows = ledgerRows<{ outcome: string; cost_nanousd: number }>(
        home,
        "SELECT outcome, cost_nanousd FROM requests",
      );
      expect(rows.map((row) => row.outcome)).toEqual(["aborted"]);
      // What the answer's start said it used is billed, and said.
      expect(rows[0]!.cost_nanousd).toBeGreaterThan(0);
      expect(exit.stderr).toContain(
        `this run's API billing: ${formatUsd(nanoToUsd(rows[0]!.cost_nanousd))} `,
      );
      expect(ledgerRows(home, "SELECT ended_at IS NOT NULL AS ended, exit_code FROM runs")).toEqual([
        { ended: 1, exit_code: status },
      ]);
      expect(messageRequests(simulator)).toHaveLength(1);
    },
  );
});

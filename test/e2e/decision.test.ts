/**
 * The decision at the limit (SPEC §11) with the real `claude`: the free option first on a per-model
 * limit, the forecast in the prompt and in `forecast` / `status`, the cap on one limit's fallback,
 * and the API's refusals of the key said in one line of ours.
 */
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type Simulator, startSimulator } from "../../src/simulator/index.js";
import { killLiveProcesses } from "./harness/claude.js";
import { fallbackEnv, runFallback, spawnFallback, writeFallbackConfig } from "./harness/cli.js";
import type { PtySession } from "./harness/pty.js";
import { messageRequests } from "./harness/requests.js";
import { createSandbox, type Sandbox, TEST_API_KEY } from "./harness/sandbox.js";
import { PROMPT_TITLE, reachLimit } from "./harness/story.js";

let simulator: Simulator;
let sandbox: Sandbox;
const sessions: PtySession[] = [];

beforeEach(async () => {
  simulator = await startSimulator({ requireApiKey: TEST_API_KEY, limitAfterRequests: 0 });
  sandbox = await createSandbox({ baseUrl: simulator.url });
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
  killLiveProcesses();
  await simulator.close();
  await sandbox.cleanup();
});

const requests = () => messageRequests(simulator);
const modelOf = (request: { body: unknown }) => String((request.body as { model?: unknown }).model);

/** Two weeks of steady work in the sandbox's project, as Claude Code writes it: the forecast's history. */
function seedHistory(): void {
  const dir = join(sandbox.claudeDir, "projects", sandbox.project.replace(/[^a-zA-Z0-9]/g, "-"));
  mkdirSync(dir, { recursive: true });
  const now = Date.now();
  const lines: string[] = [];
  let n = 0;
  for (let day = 14; day >= 1; day--) {
    for (let minute = 0; minute < 180; minute += 4) {
      const at = now - day * 86_400_000 + minute * 60_000;
      lines.push(
        JSON.stringify({
          type: "assistant",
          timestamp: new Date(at).toISOString(),
          sessionId: "00000000-0000-4000-8000-000000000001",
          cwd: sandbox.project,
          requestId: `req_history_${n}`,
          message: {
            id: `msg_history_${n++}`,
            model: "claude-sonnet-4-5",
            usage: {
              input_tokens: 3000,
              output_tokens: 600,
              cache_read_input_tokens: 60_000,
              cache_creation_input_tokens: 2000,
            },
          },
        }),
      );
    }
  }
  const file = join(dir, "00000000-0000-4000-8000-000000000001.jsonl");
  writeFileSync(file, `${lines.join("\n")}\n`);
  utimesSync(file, now / 1000, now / 1000);
}

describe("a per-model limit continues free on another model", () => {
  test("headless, under auto_switch: the same session goes on with Sonnet on the subscription, no API request", async () => {
    simulator.configure({ limitClaim: "seven_day_opus" });
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, auto_switch: true });
    const result = await runFallback(sandbox, ["--", "-p", "refactor the parser", "--model", "opus"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Simulated reply/);
    const [limited, continued, ...others] = requests();
    expect(others).toEqual([]);
    expect([limited?.status, modelOf(limited!)]).toEqual([429, expect.stringMatching(/opus/)]);
    expect(continued?.billing).toBe("subscription");
    expect(modelOf(continued!)).toMatch(/sonnet/);
    expect(continued?.sessionId).toBe(limited?.sessionId);
    expect(result.stderr).not.toContain("Continuing on API billing");
  });

  test("interactive: the conversation restarts on Sonnet with the subscription, nothing asked", async () => {
    simulator.configure({ limitClaim: "seven_day_opus", limitAfterRequests: 1 });
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
    const session = spawnFallback(sandbox, ["--", "--model", "opus"], fallbackEnv(sandbox));
    sessions.push(session);
    await session.waitFor("❯");
    await session.submit("first question about pineapples");
    await session.waitFor("Simulated reply");
    await session.submit("second question");
    await session.waitUntil(
      () =>
        requests().some((request) => request.billing === "subscription" && /sonnet/.test(modelOf(request))),
      "a request on Sonnet with the subscription",
      60_000,
    );
    expect(requests().every((request) => request.billing === "subscription")).toBe(true);
    expect(new Set(requests().map((request) => request.sessionId)).size).toBe(1);
    expect(session.text()).not.toContain(PROMPT_TITLE);
  });
});

describe("what paying costs", () => {
  test("the prompt shows the first request's cost and the figure until the reset, from the history", async () => {
    seedHistory();
    // Within 5 hours: the figure assumes work goes on at the recent pace the whole time.
    simulator.configure({ limitAfterRequests: null, resetInSeconds: 3 * 3600 });
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
    const session = spawnFallback(sandbox, [], fallbackEnv(sandbox));
    sessions.push(session);
    await session.waitFor("❯");
    await reachLimit(session, simulator);
    await session.waitFor(PROMPT_TITLE);
    await session.waitFor("if you keep working until the reset", 30_000);
    const screen = session.text().replace(/\s+/g, " ");
    expect(screen).toMatch(/first request re-sends this conversation .*: about \$\d+\.\d\d/);
    expect(screen).toMatch(
      /that is about \$\d+\.\d\d \(up to \$\d+\.\d\d\) if you keep working until the reset/i,
    );
    expect(screen).toContain("Free: wait");
  });

  test("headless without auto_switch: the one-line hint says what continuing would cost until the reset", async () => {
    seedHistory();
    simulator.configure({ resetInSeconds: 3 * 3600 });
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
    const result = await runFallback(sandbox, ["--", "-p", "summarise"]);
    expect(result.code).toBe(1);
    const hint = result.stderr.split("\n").filter((line) => line.startsWith("claude-fallback:"));
    expect(hint).toHaveLength(1);
    expect(hint[0]).toMatch(
      /continue now on API billing: .* On API billing: about \$\d+\.\d\d \(up to \$\d+\.\d\d\) if you keep working until the reset at \d\d:\d\d\.$/,
    );
  });

  test("forecast --json and status --json give the same object", async () => {
    seedHistory();
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
    const forecast = await runFallback(sandbox, ["forecast", "--json"]);
    expect(forecast.code).toBe(0);
    const status = await runFallback(sandbox, ["status", "--json"]);
    expect(status.code).toBe(0);
    const fromForecast = JSON.parse(forecast.stdout);
    expect(fromForecast.basis.kind).toBe("history");
    expect(fromForecast.pace.usd_per_hour).toBeGreaterThan(0);
    expect(JSON.parse(status.stdout).forecast).toEqual(fromForecast);
  });
});

describe("the cap on one limit's fallback", () => {
  /** A run that hits the limit, switches under auto_switch, and spends the until-reset cap of $0.05. */
  async function spendTheCapAtTheLimit(): Promise<void> {
    simulator.configure({ usage: { inputTokens: 20_000, outputTokens: 2_000 } });
    await writeFallbackConfig(sandbox, {
      api_key: TEST_API_KEY,
      auto_switch: true,
      cost_limit_until_reset: 0.05,
    });
    const first = await runFallback(sandbox, ["--", "-p", "first run hits the limit"]);
    expect(first.code).toBe(0);
  }

  test("cost_limit_until_reset stops the second run of the same limit", async () => {
    await spendTheCapAtTheLimit();
    const before = requests().length;
    const second = await runFallback(sandbox, ["--", "-p", "second run"]);
    expect(second.code).not.toBe(0);
    expect(second.stdout + second.stderr).toContain("until-reset API spending cap of $0.05 is reached");
    // Refused before anything reached the API.
    expect(requests().slice(before)).toEqual([]);
  });

  test("after `use subscription`, a run that meets the same limit again counts the spend since it was first hit", async () => {
    await spendTheCapAtTheLimit();
    const hit = JSON.parse((await runFallback(sandbox, ["status", "--json"])).stdout).limit.detected_at;
    expect((await runFallback(sandbox, ["use", "subscription"])).code).toBe(0);
    const before = requests().length;
    const second = await runFallback(sandbox, ["--", "-p", "second run meets the limit again"]);
    expect(second.stdout + second.stderr).toContain("until-reset API spending cap of $0.05 is reached");
    // It met the limit on the subscription and went no further.
    expect(
      requests()
        .slice(before)
        .map((request) => request.billing),
    ).toEqual(["subscription"]);
    const status = JSON.parse((await runFallback(sandbox, ["status", "--json"])).stdout);
    expect(status.limit.detected_at).toBe(hit);
    expect(status.api_spend.until_reset.since).toBe(hit);
  });
});

describe("the API refuses the key", () => {
  test.each([
    ["credit-exhausted", "has no credit left"],
    ["spend-limit", "spend limit"],
  ])(
    "%s: one line of ours with the masked key, said once (Claude prints it), a non-zero exit, no retry",
    async (fault, words) => {
      await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
      simulator.configure({ limitAfterRequests: null });
      simulator.enqueue({ fault: fault as "credit-exhausted", billing: "api" });
      const result = await runFallback(sandbox, ["--force-api", "--", "-p", "hello"]);
      expect(result.code).not.toBe(0);
      const ours = `${result.stdout}\n${result.stderr}`.split("\n").filter((line) => line.includes(words));
      expect(ours).toHaveLength(1);
      expect(ours[0]).toMatch(/^API Error: 402 claude-fallback gateway: /);
      expect(ours[0]).toContain("sk-ant-…AAAA");
      expect(result.stderr + result.stdout).not.toContain(TEST_API_KEY);
      expect(requests().filter((request) => request.billing === "api")).toHaveLength(1);
    },
  );
});

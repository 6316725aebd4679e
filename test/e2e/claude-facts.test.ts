/**
 * The facts about the real Claude Code CLI that claude-fallback is built on, pinned down against
 * the tested `claude` (the pinned `@anthropic-ai/claude-code` unless CLAUDE_FALLBACK_TEST_CLAUDE
 * names another) and our simulator. One fact per test, so that when an upgrade of Claude Code
 * changes one, or `npm run test:compat -- --file test/e2e/claude-facts.test.ts VERSION…` runs
 * them against older versions (docs/compat.md), the failing test names it.
 *
 * Three forms are also held to the pin's recorded fixtures (test/e2e/fixtures/): the limit text
 * of a `-p` run, the StopFailure hook's payload and the status line's `rate_limits`. A new pin
 * whose forms differ fails here first; record its fixtures with
 * `CLAUDE_FALLBACK_RECORD_FIXTURES=1 npx vitest run --project e2e test/e2e/claude-facts.test.ts`,
 * then check the message table and hook parsing against them.
 */

import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type Simulator, startSimulator } from "../../src/simulator/index.js";
import { killLiveProcesses, runClaude, testedClaudeBinary } from "./harness/claude.js";
import { checkForm, limitTextForm, shapeOf } from "./harness/fixtures.js";
import { type HookReceiver, startHookReceiver } from "./harness/hook-receiver.js";
import { PtySession } from "./harness/pty.js";
import { conversationOf, messageRequests } from "./harness/requests.js";
import { completeJsonLines, createSandbox, type Sandbox, TEST_OAUTH_TOKEN } from "./harness/sandbox.js";
import { reachLimit } from "./harness/story.js";

let simulator: Simulator;
let sandbox: Sandbox;
let hooks: HookReceiver;
const sessions: PtySession[] = [];

beforeEach(async () => {
  simulator = await startSimulator();
  sandbox = await createSandbox({ baseUrl: simulator.url });
  hooks = await startHookReceiver();
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
  killLiveProcesses();
  await hooks.close();
  await simulator.close();
  await sandbox.cleanup();
});

function httpHook(path: string, secret: string) {
  return [
    { hooks: [{ type: "http", url: `${hooks.url}${path}`, headers: { Authorization: `Bearer ${secret}` } }] },
  ];
}

/** A command hook that appends its input, one JSON line per call, to `file`. */
function commandHook(file: string) {
  return [{ hooks: [{ type: "command", command: `cat >> '${file}'; echo >> '${file}'` }] }];
}

function jsonLines(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  return completeJsonLines(readFileSync(file, "utf8")) as Record<string, unknown>[];
}

/** A first prompt answered, then a second one refused at the limit; both `-p`, same session. */
async function promptThenLimit(settings: unknown) {
  const sessionId = randomUUID();
  const options = { cwd: sandbox.project, env: sandbox.env };
  const flags = ["--settings", JSON.stringify(settings)];
  const first = await runClaude(["-p", "first prompt", "--session-id", sessionId, ...flags], options);
  simulator.triggerLimit();
  const second = await runClaude(["-p", "second prompt", "--resume", sessionId, ...flags], options);
  return { sessionId, first, second };
}

describe("real claude against the simulator", () => {
  test("a -p prompt is one request, billed to the subscription", async () => {
    const result = await runClaude(["-p", "hello from the harness"], {
      cwd: sandbox.project,
      env: sandbox.env,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Simulated reply");
    expect(result.stdout).toContain("hello from the harness");
    const [request, ...others] = messageRequests(simulator);
    expect(others).toEqual([]);
    expect(request?.billing).toBe("subscription");
    expect(request?.headers.authorization).toBe(`Bearer ${TEST_OAUTH_TOKEN}`);
    expect(String(request?.headers["anthropic-beta"])).toContain("oauth-2025-04-20");
  });

  test("at the limit -p exits 1 with the pin's limit text, and sends no retry", async () => {
    const { second } = await promptThenLimit({});
    expect(second.code).toBe(1);
    const refused = messageRequests(simulator).filter((request) => request.status === 429);
    expect(refused).toHaveLength(1);
    checkForm("limitText", limitTextForm(second.stdout.trim()), second.stdout.trim());
  });

  test("the StopFailure hook fires, command and http, with error rate_limit and the pin's payload shape, the user's own hook too", async () => {
    const userHook = join(sandbox.root, "user-stopfailure.jsonl");
    const ourHook = join(sandbox.root, "our-stopfailure.jsonl");
    await sandbox.writeUserSettings({ hooks: { StopFailure: commandHook(userHook) } });
    const { sessionId } = await promptThenLimit({
      hooks: { StopFailure: [...commandHook(ourHook), ...httpHook("/StopFailure", "per-run-secret")] },
    });
    const overHttp = hooks.received.filter((hook) => hook.path === "/StopFailure").map((hook) => hook.body);
    for (const calls of [jsonLines(ourHook), jsonLines(userHook), overHttp]) {
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({
        hook_event_name: "StopFailure",
        session_id: sessionId,
        error: "rate_limit",
        transcript_path: sandbox.transcriptPath(sessionId),
      });
      expect(String(calls[0]?.last_assistant_message)).toMatch(/hit your .*limit/);
    }
    const payload = jsonLines(ourHook)[0]!;
    checkForm("stopFailure", shapeOf(payload), payload);
  });

  test("http hooks from --settings are POSTed with their headers: UserPromptSubmit, Stop", async () => {
    const events = ["UserPromptSubmit", "Stop"];
    const sessionId = randomUUID();
    const settings = {
      hooks: Object.fromEntries(events.map((event) => [event, httpHook(`/${event}`, "per-run-secret")])),
    };
    const result = await runClaude(
      ["-p", "hello", "--session-id", sessionId, "--settings", JSON.stringify(settings)],
      {
        cwd: sandbox.project,
        env: sandbox.env,
      },
    );
    expect(result.code).toBe(0);
    expect(hooks.received.map((hook) => hook.path.slice(1))).toEqual(events);
    for (const hook of hooks.received) {
      expect(hook.headers.authorization).toBe("Bearer per-run-secret");
      expect(hook.body).toMatchObject({ session_id: sessionId, hook_event_name: hook.path.slice(1) });
    }
  });

  test("an interactive prompt is one request (no separate title request)", async () => {
    const session = new PtySession(testedClaudeBinary(), [], { cwd: sandbox.project, env: sandbox.env });
    sessions.push(session);
    await session.waitFor("❯");
    const before = messageRequests(simulator).length;
    await session.submit("what is the weather");
    await session.waitFor(/Simulated reply \d+ \(subscription\): what is the weather/);
    await session.waitUntil(() => simulator.state().openRequests === 0, "no request in flight");
    expect(messageRequests(simulator).slice(before)).toHaveLength(1);
  });

  test("the SessionStart command hook from --settings gives the session id and transcript path", async () => {
    const file = join(sandbox.root, "session-start.jsonl");
    const sessionId = randomUUID();
    const result = await runClaude(
      [
        "-p",
        "hello",
        "--session-id",
        sessionId,
        "--settings",
        JSON.stringify({ hooks: { SessionStart: commandHook(file) } }),
      ],
      { cwd: sandbox.project, env: sandbox.env },
    );
    expect(result.code).toBe(0);
    expect(jsonLines(file)).toEqual([
      expect.objectContaining({
        hook_event_name: "SessionStart",
        session_id: sessionId,
        transcript_path: sandbox.transcriptPath(sessionId),
        source: "startup",
      }),
    ]);
  });

  test("the status-line command injected with --settings receives rate_limits, in the pin's shape", async () => {
    const statusInput = join(sandbox.root, "statusline.jsonl");
    const settings = JSON.stringify({
      statusLine: {
        type: "command",
        command: `cat >> '${statusInput}'; echo >> '${statusInput}'; printf 'OUR-STATUS\\n'`,
      },
    });
    const session = new PtySession(testedClaudeBinary(), ["--settings", settings], {
      cwd: sandbox.project,
      env: sandbox.env,
    });
    sessions.push(session);
    await session.waitFor("❯");
    await session.submit("what is the weather");
    await session.waitFor("Simulated reply");
    await session.waitUntil(
      () => jsonLines(statusInput).some((input) => "rate_limits" in input),
      "the status line to receive rate_limits",
    );
    await session.waitFor("OUR-STATUS");
    const input = jsonLines(statusInput)
      .filter((line) => "rate_limits" in line)
      .at(-1) as { rate_limits: Record<string, { used_percentage: number; resets_at: number | string }> };
    expect(Object.keys(input.rate_limits)).toEqual(expect.arrayContaining(["five_hour", "seven_day"]));
    const fiveHour = input.rate_limits.five_hour!;
    expect(fiveHour.used_percentage).toBeGreaterThanOrEqual(0);
    expect(Number(fiveHour.resets_at)).toBeGreaterThan(Date.now() / 1000);
    checkForm("rateLimits", shapeOf(input.rate_limits), input.rate_limits);
  });

  test("after the limit the status line runs again, with the limit's exact reset in rate_limits", async () => {
    // Unlike the window's own 5 hours: a reset only the limit's answer can have told.
    simulator.configure({ resetInSeconds: 1234 });
    const statusInput = join(sandbox.root, "statusline.jsonl");
    const settings = JSON.stringify({
      statusLine: { type: "command", command: `cat >> '${statusInput}'; echo >> '${statusInput}'` },
    });
    const session = new PtySession(testedClaudeBinary(), ["--settings", settings], {
      cwd: sandbox.project,
      env: sandbox.env,
    });
    sessions.push(session);
    await session.waitFor("❯");
    await reachLimit(session, simulator);
    const resetsAt = simulator.state().limit.resetsAt;
    await session.waitUntil(
      () =>
        jsonLines(statusInput).some(
          (input) =>
            Number(
              (input.rate_limits as { five_hour?: { resets_at?: unknown } } | undefined)?.five_hour
                ?.resets_at,
            ) === resetsAt,
        ),
      "a status line with the limit's reset",
      20_000,
    );
  });

  test("--resume under ANTHROPIC_AUTH_TOKEN sends the earlier conversation as Bearer <token>, with no approval prompt", async () => {
    const sessionId = randomUUID();
    const first = await runClaude(["-p", "remember the word pineapple", "--session-id", sessionId], {
      cwd: sandbox.project,
      env: sandbox.env,
    });
    expect(first.code).toBe(0);

    const token = "cf-gw-test-per-run-secret";
    const session = new PtySession(testedClaudeBinary(), ["--resume", sessionId], {
      cwd: sandbox.project,
      env: { ...sandbox.env, ANTHROPIC_AUTH_TOKEN: token },
    });
    sessions.push(session);
    await session.waitFor("❯");
    await session.submit("which word was it");
    await session.waitFor(/Simulated reply \d+ \(bearer\): which word was it/);
    expect(session.text()).not.toMatch(/Do you want to use this API key/i);

    const resumed = messageRequests(simulator).at(-1)!;
    expect(resumed.billing).toBe("bearer");
    expect(resumed.headers.authorization).toBe(`Bearer ${token}`);
    expect(resumed.headers["x-api-key"]).toBeUndefined();
    const conversation = conversationOf(resumed);
    expect(conversation).toContain("remember the word pineapple");
    expect(conversation).toContain("Simulated reply 1");
    expect(conversation).toContain("which word was it");
  });
});

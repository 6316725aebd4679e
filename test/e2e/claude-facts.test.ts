/**
 * The facts about the real Claude Code CLI that claude-fallback is built on, pinned down against
 * the pinned `@anthropic-ai/claude-code` and our simulator. If an upgrade of Claude Code changes
 * one of them, this file says which.
 */

import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type Simulator, startSimulator } from "../../src/simulator/index.js";
import { killLiveProcesses, pinnedClaudeBinary, runClaude } from "./harness/claude.js";
import { type HookReceiver, startHookReceiver } from "./harness/hook-receiver.js";
import { PtySession } from "./harness/pty.js";
import { createSandbox, type Sandbox, TEST_OAUTH_TOKEN } from "./harness/sandbox.js";

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

function messageRequests() {
  return simulator.requests.filter((request) => request.method === "POST" && request.path === "/v1/messages");
}

function httpHook(path: string, secret: string) {
  return [
    { hooks: [{ type: "http", url: `${hooks.url}${path}`, headers: { Authorization: `Bearer ${secret}` } }] },
  ];
}

describe("real claude against the simulator", () => {
  test("a subscription -p run succeeds and is billed to the subscription", async () => {
    const result = await runClaude(["-p", "hello from the harness"], {
      cwd: sandbox.project,
      env: sandbox.env,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Simulated reply");
    expect(result.stdout).toContain("hello from the harness");
    const [request, ...others] = messageRequests();
    expect(others).toEqual([]);
    expect(request?.billing).toBe("subscription");
    expect(request?.headers.authorization).toBe(`Bearer ${TEST_OAUTH_TOKEN}`);
    expect(String(request?.headers["anthropic-beta"])).toContain("oauth-2025-04-20");
  });

  test("at the limit it prints the limit text and fires StopFailure rate_limit through --settings, and the user's own hook still runs", async () => {
    simulator.configure({ limitAfterRequests: 1 });
    const sessionId = randomUUID();
    const userHookOutput = join(sandbox.root, "user-stopfailure.json");
    await sandbox.writeUserSettings({
      hooks: { StopFailure: [{ hooks: [{ type: "command", command: `cat > '${userHookOutput}'` }] }] },
    });
    const settings = JSON.stringify({
      hooks: {
        StopFailure: httpHook("/stop-failure", "per-run-secret"),
        Stop: httpHook("/stop", "per-run-secret"),
      },
    });
    const first = await runClaude(["-p", "first prompt", "--session-id", sessionId, "--settings", settings], {
      cwd: sandbox.project,
      env: sandbox.env,
    });
    expect(first.code).toBe(0);
    expect(hooks.received.map((hook) => hook.path)).toEqual(["/stop"]);

    const second = await runClaude(["-p", "second prompt", "--resume", sessionId, "--settings", settings], {
      cwd: sandbox.project,
      env: sandbox.env,
    });
    expect(second.code).toBe(1);
    expect(second.stdout).toMatch(/You've hit your 5-hour limit · resets \d{1,2}(:\d\d)?[ap]m \(UTC\)/);

    const failure = hooks.received.find((hook) => hook.path === "/stop-failure");
    expect(failure?.headers.authorization).toBe("Bearer per-run-secret");
    expect(failure?.body).toMatchObject({
      hook_event_name: "StopFailure",
      session_id: sessionId,
      error: "rate_limit",
      transcript_path: sandbox.transcriptPath(sessionId),
    });
    expect(String(failure?.body.last_assistant_message)).toContain("You've hit your 5-hour limit");

    expect(existsSync(userHookOutput)).toBe(true);
    const userHook = JSON.parse(readFileSync(userHookOutput, "utf8")) as Record<string, unknown>;
    expect(userHook).toMatchObject({
      hook_event_name: "StopFailure",
      error: "rate_limit",
      session_id: sessionId,
    });

    const limited = messageRequests().at(-1);
    expect(limited?.status).toBe(429);
  });

  test("the status-line command injected with --settings receives rate_limits", async () => {
    const statusInput = join(sandbox.root, "statusline.jsonl");
    const settings = JSON.stringify({
      statusLine: { type: "command", command: `cat >> '${statusInput}'; printf 'OUR-STATUS\\n'` },
    });
    const session = new PtySession(pinnedClaudeBinary(), ["--settings", settings], {
      cwd: sandbox.project,
      env: sandbox.env,
    });
    sessions.push(session);
    await session.waitFor("❯");
    await session.submit("what is the weather");
    await session.waitFor("Simulated reply");
    await session.waitUntil(
      () => existsSync(statusInput) && readFileSync(statusInput, "utf8").includes('"rate_limits"'),
      "the status line to receive rate_limits",
    );
    await session.waitFor("OUR-STATUS");
    const lines = readFileSync(statusInput, "utf8")
      .split("\n")
      .filter((line) => line.includes('"rate_limits"'));
    const input = JSON.parse(lines.at(-1)!) as {
      rate_limits: Record<string, { used_percentage: number; resets_at: number | string }>;
      session_id: string;
    };
    expect(Object.keys(input.rate_limits)).toEqual(expect.arrayContaining(["five_hour", "seven_day"]));
    const fiveHour = input.rate_limits.five_hour!;
    expect(fiveHour.used_percentage).toBeGreaterThanOrEqual(0);
    expect(Number(fiveHour.resets_at)).toBeGreaterThan(Date.now() / 1000);
  });

  test("--resume under ANTHROPIC_AUTH_TOKEN sends the earlier conversation as Bearer <token>, with no approval prompt", async () => {
    const sessionId = randomUUID();
    const first = await runClaude(["-p", "remember the word pineapple", "--session-id", sessionId], {
      cwd: sandbox.project,
      env: sandbox.env,
    });
    expect(first.code).toBe(0);

    const token = "cf-gw-test-per-run-secret";
    const session = new PtySession(pinnedClaudeBinary(), ["--resume", sessionId], {
      cwd: sandbox.project,
      env: { ...sandbox.env, ANTHROPIC_AUTH_TOKEN: token },
    });
    sessions.push(session);
    await session.waitFor("❯");
    await session.submit("which word was it");
    await session.waitFor(/Simulated reply 2/);
    expect(session.text()).not.toMatch(/Do you want to use this API key/i);

    const resumed = messageRequests().at(-1)!;
    expect(resumed.billing).toBe("bearer");
    expect(resumed.headers.authorization).toBe(`Bearer ${token}`);
    expect(resumed.headers["x-api-key"]).toBeUndefined();
    const conversation = JSON.stringify((resumed.body as { messages: unknown[] }).messages);
    expect(conversation).toContain("remember the word pineapple");
    expect(conversation).toContain("Simulated reply 1");
    expect(conversation).toContain("which word was it");
  });
});

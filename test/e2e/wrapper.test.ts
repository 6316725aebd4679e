/**
 * The wrapper end to end (SPEC §4): the real `claude` in a pseudo-terminal under claude-fallback,
 * the simulator's subscription limit, the prompt, the switch to API billing through the gateway,
 * the same conversation continued, and the revert at reset.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type Simulator, startSimulator } from "../../src/simulator/index.js";
import { killLiveProcesses } from "./harness/claude.js";
import { fallbackEnv, ourCommand, spawnFallback, writeFallbackConfig } from "./harness/cli.js";
import type { PtySession } from "./harness/pty.js";
import { conversationOf, messageRequests } from "./harness/requests.js";
import { createSandbox, type Sandbox, TEST_API_KEY, TEST_OAUTH_TOKEN } from "./harness/sandbox.js";
import { PROMPT_READY, PROMPT_TITLE } from "./harness/story.js";

let simulator: Simulator;
let sandbox: Sandbox;
const sessions: PtySession[] = [];

beforeEach(async () => {
  simulator = await startSimulator({ requireApiKey: TEST_API_KEY, limitAfterRequests: 1 });
  sandbox = await createSandbox({ baseUrl: simulator.url });
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
  killLiveProcesses();
  await simulator.close();
  await sandbox.cleanup();
});

async function start(config: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): Promise<PtySession> {
  await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, ...config });
  const session = spawnFallback(sandbox, [], fallbackEnv(sandbox, env));
  sessions.push(session);
  await session.waitFor("❯");
  return session;
}

/** One answered prompt on the subscription, then a prompt that hits the limit. */
async function reachLimit(session: PtySession): Promise<void> {
  await session.submit("first question about pineapples");
  await session.waitFor("Simulated reply 1");
  await session.submit("second question");
}

describe("at the subscription limit", () => {
  test("the prompt offers API billing; y continues the same conversation through the gateway", async () => {
    const session = await start({});
    await reachLimit(session);
    await session.waitFor(PROMPT_READY);
    const screen = session.text();
    expect(screen).toMatch(/resets (at|on)/);
    expect(screen).toContain("$10.00 per session");
    expect(screen).toMatch(/\[y\] yes.*\[n\] no.*\[a\] yes for this run/);
    session.write("y");

    await session.waitUntil(
      () => messageRequests(simulator).some((r) => r.billing === "api"),
      "an API-billed request",
    );
    const continued = messageRequests(simulator).find((r) => r.billing === "api")!;
    expect(continued.headers["x-api-key"]).toBe(TEST_API_KEY);
    expect(continued.headers.authorization).toBeUndefined();
    expect(continued.sessionId).toBe(messageRequests(simulator)[0]?.sessionId);
    const conversation = conversationOf(continued);
    expect(conversation).toContain("first question about pineapples");
    expect(conversation).toContain("Simulated reply 1");
    expect(conversation).toContain("Continue where you left off.");
    await session.waitFor(/Simulated reply \d+ \(api\)|Simulated reply \d+/);
    await session.waitUntil(() => /Simulated reply 3/.test(session.text()), "the continued reply on screen");
  });

  test("a limit on the conversation's very first request: API billing goes on with the model on screen", async () => {
    // Claude Code resumes with the model of the conversation's last reply; with none, an API key
    // gets Claude Code's own default (Opus here, where the subscription's is Sonnet): the user would
    // pay for a model they did not choose.
    const session = await start({ auto_switch: true });
    simulator.triggerLimit();
    await session.submit("my very first question about mangoes");
    await session.waitUntil(
      () => messageRequests(simulator).some((r) => r.billing === "api"),
      "an API-billed request",
    );
    const [refused, continued] = [
      messageRequests(simulator)[0]!,
      messageRequests(simulator).find((r) => r.billing === "api")!,
    ];
    expect(refused.status).toBe(429);
    expect(conversationOf(continued)).toContain("my very first question about mangoes");
    expect(continued.model).toBe(refused.model);
  });

  test("the prompt is drawn again for a new window size, whole", async () => {
    const session = await start({});
    await reachLimit(session);
    await session.waitFor(PROMPT_READY);
    session.resize(70, 30);
    // The box's bottom edge, both corners within the new 70 columns (the old one was cut there).
    await session.waitUntil(
      () =>
        session.lines().some((line) => {
          const left = line.indexOf("└─");
          const right = line.indexOf("─┘");
          return left !== -1 && right > left + 20 && right + 1 < 70;
        }),
      "the prompt redrawn at 70 columns",
    );
    const screen = session.text();
    expect(screen).toContain(PROMPT_TITLE);
    expect(screen).toMatch(/\[y\] yes/);
    session.write("n");
    await session.waitUntil(() => !session.text().includes(PROMPT_TITLE), "the prompt to close");
  });

  test("n bills nothing and leaves Claude's own wait for the reset running", async () => {
    const session = await start({});
    await reachLimit(session);
    await session.waitFor(PROMPT_READY);
    session.write("n");
    await session.waitFor(/continue automatically|Continuing automatically/);
    expect(session.text()).not.toContain(PROMPT_TITLE);
    expect(messageRequests(simulator).filter((r) => r.billing !== "subscription")).toEqual([]);
  });

  test("auto_switch switches without asking", async () => {
    const session = await start({ auto_switch: true });
    await reachLimit(session);
    await session.waitUntil(
      () => messageRequests(simulator).some((r) => r.billing === "api"),
      "an API-billed request",
    );
    await session.waitFor("Simulated reply 3");
    expect(session.raw).not.toContain(PROMPT_TITLE);

    // At the end: what API billing cost and how to go on, through the wrapper. The Claude stopped
    // for the switch said nothing of its own (its "Resume this session with: claude --resume …"
    // names plain claude); only the last one's goodbye can be on screen.
    await session.quit();
    const sessionId = messageRequests(simulator)[0]?.sessionId;
    expect(session.raw).toMatch(
      /this run's API billing: \$\d+\.\d{2} \(details: claude-fallback usage run [0-9a-f-]{36}\)/,
    );
    expect(session.raw).toContain(`continue the conversation with: ${ourCommand()} resume ${sessionId}`);
    expect(session.raw.split("Resume this session with").length - 1).toBeLessThanOrEqual(1);
  });

  test("no answer within prompt_timeout_seconds counts as no", async () => {
    const session = await start({ prompt_timeout_seconds: 1 });
    await reachLimit(session);
    await session.waitFor(PROMPT_TITLE);
    await session.waitUntil(() => !session.text().includes(PROMPT_TITLE), "the prompt to close", 10_000);
    expect(messageRequests(simulator).filter((r) => r.billing !== "subscription")).toEqual([]);
  });

  test("at the reset it reverts to the subscription when idle; a limit right after switches again without asking", async () => {
    simulator.configure({ resetInSeconds: 4 });
    const trace = join(sandbox.root, "trace.jsonl");
    const session = await start(
      { auto_revert_on_reset: true },
      { CLAUDE_FALLBACK_RESET_GRACE_SECONDS: "1", CLAUDE_FALLBACK_TRACE: trace },
    );
    await reachLimit(session);
    await session.waitFor(PROMPT_READY);
    // Claude's text gives the reset to the minute; its status line then gives the exact instant.
    await session.waitUntil(
      () => existsSync(trace) && readFileSync(trace, "utf8").includes('"reset_refined"'),
      "the exact reset from the status line",
    );
    session.write("y");
    await session.waitFor("Simulated reply 3");
    await session.waitUntil(() => /Back on your subscription/.test(session.raw), "the revert notice", 30_000);

    await session.waitFor("❯");
    await session.submit("after the reset");
    await session.waitUntil(
      () =>
        messageRequests(simulator).at(-1)?.billing === "subscription" &&
        messageRequests(simulator).at(-1)?.status === 200,
      "a subscription request after the revert",
    );
    expect(conversationOf(messageRequests(simulator).at(-1)!)).toContain("first question about pineapples");

    const asked = (session.raw.match(new RegExp(PROMPT_TITLE, "g")) ?? []).length;
    simulator.triggerLimit();
    await session.submit("hits the limit again");
    await session.waitUntil(
      () => messageRequests(simulator).filter((r) => r.billing === "api").length >= 2,
      "a second API-billed request",
    );
    expect((session.raw.match(new RegExp(PROMPT_TITLE, "g")) ?? []).length).toBe(asked);
  });
});

describe("what the user had stays theirs", () => {
  test("a stray ANTHROPIC_API_KEY never reaches the API; the user's settings stay byte-identical; their hook and status line still run", async () => {
    const hookOutput = join(sandbox.root, "user-hook.txt");
    const settingsPath = await sandbox.writeUserSettings({
      hooks: { UserPromptSubmit: [{ hooks: [{ type: "command", command: `echo ran >> '${hookOutput}'` }] }] },
      statusLine: { type: "command", command: "printf 'USER-STATUS'" },
    });
    const before = readFileSync(settingsPath);
    const session = await start({}, { ANTHROPIC_API_KEY: "sk-ant-api03-test-stray-0000000000000000000000" });
    await session.submit("hello with a stray key");
    await session.waitFor("Simulated reply 1");
    await session.waitFor("USER-STATUS");
    await session.waitFor(/SUB( \d+%)?/);
    expect(readFileSync(hookOutput, "utf8")).toContain("ran");
    for (const request of messageRequests(simulator)) {
      expect(request.headers["x-api-key"]).toBeUndefined();
      expect(request.headers.authorization).toBe(`Bearer ${TEST_OAUTH_TOKEN}`);
    }
    await session.quit();
    expect(readFileSync(settingsPath).equals(before)).toBe(true);
  });
});

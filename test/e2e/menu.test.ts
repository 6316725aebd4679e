/**
 * The menu key and `use` end to end (SPEC §4.7, §3): the real `claude` under claude-fallback;
 * Ctrl-] opens the menu, `u` shows usage and spend, `a` moves the conversation to API billing,
 * Ctrl-] twice gives Claude the key itself, and `claude-fallback use subscription` from another
 * process brings the live session back to the subscription.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type Simulator, startSimulator } from "../../src/simulator/index.js";
import { killLiveProcesses } from "./harness/claude.js";
import { fallbackEnv, runFallback, spawnFallback, writeFallbackConfig } from "./harness/cli.js";
import type { PtySession } from "./harness/pty.js";
import { conversationOf, messageRequests } from "./harness/requests.js";
import { createSandbox, type Sandbox, TEST_API_KEY, TEST_OAUTH_TOKEN } from "./harness/sandbox.js";

const MENU_KEY = "\x1d";
/** The menu offers the switch away from where Claude runs, usage, close. */
const MENU_ON_SUBSCRIPTION = /\[a\] switch to API.*\[u\] usage and spend[\s\S]*\[c\] close/;
const MENU_ON_API = /\[s\] back to subscription.*\[u\] usage and spend[\s\S]*\[c\] close/;
const MENU_KEYS = /\[u\] usage and spend[\s\S]*\[c\] close/;

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

/** The last request that carried a prompt of ours (Claude also sends side requests, e.g. titles). */
function requestWith(text: string) {
  return messageRequests(simulator)
    .filter((request) => conversationOf(request).includes(text))
    .at(-1);
}

describe("the menu key", () => {
  test("opens the menu; u shows usage and spend; a moves the conversation to API billing; twice sends the key to Claude; `use subscription` brings it back", async () => {
    // A user-level SessionStart hook counts the `claude` processes that came up (start, resumes).
    const starts = join(sandbox.root, "session-starts.txt");
    await sandbox.writeUserSettings({
      hooks: { SessionStart: [{ hooks: [{ type: "command", command: `echo started >> '${starts}'` }] }] },
    });
    const started = () => (existsSync(starts) ? readFileSync(starts, "utf8").trim().split("\n").length : 0);
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
    const session = spawnFallback(sandbox, [], fallbackEnv(sandbox));
    sessions.push(session);
    await session.waitFor("❯");
    await session.waitUntil(() => started() === 1, "Claude's SessionStart");

    await session.submit("first question about pineapples");
    await session.waitFor("Simulated reply 1");
    expect(requestWith("first question about pineapples")?.billing).toBe("subscription");

    // Ctrl-]: the menu, over Claude's screen.
    session.write(MENU_KEY);
    await session.waitFor(MENU_ON_SUBSCRIPTION);
    expect(session.text()).toMatch(/claude-fallback\b(?!:)/);
    expect(session.text()).toContain("Claude is running on your subscription.");
    expect(session.text()).not.toContain("back to subscription");

    // u: usage and spend.
    session.write("u");
    await session.waitFor("claude-fallback: usage and spend");
    const usage = session.text();
    expect(usage).toContain("Billing now: subscription");
    expect(usage).toMatch(/API spend this run: \$0\.00 of \$10\.00/);
    expect(usage).toContain("API spend today: $0.00");
    expect(usage).toContain("API spend this month: $0.00");
    // A key the page does not show does nothing: `a` here is not a switch.
    session.write("a");
    session.write("c");
    await session.waitUntil(() => !session.text().includes("usage and spend"), "the usage page to close");
    await session.submit("a question while nothing switched");
    await session.waitUntil(
      () => requestWith("a question while nothing switched") !== undefined,
      "the question after the usage page",
    );
    expect(requestWith("a question while nothing switched")?.billing).toBe("subscription");
    expect(started()).toBe(1);
    await session.waitFor("Simulated reply 2");

    // Ctrl-] a: API billing; the next prompt goes through the gateway with the whole conversation.
    session.write(MENU_KEY);
    await session.waitFor(MENU_KEYS);
    session.write("a");
    await session.waitUntil(() => started() === 2, "Claude to be resumed on API billing");
    expect(session.text()).not.toMatch(MENU_KEYS);
    await session.submit("second question on the key");
    await session.waitUntil(
      () => requestWith("second question on the key") !== undefined,
      "the second prompt",
    );
    const onApi = requestWith("second question on the key")!;
    expect(onApi.billing).toBe("api");
    expect(onApi.headers["x-api-key"]).toBe(TEST_API_KEY);
    expect(onApi.headers.authorization).toBeUndefined();
    expect(onApi.sessionId).toBe(requestWith("first question about pineapples")?.sessionId);
    expect(conversationOf(onApi)).toContain("first question about pineapples");
    expect(conversationOf(onApi)).toContain("Simulated reply 1");
    await session.waitFor("Simulated reply 3");

    // Ctrl-] Ctrl-]: the key goes to Claude and the menu does not stay open; typing reaches Claude.
    session.write(MENU_KEY);
    await session.waitFor(MENU_ON_API);
    session.write(MENU_KEY);
    await session.waitUntil(() => !MENU_KEYS.test(session.text()), "the menu to close");
    await session.submit("third question still on the key");
    await session.waitUntil(
      () => requestWith("third question still on the key") !== undefined,
      "the third prompt to reach the API",
    );
    expect(requestWith("third question still on the key")!.billing).toBe("api");
    expect(session.text()).not.toMatch(MENU_KEYS);
    await session.waitFor("Simulated reply 4");

    // `use subscription` from another process: the live wrapper follows at its next idle moment.
    const use = await runFallback(sandbox, ["use", "subscription"]);
    expect(use.stderr).toBe("");
    expect(use.code).toBe(0);
    expect(use.stdout).toContain("1 of 1 live wrapped session(s) will switch");
    await session.waitUntil(() => started() === 3, "Claude to be resumed on the subscription");
    await session.submit("fourth question back home");
    await session.waitUntil(
      () => requestWith("fourth question back home") !== undefined,
      "the fourth prompt",
    );
    const back = requestWith("fourth question back home")!;
    expect(back.billing).toBe("subscription");
    expect(back.headers.authorization).toBe(`Bearer ${TEST_OAUTH_TOKEN}`);
    expect(back.headers["x-api-key"]).toBeUndefined();
    expect(conversationOf(back)).toContain("second question on the key");
    await session.waitFor("Simulated reply 5");
  });
});

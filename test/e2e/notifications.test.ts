/**
 * Notifications end to end (SPEC §8): the real `claude` hits the simulator's subscription limit
 * under claude-fallback with auto_switch; desktop (a fake `notify-send` first on PATH) and webhook
 * (a local receiver) each get "limit reached" and "switched to API billing", once, and never the key.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type Simulator, startSimulator } from "../../src/simulator/index.js";
import { killLiveProcesses } from "./harness/claude.js";
import { fallbackEnv, runFallback, spawnFallback, writeFallbackConfig } from "./harness/cli.js";
import type { PtySession } from "./harness/pty.js";
import { messageRequests } from "./harness/requests.js";
import { completeJsonLines, createSandbox, type Sandbox, TEST_API_KEY } from "./harness/sandbox.js";

let simulator: Simulator;
let sandbox: Sandbox;
let receiver: Server;
let webhookUrl: string;
/** Raw bodies the webhook receiver got, in order. */
let posts: string[];
const sessions: PtySession[] = [];

beforeEach(async () => {
  simulator = await startSimulator({ requireApiKey: TEST_API_KEY, limitAfterRequests: 0 });
  sandbox = await createSandbox({ baseUrl: simulator.url });
  posts = [];
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      posts.push(Buffer.concat(chunks).toString("utf8"));
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook/T0/B0/token`;
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
  killLiveProcesses();
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  await simulator.close();
  await sandbox.cleanup();
});

/** A fake `notify-send` in its own directory, first on PATH: appends its argv as a JSON line. */
async function fakeNotifySend(): Promise<{ env: NodeJS.ProcessEnv; log: string }> {
  const bin = join(sandbox.root, "fake-bin");
  const log = join(sandbox.root, "notify-send.log");
  await mkdir(bin, { recursive: true });
  await writeFile(
    join(bin, "notify-send"),
    `#!${process.execPath}
require("node:fs").appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + "\\n");
`,
    { mode: 0o755 },
  );
  return { env: fallbackEnv(sandbox, { PATH: `${bin}:${sandbox.env.PATH}` }), log };
}

function desktopCalls(log: string): string[][] {
  if (!existsSync(log)) return [];
  return completeJsonLines(readFileSync(log, "utf8")) as string[][];
}

interface Payload {
  text: string;
  event: string;
  title: string;
  body: string;
  at: string;
  session_id: string | null;
}

function payloads(): Payload[] {
  return posts.map((post) => JSON.parse(post) as Payload);
}

function expectNoKey(...texts: string[]): void {
  for (const text of texts) {
    expect(text).not.toContain(TEST_API_KEY);
    expect(text).not.toContain(TEST_API_KEY.slice(-20));
  }
}

function expectLimitAndSwitch(log: string, sessionId: string | null | undefined): void {
  expect(sessionId).toBeTruthy();
  // Each channel delivers in the background: the order in which two deliveries finish is not
  // part of the contract, so both are compared in a fixed order.
  const calls = desktopCalls(log).sort((a, b) => String(a[2]).localeCompare(String(b[2])));
  expect(calls.map((argv) => argv.slice(0, 3))).toEqual([
    ["--app-name=claude-fallback", "--", "claude-fallback: Subscription limit reached"],
    ["--app-name=claude-fallback", "--", "claude-fallback: Switched to API billing"],
  ]);
  expect(calls[0]?.[3]).toMatch(/^Subscription .*limit reached; it resets (at|on) /);
  expect(calls[1]?.[3]).toMatch(/^Switched to API billing .*\$10\.00 per session/);

  const received = payloads().sort((a, b) => String(a.event).localeCompare(String(b.event)));
  expect(received.map((p) => p.event)).toEqual(["limit_reached", "switched_to_api"]);
  expect(received.map((p) => p.body)).toEqual(calls.map((argv) => argv[3]));
  for (const payload of received) {
    expect(payload.text).toBe(`*${payload.title}*\n${payload.body}`);
    expect(payload.session_id).toBe(sessionId);
    expect(Number.isNaN(Date.parse(payload.at))).toBe(false);
  }
  expectNoKey(readFileSync(log, "utf8"), ...posts);
}

describe("a limit with auto_switch notifies on desktop and webhook", () => {
  test("headless -p: limit reached and switched to API, once each, without the key", async () => {
    const { env, log } = await fakeNotifySend();
    await writeFallbackConfig(sandbox, {
      api_key: TEST_API_KEY,
      auto_switch: true,
      notifications: { webhook_url: webhookUrl },
    });
    const result = await runFallback(sandbox, ["--", "-p", "summarise the repo"], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Simulated reply 2/);
    expect(messageRequests(simulator).at(-1)?.billing).toBe("api");
    expectLimitAndSwitch(log, messageRequests(simulator)[0]?.sessionId);
    expectNoKey(result.stdout, result.stderr);
  });

  test("wrapped interactive run: the same two, and the terminal's OSC 9 too", async () => {
    const { env, log } = await fakeNotifySend();
    await writeFallbackConfig(sandbox, {
      api_key: TEST_API_KEY,
      auto_switch: true,
      notifications: { webhook_url: webhookUrl },
    });
    const session = spawnFallback(sandbox, [], env);
    sessions.push(session);
    await session.waitFor("❯");
    await session.submit("a question about pineapples");
    await session.waitUntil(
      () => desktopCalls(log).length >= 2 && posts.length >= 2,
      "two desktop and two webhook notifications",
    );
    await session.waitUntil(
      () => messageRequests(simulator).some((r) => r.billing === "api"),
      "an API-billed request",
    );
    expectLimitAndSwitch(log, messageRequests(simulator)[0]?.sessionId);
    expect(session.raw).toContain("\x1b]9;claude-fallback: Subscription");
    expectNoKey(session.raw);
  });

  test("notifications off: nothing is sent", async () => {
    const { env, log } = await fakeNotifySend();
    await writeFallbackConfig(sandbox, {
      api_key: TEST_API_KEY,
      auto_switch: true,
      notifications: { desktop: false, webhook_url: null },
    });
    const result = await runFallback(sandbox, ["--", "-p", "summarise the repo"], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("Continuing on API billing");
    expect(desktopCalls(log)).toEqual([]);
    expect(posts).toEqual([]);
  });
});

/**
 * Fuzzing the hook server over real HTTP with the right secret (issue #6): arbitrary bodies —
 * bytes, JSON of any shape, hook-shaped JSON with junk, bodies over the size bound — are always
 * answered (200 for a JSON object, 400 otherwise, as designed), exactly the accepted ones are
 * delivered, nothing is reported as an error, and the server keeps serving on the same kept-alive
 * connection. Fixed seeds; a few dozen requests per property.
 */
import { Agent, request } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import type { HookEvent, HookEventName } from "./hook-events.js";
import { type HookServer, hookUrl, startHookServer } from "./hook-server.js";

// The runs are bounded, but the machine is shared with other test runs: generous time per test.
vi.setConfig({ testTimeout: 30_000 });

const MAX_BODY = 4096;

let server: HookServer;
let agent: Agent;
const delivered: HookEvent[] = [];
const errors: Error[] = [];
const waiters: (() => void)[] = [];

beforeAll(async () => {
  server = await startHookServer({
    maxBodyBytes: MAX_BODY,
    onHook: (event) => {
      delivered.push(event);
      for (const waiter of waiters.splice(0)) waiter();
    },
    onError: (error) => errors.push(error),
  });
  // One kept-alive socket for everything, as Claude Code sends its hooks.
  agent = new Agent({ keepAlive: true, maxSockets: 1 });
});

afterAll(async () => {
  agent.destroy();
  await server.close();
});

async function deliveredCount(count: number): Promise<void> {
  while (delivered.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
}

function post(event: HookEventName, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      hookUrl(server.url, event),
      {
        method: "POST",
        agent,
        headers: { Authorization: `Bearer ${server.secret}`, "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const anyJson = fc.jsonValue({ maxDepth: 4 });
const httpEvent = fc.constantFrom<HookEventName>("UserPromptSubmit", "Stop", "StopFailure");

/** A body and whether the server must accept it (a JSON object, or anything over the bound). */
const bodies = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.concat([Buffer.from("#"), Buffer.from(bytes)])),
  anyJson.map((value) => Buffer.from(JSON.stringify(value))),
  fc
    .record(
      {
        session_id: fc.oneof(fc.uuid(), anyJson),
        hook_event_name: fc.oneof(fc.constant("Stop"), anyJson),
        prompt: fc.oneof(fc.string({ unit: "binary", maxLength: 100 }), anyJson),
        error: fc.oneof(fc.constant("rate_limit"), anyJson),
      },
      { requiredKeys: [] },
    )
    .map((value) => Buffer.from(JSON.stringify(value))),
  // Over the bound: a huge pasted prompt (valid JSON or not), read by its head.
  fc
    .tuple(fc.uuid(), fc.integer({ min: MAX_BODY, max: 3 * MAX_BODY }), fc.boolean())
    .map(([id, size, valid]) => {
      const text = JSON.stringify({ session_id: id, prompt: "é".repeat(size / 2) });
      return Buffer.from(valid ? text : text.slice(0, -7));
    }),
);

function accepted(body: Buffer): boolean {
  if (body.length > MAX_BODY) return true;
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

describe("hook server on arbitrary bodies", () => {
  test("always answered, 200 {} exactly for what is delivered, 400 otherwise; nothing reported", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(httpEvent, bodies), { minLength: 1, maxLength: 6 }),
        async (requests) => {
          const before = delivered.length;
          let expected = 0;
          for (const [event, body] of requests) {
            const reply = await post(event, body);
            if (accepted(body)) {
              expected++;
              expect(reply).toEqual({ status: 200, text: "{}" });
            } else {
              expect(reply.status).toBe(400);
              expect(JSON.parse(reply.text)).toHaveProperty("error");
            }
          }
          await deliveredCount(before + expected);
          const fresh = delivered.slice(before);
          expect(fresh).toHaveLength(expected);
          for (const event of fresh) {
            if (event.sessionId !== undefined) expect(typeof event.sessionId).toBe("string");
          }
          expect(errors).toEqual([]);
        },
      ),
      { seed: 6430, numRuns: 60 },
    );
  }, 60_000);

  test("an oversized body still tells the session id from its head", async () => {
    const before = delivered.length;
    const id = "0b7c0a6e-1111-4222-8333-944445555666";
    const body = Buffer.from(
      JSON.stringify({ session_id: id, prompt: "x".repeat(2 * MAX_BODY) }).slice(0, -3),
    );
    expect(await post("UserPromptSubmit", body)).toEqual({ status: 200, text: "{}" });
    await deliveredCount(before + 1);
    expect(delivered[before]).toMatchObject({ name: "UserPromptSubmit", sessionId: id, truncated: true });
  });
});

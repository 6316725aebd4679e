import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createParser } from "eventsource-parser";
import { afterEach, describe, expect, it } from "vitest";
import type { BillingKind, ResponseScript, Simulator, SimulatorOptions } from "./index.js";
import { startSimulator } from "./index.js";

const OAUTH_TOKEN = `sk-ant-oat01-${"s".repeat(40)}SUB1`;
const API_KEY = `sk-ant-api03-${"k".repeat(40)}KEY1`;
const RUN_SECRET = `run-secret-${"r".repeat(20)}BR01`;
const CREDENTIALS: Record<BillingKind, Record<string, string>> = {
  subscription: { authorization: `Bearer ${OAUTH_TOKEN}` },
  api: { "x-api-key": API_KEY },
  bearer: { authorization: `Bearer ${RUN_SECRET}` },
};
const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const UNIFIED_STATUS = "anthropic-ratelimit-unified-status";

const started: Simulator[] = [];
const temporaryDirs: string[] = [];
let clock = START;

async function simulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSimulator({ now: () => clock, ...options });
  started.push(sim);
  return sim;
}

afterEach(async () => {
  clock = START;
  await Promise.all(started.splice(0).map((sim) => sim.close()));
  for (const dir of temporaryDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Call {
  billing?: BillingKind | "none";
  body?: Record<string, unknown>;
  headers?: Record<string, string>;
  path?: string;
}

function send(
  sim: Simulator,
  { billing = "subscription", body = {}, headers = {}, path = "/v1/messages?beta=true" }: Call,
) {
  return fetch(`${sim.url}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
      ...(billing === "none" ? {} : CREDENTIALS[billing]),
      ...headers,
    },
    body: JSON.stringify({
      model: "claude-sonnet-4-6",
      max_tokens: 1024,
      messages: [{ role: "user", content: "Hello simulator" }],
      ...body,
    }),
  });
}

interface ParsedEvent {
  event: string | undefined;
  data: string;
}

function parseSse(text: string): ParsedEvent[] {
  const events: ParsedEvent[] = [];
  createParser({ onEvent: ({ event, data }) => events.push({ event, data }) }).feed(text);
  return events;
}

// biome-ignore lint/suspicious/noExplicitAny: the tests walk arbitrary event JSON and assert on it.
type EventData = Record<string, any>;

const json = (response: Response): Promise<EventData> => response.json() as Promise<EventData>;

async function sseEvents(response: Response): Promise<{ event: string | undefined; data: EventData }[]> {
  return parseSse(await response.text()).map(({ event, data }) => ({ event, data: JSON.parse(data) }));
}

/** Reads a response body to its end or until the connection is cut: the text and the error, if any. */
async function readUntilCut(response: Response): Promise<{ received: string; error: unknown }> {
  const reader = response.body!.getReader();
  let received = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { received, error: undefined };
      received += Buffer.from(value).toString("utf8");
    }
  } catch (error) {
    return { received, error };
  }
}

const unifiedHeaders = (response: Response) =>
  [...response.headers.keys()].filter((name) => name.startsWith("anthropic-ratelimit-unified-"));

describe("POST /v1/messages", () => {
  it("answers JSON with a complete message, a request id and the reply text", async () => {
    const sim = await simulator();
    const response = await send(sim, {});
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("request-id")).toMatch(/^req_011C\w{20}$/);
    const body = await json(response);
    expect(body).toMatchObject({
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-6",
      stop_reason: "end_turn",
      content: [{ type: "text", text: "Simulated reply 1 (subscription): Hello simulator" }],
    });
    expect(body.id).toMatch(/^msg_01\w{22}$/);
    expect(body.usage).toEqual(
      expect.objectContaining({ output_tokens: sim.requests[0]?.usage?.outputTokens }),
    );
  });

  it("streams the real event sequence, each event named after its type", async () => {
    const sim = await simulator();
    const response = await send(sim, {
      body: { stream: true, thinking: { type: "enabled", budget_tokens: 2048 } },
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const events = await sseEvents(response);
    for (const { event, data } of events) expect(event).toBe(data.type);
    const names = events.map(({ data }) =>
      data.type === "content_block_delta" ? data.delta.type : data.type,
    );
    expect(names.filter((name, i) => name !== names[i - 1])).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "thinking_delta",
      "signature_delta",
      "content_block_stop",
      "content_block_start",
      "text_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    const recorded = sim.requests[0]!;
    expect(recorded).toMatchObject({ stream: true, status: 200, billing: "subscription" });
    const start = events[0]!.data.message;
    expect(start).toMatchObject({ model: "claude-sonnet-4-6", content: [], stop_reason: null });
    expect(start.usage).toMatchObject({
      input_tokens: recorded.usage!.inputTokens,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      service_tier: "standard",
    });
    const delta = events.find(({ data }) => data.type === "message_delta")!.data;
    expect(delta.delta.stop_reason).toBe("end_turn");
    expect(delta.usage).toEqual({
      input_tokens: recorded.usage!.inputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: recorded.usage!.outputTokens,
    });
  });

  it("numbers replies and quotes the last typed text, skipping system reminders", async () => {
    const sim = await simulator();
    await send(sim, {});
    const content = [
      { type: "text", text: "<system-reminder>\nThe date is today.\n</system-reminder>" },
      { type: "text", text: "Refactor the parser" },
    ];
    const body = await json(
      await send(sim, { billing: "api", body: { messages: [{ role: "user", content }] } }),
    );
    expect(body.content[0].text).toBe("Simulated reply 2 (api): Refactor the parser");
  });

  it("derives input tokens from the body and takes usage overrides from options and scripts", async () => {
    const sim = await simulator({ usage: { cacheReadTokens: 5000, cacheWrite1hTokens: 300 } });
    await send(sim, {});
    sim.enqueue({ usage: { inputTokens: 7, outputTokens: 9, cacheWrite5mTokens: 11, webSearchRequests: 1 } });
    const body = await json(await send(sim, {}));
    const firstBodyLength = Number(sim.requests[0]!.headers["content-length"]);
    expect(sim.requests[0]!.usage).toMatchObject({
      inputTokens: Math.ceil(firstBodyLength / 4),
      cacheReadTokens: 5000,
    });
    expect(body.usage).toMatchObject({
      input_tokens: 7,
      output_tokens: 9,
      cache_read_input_tokens: 5000,
      cache_creation_input_tokens: 311,
      cache_creation: { ephemeral_5m_input_tokens: 11, ephemeral_1h_input_tokens: 300 },
      server_tool_use: { web_search_requests: 1, web_fetch_requests: 0 },
    });
  });

  it("names the overriding response model, from options, configure and scripts", async () => {
    const sim = await simulator({ responseModel: "claude-opus-4-7" });
    const models = [];
    models.push((await json(await send(sim, {}))).model);
    sim.enqueue({ responseModel: "claude-haiku-4-5-20251001" });
    models.push((await json(await send(sim, {}))).model);
    sim.configure({ responseModel: null });
    models.push((await json(await send(sim, {}))).model);
    expect(models).toEqual(["claude-opus-4-7", "claude-haiku-4-5-20251001", "claude-sonnet-4-6"]);
    expect(sim.requests.map((request) => [request.model, request.responseModel])[0]).toEqual([
      "claude-sonnet-4-6",
      "claude-opus-4-7",
    ]);
  });

  it("adds a tool_use block when a script asks, streamed as input_json_delta", async () => {
    const sim = await simulator();
    sim.enqueue({ toolUse: { name: "Bash", input: { command: "ls -la" } } });
    const events = await sseEvents(await send(sim, { body: { stream: true } }));
    const start = events.find(({ data }) => data.content_block?.type === "tool_use")!.data;
    expect(start.content_block).toMatchObject({ name: "Bash", input: {} });
    const json = events
      .filter(({ data }) => data.delta?.type === "input_json_delta")
      .map(({ data }) => data.delta.partial_json)
      .join("");
    expect(JSON.parse(json)).toEqual({ command: "ls -la" });
    expect(events.find(({ data }) => data.type === "message_delta")!.data.delta.stop_reason).toBe("tool_use");
  });

  it("records the session id header and the message count", async () => {
    const sim = await simulator();
    const messages = [
      { role: "user", content: "one" },
      { role: "assistant", content: "two" },
      { role: "user", content: "three" },
    ];
    await send(sim, {
      body: { messages },
      headers: { "x-claude-code-session-id": "5f1c2d3e-0000-4000-8000-000000000001" },
    });
    expect(sim.requests[0]).toMatchObject({
      sessionId: "5f1c2d3e-0000-4000-8000-000000000001",
      messageCount: 3,
      url: "/v1/messages?beta=true",
      path: "/v1/messages",
    });
    expect(sim.requests[0]!.body).toMatchObject({ messages });
  });

  it("rejects a body that is not a messages request with invalid_request_error", async () => {
    const sim = await simulator();
    const response = await fetch(`${sim.url}/v1/messages`, {
      method: "POST",
      headers: CREDENTIALS.api,
      body: "{not json",
    });
    expect(response.status).toBe(400);
    expect((await json(response)).error.type).toBe("invalid_request_error");
  });
});

describe("billing and authentication", () => {
  it.each([
    { billing: "subscription", unified: true },
    { billing: "api", unified: false },
    { billing: "bearer", unified: false },
  ] as const)("treats $billing credentials as $billing billing", async ({ billing, unified }) => {
    const sim = await simulator();
    const response = await send(sim, { billing });
    expect(response.status).toBe(200);
    expect(sim.requests[0]!.billing).toBe(billing);
    expect(unifiedHeaders(response).length > 0).toBe(unified);
    expect(response.headers.has("anthropic-ratelimit-requests-limit")).toBe(!unified);
    if (unified) {
      expect(response.headers.get(UNIFIED_STATUS)).toBe("allowed");
      expect(response.headers.get("anthropic-ratelimit-unified-5h-utilization")).toMatch(
        /^(0|1|0\.\d{1,2})$/,
      );
    }
  });

  it("answers 401 authentication_error without credentials", async () => {
    const sim = await simulator();
    const response = await send(sim, { billing: "none" });
    expect(response.status).toBe(401);
    const body = await json(response);
    expect(body).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    expect(body.request_id).toBe(response.headers.get("request-id"));
  });

  it.each([
    { name: "the required key", billing: "api", key: API_KEY, status: 200 },
    { name: "another key", billing: "api", key: "sk-ant-api03-someone-else-entirely", status: 401 },
    { name: "the required key as a bearer token", billing: "bearer", key: API_KEY, status: 200 },
    { name: "another bearer token", billing: "bearer", key: RUN_SECRET, status: 401 },
    { name: "a subscription token", billing: "subscription", key: OAUTH_TOKEN, status: 200 },
  ] as const)(
    "with requireApiKey, accepts $name only if it matches: $status",
    async ({ billing, key, status }) => {
      const sim = await simulator({ requireApiKey: API_KEY });
      const headers: Record<string, string> =
        billing === "api" ? { "x-api-key": key } : { authorization: `Bearer ${key}` };
      const response = await send(sim, { billing: "none", headers });
      expect(response.status).toBe(status);
      if (status === 401) expect((await json(response)).error.message).toBe("invalid x-api-key");
    },
  );
});

describe("the subscription limit", () => {
  it("allows limitAfterRequests subscription requests, then answers 429 until the reset", async () => {
    const sim = await simulator({ limitAfterRequests: 2, resetInSeconds: 600 });
    expect((await send(sim, {})).status).toBe(200);
    expect((await send(sim, {})).status).toBe(200);
    clock += 5000;
    const limited = await send(sim, {});
    expect(limited.status).toBe(429);
    expect(await json(limited)).toMatchObject({
      type: "error",
      error: { type: "rate_limit_error", message: expect.stringContaining("rate limit") },
    });
    expect(limited.headers.get(UNIFIED_STATUS)).toBe("rejected");
    expect(limited.headers.get("anthropic-ratelimit-unified-representative-claim")).toBe("five_hour");
    expect(limited.headers.get("anthropic-ratelimit-unified-reset")).toBe(String((clock + 600_000) / 1000));
    expect(sim.requests.at(-1)).toMatchObject({ status: 429, fault: "usage-limit", usage: null });

    const apiKeyResponse = await send(sim, { billing: "api" });
    expect(apiKeyResponse.status).toBe(200);
    expect(unifiedHeaders(apiKeyResponse)).toEqual([]);

    clock += 599_000;
    expect((await send(sim, {})).status).toBe(429);
    clock += 1000;
    const afterReset = await send(sim, {});
    expect(afterReset.status).toBe(200);
    expect(afterReset.headers.get("anthropic-ratelimit-unified-5h-utilization")).toBe("0.5");
  });

  it("limits after limitAfterTokens subscription tokens", async () => {
    const sim = await simulator({ limitAfterTokens: 1000, usage: { inputTokens: 400, outputTokens: 100 } });
    expect((await send(sim, {})).headers.get("anthropic-ratelimit-unified-5h-utilization")).toBe("0.5");
    expect((await send(sim, {})).headers.get(UNIFIED_STATUS)).toBe("allowed_warning");
    expect((await send(sim, {})).status).toBe(429);
    expect(sim.state().limit).toMatchObject({ tokensUsed: 1000, status: "rejected" });
  });

  it("says allowed_warning from warnAtUtilization on", async () => {
    const sim = await simulator({ limitAfterRequests: 10, warnAtUtilization: 0.3 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await send(sim, {})).headers.get(UNIFIED_STATUS));
    expect(statuses).toEqual(["allowed", "allowed", "allowed_warning", "allowed_warning"]);
  });

  it.each([
    { claim: "five_hour", model: "claude-sonnet-4-6", limited: true },
    { claim: "seven_day", model: "claude-sonnet-4-6", limited: true },
    { claim: "seven_day_opus", model: "claude-opus-4-7", limited: true },
    { claim: "seven_day_opus", model: "claude-sonnet-4-6", limited: false },
  ] as const)(
    "with claim $claim, a $model request is limited: $limited",
    async ({ claim, model, limited }) => {
      const sim = await simulator({ limitClaim: claim });
      sim.triggerLimit();
      const response = await send(sim, { body: { model } });
      expect(response.status).toBe(limited ? 429 : 200);
      expect(response.headers.get("anthropic-ratelimit-unified-representative-claim")).toBe(
        limited ? claim : "five_hour",
      );
    },
  );

  it("liftLimit() lets subscription requests through at once", async () => {
    const sim = await simulator();
    sim.triggerLimit("seven_day");
    expect((await send(sim, {})).status).toBe(429);
    sim.liftLimit();
    expect((await send(sim, {})).status).toBe(200);
  });
});

describe("fault injection", () => {
  it.each([
    { fault: "overloaded", status: 529, type: "overloaded_error", unified: true },
    { fault: "throttle", status: 429, type: "rate_limit_error", unified: false },
    { fault: "thinking-signature", status: 400, type: "invalid_request_error", unified: true },
  ] as const)("$fault answers $status $type", async ({ fault, status, type, unified }) => {
    const sim = await simulator();
    sim.enqueue({ fault, retryAfterSeconds: 2 });
    const response = await send(sim, {});
    expect(response.status).toBe(status);
    expect((await json(response)).error.type).toBe(type);
    expect(unifiedHeaders(response).length > 0).toBe(unified);
    expect(sim.requests[0]).toMatchObject({ fault, status });
    expect((await send(sim, {})).status).toBe(200);
  });

  it("usage-limit answers 429 with the unified headers of a rejected window, even to an API key", async () => {
    const sim = await simulator();
    sim.enqueue({ fault: "usage-limit", retryAfterSeconds: 4 });
    const response = await send(sim, { billing: "api" });
    expect(response.status).toBe(429);
    expect((await json(response)).error.type).toBe("rate_limit_error");
    expect(response.headers.get(UNIFIED_STATUS)).toBe("rejected");
    expect(response.headers.get("anthropic-ratelimit-unified-representative-claim")).toBe("five_hour");
    expect(response.headers.get("anthropic-ratelimit-unified-5h-status")).toBe("rejected");
    expect(response.headers.get("retry-after")).toBe("4");
    expect(response.headers.get("anthropic-ratelimit-requests-limit")).toBeNull();
    expect(sim.requests[0]).toMatchObject({ fault: "usage-limit", status: 429, usage: null });
    // Only that response: the subscription window is not hit.
    expect(sim.state().limit.status).toBe("allowed");
    expect((await send(sim, {})).status).toBe(200);
  });

  it("a script for a session waits for a request of that session; unscoped scripts go to anyone", async () => {
    const sim = await simulator();
    sim.enqueue({ sessionId: "session-b", fault: "overloaded" }, { sessionId: "session-a", text: "for a" });
    const forA = await send(sim, { headers: { "x-claude-code-session-id": "session-a" } });
    const noSession = await send(sim, {});
    expect((await json(forA)).content[0].text).toBe("for a");
    expect(noSession.status).toBe(200);
    expect(sim.state().queuedScripts).toBe(1);
    sim.enqueue({ text: "anyone" });
    const unscoped = await send(sim, { headers: { "x-claude-code-session-id": "session-c" } });
    expect((await json(unscoped)).content[0].text).toBe("anyone");
    const forB = await send(sim, { headers: { "x-claude-code-session-id": "session-b" } });
    expect(forB.status).toBe(529);
    expect(sim.state().queuedScripts).toBe(0);
  });

  it("throttle and overloaded carry retry-after when the script sets it", async () => {
    const sim = await simulator();
    sim.enqueue({ fault: "throttle", retryAfterSeconds: 3 }, { fault: "overloaded" });
    expect((await send(sim, {})).headers.get("retry-after")).toBe("3");
    expect((await send(sim, {})).headers.get("retry-after")).toBeNull();
  });

  it("thinking-signature names the first thinking block like the real message", async () => {
    const sim = await simulator();
    sim.enqueue({ fault: "thinking-signature" });
    const messages = [
      { role: "user", content: "a" },
      { role: "assistant", content: [{ type: "thinking", thinking: "t", signature: "s" }] },
      { role: "user", content: "b" },
    ];
    const body = await json(await send(sim, { body: { messages } }));
    expect(body.error.message).toBe("messages.1.content.0: Invalid `signature` in `thinking` block");
  });

  it("applies scripts first in, first out, each to the billing kind it names", async () => {
    const sim = await simulator();
    sim.enqueue({ fault: "overloaded", billing: "api" }, { text: "first" }, { text: "second" });
    const subscriptionText = (await json(await send(sim, {}))).content[0].text;
    const apiStatus = (await send(sim, { billing: "api" })).status;
    const nextText = (await json(await send(sim, { billing: "api" }))).content[0].text;
    expect([subscriptionText, apiStatus, nextText]).toEqual(["first", 529, "second"]);
    expect(sim.state().queuedScripts).toBe(0);
  });

  it("drop cuts a stream mid-event after N events and destroys the socket", async () => {
    const sim = await simulator();
    sim.enqueue({ fault: "drop", dropAfterEvents: 2 });
    const response = await send(sim, { body: { stream: true } });
    expect(response.status).toBe(200);
    const { received, error } = await readUntilCut(response);
    expect(error).toBeInstanceOf(Error);
    const complete = received.split("\n\n").slice(0, -1);
    expect(complete.map((event) => event.split("\n")[0])).toEqual([
      "event: message_start",
      "event: content_block_start",
    ]);
    expect(received.endsWith("\n\n")).toBe(false);
    expect(sim.requests[0]).toMatchObject({ fault: "drop", status: 200 });
  });

  it("drop after more events than the reply has sends every event, then cuts the response before its end", async () => {
    const sim = await simulator();
    sim.enqueue({ fault: "drop", dropAfterEvents: 1000 });
    const response = await send(sim, { body: { stream: true } });
    expect(response.status).toBe(200);
    const { received, error } = await readUntilCut(response);
    expect(error).toBeInstanceOf(Error);
    const events = parseSse(received).map(({ event }) => event);
    expect(events[0]).toBe("message_start");
    expect(events.slice(-2)).toEqual(["message_delta", "message_stop"]);
    expect(sim.requests[0]).toMatchObject({ fault: "drop", status: 200 });
  });

  it("stream-error ends a stream with an overloaded error event after N events", async () => {
    const sim = await simulator();
    sim.enqueue({ fault: "stream-error", dropAfterEvents: 2 });
    const response = await send(sim, { body: { stream: true } });
    expect(response.status).toBe(200);
    const events = await sseEvents(response);
    expect(events.map(({ event }) => event)).toEqual(["message_start", "content_block_start", "error"]);
    expect(events[2]!.data).toEqual({
      type: "error",
      error: { type: "overloaded_error", message: "Overloaded" },
    });
    expect(sim.requests[0]).toMatchObject({ fault: "stream-error", status: 200 });
  });

  it("stream-error answers a JSON request with the 529 of overloaded", async () => {
    const sim = await simulator();
    sim.enqueue({ fault: "stream-error" });
    const response = await send(sim, {});
    expect(response.status).toBe(529);
    expect((await json(response)).error.type).toBe("overloaded_error");
    expect(sim.requests[0]).toMatchObject({ fault: "stream-error", status: 529, usage: null });
  });

  it("drop cuts a JSON body short", async () => {
    const sim = await simulator();
    sim.enqueue({ fault: "drop" });
    const response = await send(sim, {});
    await expect(response.text()).rejects.toThrow();
  });

  it("malformed sends an SSE event whose data does not parse, after message_start", async () => {
    const sim = await simulator();
    sim.enqueue({ fault: "malformed" });
    const events = parseSse(await (await send(sim, { body: { stream: true } })).text());
    expect(events.map(({ event }) => event)).toEqual(["message_start", "content_block_start"]);
    expect(() => JSON.parse(events[1]!.data)).toThrow();
  });

  it("malformed sends a JSON body that does not parse", async () => {
    const sim = await simulator();
    sim.enqueue({ fault: "malformed" });
    const response = await send(sim, {});
    expect(response.status).toBe(200);
    await expect(response.json()).rejects.toThrow(SyntaxError);
  });

  it("slow delays the first byte and each event", async () => {
    const sim = await simulator();
    sim.enqueue({ firstByteDelayMs: 120, eventDelayMs: 15 });
    const began = performance.now();
    const response = await send(sim, { body: { stream: true } });
    const firstByte = performance.now() - began;
    const events = await sseEvents(response);
    const total = performance.now() - began;
    // Timers may fire up to a millisecond early against performance.now().
    expect(firstByte).toBeGreaterThanOrEqual(118);
    expect(total).toBeGreaterThanOrEqual(118 + (events.length - 1) * 15 - 5);
    expect(sim.requests[0]!.fault).toBe("slow");
  });

  it("state counts a request as open until its answer ends or its client goes away", async () => {
    let arrivedNow = () => {};
    const arrived = new Promise<void>((resolve) => {
      arrivedNow = resolve;
    });
    const sim = await simulator({ onRequest: () => arrivedNow() });
    sim.enqueue({ firstByteDelayMs: 60_000 });
    expect(sim.state().openRequests).toBe(0);
    const client = new AbortController();
    const waiting = fetch(`${sim.url}/v1/messages`, {
      method: "POST",
      headers: CREDENTIALS.api,
      body: JSON.stringify({ model: "claude-sonnet-4-6", messages: [{ role: "user", content: "hold on" }] }),
      signal: client.signal,
    }).catch((error: unknown) => error);
    await arrived;
    expect(sim.state().openRequests).toBe(1);
    expect((await send(sim, {})).status).toBe(200);
    await fetch(`${sim.url}/_simulator/state`);
    expect(sim.state().openRequests).toBe(1);
    client.abort();
    expect(await waiting).toBeInstanceOf(Error);
    // The client's close reaches the simulator a moment later.
    const deadline = Date.now() + 5000;
    while (sim.state().openRequests !== 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(sim.state().openRequests).toBe(0);
  });

  it("close() ends a response that is still waiting", async () => {
    let arrivedNow = () => {};
    const arrived = new Promise<void>((resolve) => {
      arrivedNow = resolve;
    });
    const sim = await simulator({ onRequest: () => arrivedNow() });
    sim.enqueue({ firstByteDelayMs: 60_000 });
    const pending = send(sim, {}).catch((error: unknown) => error);
    await arrived;
    await sim.close();
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe("foreign thinking signatures", () => {
  async function conversationFrom(sim: Simulator, billing: BillingKind) {
    const reply = await json(
      await send(sim, { billing, body: { thinking: { type: "enabled", budget_tokens: 1024 } } }),
    );
    return {
      thinking: { type: "enabled", budget_tokens: 1024 },
      messages: [
        { role: "user", content: "Hello simulator" },
        { role: "assistant", content: reply.content },
        { role: "user", content: "And now?" },
      ],
    };
  }

  it.each([
    { minted: "subscription", replayed: "api", reject: true, status: 400 },
    { minted: "subscription", replayed: "bearer", reject: true, status: 400 },
    { minted: "subscription", replayed: "subscription", reject: true, status: 200 },
    { minted: "api", replayed: "subscription", reject: true, status: 200 },
    { minted: "subscription", replayed: "api", reject: false, status: 200 },
  ] as const)("minted under $minted, replayed under $replayed, rejecting=$reject: $status", async (row) => {
    const sim = await simulator({ rejectForeignThinkingSignatures: row.reject });
    const body = await conversationFrom(sim, row.minted);
    const response = await send(sim, { billing: row.replayed, body });
    expect(response.status).toBe(row.status);
    if (row.status === 400) {
      expect((await json(response)).error).toEqual({
        type: "invalid_request_error",
        message: "messages.1.content.0: Invalid `signature` in `thinking` block",
      });
      expect(sim.requests.at(-1)!.fault).toBe("foreign-thinking-signature");
    }
  });
});

describe("the JSONL request log", () => {
  it("writes one line per request with the facts and never a full credential", async () => {
    const dir = mkdtempSync(join(tmpdir(), "simulator-log-"));
    temporaryDirs.push(dir);
    const logFile = join(dir, "requests.jsonl");
    const sim = await simulator({ logFile, limitAfterRequests: 1 });
    await send(sim, { body: { stream: true }, headers: { "x-claude-code-session-id": "session-1" } });
    await send(sim, {});
    await send(sim, { billing: "api" });
    await send(sim, { billing: "bearer" });
    await fetch(`${sim.url}/v1/models`, { headers: CREDENTIALS.api });
    await sim.close();
    const text = readFileSync(logFile, "utf8");
    for (const secret of [OAUTH_TOKEN, API_KEY, RUN_SECRET]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(0, 24));
    }
    const lines = text
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(5);
    expect(lines[0]).toEqual({
      time: new Date(START).toISOString(),
      method: "POST",
      path: "/v1/messages",
      billing: "subscription",
      credential: "sk-ant-…SUB1",
      model: "claude-sonnet-4-6",
      responseModel: "claude-sonnet-4-6",
      stream: true,
      status: 200,
      usage: sim.requests[0]!.usage,
      fault: null,
      sessionId: "session-1",
      messageCount: 1,
    });
    expect(lines.map((line) => [line.billing, line.credential, line.status])).toEqual([
      ["subscription", "sk-ant-…SUB1", 200],
      ["subscription", "sk-ant-…SUB1", 429],
      ["api", "sk-ant-…KEY1", 200],
      ["bearer", "…BR01", 200],
      ["api", "sk-ant-…KEY1", 200],
    ]);
    expect(statSync(logFile).mode & 0o777).toBe(0o600);
  });
});

describe("other endpoints", () => {
  it("count_tokens estimates input tokens from the body", async () => {
    const sim = await simulator();
    const response = await send(sim, { path: "/v1/messages/count_tokens?beta=true" });
    const length = Number(sim.requests[0]!.headers["content-length"]);
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ input_tokens: Math.ceil(length / 4) });
    expect(response.headers.get(UNIFIED_STATUS)).toBe("allowed");
    expect(sim.state().limit.requestsUsed).toBe(0);
    expect((await send(sim, { billing: "none", path: "/v1/messages/count_tokens" })).status).toBe(401);
  });

  it("lists models and finds one by id", async () => {
    const sim = await simulator();
    const list = await json(await fetch(`${sim.url}/v1/models`, { headers: CREDENTIALS.api }));
    expect(list.has_more).toBe(false);
    const ids: string[] = list.data.map((model: { id: string }) => model.id);
    expect(ids).toEqual(
      expect.arrayContaining(["claude-sonnet-4-6", "claude-opus-4-7", "claude-haiku-4-5-20251001"]),
    );
    expect(list.first_id).toBe(ids[0]);
    const one = await json(
      await fetch(`${sim.url}/v1/models/claude-sonnet-4-6`, { headers: CREDENTIALS.api }),
    );
    expect(one).toMatchObject({ type: "model", id: "claude-sonnet-4-6", display_name: "Claude Sonnet 4.6" });
    const missing = await fetch(`${sim.url}/v1/models/claude-nonesuch`, { headers: CREDENTIALS.api });
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.type).toBe("not_found_error");
  });

  it.each([
    ["GET", "/api/oauth/profile"],
    ["POST", "/api/event_logging/batch"],
    ["GET", "/v1/messages"],
  ])("answers %s %s with an Anthropic-style 404 and records it", async (method, path) => {
    const sim = await simulator();
    const response = await fetch(`${sim.url}${path}`, {
      method,
      headers: CREDENTIALS.subscription,
      ...(method === "POST" ? { body: "{}" } : {}),
    });
    expect(response.status).toBe(404);
    expect(await json(response)).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    expect(sim.requests[0]).toMatchObject({ method, path, status: 404 });
  });
});

describe("under load", () => {
  it("keeps connections alive between requests", async () => {
    const sim = await simulator();
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    const reused: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      reused.push(
        await new Promise<boolean>((resolve, reject) => {
          const req = httpRequest(`${sim.url}/v1/models`, { agent, headers: CREDENTIALS.api }, (res) => {
            res.resume();
            res.on("end", () => resolve(req.reusedSocket));
          });
          req.on("error", reject);
          req.end();
        }),
      );
    }
    agent.destroy();
    expect(reused).toEqual([false, true, true]);
  });

  it("streams a large padded reply completely", async () => {
    const sim = await simulator({ replyBytes: 8_000_000 });
    const events = await sseEvents(await send(sim, { body: { stream: true } }));
    const text = events
      .filter(({ data }) => data.delta?.type === "text_delta")
      .map(({ data }) => data.delta.text)
      .join("");
    expect(text).toHaveLength(8_000_000);
    expect(sim.requests[0]!.usage!.outputTokens).toBe(2_000_000);
  });

  it("keeps only the most recent maxRecordedRequests", async () => {
    const sim = await simulator({ maxRecordedRequests: 3 });
    for (let i = 0; i < 5; i++) await send(sim, {});
    expect(sim.requests.map((request) => request.seq)).toEqual([3, 4, 5]);
    expect(sim.state().requestCount).toBe(5);
  });
});

describe("startSimulator", () => {
  it("rejects invalid options, naming the field", async () => {
    await expect(startSimulator({ warnAtUtilization: 2 })).rejects.toThrow(/warnAtUtilization/);
    const sim = await simulator();
    expect(() => sim.configure({ limitAfterRequests: -1 })).toThrow(/limitAfterRequests/);
    expect(() => sim.enqueue({ fault: "melted" } as unknown as ResponseScript)).toThrow(/fault/);
    expect(() => sim.enqueue({ sessionId: "" })).toThrow(/sessionId/);
  });

  it("keeps a setting given as undefined", async () => {
    const sim = await simulator({ limitAfterRequests: 4, resetAt: undefined });
    sim.configure({ limitAfterRequests: undefined, warnAtUtilization: 0.5 });
    expect(sim.state().settings).toMatchObject({
      limitAfterRequests: 4,
      resetAt: null,
      warnAtUtilization: 0.5,
    });
  });

  it("listens on 127.0.0.1 only", async () => {
    const sim = await simulator();
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`);
    expect(sim.port).toBeGreaterThan(0);
  });
});

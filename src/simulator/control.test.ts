import { afterEach, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./index.js";

const OAUTH_TOKEN = `sk-ant-oat01-${"s".repeat(40)}SUB1`;
const API_KEY = `sk-ant-api03-${"k".repeat(40)}KEY1`;

const started: Simulator[] = [];

async function simulator(): Promise<Simulator> {
  const sim = await startSimulator({ now: () => Date.UTC(2026, 0, 1) });
  started.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.close()));
});

// biome-ignore lint/suspicious/noExplicitAny: the tests walk arbitrary JSON answers and assert on them.
type Json = any;

async function control(sim: Simulator, method: string, command: string, body?: unknown) {
  const response = await fetch(`${sim.url}/_simulator/${command}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

function subscriptionMessage(
  sim: Simulator,
  credential: Record<string, string> = { authorization: `Bearer ${OAUTH_TOKEN}` },
) {
  return fetch(`${sim.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", ...credential },
    body: JSON.stringify({
      model: "claude-sonnet-4-6",
      max_tokens: 10,
      messages: [{ role: "user", content: "hi" }],
    }),
  });
}

describe("the control interface", () => {
  it("GET state reports settings, counters and the limit", async () => {
    const sim = await simulator();
    await subscriptionMessage(sim);
    const { status, body } = await control(sim, "GET", "state");
    expect(status).toBe(200);
    expect(body).toMatchObject({
      url: sim.url,
      requestCount: 1,
      messageRequestCount: 1,
      queuedScripts: 0,
      settings: { limitClaim: "five_hour", resetInSeconds: 18000 },
      limit: { status: "allowed", requestsUsed: 1 },
    });
  });

  it("POST configure changes settings and answers the new state", async () => {
    const sim = await simulator();
    const { status, body } = await control(sim, "POST", "configure", {
      limitAfterRequests: 0,
      limitClaim: "seven_day",
    });
    expect(status).toBe(200);
    expect(body.settings).toMatchObject({ limitAfterRequests: 0, limitClaim: "seven_day" });
    const response = await subscriptionMessage(sim);
    expect(response.status).toBe(429);
    expect(response.headers.get("anthropic-ratelimit-unified-representative-claim")).toBe("seven_day");
  });

  it.each([
    { name: "a bad value", body: { limitAfterRequests: "three" }, field: "limitAfterRequests" },
    { name: "an unknown key", body: { limitAfter: 3 }, field: "limitAfter" },
    { name: "a body that is not JSON", body: "{", field: "not JSON" },
  ])("POST configure with $name answers 400 naming it and changes nothing", async ({ body, field }) => {
    const sim = await simulator();
    const answer = await control(sim, "POST", "configure", body);
    expect(answer.status).toBe(400);
    expect(answer.body.error.type).toBe("invalid_request_error");
    expect(answer.body.error.message).toContain(field);
    expect(sim.state().settings.limitAfterRequests).toBeNull();
  });

  it("POST enqueue takes one script or an array, all or nothing", async () => {
    const sim = await simulator();
    expect(await control(sim, "POST", "enqueue", [{ fault: "overloaded" }, { text: "scripted" }])).toEqual({
      status: 200,
      body: { queued: 2 },
    });
    expect((await control(sim, "POST", "enqueue", [{ text: "fine" }, { fault: "melted" }])).status).toBe(400);
    expect(await control(sim, "POST", "enqueue", { fault: "throttle" })).toEqual({
      status: 200,
      body: { queued: 1 },
    });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await subscriptionMessage(sim)).status);
    expect(statuses).toEqual([529, 200, 429]);
    expect(sim.requests[1]!.fault).toBeNull();
  });

  it("POST limit/trigger and limit/lift start and end the limit", async () => {
    const sim = await simulator();
    const triggered = await control(sim, "POST", "limit/trigger", { claim: "seven_day_opus" });
    expect(triggered.body.limit).toMatchObject({ status: "rejected", claim: "seven_day_opus" });
    const opus = await fetch(`${sim.url}/v1/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${OAUTH_TOKEN}` },
      body: JSON.stringify({ model: "claude-opus-4-7", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(opus.status).toBe(429);
    expect((await subscriptionMessage(sim)).status).toBe(200);
    await control(sim, "POST", "limit/trigger");
    expect((await subscriptionMessage(sim)).status).toBe(429);
    const lifted = await control(sim, "POST", "limit/lift");
    expect(lifted.body.limit.status).toBe("allowed");
    expect((await subscriptionMessage(sim)).status).toBe(200);
    expect((await control(sim, "POST", "limit/trigger", { claim: "forever" })).status).toBe(400);
  });

  it("GET requests lists recorded requests with credentials masked", async () => {
    const sim = await simulator();
    await subscriptionMessage(sim);
    await subscriptionMessage(sim, { "x-api-key": API_KEY });
    const { status, body } = await control(sim, "GET", "requests");
    expect(status).toBe(200);
    expect(body.map((request: Json) => [request.seq, request.billing])).toEqual([
      [1, "subscription"],
      [2, "api"],
    ]);
    expect(body[0].headers.authorization).toBe("Bearer sk-ant-…SUB1");
    expect(body[1].headers["x-api-key"]).toBe("sk-ant-…KEY1");
    expect(body[0].body.messages).toEqual([{ role: "user", content: "hi" }]);
    const text = JSON.stringify(body);
    expect(text).not.toContain(OAUTH_TOKEN);
    expect(text).not.toContain(API_KEY);
  });

  it("is not recorded as API traffic, and unknown commands get 404", async () => {
    const sim = await simulator();
    const unknown = await control(sim, "GET", "nothing-here");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.type).toBe("not_found_error");
    expect((await control(sim, "GET", "configure")).status).toBe(404);
    expect(sim.requests).toHaveLength(0);
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { DEFAULT_CONFIG } from "../config/schema.js";
import { UsageError } from "../errors.js";
import type { Gateway } from "../gateway/server.js";
import type { RunEvent } from "../notify/run-events.js";
import { startSimulator } from "../simulator/index.js";
import { openLedger } from "../usage/ledger.js";
import { SpendTracker } from "../usage/spend.js";
import { DEFAULT_UPSTREAM, resolveUpstream, startApiBilling } from "./api-billing.js";

describe("resolveUpstream", () => {
  const PROXY = "https://proxy.example/anthropic";
  test.each([
    ["upstream_url wins over ANTHROPIC_BASE_URL", PROXY, "https://other.example", PROXY],
    [
      "ANTHROPIC_BASE_URL next",
      null,
      "https://gateway.corp.example/v1base",
      "https://gateway.corp.example/v1base",
    ],
    ["the real API by default", null, undefined, `${DEFAULT_UPSTREAM}/`],
    ["an empty ANTHROPIC_BASE_URL is no setting", null, "", `${DEFAULT_UPSTREAM}/`],
    ["http for 127.0.0.1", "http://127.0.0.1:8080", undefined, "http://127.0.0.1:8080/"],
    ["http for another 127.x address", null, "http://127.4.5.6:9", "http://127.4.5.6:9/"],
    ["http for localhost", null, "http://localhost:4000/base", "http://localhost:4000/base"],
    ["http for [::1]", null, "http://[::1]:4000", "http://[::1]:4000/"],
  ])("%s", (_name, upstreamUrl, baseUrl, expected) => {
    const url = resolveUpstream({ upstream_url: upstreamUrl }, { ANTHROPIC_BASE_URL: baseUrl });
    expect(url.href).toBe(expected);
  });

  test.each([
    [
      "plain http to a remote host",
      "http://api.example.com",
      /ANTHROPIC_BASE_URL http:\/\/api\.example\.com must use https/,
    ],
    ["plain http to a look-alike host", "http://127.0.0.1.evil.example", /must use https/],
    ["plain http to a private address", "http://10.0.0.1:8080", /must use https/],
    ["another scheme", "ftp://api.example.com", /must use https/],
    ["not a URL", "api.anthropic.com", /ANTHROPIC_BASE_URL "api\.anthropic\.com" is not a URL/],
    [
      "credentials in the URL",
      "https://user:sk-ant-secret@proxy.example",
      /credentials in the URL are not allowed/,
    ],
  ])("refuses %s with a UsageError", (_name, baseUrl, message) => {
    const attempt = () => resolveUpstream({ upstream_url: null }, { ANTHROPIC_BASE_URL: baseUrl });
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(message);
  });

  test("a broken URL holding a password is not echoed", () => {
    const attempt = () =>
      resolveUpstream({ upstream_url: null }, { ANTHROPIC_BASE_URL: "https://u:sk-ant-pw@[bad" });
    expect(attempt).toThrow(UsageError);
    expect(attempt).not.toThrow(/sk-ant-pw/);
  });

  test("names upstream_url when that is the bad one", () => {
    expect(() => resolveUpstream({ upstream_url: "http://remote.example" }, {})).toThrow(/^upstream_url /);
  });
});

/** One request to a gateway as Claude Code sends it; resolves with the status once the answer is read. */
function post(gateway: Gateway, body: unknown): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = request(
      `${gateway.url}/v1/messages`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${gateway.secret}`, "content-type": "application/json" },
        agent: false,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

describe("startApiBilling", () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()?.();
  });

  test("runs the gateway on the resolved upstream with the key, the caps and the run's spend", async () => {
    const key = "sk-ant-api03-billing-test-key-000000000000";
    const sim = await startSimulator({ requireApiKey: key, responseModel: "claude-unpriced-1" });
    cleanups.push(() => sim.close());
    const dir = mkdtempSync(join(tmpdir(), "cf-billing-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const ledger = openLedger(join(dir, "usage.db"));
    cleanups.push(() => ledger.close());
    const runId = ledger.startRun({ startedAt: Date.now(), initialMode: "api" });
    const seen: RunEvent[] = [];
    const spend = new SpendTracker(ledger, runId);
    const gateway = await startApiBilling({
      config: { ...DEFAULT_CONFIG, upstream_url: sim.url, api_model: "claude-haiku-4-5" },
      caps: () => DEFAULT_CONFIG,
      key: { key, source: "env" },
      env: { ANTHROPIC_BASE_URL: "https://ignored.example" },
      spend: () => spend,
      onEvent: (event) => seen.push(event),
    });
    cleanups.push(() => gateway.close());

    const status = await post(gateway, {
      model: "claude-opus-4-1",
      max_tokens: 10,
      messages: [{ role: "user", content: "hi" }],
    });

    expect(status).toBe(200);
    expect(sim.requests[0]?.headers["x-api-key"]).toBe(key);
    expect((sim.requests[0]!.body as { model: string }).model).toBe("claude-haiku-4-5");
    expect(seen).toEqual([
      expect.objectContaining({ kind: "error", source: "unknown_model", model: "claude-unpriced-1" }),
    ]);
    expect(JSON.stringify(seen)).not.toContain(key);
    expect(spend.runSpend()).toEqual({ nanoUsd: 0, requests: 1, unknownCostRequests: 1 });
  });

  test("listens before its pipeline is set up, so Claude can start meanwhile; a request that comes first waits for it and is metered", async () => {
    const key = "sk-ant-api03-billing-test-key-000000000000";
    const sim = await startSimulator({ requireApiKey: key });
    cleanups.push(() => sim.close());
    const dir = mkdtempSync(join(tmpdir(), "cf-billing-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const ledger = openLedger(join(dir, "usage.db"));
    cleanups.push(() => ledger.close());
    const runId = ledger.startRun({ startedAt: Date.now(), initialMode: "api" });
    const spend = new SpendTracker(ledger, runId);
    let pipelines = 0;
    const gateway = await startApiBilling({
      config: { ...DEFAULT_CONFIG, upstream_url: sim.url },
      caps: () => DEFAULT_CONFIG,
      key: { key, source: "env" },
      env: {},
      spend: () => {
        pipelines++;
        return spend;
      },
      onEvent: () => {},
    });
    cleanups.push(() => gateway.close());
    expect(pipelines).toBe(0);

    const status = await post(gateway, {
      model: "claude-sonnet-4-5",
      max_tokens: 10,
      messages: [{ role: "user", content: "hi" }],
    });

    expect(status).toBe(200);
    expect(pipelines).toBe(1);
    expect(spend.runSpend()).toMatchObject({ requests: 1, unknownCostRequests: 0 });
    expect(spend.runSpend().nanoUsd).toBeGreaterThan(0);
    await gateway.ready();
    expect(pipelines).toBe(1);
  });

  test("a bad upstream is a UsageError before anything starts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cf-billing-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const ledger = openLedger(join(dir, "usage.db"));
    cleanups.push(() => ledger.close());
    await expect(
      startApiBilling({
        config: { ...DEFAULT_CONFIG },
        key: { key: "sk-ant-api03-x", source: "env" },
        env: { ANTHROPIC_BASE_URL: "http://remote.example" },
        spend: () => new SpendTracker(ledger, "r"),
        caps: () => DEFAULT_CONFIG,
        onEvent: () => {},
      }),
    ).rejects.toThrow(UsageError);
  });
});

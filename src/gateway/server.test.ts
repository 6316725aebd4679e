import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestOptions,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { NO_CAPS } from "../../test/support/caps.js";
import { FallbackError } from "../errors.js";
import { type RunEvent, runEventText, SaidOnce } from "../notify/run-events.js";
import { createPricing } from "../pricing/pricing.js";
import { type Simulator, startSimulator } from "../simulator/index.js";
import { mintThinkingSignature } from "../simulator/thinking-signature.js";
import type { CapConfig } from "../usage/caps.js";
import { type Ledger, openLedger } from "../usage/ledger.js";
import { SpendTracker } from "../usage/spend.js";
import { type Gateway, type GatewayOptions, startGateway } from "./server.js";

const KEY = "sk-ant-api03-gateway-test-key-0123456789";
const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
/** Nano-dollars per token for a price of $1 per million tokens. */
const PER_MTOK = 1000;

// ── fixtures ──────────────────────────────────────────────────────────────────────────────────

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-gateway-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
});

function ledgerAt(file = join(dir, "usage.db"), logUsage = true): Ledger {
  const ledger = openLedger(file, { logUsage });
  cleanups.push(() => ledger.close());
  return ledger;
}

interface Harness {
  gateway: Gateway;
  ledger: Ledger;
  runId: string;
  /** What the run would tell the user: the gateway's events through the run's one dedupe. */
  events: RunEvent[];
  spend: SpendTracker;
  /** Raises a cap for the rest of the run, as the wrapper's menu does. */
  setCaps: (caps: CapConfig) => void;
}

/** An event's kind, with the gateway's errors by their source. */
function kindOf(event: RunEvent): string {
  if (event.kind !== "error") return event.kind;
  return event.source === "unknown_model" ? "unknown_model" : `${event.source}_error`;
}

async function gatewayFor(
  upstream: string | URL,
  options: Partial<Omit<GatewayOptions, "caps">> & { ledger?: Ledger; caps?: CapConfig } = {},
): Promise<Harness> {
  const ledger = options.ledger ?? ledgerAt();
  const runId = ledger.startRun({ id: randomUUID(), startedAt: NOW, initialMode: "api" });
  const events: RunEvent[] = [];
  const said = new SaidOnce();
  let caps = options.caps ?? NO_CAPS;
  const spend = options.spend ?? new SpendTracker(ledger, runId, { zone: "UTC" });
  const gateway = await startGateway({
    upstream: new URL(upstream),
    apiKey: KEY,
    pricing: createPricing(),
    now: () => NOW,
    onEvent: (event) => {
      if (said.first(event)) events.push(event);
    },
    ...options,
    spend,
    caps: () => caps,
  });
  // Registered after the ledger: closes first.
  cleanups.push(() => gateway.close());
  return { gateway, ledger, runId, events, spend, setCaps: (next) => (caps = next) };
}

async function simulator(options: Parameters<typeof startSimulator>[0] = {}): Promise<Simulator> {
  const sim = await startSimulator(options);
  cleanups.push(() => sim.close());
  return sim;
}

interface RawRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Resolves when the exchange ends; `aborted` when the gateway went away before the response ended. */
  closed: Promise<{ aborted: boolean }>;
}

interface RawUpstream {
  url: string;
  requests: RawRequest[];
  connections: number;
}

/** A bare HTTP upstream for byte-level and abort tests: `respond` writes whatever it likes. */
async function rawUpstream(respond: (res: ServerResponse, req: RawRequest) => unknown): Promise<RawUpstream> {
  const sockets = new Set<Socket>();
  const state: RawUpstream = { url: "", requests: [], connections: 0 };
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const closed = new Promise<{ aborted: boolean }>((resolve) => {
      res.on("close", () => resolve({ aborted: !res.writableFinished }));
    });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded: RawRequest = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      body: Buffer.concat(chunks),
      closed,
    };
    state.requests.push(recorded);
    await respond(res, recorded);
  });
  server.on("connection", (socket: Socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return state;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  json: () => { type: string; error: { type: string; message: string } } & Record<string, unknown>;
}

interface CallOptions {
  method?: string;
  path?: string;
  headers?: Record<string, string | undefined>;
  body?: string | Buffer | Record<string, unknown>;
  /** Send the body chunked, without a content-length. */
  chunked?: boolean;
}

function call(gateway: Gateway, options: CallOptions = {}): Promise<Answer> {
  const body =
    options.body === undefined
      ? undefined
      : Buffer.isBuffer(options.body) || typeof options.body === "string"
        ? Buffer.from(options.body)
        : Buffer.from(JSON.stringify(options.body));
  const headers: Record<string, string> = {
    host: `127.0.0.1:${gateway.port}`,
    authorization: `Bearer ${gateway.secret}`,
    "content-type": "application/json",
    "anthropic-version": "2023-06-01",
  };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  if (body && !options.chunked) headers["content-length"] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: gateway.port,
        method: options.method ?? (body ? "POST" : "GET"),
        path: options.path ?? "/v1/messages?beta=true",
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const data = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: data,
            json: () => JSON.parse(data.toString("utf8")),
          });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function messages(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: "claude-sonnet-4-5",
    max_tokens: 1024,
    messages: [{ role: "user", content: "Say hello" }],
    metadata: { user_id: JSON.stringify({ session_id: "5f1c7a3e-0000-4000-8000-00000000abcd" }) },
    ...extra,
  };
}

interface Row {
  outcome: string;
  http_status: number | null;
  model: string | null;
  requested_model: string | null;
  claude_session_id: string | null;
  error_type: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_write_5m_tokens: number;
  cache_write_1h_tokens: number;
  cache_read_tokens: number;
  web_search_requests: number;
  cost_nanousd: number | null;
  long_context: number;
  run_id: string;
}

/** The request rows, with those the gateway has queued to write with the next ones (tested below). */
function rows(ledger: Ledger): Row[] {
  ledger.flushPending();
  return ledger.db.prepare("SELECT * FROM requests ORDER BY id").all() as Row[];
}

/** A bounded poll on a condition (for what happens after the client has gone). */
async function waitFor<T>(
  probe: () => T | undefined | null | false,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function sseBytes(events: Array<Record<string, unknown>>): string {
  return events.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`).join("");
}

// ── credentials and what reaches the upstream ─────────────────────────────────────────────────

describe("forwarding", () => {
  test("only the gateway's x-api-key reaches the upstream; the client's credentials never do", async () => {
    const sim = await simulator({ requireApiKey: KEY });
    const { gateway } = await gatewayFor(sim.url);
    const answer = await call(gateway, {
      body: messages(),
      headers: {
        "x-api-key": "sk-ant-api03-stray-client-key-000000000000",
        "anthropic-beta": "claude-code-20250219,oauth-2025-04-20",
        "accept-encoding": "gzip",
      },
    });
    expect(answer.status).toBe(200);
    expect(sim.requests).toHaveLength(1);
    const seen = sim.requests[0]!;
    expect(seen.billing).toBe("api");
    expect(seen.url).toBe("/v1/messages?beta=true");
    expect(seen.headers["x-api-key"]).toBe(KEY);
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers["anthropic-beta"]).toBe("claude-code-20250219");
    expect(seen.headers["accept-encoding"]).toBeUndefined();
    expect(seen.headers.host).toBe(new URL(sim.url).host);
    expect(JSON.stringify(seen.headers)).not.toContain(gateway.secret);
    expect(JSON.stringify(seen.headers)).not.toContain("stray-client-key");
  });

  test("a key the upstream refuses (the simulator checks it) is reported as such, not as a login problem", async () => {
    const sim = await simulator({ requireApiKey: "sk-ant-api03-some-other-key-0000000000" });
    const { gateway, ledger, events } = await gatewayFor(sim.url);
    const answer = await call(gateway, { body: messages() });
    // A 401 passed on would make Claude Code advise /login; a 402 is shown verbatim, not retried.
    expect(answer.status).toBe(402);
    const error = answer.json().error as { type: string; message: string };
    expect(error.type).toBe("billing_error");
    expect(error.message).toContain("refused the configured API key sk-ant-…6789");
    expect(error.message).not.toContain(KEY);
    expect(events.map(kindOf)).toEqual(["key_error"]);
    expect(rows(ledger)).toMatchObject([
      { outcome: "error", http_status: 401, error_type: "authentication_error" },
    ]);
  });

  test.each([
    [
      "no credit left",
      400,
      "invalid_request_error",
      "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.",
      ["has no credit left", "Plans & Billing"],
    ],
    [
      "a workspace spend limit",
      400,
      "invalid_request_error",
      "You have reached your specified workspace API usage limits. You will regain access on 2026-01-01 at 00:00 UTC.",
      ["spend limit", "until 2026-01-01 at 00:00 UTC", "Limits"],
    ],
    [
      "a revoked key",
      403,
      "permission_error",
      "Your API key does not have permission to use the specified resource.",
      ["permission_error"],
    ],
    [
      "no access to the model",
      404,
      "not_found_error",
      "model: claude-opus-4-5",
      ["no access to model claude-opus-4-5", "api_model"],
    ],
  ])(
    "%s: one line of ours with the masked key and the fix, said once, not retried",
    async (_name, status, type, message, words) => {
      const raw = await rawUpstream((res) => {
        res.writeHead(status, { "content-type": "application/json", "request-id": "req_bill" });
        res.end(JSON.stringify({ type: "error", error: { type, message } }));
      });
      const { gateway, ledger, events } = await gatewayFor(raw.url);
      for (let i = 0; i < 2; i++) {
        const answer = await call(gateway, { body: messages() });
        expect(answer.status).toBe(402);
        const error = answer.json().error as { type: string; message: string };
        expect(error.type).toBe("billing_error");
        expect(error.message).toContain("sk-ant-…6789");
        expect(error.message).toContain("claude-fallback use subscription");
        for (const word of words) expect(error.message).toContain(word);
        expect(error.message).not.toContain(KEY);
      }
      // One upstream request per request of Claude's: no retry loop of ours.
      expect(raw.requests).toHaveLength(2);
      expect(events.map(kindOf)).toEqual(["key_error"]);
      expect(rows(ledger)).toMatchObject([
        { outcome: "error", http_status: status, error_type: type, request_id: "req_bill", cost_nanousd: 0 },
        { outcome: "error", http_status: status },
      ]);
    },
  );

  test("another 404 (an unknown path) is passed on as it came", async () => {
    const raw = await rawUpstream((res) => {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ type: "error", error: { type: "not_found_error", message: "Not found" } }));
    });
    const { gateway, events } = await gatewayFor(raw.url);
    const answer = await call(gateway, { body: messages() });
    expect(answer.status).toBe(404);
    expect(answer.json().error.message).toBe("Not found");
    expect(events).toEqual([]);
  });

  test("requests that are not Messages pass through without a ledger row", async () => {
    const sim = await simulator();
    const { gateway, ledger } = await gatewayFor(sim.url);
    const models = await call(gateway, { path: "/v1/models" });
    expect(models.status).toBe(200);
    expect((models.json() as unknown as { data: unknown[] }).data.length).toBeGreaterThan(0);
    const count = await call(gateway, { path: "/v1/messages/count_tokens?beta=true", body: messages() });
    expect(count.status).toBe(200);
    expect(sim.requests.map((r) => r.path)).toEqual(["/v1/models", "/v1/messages/count_tokens"]);
    expect(rows(ledger)).toEqual([]);
  });

  test("an upstream base path is kept in front of the request path", async () => {
    const raw = await rawUpstream((res) => res.end("{}"));
    const { gateway } = await gatewayFor(`${raw.url}/proxy/anthropic/`);
    await call(gateway, { path: "/v1/models?limit=5" });
    expect(raw.requests.map((r) => r.url)).toEqual(["/proxy/anthropic/v1/models?limit=5"]);
  });

  test("upstream connections are kept alive and reused", async () => {
    const raw = await rawUpstream((res) => res.end("{}"));
    const { gateway } = await gatewayFor(raw.url);
    for (let i = 0; i < 3; i++) expect((await call(gateway, { path: "/v1/models" })).status).toBe(200);
    expect(raw.requests).toHaveLength(3);
    expect(raw.connections).toBe(1);
  });

  test("api_model rewrites the model of Messages requests", async () => {
    const sim = await simulator();
    const { gateway, ledger } = await gatewayFor(sim.url, { apiModel: "claude-haiku-4-5" });
    const answer = await call(gateway, { body: messages({ model: "claude-opus-4-1" }) });
    expect(answer.status).toBe(200);
    expect((sim.requests[0]!.body as { model: string }).model).toBe("claude-haiku-4-5");
    expect(rows(ledger)).toMatchObject([
      {
        requested_model: "claude-haiku-4-5",
        model: "claude-haiku-4-5",
        claude_session_id: "5f1c7a3e-0000-4000-8000-00000000abcd",
      },
    ]);
  });
});

/** A POST to the gateway's /v1/messages on a connection of its own, for a test that drives the socket itself. */
function rawMessagesRequest(gateway: Gateway): RequestOptions {
  return {
    host: "127.0.0.1",
    port: gateway.port,
    method: "POST",
    path: "/v1/messages",
    headers: { host: `127.0.0.1:${gateway.port}`, authorization: `Bearer ${gateway.secret}` },
    agent: false,
  };
}

describe("refusals never reach the upstream", () => {
  const cases: Array<[string, CallOptions, number, string]> = [
    ["no token", { headers: { authorization: undefined } }, 401, "authentication_error"],
    ["a wrong token", { headers: { authorization: "Bearer cf-gw-wrong" } }, 401, "authentication_error"],
    ["the API key as token", { headers: { authorization: `Bearer ${KEY}` } }, 401, "authentication_error"],
    ["a foreign Host", { headers: { host: "evil.example" } }, 403, "permission_error"],
    ["a rebinding Host", { headers: { host: "127.0.0.1.evil.example" } }, 403, "permission_error"],
    ["absolute-form", { path: "http://evil.example/v1/messages" }, 400, "invalid_request_error"],
    ["//host", { path: "//evil.example/v1/messages" }, 400, "invalid_request_error"],
    ["..", { path: "/v1/../../etc/passwd" }, 400, "invalid_request_error"],
    ["encoded ..", { path: "/v1/%2e%2e/%2E%2E/x" }, 400, "invalid_request_error"],
    ["encoded //host", { path: "/%2F%2Fevil.example/x" }, 400, "invalid_request_error"],
  ];
  test.each(cases)("%s: refused, nothing sent upstream", async (_name, options, status, type) => {
    const raw = await rawUpstream((res) => res.end("{}"));
    const { gateway, ledger } = await gatewayFor(raw.url);
    const answer = await call(gateway, { body: messages(), ...options });
    expect(answer.status).toBe(status);
    expect(answer.json()).toMatchObject({ type: "error", error: { type } });
    expect(answer.headers.connection).toBe("close");
    expect(raw.requests).toEqual([]);
    expect(raw.connections).toBe(0);
    expect(rows(ledger)).toEqual([]);
  });

  test.each([
    ["with a content-length", false],
    ["chunked", true],
  ])("a body over the size limit (%s) → 413", async (_name, chunked) => {
    const raw = await rawUpstream((res) => res.end("{}"));
    const { gateway } = await gatewayFor(raw.url, { maxRequestBytes: 1000 });
    const answer = await call(gateway, { body: "x".repeat(1001), chunked });
    expect(answer.status).toBe(413);
    expect(answer.json().error.type).toBe("request_too_large");
    const ok = await call(gateway, { path: "/v1/models", body: "x".repeat(1000), method: "POST", chunked });
    expect(ok.status).toBe(200);
    expect(raw.requests.map((r) => r.body.length)).toEqual([1000]);
  });
});

// ── streaming ─────────────────────────────────────────────────────────────────────────────────

const STREAM = Buffer.from(
  sseBytes([
    {
      type: "message_start",
      message: {
        id: "msg_raw",
        type: "message",
        role: "assistant",
        model: "claude-sonnet-4-5-20250929",
        content: [],
        usage: {
          input_tokens: 2000,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          output_tokens: 1,
        },
      },
    },
    { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
    { type: "ping" },
    { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Grüße ✓ 😀 — " } },
    { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "日本語のテキスト" } },
    { type: "content_block_stop", index: 0 },
    {
      type: "message_delta",
      delta: { stop_reason: "end_turn" },
      usage: { input_tokens: 2000, output_tokens: 300 },
    },
    { type: "message_stop" },
  ]).replace(/\n\n(?=event: ping)/, "\r\n\r\n"),
);

async function writeInChunks(res: ServerResponse, bytes: Buffer, sizes: number[]): Promise<void> {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    const chunk = bytes.subarray(at, at + size);
    at += size;
    await new Promise<void>((resolve) => res.write(chunk, () => resolve()));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("streaming", () => {
  test("SSE bytes reach the client exactly as the upstream sent them, and are metered", async () => {
    const raw = await rawUpstream(async (res) => {
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "request-id": "req_raw_1" });
      await writeInChunks(res, STREAM, [1, 7, 3, 64, 13, 2, 511]);
      res.end();
    });
    const { gateway, ledger } = await gatewayFor(raw.url);
    const answer = await call(gateway, { body: messages({ stream: true }) });
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(answer.headers["request-id"]).toBe("req_raw_1");
    expect(answer.body.equals(STREAM)).toBe(true);
    // 2000 × $3/MTok + 300 × $15/MTok
    expect(rows(ledger)).toMatchObject([
      {
        outcome: "ok",
        model: "claude-sonnet-4-5-20250929",
        input_tokens: 2000,
        output_tokens: 300,
        cost_nanousd: 2000 * 3 * PER_MTOK + 300 * 15 * PER_MTOK,
      },
    ]);
  });

  test("events are passed on as they arrive, not held back (the upstream waits for the client)", async () => {
    let clientSawStart!: () => void;
    const sawStart = new Promise<void>((resolve) => {
      clientSawStart = resolve;
    });
    const half = STREAM.indexOf("event: content_block_start");
    const raw = await rawUpstream(async (res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(STREAM.subarray(0, half));
      await sawStart;
      res.end(STREAM.subarray(half));
    });
    const { gateway } = await gatewayFor(raw.url);
    const received: Buffer[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const req = request(rawMessagesRequest(gateway), (res) => {
        res.on("data", (chunk: Buffer) => {
          received.push(chunk);
          if (Buffer.concat(received).length >= half) clientSawStart();
        });
        res.on("end", resolve);
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(JSON.stringify(messages({ stream: true })));
    });
    await done;
    expect(Buffer.concat(received).equals(STREAM)).toBe(true);
  });

  test("a long stream to a client under back-pressure leaks no listeners", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    cleanups.push(() => process.off("warning", onWarning));
    const block = Buffer.alloc(64 * 1024, "a");
    const raw = await rawUpstream(async (res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      for (let i = 0; i < 48; i++) {
        if (!res.write(block)) await once(res, "drain");
      }
      res.end();
    });
    const { gateway } = await gatewayFor(raw.url);
    const answer = await call(gateway, { path: "/v1/files/blob" });
    expect(answer.body.length).toBe(48 * block.length);
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
  });

  test("a client that goes away mid-stream aborts the upstream request; the row keeps message_start's usage", async () => {
    const startOnly = STREAM.subarray(0, STREAM.indexOf("event: content_block_start"));
    const raw = await rawUpstream((res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(startOnly);
      // … and then nothing more until the gateway gives up on us.
    });
    const { gateway, ledger } = await gatewayFor(raw.url);
    await new Promise<void>((resolve, reject) => {
      const req = request(rawMessagesRequest(gateway), (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
        res.on("error", () => {});
      });
      req.on("error", (error) => {
        if (!req.destroyed) reject(error);
      });
      req.end(JSON.stringify(messages({ stream: true })));
    });
    await waitFor(() => raw.requests[0], "the upstream request");
    expect(await raw.requests[0]!.closed).toEqual({ aborted: true });
    const [row] = await waitFor(() => (rows(ledger).length > 0 ? rows(ledger) : null), "the ledger row");
    // message_start said 2000 input and 1 output token so far: 2000 × $3/MTok + 1 × $15/MTok.
    expect(row).toMatchObject({
      outcome: "aborted",
      http_status: 200,
      model: "claude-sonnet-4-5-20250929",
      input_tokens: 2000,
      output_tokens: 1,
      cost_nanousd: 2000 * 3 * PER_MTOK + 1 * 15 * PER_MTOK,
    });
  });

  test("the gateway ended with a request in flight (the wrapper signalled): its row, with the usage so far, is counted at once and written by the close", async () => {
    const startOnly = STREAM.subarray(0, STREAM.indexOf("event: content_block_start"));
    const raw = await rawUpstream((res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(startOnly);
      // … and then nothing more: the upstream is never waited for.
    });
    const { gateway, ledger, spend } = await gatewayFor(raw.url);
    const req = request(rawMessagesRequest(gateway), (res) => res.on("error", () => {}).resume());
    req.on("error", () => {});
    req.end(JSON.stringify(messages({ stream: true })));
    await waitFor(() => raw.requests[0], "the upstream request");
    await gateway.endRequests();
    expect(spend.runSpend().nanoUsd).toBe(2000 * 3 * PER_MTOK + 1 * 15 * PER_MTOK);
    await gateway.close();
    expect(rows(ledger)).toMatchObject([{ outcome: "aborted", input_tokens: 2000, output_tokens: 1 }]);
    expect(await raw.requests[0]!.closed).toEqual({ aborted: true });
  });

  test("a client that goes away before the answer starts aborts the upstream request too", async () => {
    const raw = await rawUpstream(() => {
      // Never answers.
    });
    const { gateway, ledger } = await gatewayFor(raw.url);
    const req = request(rawMessagesRequest(gateway));
    req.on("error", () => {});
    req.end(JSON.stringify(messages()));
    await waitFor(() => raw.requests[0], "the upstream request");
    req.destroy();
    expect(await raw.requests[0]!.closed).toEqual({ aborted: true });
    await waitFor(() => rows(ledger).length > 0, "the ledger row");
    expect(rows(ledger)).toMatchObject([
      { outcome: "aborted", cost_nanousd: 0, requested_model: "claude-sonnet-4-5" },
    ]);
  });

  test("an upstream that drops mid-stream closes the client's connection and records upstream_error", async () => {
    const sim = await simulator();
    sim.enqueue({ fault: "drop", dropAfterEvents: 3 });
    const { gateway, ledger } = await gatewayFor(sim.url);
    const outcome = await new Promise<{ complete: boolean; bytes: number }>((resolve, reject) => {
      const req = request(rawMessagesRequest(gateway), (res) => {
        let bytes = 0;
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
        });
        res.on("error", () => {});
        res.on("close", () => resolve({ complete: res.complete, bytes }));
      });
      req.on("error", reject);
      req.end(JSON.stringify(messages({ stream: true })));
    });
    expect(outcome.complete).toBe(false);
    expect(outcome.bytes).toBeGreaterThan(0);
    await waitFor(() => rows(ledger).length > 0, "the ledger row");
    expect(rows(ledger)).toMatchObject([{ outcome: "upstream_error", http_status: 200 }]);
  });

  test("a 2xx stream that ends cleanly without message_stop is not recorded as ok", async () => {
    const cut = STREAM.subarray(0, STREAM.indexOf("event: message_stop"));
    const raw = await rawUpstream((res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(cut);
    });
    const { gateway, ledger } = await gatewayFor(raw.url);
    const answer = await call(gateway, { body: messages({ stream: true }) });
    expect(answer.body.equals(cut)).toBe(true);
    expect(rows(ledger)).toMatchObject([{ outcome: "upstream_error", output_tokens: 300 }]);
  });

  test("an SSE error event is recorded as an error with its type", async () => {
    const errorStream = Buffer.concat([
      STREAM.subarray(0, STREAM.indexOf("event: content_block_start")),
      Buffer.from(sseBytes([{ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }])),
    ]);
    const raw = await rawUpstream((res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(errorStream);
    });
    const { gateway, ledger } = await gatewayFor(raw.url);
    const answer = await call(gateway, { body: messages({ stream: true }) });
    expect(answer.body.equals(errorStream)).toBe(true);
    expect(rows(ledger)).toMatchObject([
      { outcome: "error", error_type: "overloaded_error", input_tokens: 2000 },
    ]);
  });
});

// ── upstream failures ─────────────────────────────────────────────────────────────────────────

describe("upstream failures", () => {
  test("an upstream that is down → 502 api_error at once, a row and one event", async () => {
    const probe = createServer();
    probe.listen(0, "127.0.0.1");
    await once(probe, "listening");
    const deadPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const { gateway, ledger, events } = await gatewayFor(`http://127.0.0.1:${deadPort}`);
    const started = Date.now();
    const first = await call(gateway, { body: messages() });
    const second = await call(gateway, { body: messages() });
    expect(Date.now() - started).toBeLessThan(5000);
    for (const answer of [first, second]) {
      expect(answer.status).toBe(502);
      expect(answer.json().error.type).toBe("api_error");
      expect(answer.json().error.message).toContain(`127.0.0.1:${deadPort} did not answer (ECONNREFUSED)`);
    }
    expect(rows(ledger)).toMatchObject([
      { outcome: "upstream_error", http_status: 502, cost_nanousd: 0 },
      { outcome: "upstream_error", http_status: 502, cost_nanousd: 0 },
    ]);
    expect(events.map(kindOf)).toEqual(["upstream_error"]);
  });

  test("a first byte slower than headersTimeoutMs → 504 timeout_error, not a hang", async () => {
    const sim = await simulator();
    sim.enqueue({ firstByteDelayMs: 60_000 });
    const { gateway, ledger } = await gatewayFor(sim.url, { headersTimeoutMs: 300 });
    const started = Date.now();
    const answer = await call(gateway, { body: messages({ stream: true }) });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(answer.status).toBe(504);
    expect(answer.json().error.type).toBe("timeout_error");
    expect(rows(ledger)).toMatchObject([{ outcome: "upstream_error", http_status: 504 }]);
  });

  test("an upstream 529 passes through and is recorded as an error", async () => {
    const sim = await simulator();
    sim.enqueue({ fault: "overloaded" });
    const { gateway, ledger } = await gatewayFor(sim.url);
    const answer = await call(gateway, { body: messages() });
    expect(answer.status).toBe(529);
    expect(answer.json().error.type).toBe("overloaded_error");
    expect(rows(ledger)).toMatchObject([
      { outcome: "error", http_status: 529, error_type: "overloaded_error" },
    ]);
  });
});

// ── metering and pricing ──────────────────────────────────────────────────────────────────────

describe("metering", () => {
  const usage = {
    inputTokens: 1000,
    outputTokens: 500,
    cacheWrite5mTokens: 2000,
    cacheWrite1hTokens: 4000,
    cacheReadTokens: 10_000,
  };
  // $/MTok: input, output, 5m write, 1h write, read. One token at $1/MTok is 1000 n$.
  const cases: Array<[string, string, boolean, number]> = [
    [
      "claude-sonnet-4-5 (3 / 15 / 3.75 / 6 / 0.3)",
      "claude-sonnet-4-5-20250929",
      true,
      1000 * 3000 + 500 * 15_000 + 2000 * 3750 + 4000 * 6000 + 10_000 * 300, // 45,000,000 n$ = $0.045
    ],
    [
      "claude-opus-4-1 (15 / 75 / 18.75 / 30 / 1.5)",
      "claude-opus-4-1-20250805",
      false,
      1000 * 15_000 + 500 * 75_000 + 2000 * 18_750 + 4000 * 30_000 + 10_000 * 1500, // 225,000,000 n$
    ],
    [
      "claude-haiku-4-5 (1 / 5 / 1.25 / 2 / 0.1)",
      "claude-haiku-4-5-20251001",
      true,
      1000 * 1000 + 500 * 5000 + 2000 * 1250 + 4000 * 2000 + 10_000 * 100, // 15,000,000 n$
    ],
  ];
  test.each(cases)("%s, 5m and 1h cache writes and reads", async (_name, model, stream, expected) => {
    const sim = await simulator();
    sim.enqueue({ usage, responseModel: model });
    const { gateway, ledger } = await gatewayFor(sim.url);
    const answer = await call(gateway, { body: messages({ model, stream }) });
    expect(answer.status).toBe(200);
    expect(rows(ledger)).toMatchObject([
      {
        outcome: "ok",
        model,
        input_tokens: 1000,
        output_tokens: 500,
        cache_write_5m_tokens: 2000,
        cache_write_1h_tokens: 4000,
        cache_read_tokens: 10_000,
        cost_nanousd: expected,
        long_context: 0,
      },
    ]);
  });

  test.each([true, false])(
    "claude-sonnet-4-5 over 200k prompt tokens bills every token at the long rates (stream %s)",
    async (stream) => {
      const sim = await simulator();
      sim.enqueue({
        usage: {
          inputTokens: 150_000,
          outputTokens: 1000,
          cacheWrite5mTokens: 30_000,
          cacheWrite1hTokens: 20_000,
          cacheReadTokens: 10_000,
        },
        responseModel: "claude-sonnet-4-5-20250929",
      });
      const { gateway, ledger } = await gatewayFor(sim.url);
      await call(gateway, { body: messages({ stream }) });
      // Prompt = 150k + 30k + 20k + 10k = 210k > 200k → $6 / 22.5 / 7.5 / 12 / 0.6 per MTok.
      const expected = 150_000 * 6000 + 1000 * 22_500 + 30_000 * 7500 + 20_000 * 12_000 + 10_000 * 600;
      expect(expected).toBe(1_393_500_000);
      expect(rows(ledger)).toMatchObject([{ cost_nanousd: expected, long_context: 1 }]);
    },
  );

  test("web searches are billed per use", async () => {
    const sim = await simulator();
    sim.enqueue({
      usage: { inputTokens: 100, outputTokens: 10, webSearchRequests: 3 },
      responseModel: "claude-haiku-4-5",
    });
    const { gateway, ledger } = await gatewayFor(sim.url);
    await call(gateway, { body: messages({ stream: true }) });
    // 100 × $1/MTok + 10 × $5/MTok + 3 × $10/1000
    expect(rows(ledger)).toMatchObject([
      { web_search_requests: 3, cost_nanousd: 100_000 + 50_000 + 30_000_000 },
    ]);
  });

  test("the response's model is billed, not the requested one", async () => {
    const sim = await simulator();
    sim.enqueue({
      usage: { inputTokens: 1_000_000, outputTokens: 0 },
      responseModel: "claude-haiku-4-5-20251001",
    });
    const { gateway, ledger } = await gatewayFor(sim.url);
    await call(gateway, { body: messages({ model: "claude-opus-4-1", stream: true }) });
    expect(rows(ledger)).toMatchObject([
      {
        requested_model: "claude-opus-4-1",
        model: "claude-haiku-4-5-20251001",
        cost_nanousd: 1_000_000 * 1000, // $1, Haiku's input rate; Opus would be $15
      },
    ]);
  });

  test("an unknown model is an unknown cost (never $0), warned once for two requests", async () => {
    const sim = await simulator({ responseModel: "claude-imaginary-9" });
    const { gateway, ledger, events } = await gatewayFor(sim.url);
    await call(gateway, { body: messages({ stream: true }) });
    await call(gateway, { body: messages() });
    expect(rows(ledger).map((r) => [r.model, r.cost_nanousd])).toEqual([
      ["claude-imaginary-9", null],
      ["claude-imaginary-9", null],
    ]);
    expect(events).toEqual([
      expect.objectContaining({ kind: "error", source: "unknown_model", model: "claude-imaginary-9" }),
    ]);
    expect(ledger.runSpend(rows(ledger)[0]!.run_id).unknownCostRequests).toBe(2);
  });

  test("with a cap set, a request for a model without a price is refused: the cap could not be kept", async () => {
    const sim = await simulator();
    const { gateway, ledger, events } = await gatewayFor(sim.url, {
      caps: { ...NO_CAPS, cost_limit_per_session: 10 },
    });
    const answer = await call(gateway, { body: messages({ model: "claude-imaginary-9" }) });
    expect(answer.status).toBe(402);
    const error = answer.json().error as { type: string; message: string };
    expect(error.type).toBe("billing_error");
    expect(error.message).toContain("no price is known for model claude-imaginary-9");
    expect(error.message).toContain('"pricing"');
    expect(sim.requests).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({ kind: "error", source: "unknown_model", model: "claude-imaginary-9" }),
    ]);
    expect(rows(ledger)).toMatchObject([{ outcome: "refused_cap", cost_nanousd: 0 }]);

    const priced = await call(gateway, { body: messages({ model: "claude-sonnet-4-5" }) });
    expect(priced.status).toBe(200);
  });
  test("with a cap set, an answer from a model without a price stops the next request: its cost was not counted", async () => {
    const sim = await simulator();
    sim.enqueue({ usage: { inputTokens: 1000, outputTokens: 10 }, responseModel: "claude-imaginary-9" });
    const { gateway, ledger } = await gatewayFor(sim.url, { caps: { ...NO_CAPS, cost_limit_per_day: 10 } });
    expect(
      (await call(gateway, { body: messages({ model: "claude-sonnet-4-5", stream: true }) })).status,
    ).toBe(200);
    const next = await call(gateway, { body: messages({ model: "claude-sonnet-4-5" }) });
    expect(next.status).toBe(402);
    expect((next.json().error as { message: string }).message).toContain(
      "no price is known for model claude-imaginary-9",
    );
    expect(sim.requests).toHaveLength(1);
    expect(rows(ledger).map((row) => [row.model, row.cost_nanousd, row.outcome])).toEqual([
      ["claude-imaginary-9", null, "ok"],
      [null, 0, "refused_cap"],
    ]);
  });
});

// ── caps ──────────────────────────────────────────────────────────────────────────────────────

/** $0.045 per request on claude-sonnet-4-5 (see the metering table). */
const SONNET_USAGE = {
  inputTokens: 1000,
  outputTokens: 500,
  cacheWrite5mTokens: 2000,
  cacheWrite1hTokens: 4000,
  cacheReadTokens: 10_000,
};
const SONNET_COST = 45_000_000;

describe("caps", () => {
  test("a row the ledger cannot write still counts: the cap warning and the status line follow the spend", async () => {
    const sim = await simulator({ usage: SONNET_USAGE });
    let spent = 0;
    const diskFull = {
      runSpend: () => ({ nanoUsd: spent }),
      queue: (request: { costNanoUsd: number | null }) => {
        spent += request.costNanoUsd ?? 0;
      },
      flush: () => {
        throw new FallbackError("could not write the usage ledger /x/usage.db: the disk is full");
      },
    } as unknown as SpendTracker;
    let metered = 0;
    const { gateway, events } = await gatewayFor(sim.url, {
      spend: diskFull,
      caps: { ...NO_CAPS, cost_limit_per_session: 0.05 },
      onMetered: () => metered++,
    });
    expect((await call(gateway, { body: messages({ stream: true }) })).status).toBe(200);
    expect(metered).toBe(1);
    // The row is written a moment after the response (with any others): that is when it fails.
    await waitFor(() => events.some((event) => kindOf(event) === "ledger_error"), "the ledger's failure");
    expect(events.map(kindOf)).toEqual(["cap_warning", "ledger_error"]);
  });

  test("the session cap refuses with a 402 billing_error naming the cap, and nothing is forwarded", async () => {
    const sim = await simulator({ usage: SONNET_USAGE });
    const { gateway, ledger, events } = await gatewayFor(sim.url, {
      caps: { ...NO_CAPS, cost_limit_per_session: 0.04 },
    });
    expect((await call(gateway, { body: messages() })).status).toBe(200);
    const refused = await call(gateway, { body: messages({ stream: true }) });
    expect(refused.status).toBe(402);
    const error = refused.json();
    expect(error.type).toBe("error");
    expect(error.error.type).toBe("billing_error");
    expect(error.error.message).toContain(
      "per-session API spending cap of $0.04 is reached ($0.05 spent this run)",
    );
    expect(error.error.message).toContain("cost_limit_per_session");
    expect(error.error.message).toContain("claude-fallback use subscription");
    await call(gateway, { body: messages() });
    expect(sim.requests).toHaveLength(1);
    expect(rows(ledger).map((r) => [r.outcome, r.http_status, r.error_type, r.cost_nanousd])).toEqual([
      ["ok", 200, null, SONNET_COST],
      ["refused_cap", 402, "billing_error", 0],
      ["refused_cap", 402, "billing_error", 0],
    ]);
    expect(events.map(kindOf)).toEqual(["cap_reached"]);
  });

  test("a $0 cap refuses the first request", async () => {
    const raw = await rawUpstream((res) => res.end("{}"));
    const { gateway } = await gatewayFor(raw.url, { caps: { ...NO_CAPS, cost_limit_per_session: 0 } });
    const answer = await call(gateway, { body: messages() });
    expect(answer.status).toBe(402);
    expect(answer.json().error.message).toContain("cap of $0.00 is reached ($0.00 spent this run)");
    expect(raw.requests).toEqual([]);
  });

  test("caps do not hold back requests that are not billed", async () => {
    const raw = await rawUpstream((res) => res.end("{}"));
    const { gateway } = await gatewayFor(raw.url, { caps: { ...NO_CAPS, cost_limit_per_session: 0 } });
    expect((await call(gateway, { path: "/v1/models" })).status).toBe(200);
    expect(raw.requests).toHaveLength(1);
  });

  test("the daily cap holds across two runs sharing one ledger file", async () => {
    const sim = await simulator({ usage: SONNET_USAGE });
    const file = join(dir, "shared", "usage.db");
    const caps = { ...NO_CAPS, cost_limit_per_day: 0.04 };
    const first = await gatewayFor(sim.url, { ledger: ledgerAt(file), caps });
    expect((await call(first.gateway, { body: messages() })).status).toBe(200);
    // Another wrapper: its own connection to the same file, its own run, nothing spent in it yet.
    const second = await gatewayFor(sim.url, { ledger: ledgerAt(file), caps });
    const refused = await call(second.gateway, { body: messages() });
    expect(refused.status).toBe(402);
    expect(refused.json().error.message).toContain(
      "daily API spending cap of $0.04 is reached ($0.05 spent today)",
    );
    expect(refused.json().error.message).toContain("cost_limit_per_day");
    expect(sim.requests).toHaveLength(1);
    expect(rows(second.ledger).map((r) => [r.run_id === second.runId, r.outcome])).toEqual([
      [false, "ok"],
      [true, "refused_cap"],
    ]);
  });

  test("80 % and 100 % are announced once each", async () => {
    const sim = await simulator({ usage: SONNET_USAGE });
    const { gateway, events } = await gatewayFor(sim.url, {
      caps: { ...NO_CAPS, cost_limit_per_session: 0.1 },
    });
    await call(gateway, { body: messages() }); // $0.045: 45 %
    expect(events).toEqual([]);
    await call(gateway, { body: messages() }); // $0.09: 90 %
    await call(gateway, { body: messages() }); // $0.135: over
    expect((await call(gateway, { body: messages() })).status).toBe(402);
    expect((await call(gateway, { body: messages() })).status).toBe(402);
    expect(events.map(kindOf)).toEqual(["cap_warning", "cap_reached"]);
    expect(runEventText(events[0]!, { now: NOW, caps: NO_CAPS })).toBe(
      "API spend this run is $0.09 of the per-session cap of $0.10 (cost_limit_per_session).",
    );
    expect(sim.requests).toHaveLength(3);
  });

  test("a raised cap lets requests through and is announced again when it is reached", async () => {
    const sim = await simulator({ usage: SONNET_USAGE });
    const { gateway, events, setCaps } = await gatewayFor(sim.url, {
      caps: { ...NO_CAPS, cost_limit_per_session: 0.04 },
    });
    await call(gateway, { body: messages() });
    expect((await call(gateway, { body: messages() })).status).toBe(402);
    setCaps({ ...NO_CAPS, cost_limit_per_session: 0.08 });
    expect((await call(gateway, { body: messages() })).status).toBe(200);
    const refused = await call(gateway, { body: messages() });
    expect(refused.status).toBe(402);
    expect(refused.json().error.message).toContain("cap of $0.08 is reached ($0.09 spent this run)");
    expect(events.map((e) => [kindOf(e), "cap" in e ? e.cap?.limitNanoUsd : null])).toEqual([
      ["cap_reached", 40_000_000],
      ["cap_reached", 80_000_000],
    ]);
  });

  test("a listener that throws does not turn the refusal into another error", async () => {
    const raw = await rawUpstream((res) => res.end("{}"));
    const { gateway } = await gatewayFor(raw.url, {
      caps: { ...NO_CAPS, cost_limit_per_session: 0 },
      onEvent: () => {
        throw new Error("notification failed");
      },
    });
    const answer = await call(gateway, { body: messages() });
    expect(answer.status).toBe(402);
    expect(answer.json().error.type).toBe("billing_error");
  });

  test("log_usage: false keeps request rows out, and the session cap still refuses", async () => {
    const sim = await simulator({ usage: SONNET_USAGE });
    const ledger = ledgerAt(join(dir, "nolog.db"), false);
    const { gateway } = await gatewayFor(sim.url, {
      ledger,
      caps: { ...NO_CAPS, cost_limit_per_session: 0.04 },
    });
    expect((await call(gateway, { body: messages() })).status).toBe(200);
    const refused = await call(gateway, { body: messages() });
    expect(refused.status).toBe(402);
    expect(refused.json().error.message).toContain("($0.05 spent this run)");
    expect(sim.requests).toHaveLength(1);
    expect(rows(ledger)).toEqual([]);
  });

  test("a ledger that cannot be read answers with its reason, not a hang", async () => {
    const raw = await rawUpstream((res) => res.end("{}"));
    const unreadable = () => {
      throw new FallbackError("could not read the usage ledger /x/usage.db: the disk is full");
    };
    const broken = {
      snapshot: unreadable,
      runSpend: unreadable,
      queue: () => {},
      flush: () => {},
    } as unknown as SpendTracker;
    // A daily cap needs the ledger (all runs) before every request.
    const { gateway, events } = await gatewayFor(raw.url, {
      spend: broken,
      caps: { ...NO_CAPS, cost_limit_per_day: 5 },
    });
    for (let i = 0; i < 2; i++) {
      const answer = await call(gateway, { body: messages() });
      expect(answer.status).toBe(500);
      expect(answer.json().error).toEqual({
        type: "api_error",
        message: "claude-fallback gateway: could not read the usage ledger /x/usage.db: the disk is full",
      });
    }
    expect(events.map(kindOf)).toEqual(["ledger_error"]);
    expect(raw.requests).toEqual([]);
  });
});

// ── thinking signatures ───────────────────────────────────────────────────────────────────────

describe("thinking-signature rejection", () => {
  const conversation = () =>
    messages({
      thinking: { type: "enabled", budget_tokens: 1024 },
      messages: [
        { role: "user", content: "first question" },
        {
          role: "assistant",
          content: [
            {
              type: "thinking",
              thinking: "…",
              signature: mintThinkingSignature("subscription", "msg_sub_1"),
            },
            { type: "text", text: "first answer" },
          ],
        },
        { role: "user", content: [{ type: "text", text: "Continue where you left off." }] },
      ],
    });

  test("is retried once without earlier thinking and the client gets the 200", async () => {
    const sim = await simulator({ rejectForeignThinkingSignatures: true });
    const { gateway, ledger } = await gatewayFor(sim.url);
    const answer = await call(gateway, { body: conversation() });
    expect(answer.status).toBe(200);
    expect(sim.requests.map((r) => r.status)).toEqual([400, 200]);
    const retried = sim.requests[1]!.body as { messages: Array<{ content: unknown }>; thinking: unknown };
    expect(retried.messages[1]!.content).toEqual([{ type: "text", text: "first answer" }]);
    expect(retried.thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
    expect(sim.requests[1]!.headers["x-api-key"]).toBe(KEY);
    expect(rows(ledger)).toMatchObject([{ outcome: "ok", http_status: 200 }]);
  });

  test("a retry that is rejected again goes to the client: exactly two upstream requests", async () => {
    const sim = await simulator();
    sim.enqueue(
      { fault: "thinking-signature" },
      { fault: "thinking-signature" },
      { fault: "thinking-signature" },
    );
    const { gateway, ledger } = await gatewayFor(sim.url);
    const answer = await call(gateway, { body: conversation() });
    expect(answer.status).toBe(400);
    expect(answer.json().error.message).toMatch(/signature/);
    expect(sim.requests).toHaveLength(2);
    expect(rows(ledger)).toMatchObject([
      { outcome: "error", http_status: 400, error_type: "invalid_request_error" },
    ]);
  });

  test("nothing to strip: the 400 goes to the client after one request", async () => {
    const sim = await simulator();
    sim.enqueue({ fault: "thinking-signature" });
    const { gateway } = await gatewayFor(sim.url);
    const answer = await call(gateway, { body: messages() });
    expect(answer.status).toBe(400);
    expect(sim.requests).toHaveLength(1);
  });

  test("another 400 is passed through as it came, without a retry", async () => {
    const body = JSON.stringify({
      type: "error",
      error: { type: "invalid_request_error", message: "prompt is too long" },
    });
    const raw = await rawUpstream((res) => {
      res.writeHead(400, { "content-type": "application/json", "request-id": "req_400" });
      res.end(body);
    });
    const { gateway, ledger } = await gatewayFor(raw.url);
    const answer = await call(gateway, { body: conversation() });
    expect(answer.status).toBe(400);
    expect(answer.body.toString()).toBe(body);
    expect(raw.requests).toHaveLength(1);
    expect(rows(ledger)).toMatchObject([{ outcome: "error", error_type: "invalid_request_error" }]);
  });
});

describe("ledger writes", () => {
  /** Rows as another process sees them in the file, without flushing what the gateway queued. */
  const rowsInFile = (file: string) => {
    const reader = ledgerAt(file);
    return reader.db.prepare("SELECT outcome, cost_nanousd AS cost FROM requests ORDER BY id").all();
  };

  test("rows reach the file on their own a moment after their responses; the run's caps count them at once", async () => {
    const sim = await simulator({ usage: SONNET_USAGE });
    const file = join(dir, "own", "usage.db");
    const { gateway, spend } = await gatewayFor(sim.url, {
      ledger: ledgerAt(file),
      caps: { ...NO_CAPS, cost_limit_per_session: 0.08 },
    });
    await Promise.all([call(gateway, { body: messages() }), call(gateway, { body: messages() })]);
    // The cap already counts both answers ($0.09), written or not.
    expect((await call(gateway, { body: messages() })).status).toBe(402);
    expect(spend.runSpend().nanoUsd).toBe(2 * SONNET_COST);
    await waitFor(() => rowsInFile(file).length === 3 || null, "the rows in the file");
    expect(rowsInFile(file)).toEqual([
      { outcome: "ok", cost: SONNET_COST },
      { outcome: "ok", cost: SONNET_COST },
      { outcome: "refused_cap", cost: 0 },
    ]);
  });

  test("closing the gateway writes the rows still queued", async () => {
    const sim = await simulator({ usage: SONNET_USAGE });
    const file = join(dir, "closing", "usage.db");
    const { gateway } = await gatewayFor(sim.url, { ledger: ledgerAt(file) });
    await call(gateway, { body: messages() });
    await gateway.close();
    expect(rowsInFile(file)).toEqual([{ outcome: "ok", cost: SONNET_COST }]);
  });

  test("with a daily cap, each row is written before the next request: other runs check the cap against the file", async () => {
    const sim = await simulator({ usage: SONNET_USAGE });
    const file = join(dir, "daily", "usage.db");
    const { gateway } = await gatewayFor(sim.url, {
      ledger: ledgerAt(file),
      caps: { ...NO_CAPS, cost_limit_per_day: 100 },
    });
    await call(gateway, { body: messages() });
    expect(rowsInFile(file)).toEqual([{ outcome: "ok", cost: SONNET_COST }]);
  });
});

describe("lifecycle", () => {
  test("listens on 127.0.0.1 only and close() ends open streams", async () => {
    const raw = await rawUpstream((res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(STREAM.subarray(0, 50));
    });
    const { gateway } = await gatewayFor(raw.url);
    expect(gateway.url).toBe(`http://127.0.0.1:${gateway.port}`);
    const closed = new Promise<void>((resolve) => {
      const req = request(rawMessagesRequest(gateway), (res) => {
        res.once("data", () => void gateway.close());
        res.on("error", () => {});
        res.on("close", resolve);
      });
      req.on("error", () => {});
      req.end(JSON.stringify(messages({ stream: true })));
    });
    await closed;
    await waitFor(() => raw.requests[0], "the upstream request");
    expect(await raw.requests[0]!.closed).toEqual({ aborted: true });
    await gateway.close();
    const refused = await new Promise<string>((resolve) => {
      request(`${gateway.url}/v1/models`, { agent: false })
        .on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? ""))
        .end();
    });
    expect(refused).toBe("ECONNREFUSED");
  });
});

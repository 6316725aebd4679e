/**
 * The gateway against a hostile local client (SPEC §6, SECURITY.md), byte for byte over raw
 * sockets: it listens on 127.0.0.1 only; without the per-run secret or with a foreign Host nothing
 * is read or forwarded; and no request target, method, header or body size makes it connect
 * anywhere but its one configured upstream — a second loopback listener, "evil", stands for every
 * other destination and must never see a connection. (server.test.ts covers the refusals through a
 * regular HTTP client; request-target.test.ts the target check itself.)
 */
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createPricing } from "../pricing/pricing.js";
import { type Ledger, openLedger } from "../usage/ledger.js";
import { SpendTracker } from "../usage/spend.js";
import { type Gateway, startGateway } from "./server.js";

const KEY = "sk-ant-api03-test-hardening-key-0123456789";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** A listener that must never be reached: it counts connections and answers nothing. */
interface Evil {
  port: number;
  connections: number;
}

async function evilListener(host = "127.0.0.1"): Promise<Evil & { server: Server }> {
  const sockets = new Set<Socket>();
  const evil = { port: 0, connections: 0, server: createServer() };
  evil.server.on("connection", (socket) => {
    evil.connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  evil.server.listen(0, host);
  await once(evil.server, "listening");
  evil.port = (evil.server.address() as AddressInfo).port;
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => evil.server.close(resolve));
  });
  return evil;
}

/** The configured upstream: records each request's method and target, answers `200 {}`. */
interface Upstream {
  url: string;
  requests: Array<{ method: string; url: string; headers: IncomingMessage["headers"] }>;
}

async function upstreamListener(): Promise<Upstream> {
  const upstream: Upstream = { url: "", requests: [] };
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    upstream.requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    req.resume();
    req.on("end", () => res.end("{}"));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  upstream.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return upstream;
}

let upstream: Upstream;
let evil: Evil;
let gateway: Gateway;
let ledger: Ledger;

beforeEach(async () => {
  const dir = mkdtempSync(join(tmpdir(), "cf-hardening-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  ledger = openLedger(join(dir, "usage.db"));
  cleanups.push(() => ledger.close());
  const runId = ledger.startRun({ id: randomUUID(), startedAt: Date.now(), initialMode: "api" });
  upstream = await upstreamListener();
  evil = await evilListener();
  gateway = await startGateway({
    upstream: new URL(upstream.url),
    apiKey: KEY,
    pricing: createPricing(),
    spend: new SpendTracker(ledger, runId, { zone: "UTC" }),
    caps: () => ({
      cost_limit_per_session: null,
      cost_limit_per_day: null,
      cost_limit_per_month: null,
      cost_limit_until_reset: null,
    }),
    maxRequestBytes: 4096,
  });
  cleanups.push(() => gateway.close());
});

afterEach(() => {
  // Whatever a test did, nothing ever reached the other listener.
  expect(evil.connections).toBe(0);
});

interface Exchange {
  /** The status of the first response, or null when the connection closed without one. */
  status: number | null;
  /** Every byte the gateway sent before the connection closed. */
  raw: string;
}

/** Sends `bytes` on a fresh connection and reads until the gateway closes it. */
function exchange(bytes: string | Buffer, host = "127.0.0.1", port = gateway.port): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end of the exchange after 10 s; got ${Buffer.concat(chunks).toString("latin1")}`));
    }, 10_000);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {}); // a reset after the answer is the end of the exchange too
    socket.on("close", () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString("latin1");
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      resolve({ status: match ? Number(match[1]) : null, raw });
    });
    socket.write(bytes);
  });
}

/** A request in bytes: `Connection: close`, the gateway's Host and secret unless overridden. */
function requestBytes(requestLine: string, headers: Record<string, string | null> = {}, body = ""): string {
  const all: Record<string, string | null> = {
    Host: `127.0.0.1:${gateway.port}`,
    Authorization: `Bearer ${gateway.secret}`,
    Connection: "close",
    ...(body ? { "Content-Length": String(Buffer.byteLength(body)) } : {}),
    ...headers,
  };
  const lines = Object.entries(all)
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([name, value]) => `${name}: ${value}`);
  return `${requestLine}\r\n${lines.join("\r\n")}\r\n\r\n${body}`;
}

function errorOf(exchange: Exchange): { type: string; error: { type: string; message: string } } {
  const body = exchange.raw.slice(exchange.raw.indexOf("\r\n\r\n") + 4);
  return JSON.parse(body);
}

// ── where it listens ──────────────────────────────────────────────────────────────────────────

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.on("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

describe("listening", () => {
  test("on 127.0.0.1 only: not on the wildcard address (127.0.0.2 is refused) nor on ::1", async () => {
    expect(await connects("127.0.0.1", gateway.port)).toBe(true);
    // A wildcard listener is reachable at 127.0.0.2 here (all of 127/8 is loopback on Linux), so a
    // refusal below means the gateway is bound to 127.0.0.1 alone, not to every address (which
    // would put it on the machine's network interfaces). Those are not probed: tests stay on loopback.
    const wildcard = await evilListener("0.0.0.0");
    const otherLoopbackWorks = await connects("127.0.0.2", wildcard.port);
    if (process.platform === "linux") expect(otherLoopbackWorks).toBe(true);
    if (otherLoopbackWorks) expect(await connects("127.0.0.2", gateway.port)).toBe(false);
    expect(await connects("::1", gateway.port)).toBe(false);
  });
});

// ── the secret and the Host ───────────────────────────────────────────────────────────────────

describe("the secret", () => {
  test("every near miss gets the same 401, byte for byte, and nothing is forwarded", async () => {
    const secret = gateway.secret;
    const near = [
      null,
      "",
      "Bearer ",
      `Bearer ${secret.slice(0, -1)}`,
      `Bearer ${secret}x`,
      `Bearer ${secret.slice(0, -1)}${secret.endsWith("A") ? "B" : "A"}`,
      `Bearer ${secret.toUpperCase()}`,
      `Basic ${secret}`,
      secret,
      `Bearer ${KEY}`,
    ];
    const answers = await Promise.all(
      near.map((authorization) =>
        exchange(requestBytes("GET /v1/models HTTP/1.1", { Authorization: authorization })),
      ),
    );
    for (const answer of answers) expect(answer.status).toBe(401);
    // No oracle in the answer: it does not depend on how close the token came.
    const bodies = answers.map((answer) => answer.raw.replace(/^Date: .*\r\n/m, ""));
    expect(new Set(bodies).size).toBe(1);
    expect(errorOf(answers[0]!).error.type).toBe("authentication_error");
    expect(answers[0]!.raw).not.toContain(secret.slice(6, 20));
    expect(upstream.requests).toEqual([]);
  });

  test("the secret sent as x-api-key (as an ANTHROPIC_API_KEY client would) is not accepted", async () => {
    const answer = await exchange(
      requestBytes("GET /v1/models HTTP/1.1", { Authorization: null, "x-api-key": gateway.secret }),
    );
    expect(answer.status).toBe(401);
    expect(upstream.requests).toEqual([]);
  });

  test("without the secret a body is never read: a 401 comes back before any of a 10 MB body is sent", async () => {
    const answer = await exchange(
      `POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:${gateway.port}\r\nContent-Length: 10000000\r\n\r\n`,
    );
    expect(answer.status).toBe(401);
    expect(upstream.requests).toEqual([]);
  });
});

describe("the Host", () => {
  test.each([
    ["missing (HTTP/1.0)", null],
    ["the other listener's port", "127.0.0.1:EVIL"],
    ["a public name on our port", "attacker.example:PORT"],
    ["a rebinding name", "127.0.0.1.attacker.example:PORT"],
    ["an IPv4-mapped address", "[::ffff:127.0.0.1]:PORT"],
    ["userinfo", "attacker.example@127.0.0.1:PORT"],
  ])("%s → 403, even with the right secret", async (_name, host) => {
    const value = host?.replace("EVIL", String(evil.port)).replace("PORT", String(gateway.port)) ?? null;
    // HTTP/1.1 requires a Host (Node refuses a request without one): the missing case is HTTP/1.0.
    const version = value === null ? "1.0" : "1.1";
    const answer = await exchange(requestBytes(`GET /v1/models HTTP/${version}`, { Host: value }));
    expect(answer.status).toBe(403);
    expect(errorOf(answer).error.type).toBe("permission_error");
    expect(upstream.requests).toEqual([]);
  });
});

// ── request targets and methods ───────────────────────────────────────────────────────────────

describe("nothing steers a request away from the configured upstream", () => {
  const refused: Array<[string, string]> = [
    ["absolute-form naming the other listener", "GET http://127.0.0.1:EVIL/v1/models HTTP/1.1"],
    ["absolute-form naming the upstream itself", "GET UPSTREAM/v1/models HTTP/1.1"],
    ["a network-path reference", "GET //127.0.0.1:EVIL/v1/models HTTP/1.1"],
    ["a backslash network path", "GET /\\127.0.0.1:EVIL/v1/models HTTP/1.1"],
    ["backslash dot segments", "GET /v1\\..\\..\\x HTTP/1.1"],
    ["encoded backslashes", "GET /%5c%5c127.0.0.1:EVIL/v1/models HTTP/1.1"],
    ["an encoded network path", "GET /%2f/127.0.0.1:EVIL/v1/models HTTP/1.1"],
    ["dot-dot segments", "GET /v1/../../x HTTP/1.1"],
    ["encoded dot-dot", "GET /v1/%2e%2e/x HTTP/1.1"],
    ["mixed-case, half-encoded dot-dot", "GET /v1/%2E./x HTTP/1.1"],
    ["dot-dot behind encoded slashes", "GET /v1/..%2f..%2fx HTTP/1.1"],
    ["an encoded NUL", "GET /v1/models%00 HTTP/1.1"],
    ["asterisk-form", "OPTIONS * HTTP/1.1"],
  ];
  test.each(refused)("%s → 400 invalid_request_error, nothing forwarded", async (_name, line) => {
    const target = line.replaceAll("EVIL", String(evil.port)).replace("UPSTREAM", upstream.url);
    const answer = await exchange(requestBytes(target));
    expect(answer.status).toBe(400);
    expect(errorOf(answer).error.type).toBe("invalid_request_error");
    expect(upstream.requests).toEqual([]);
  });

  test.each([
    ["CONNECT to the other listener", "CONNECT 127.0.0.1:EVIL HTTP/1.1"],
    ["authority-form with GET", "GET 127.0.0.1:EVIL HTTP/1.1"],
    ["a request line with a space in the target", "GET /v1/models /x HTTP/1.1"],
    ["Content-Length with Transfer-Encoding (smuggling)", "POST /v1/models HTTP/1.1", true],
  ] as Array<[string, string, boolean?]>)(
    "%s: no answer from upstream, connection closed",
    async (_name, line, both) => {
      const target = line.replace("EVIL", String(evil.port));
      const headers: Record<string, string> = both
        ? { "Content-Length": "4", "Transfer-Encoding": "chunked" }
        : {};
      const answer = await exchange(requestBytes(target, headers, both ? "0\r\n\r\n" : ""));
      // Node's parser or the missing CONNECT handler ends these: a 4xx or a bare close.
      expect(answer.status === null || (answer.status >= 400 && answer.status < 500)).toBe(true);
      expect(upstream.requests).toEqual([]);
    },
  );

  test.each([
    ["an @ in the path", "GET", "/@127.0.0.1:EVIL/v1/models"],
    ["a colon and port in the path", "GET", "/:EVIL/v1/models"],
    ["double encoding (decoded once, so not a dot segment)", "GET", "/v1/%252e%252e/x"],
    ["full-width dots", "GET", "/v1/%EF%BC%8E%EF%BC%8E/x"],
    ["a query holding a URL", "GET", "/v1/models?next=http://127.0.0.1:EVIL/"],
    ["OPTIONS on a path", "OPTIONS", "/v1/messages"],
    ["a long target (8 KB)", "GET", `/v1/models?q=${"a".repeat(8192)}`],
  ])("%s: forwarded unchanged, and only to the configured upstream", async (_name, method, path) => {
    const target = path.replace("EVIL", String(evil.port));
    const answer = await exchange(requestBytes(`${method} ${target} HTTP/1.1`));
    expect(answer.status).toBe(200);
    expect(upstream.requests.map((request) => [request.method, request.url])).toEqual([[method, target]]);
  });

  test("headers that name other hosts change nothing: they reach the configured upstream as data", async () => {
    const elsewhere = `127.0.0.1:${evil.port}`;
    const answer = await exchange(
      requestBytes("GET /v1/models HTTP/1.1", {
        "X-Forwarded-Host": elsewhere,
        Forwarded: `host=${elsewhere}`,
        "X-Original-URL": `http://${elsewhere}/`,
      }),
    );
    expect(answer.status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]!.headers.host).toBe(new URL(upstream.url).host);
    expect(upstream.requests[0]!.headers["x-api-key"]).toBe(KEY);
    expect(upstream.requests[0]!.headers.authorization).toBeUndefined();
  });

  test("a target or headers too long for the parser (20 KB) are refused before the gateway sees them", async () => {
    for (const bytes of [
      requestBytes(`GET /v1/models?q=${"a".repeat(20_000)} HTTP/1.1`),
      requestBytes("GET /v1/models HTTP/1.1", { Cookie: "c".repeat(20_000) }),
    ]) {
      const answer = await exchange(bytes);
      expect(answer.status).toBe(431);
    }
    expect(upstream.requests).toEqual([]);
  });
});

// ── request size ──────────────────────────────────────────────────────────────────────────────

describe("the request size limit (4096 bytes here)", () => {
  test("a body over the limit → 413 request_too_large, and a request hidden in it is never run", async () => {
    // The body is itself a complete, authorised request: were the rest of the body read as the
    // next request on the connection, it would reach the upstream.
    const hidden = requestBytes("GET /v1/models?smuggled=1 HTTP/1.1", { Connection: "keep-alive" });
    const body = hidden + "x".repeat(5000 - hidden.length);
    const answer = await exchange(
      requestBytes("POST /v1/messages HTTP/1.1", { Connection: "keep-alive" }, body),
    );
    expect(answer.status).toBe(413);
    expect(errorOf(answer)).toEqual({
      type: "error",
      error: {
        type: "request_too_large",
        message: "claude-fallback gateway: request larger than 4096 bytes",
      },
    });
    expect(answer.raw.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(upstream.requests).toEqual([]);
    expect(ledger.db.prepare("SELECT COUNT(*) FROM requests").pluck().get()).toBe(0);
  });

  test("a chunked body that grows past the limit → 413 and nothing forwarded", async () => {
    const chunk = "y".repeat(1000);
    const chunks = Array.from({ length: 5 }, () => `${(1000).toString(16)}\r\n${chunk}\r\n`).join("");
    const answer = await exchange(
      `${requestBytes("POST /v1/messages HTTP/1.1", { "Transfer-Encoding": "chunked" })}${chunks}0\r\n\r\n`,
    );
    expect(answer.status).toBe(413);
    expect(upstream.requests).toEqual([]);
  });

  test("at the limit it is forwarded", async () => {
    const answer = await exchange(requestBytes("POST /v1/models HTTP/1.1", {}, "z".repeat(4096)));
    expect(answer.status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
  });
});

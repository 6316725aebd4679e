import { describe, expect, test } from "vitest";
import { downstreamResponseHeaders, upstreamRequestHeaders } from "./headers.js";

const KEY = "sk-ant-api03-test-key-0000";

describe("upstreamRequestHeaders", () => {
  const incoming = {
    host: "127.0.0.1:5555",
    authorization: "Bearer cf-gw-secret",
    "x-api-key": "sk-ant-api03-from-the-client",
    "accept-encoding": "gzip, br",
    "content-length": "123",
    expect: "100-continue",
    connection: "keep-alive, X-Trace-Hop",
    "keep-alive": "timeout=5",
    "proxy-authorization": "Basic abc",
    "proxy-connection": "keep-alive",
    te: "trailers",
    trailer: "x-checksum",
    "transfer-encoding": "chunked",
    upgrade: "h2c",
    "x-trace-hop": "1",
    "content-type": "application/json",
    "anthropic-version": "2023-06-01",
    "anthropic-beta": "claude-code-20250219, oauth-2025-04-20,interleaved-thinking-2025-05-14",
    "user-agent": "claude-cli/2.1.330",
    "x-claude-code-session-id": "5f1c7a3e-0000-4000-8000-000000000000",
  };
  const out = upstreamRequestHeaders(incoming, KEY);

  test.each([
    "host",
    "authorization",
    "accept-encoding",
    "content-length",
    "expect",
    "connection",
    "keep-alive",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "x-trace-hop",
  ])("drops %s", (name) => {
    expect(out).not.toHaveProperty(name);
  });

  test("sends the gateway's key as x-api-key, never the client's", () => {
    expect(out["x-api-key"]).toBe(KEY);
    expect(JSON.stringify(out)).not.toContain("from-the-client");
    expect(JSON.stringify(out)).not.toContain("cf-gw-secret");
  });

  test("keeps the API's own headers", () => {
    expect(out).toMatchObject({
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
      "user-agent": "claude-cli/2.1.330",
      "x-claude-code-session-id": "5f1c7a3e-0000-4000-8000-000000000000",
    });
  });

  test("removes the subscription's OAuth beta from the beta list and keeps the others", () => {
    expect(out["anthropic-beta"]).toBe("claude-code-20250219,interleaved-thinking-2025-05-14");
  });

  test("drops anthropic-beta altogether when the OAuth beta was the only one", () => {
    const only = upstreamRequestHeaders({ "anthropic-beta": " oauth-2025-04-20 " }, KEY);
    expect(only).not.toHaveProperty("anthropic-beta");
    expect(only).toEqual({ "x-api-key": KEY });
  });

  test("joins repeated headers", () => {
    const joined = upstreamRequestHeaders({ "x-custom": ["a", "b"] }, KEY);
    expect(joined["x-custom"]).toBe("a, b");
  });
});

describe("downstreamResponseHeaders", () => {
  test("drops hop-by-hop and Connection-listed headers, keeps the rest", () => {
    const out = downstreamResponseHeaders({
      "content-type": "text/event-stream; charset=utf-8",
      "request-id": "req_123",
      "anthropic-ratelimit-requests-remaining": "49",
      connection: "keep-alive, x-upstream-hop",
      "keep-alive": "timeout=5",
      "transfer-encoding": "chunked",
      "Proxy-Authenticate": "Basic",
      "x-upstream-hop": "1",
      "set-cookie": ["a=1", "b=2"],
      "x-undefined": undefined,
    });
    expect(out).toEqual({
      "content-type": "text/event-stream; charset=utf-8",
      "request-id": "req_123",
      "anthropic-ratelimit-requests-remaining": "49",
      "set-cookie": ["a=1", "b=2"],
    });
  });
});

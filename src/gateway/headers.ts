import type { IncomingHttpHeaders } from "node:http";

/** Connection-level headers (RFC 9110 §7.6.1) that a proxy must not forward. */
const hopByHop = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * Client credentials never travel upstream: the gateway's own secret stays local and the API key
 * is added by the gateway. `host` and `content-length` are the HTTP client's to set;
 * `accept-encoding` is dropped so responses arrive uncompressed and can be metered as they pass.
 */
const droppedRequestHeaders = new Set([
  "host",
  "content-length",
  "authorization",
  "x-api-key",
  "accept-encoding",
  "expect",
]);

const SUBSCRIPTION_BETA = "oauth-2025-04-20";

/** The usual values of `Connection`, parsed once: the headers of every request and response are checked. */
const commonListings = new Map(
  ["", "keep-alive", "close"].map((value) => [value, new Set(value ? [value] : [])]),
);

function connectionListed(headers: Record<string, string | string[] | undefined>): ReadonlySet<string> {
  const value = headers.connection;
  const list = Array.isArray(value) ? value.join(",") : (value ?? "");
  const common = commonListings.get(list);
  if (common) return common;
  return new Set(
    list
      .split(",")
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
}

export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  apiKey: string,
): Record<string, string> {
  const listed = connectionListed(incoming);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || hopByHop.has(name) || listed.has(name) || droppedRequestHeaders.has(name))
      continue;
    out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  // A subscription-only beta flag would make the API treat the key as an OAuth login.
  if (out["anthropic-beta"]) {
    const betas = out["anthropic-beta"]
      .split(",")
      .map((beta) => beta.trim())
      .filter((beta) => beta && beta !== SUBSCRIPTION_BETA);
    if (betas.length > 0) out["anthropic-beta"] = betas.join(",");
    else delete out["anthropic-beta"];
  }
  out["x-api-key"] = apiKey;
  return out;
}

export function downstreamResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const listed = connectionListed(upstream);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(upstream)) {
    const lower = name.toLowerCase();
    if (value === undefined || hopByHop.has(lower) || listed.has(lower)) continue;
    out[name] = value;
  }
  return out;
}

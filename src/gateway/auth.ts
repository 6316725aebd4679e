import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A fresh per-run secret that Claude Code presents to the gateway as its `ANTHROPIC_AUTH_TOKEN`. */
export function newGatewaySecret(): string {
  return `cf-gw-${randomBytes(32).toString("base64url")}`;
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/**
 * Constant-time check of `Authorization: Bearer <secret>`. Comparing digests keeps the
 * comparison length-independent, so neither the secret's length nor its prefix leaks.
 */
export function bearerMatches(header: string | undefined, secret: string): boolean {
  // The scheme name is case-insensitive (RFC 9110 §11.1); the token is compared exactly.
  const presented = header && /^bearer /i.test(header) ? header.slice("Bearer ".length) : "";
  return timingSafeEqual(digest(presented), digest(secret)) && presented.length > 0;
}

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * A request must name the gateway by a loopback host (and its port when one is given), so a web
 * page cannot reach it through DNS rebinding.
 */
export function isLoopbackHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.trim().toLowerCase());
  if (!match) return false;
  const [, name, portText] = match;
  if (portText !== undefined && Number(portText) !== port) return false;
  return name !== undefined && (loopbackHosts.has(name) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name));
}

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A fresh per-run secret that Claude Code's `http` hooks present to the hook server. */
export function newHookSecret(): string {
  return `cf-hook-${randomBytes(32).toString("base64url")}`;
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/**
 * Constant-time check of `Authorization: Bearer <secret>`. Comparing digests keeps the comparison
 * length-independent, so neither the secret's length nor a matching prefix leaks through timing.
 */
export function bearerMatches(header: string | undefined, secret: string): boolean {
  const presented = header?.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
  const equal = timingSafeEqual(digest(presented), digest(secret));
  return equal && presented.length > 0;
}

const loopbackNames = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * The request must name the server by a loopback host (and its own port when one is given), so a
 * web page cannot reach it through DNS rebinding.
 */
export function isLoopbackHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.trim().toLowerCase());
  if (!match) return false;
  const [, name, portText] = match;
  if (portText !== undefined && Number(portText) !== port) return false;
  return name !== undefined && (loopbackNames.has(name) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name));
}

import { randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The local endpoints of a wrapped run (the metering gateway, the hook server) and the upstream
 * checks share one notion of "loopback" and one way to check a per-run secret.
 */

/** A fresh per-run secret, e.g. `cf-gw-…` for the gateway or `cf-hook-…` for the hook server. */
export function newSecret(prefix: string): string {
  return `${prefix}-${randomBytes(32).toString("base64url")}`;
}

/**
 * Constant-time check of `Authorization: Bearer <secret>`: a token of the secret's length is
 * compared in constant time, so a matching prefix does not show in the timing. A token of another
 * length is refused after a comparison of the same cost; its length is no secret (every secret
 * of a kind has the length {@link newSecret} gives it). The check runs before every request a
 * server takes, so it hashes nothing.
 */
export function bearerMatcher(secret: string): (header: string | undefined) => boolean {
  const expected = Buffer.from(secret);
  return (header) => {
    // The scheme name is case-insensitive (RFC 9110 §11.1); the token is compared exactly.
    const presented = header && /^bearer /i.test(header) ? Buffer.from(header.slice("Bearer ".length)) : null;
    if (presented?.length !== expected.length) {
      timingSafeEqual(expected, expected);
      return false;
    }
    return timingSafeEqual(presented, expected) && expected.length > 0;
  };
}

export function bearerMatches(header: string | undefined, secret: string): boolean {
  return bearerMatcher(secret)(header);
}

/** 127.0.0.0/8, `localhost` (and `*.localhost`, RFC 6761) and `[::1]` / `::1`. */
export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname.trim().toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || host === "::1") return true;
  const octets = host.split(".");
  return (
    octets.length === 4 &&
    octets[0] === "127" &&
    octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255)
  );
}

/**
 * A request's `Host` must name the server by a loopback host (and its own port when one is given),
 * so a web page cannot reach it through DNS rebinding.
 */
export function isLoopbackHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.trim().toLowerCase());
  if (!match) return false;
  const [, name, portText] = match;
  if (portText !== undefined && Number(portText) !== port) return false;
  return name !== undefined && isLoopbackHostname(name);
}

import { randomBytes, timingSafeEqual } from "node:crypto";

/** The per-run secrets of a wrapped run's local endpoints (the metering gateway, the hook server). */

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

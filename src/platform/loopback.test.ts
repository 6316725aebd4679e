import { describe, expect, test } from "vitest";
import { bearerMatches, isLoopbackHost, isLoopbackHostname, newSecret } from "./loopback.js";

const secret = "cf-gw-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";

describe("bearerMatches", () => {
  test.each([
    ["the right secret", `Bearer ${secret}`, true],
    ["the scheme in another case", `bearer ${secret}`, true],
    ["a wrong secret", "Bearer cf-gw-wrong", false],
    ["a prefix of the secret", `Bearer ${secret.slice(0, -1)}`, false],
    ["the secret with something after it", `Bearer ${secret}x`, false],
    ["an empty header", "", false],
    ["a missing header", undefined, false],
    ['"Bearer " only', "Bearer ", false],
    ["the secret without a scheme", secret, false],
    ["another scheme", `Basic ${secret}`, false],
    ["two spaces after the scheme", `Bearer  ${secret}`, false],
  ])("%s", (_name, header, expected) => {
    expect(bearerMatches(header, secret)).toBe(expected);
  });

  test("an empty secret matches nothing, not even an empty token", () => {
    expect(bearerMatches("Bearer ", "")).toBe(false);
  });
});

describe("newSecret", () => {
  test("is fresh each time and long enough not to be guessed", () => {
    const a = newSecret("cf-gw");
    const b = newSecret("cf-gw");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^cf-gw-[A-Za-z0-9_-]{43}$/);
  });
});

describe("isLoopbackHost", () => {
  const port = 41234;
  test.each([
    ["127.0.0.1:port", `127.0.0.1:${port}`, true],
    ["localhost:port", `localhost:${port}`, true],
    ["LOCALHOST:port (case)", `LOCALHOST:${port}`, true],
    ["[::1]:port", `[::1]:${port}`, true],
    ["127.1.2.3:port", `127.1.2.3:${port}`, true],
    ["a loopback name without a port", "127.0.0.1", true],
    ["localhost without a port", "localhost", true],
    ["a wrong port", `127.0.0.1:${port + 1}`, false],
    ["an empty port", "127.0.0.1:", false],
    ["evil.com", "evil.com", false],
    ["evil.com:port", `evil.com:${port}`, false],
    ["127.0.0.1.evil.com", `127.0.0.1.evil.com:${port}`, false],
    ["localhost.evil.com", `localhost.evil.com:${port}`, false],
    ["another private address", `10.0.0.1:${port}`, false],
    ["0.0.0.0", `0.0.0.0:${port}`, false],
    ["an IPv4-mapped IPv6 address", `[::ffff:127.0.0.1]:${port}`, false],
    ["userinfo in the host", `evil.com@127.0.0.1:${port}`, false],
    ["empty", "", false],
    ["missing", undefined, false],
  ])("%s", (_name, host, expected) => {
    expect(isLoopbackHost(host, port)).toBe(expected);
  });
});

describe("isLoopbackHostname", () => {
  test.each([
    ["127.0.0.1", true],
    ["127.255.1.2", true],
    ["localhost", true],
    ["LOCALHOST", true],
    ["api.localhost", true],
    ["[::1]", true],
    ["::1", true],
    ["128.0.0.1", false],
    ["127.0.0.256", false],
    ["127.0.0", false],
    ["localhost.evil.com", false],
    ["127.0.0.1.nip.io", false],
    ["api.anthropic.com", false],
    ["", false],
  ])("%s → %s", (hostname, expected) => {
    expect(isLoopbackHostname(hostname)).toBe(expected);
  });
});

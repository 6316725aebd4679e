import { describe, expect, test } from "vitest";
import { isLoopbackHost, isLoopbackHostname } from "./loopback.js";

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

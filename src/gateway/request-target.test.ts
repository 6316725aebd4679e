import { describe, expect, test } from "vitest";
import { checkRequestTarget, upstreamPath } from "./request-target.js";

describe("checkRequestTarget", () => {
  test.each([
    "/v1/messages",
    "/v1/messages?beta=true",
    "/v1/messages/count_tokens?beta=true",
    "/v1/models/claude-sonnet-4-5",
    "/v1/messages?q=../../x",
  ])("accepts %s unchanged", (target) => {
    expect(checkRequestTarget(target)).toEqual({ ok: true, pathAndQuery: target });
  });

  test.each([
    ["absolute-form", "http://evil.example/x"],
    ["absolute-form https", "https://evil.example/v1/messages"],
    ["asterisk-form", "*"],
    ["authority-form", "evil.example:443"],
    ["a network-path reference", "//evil.example/x"],
    ["a dot-dot segment", "/v1/../x"],
    ["a trailing dot-dot segment", "/v1/.."],
    ["a dot segment", "/v1/./messages"],
    ["an encoded dot-dot (lower case)", "/v1/%2e%2e/x"],
    ["an encoded dot-dot (upper case)", "/v1/%2E%2E/x"],
    ["a half-encoded dot-dot", "/v1/.%2e/x"],
    ["an encoded //host", "/%2F%2Fevil.example"],
    ["an encoded //host (lower case)", "/%2f%2fevil.example/x"],
    ["a backslash", "/v1\\..\\x"],
    ["an encoded backslash", "/%5Cevil.example"],
    ["an encoded NUL", "/v1/messages%00"],
    ["bad percent-encoding", "/v1/%E0%A4%A"],
    ["a lone percent sign", "/v1/%zz"],
    ["empty", ""],
    ["missing", undefined],
  ])("refuses %s", (_name, target) => {
    const check = checkRequestTarget(target);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(/request/);
  });
});

describe("upstreamPath", () => {
  test.each([
    [
      "https://api.anthropic.com",
      "/v1/messages?beta=true",
      "https://api.anthropic.com/v1/messages?beta=true",
    ],
    ["https://proxy.example/anthropic", "/v1/messages", "https://proxy.example/anthropic/v1/messages"],
    [
      "https://proxy.example/anthropic/",
      "/v1/messages?beta=true",
      "https://proxy.example/anthropic/v1/messages?beta=true",
    ],
    ["http://127.0.0.1:8080//base//", "/v1/models", "http://127.0.0.1:8080//base/v1/models"],
  ])("%s + %s", (base, target, expected) => {
    const upstream = new URL(base);
    expect(`${upstream.origin}${upstreamPath(upstream, target)}`).toBe(expected);
  });
});

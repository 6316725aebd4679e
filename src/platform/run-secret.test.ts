import { describe, expect, test } from "vitest";
import { bearerMatches, newSecret } from "./run-secret.js";

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

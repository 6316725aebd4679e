import { describe, expect, it } from "vitest";
import { detectCredential, maskCredential } from "./billing.js";

describe("detectCredential", () => {
  it.each([
    {
      headers: { authorization: "Bearer sk-ant-oat01-abc" },
      expected: { billing: "subscription", secret: "sk-ant-oat01-abc" },
    },
    {
      headers: { "x-api-key": "sk-ant-api03-xyz" },
      expected: { billing: "api", secret: "sk-ant-api03-xyz" },
    },
    {
      headers: { authorization: "bearer run-secret" },
      expected: { billing: "bearer", secret: "run-secret" },
    },
    {
      headers: { authorization: "Bearer sk-ant-oat01-abc", "x-api-key": "sk-ant-api03-xyz" },
      expected: { billing: "api", secret: "sk-ant-api03-xyz" },
    },
    { headers: {}, expected: undefined },
    { headers: { authorization: "Basic dXNlcjpwYXNz" }, expected: undefined },
    { headers: { "x-api-key": "  " }, expected: undefined },
  ])("reads $headers", ({ headers, expected }) => {
    expect(detectCredential(headers)).toEqual(expected);
  });
});

describe("maskCredential", () => {
  it.each([
    { secret: "sk-ant-api03-abcdefghijklmnopqrstuvwxyz-ab12", masked: "sk-ant-…ab12" },
    { secret: "sk-ant-oat01-abcdefghijklmnopqrstuvwxyz-cd34", masked: "sk-ant-…cd34" },
    { secret: "0123456789abcdef-ef56", masked: "…ef56" },
    { secret: "short-key", masked: "…" },
  ])("masks $secret as $masked", ({ secret, masked }) => {
    expect(maskCredential(secret)).toBe(masked);
  });
});

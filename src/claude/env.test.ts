import { describe, expect, test } from "vitest";
import type { BillingMode } from "../billing.js";
import { childEnvironment, removedCredentialNotice } from "./env.js";

const gateway = { url: "http://127.0.0.1:45678", secret: "run-secret-0123456789abcdef" };
const REAL_KEY = "sk-ant-api03-REALKEY-do-not-leak";

const shell = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: "/usr/bin:/bin",
  HOME: "/home/u",
  TERM: "xterm-256color",
  ...extra,
});

describe("childEnvironment", () => {
  test.each<[string, BillingMode, NodeJS.ProcessEnv, string[], NodeJS.ProcessEnv]>([
    ["subscription, clean shell", "subscription", {}, [], {}],
    [
      "subscription strips an inherited API key",
      "subscription",
      { ANTHROPIC_API_KEY: "sk-ant-stray" },
      ["ANTHROPIC_API_KEY"],
      { ANTHROPIC_API_KEY: undefined },
    ],
    [
      "subscription strips an inherited auth token",
      "subscription",
      { ANTHROPIC_AUTH_TOKEN: "tok" },
      ["ANTHROPIC_AUTH_TOKEN"],
      { ANTHROPIC_AUTH_TOKEN: undefined },
    ],
    [
      "subscription strips both, key first",
      "subscription",
      { ANTHROPIC_AUTH_TOKEN: "tok", ANTHROPIC_API_KEY: "sk-ant-stray" },
      ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"],
      { ANTHROPIC_AUTH_TOKEN: undefined, ANTHROPIC_API_KEY: undefined },
    ],
    [
      "subscription passes ANTHROPIC_BASE_URL and CLAUDE_CONFIG_DIR through",
      "subscription",
      { ANTHROPIC_BASE_URL: "https://proxy.example", CLAUDE_CONFIG_DIR: "/cfg" },
      [],
      { ANTHROPIC_BASE_URL: "https://proxy.example", CLAUDE_CONFIG_DIR: "/cfg" },
    ],
    [
      "subscription drops our key variable without a notice",
      "subscription",
      { CLAUDE_FALLBACK_API_KEY: REAL_KEY },
      [],
      { CLAUDE_FALLBACK_API_KEY: undefined },
    ],
    [
      "an empty stray key is dropped without a notice",
      "subscription",
      { ANTHROPIC_API_KEY: "", ANTHROPIC_AUTH_TOKEN: "" },
      [],
      { ANTHROPIC_API_KEY: undefined, ANTHROPIC_AUTH_TOKEN: undefined },
    ],
    [
      "subscription leaves the login token alone",
      "subscription",
      { CLAUDE_CODE_OAUTH_TOKEN: "oat" },
      [],
      { CLAUDE_CODE_OAUTH_TOKEN: "oat" },
    ],
    [
      "api, clean shell",
      "api",
      {},
      [],
      { ANTHROPIC_BASE_URL: gateway.url, ANTHROPIC_AUTH_TOKEN: gateway.secret },
    ],
    [
      "api strips the stray key and reports it",
      "api",
      { ANTHROPIC_API_KEY: REAL_KEY },
      ["ANTHROPIC_API_KEY"],
      { ANTHROPIC_API_KEY: undefined, ANTHROPIC_AUTH_TOKEN: gateway.secret },
    ],
    [
      "api replaces an inherited auth token and base URL with the gateway's (no notice)",
      "api",
      { ANTHROPIC_AUTH_TOKEN: "tok", ANTHROPIC_BASE_URL: "https://proxy.example" },
      [],
      { ANTHROPIC_BASE_URL: gateway.url, ANTHROPIC_AUTH_TOKEN: gateway.secret },
    ],
    [
      "api drops our key variable and keeps CLAUDE_CONFIG_DIR",
      "api",
      { CLAUDE_FALLBACK_API_KEY: REAL_KEY, CLAUDE_CONFIG_DIR: "/cfg" },
      [],
      { CLAUDE_FALLBACK_API_KEY: undefined, CLAUDE_CONFIG_DIR: "/cfg" },
    ],
  ])("%s", (_name, mode, extra, removed, expectedVars) => {
    const parent = shell(extra);
    const before = structuredClone(parent);
    const child = childEnvironment(parent, mode, gateway);
    expect(child.removed).toEqual(removed);
    for (const [name, value] of Object.entries(expectedVars)) {
      if (value === undefined) expect(Object.hasOwn(child.env, name), name).toBe(false);
      else expect(child.env[name], name).toBe(value);
    }
    // Everything else is inherited unchanged.
    expect(child.env.PATH).toBe("/usr/bin:/bin");
    expect(child.env.HOME).toBe("/home/u");
    expect(child.env.TERM).toBe("xterm-256color");
    // The parent is not mutated, and the child env is a separate object.
    expect(parent).toEqual(before);
    expect(child.env).not.toBe(parent);
    // The real key never reaches the child, under any name.
    expect(Object.values(child.env)).not.toContain(REAL_KEY);
    expect(Object.hasOwn(child.env, "CLAUDE_FALLBACK_API_KEY")).toBe(false);
    expect(Object.hasOwn(child.env, "ANTHROPIC_API_KEY")).toBe(false);
  });

  test("api mode needs the gateway", () => {
    expect(() => childEnvironment(shell(), "api")).toThrow(/gateway/);
  });

  test("subscription mode ignores a gateway it is given", () => {
    const child = childEnvironment(
      shell({ ANTHROPIC_BASE_URL: "https://proxy.example" }),
      "subscription",
      gateway,
    );
    expect(child.env.ANTHROPIC_BASE_URL).toBe("https://proxy.example");
    expect(Object.hasOwn(child.env, "ANTHROPIC_AUTH_TOKEN")).toBe(false);
  });

  test("a real process.env-like object is copied, not mutated", () => {
    const parent = shell({ ANTHROPIC_API_KEY: "sk-ant-x", CLAUDE_FALLBACK_API_KEY: REAL_KEY });
    const frozen = Object.freeze(parent);
    expect(() => childEnvironment(frozen, "api", gateway)).not.toThrow();
    expect(frozen.ANTHROPIC_API_KEY).toBe("sk-ant-x");
  });
});

describe("removedCredentialNotice", () => {
  test.each<[BillingMode, RegExp]>([
    ["subscription", /subscription login/],
    ["api", /gateway/],
  ])("%s: one line naming the variable", (mode, why) => {
    const line = removedCredentialNotice("ANTHROPIC_API_KEY", mode);
    expect(line).toContain("ANTHROPIC_API_KEY");
    expect(line).toMatch(why);
    expect(line).not.toContain("\n");
    expect(line.startsWith("claude-fallback: ")).toBe(true);
  });
});

import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../errors.js";
import {
  editDistance,
  formatKeyPath,
  loadConfig,
  maskUrl,
  nearestKey,
  parseConfigText,
  permissionWarnings,
} from "./load.js";
import { type LocateOptions, locateConfig } from "./locate.js";
import { DEFAULT_CONFIG } from "./schema.js";

/** A made-up key of the real length; not a credential. */
const TEST_KEY = `sk-ant-api03-test${"Qr7_k2Lm".repeat(9).slice(0, 70)}9876abcd`;

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-load-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(path: string, content: unknown, mode = 0o600): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  chmodSync(path, mode);
  return path;
}

function usageErrorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    return (error as UsageError).message;
  }
  throw new Error("expected a UsageError");
}

describe("locating the config file", () => {
  it("--config wins over $CLAUDE_FALLBACK_CONFIG and the default", () => {
    const flag = write(join(dir, "flag.json"), { log_usage: false });
    const fromEnv = write(join(dir, "env.json"), { log_usage: true });
    const loaded = loadConfig({ configFlag: flag, env: { CLAUDE_FALLBACK_CONFIG: fromEnv, HOME: dir } });
    expect(loaded).toMatchObject({ path: flag, source: "flag", exists: true });
    expect(loaded.config.log_usage).toBe(false);
  });

  it("a relative --config is resolved against the working directory", () => {
    write(join(dir, "sub", "my.json"), { auto_switch: true });
    const loaded = loadConfig({ configFlag: "sub/my.json", cwd: dir, env: { HOME: dir } });
    expect(loaded.path).toBe(join(dir, "sub", "my.json"));
    expect(loaded.config.auto_switch).toBe(true);
  });

  it("$CLAUDE_FALLBACK_CONFIG is used without --config", () => {
    const fromEnv = write(join(dir, "env.json"), { notify_at_percentage: 50 });
    const loaded = loadConfig({ env: { CLAUDE_FALLBACK_CONFIG: fromEnv, HOME: dir } });
    expect(loaded).toMatchObject({ path: fromEnv, source: "env", exists: true });
    expect(loaded.config.notify_at_percentage).toBe(50);
  });

  it("an empty $CLAUDE_FALLBACK_CONFIG counts as unset", () => {
    expect(locateConfig({ env: { CLAUDE_FALLBACK_CONFIG: "", HOME: dir } })).toEqual({
      path: join(dir, ".config", "claude-fallback", "config.json"),
      source: "default",
    });
  });

  /** [description, env relative to the temp dir, expected default path relative to it] */
  const DEFAULTS: [string, Record<string, string>, string][] = [
    [
      "CLAUDE_FALLBACK_HOME",
      { CLAUDE_FALLBACK_HOME: "portable", XDG_CONFIG_HOME: "xdg", HOME: "home" },
      "portable/config.json",
    ],
    ["XDG_CONFIG_HOME", { XDG_CONFIG_HOME: "xdg", HOME: "home" }, "xdg/claude-fallback/config.json"],
    ["HOME", { HOME: "home" }, "home/.config/claude-fallback/config.json"],
  ];

  it.each(DEFAULTS)("the default location honours %s", (_name, relativeEnv, expected) => {
    const env = Object.fromEntries(
      Object.entries(relativeEnv).map(([key, value]) => [key, join(dir, value)]),
    );
    const path = write(join(dir, expected), { resume_prompt: "from the default location" });
    const loaded = loadConfig({ env });
    expect(loaded).toMatchObject({ path, source: "default", exists: true });
    expect(loaded.config.resume_prompt).toBe("from the default location");
  });

  it("a missing default file means all defaults, not an error", () => {
    const loaded = loadConfig({ env: { HOME: dir } });
    expect(loaded).toEqual({
      path: join(dir, ".config", "claude-fallback", "config.json"),
      source: "default",
      exists: false,
      config: DEFAULT_CONFIG,
      warnings: [],
    });
  });

  it("never reads config.json (or anything) from the working directory", () => {
    const cwd = join(dir, "project");
    write(join(cwd, "config.json"), "this is not JSON at all");
    write(join(cwd, "claude-fallback", "config.json"), "nor this");
    write(join(cwd, ".config", "claude-fallback", "config.json"), "nor this");
    const loaded = loadConfig({ cwd, env: { HOME: join(dir, "home") } });
    expect(loaded.exists).toBe(false);
    expect(loaded.config).toEqual(DEFAULT_CONFIG);
  });

  it.each<[string, LocateOptions, string]>([
    ["--config", { configFlag: "missing.json" }, "(from --config)"],
    [
      "$CLAUDE_FALLBACK_CONFIG",
      { env: { CLAUDE_FALLBACK_CONFIG: "missing.json" } },
      "(from $CLAUDE_FALLBACK_CONFIG)",
    ],
  ])("a file named by %s must exist", (_name, options, origin) => {
    const message = usageErrorOf(() =>
      loadConfig({ ...options, cwd: dir, env: { HOME: dir, ...options.env } }),
    );
    expect(message).toBe(`config file not found: ${join(dir, "missing.json")} ${origin}`);
  });

  it("--config with an empty path is a usage error", () => {
    expect(usageErrorOf(() => locateConfig({ configFlag: "", env: {} }))).toBe("--config needs a file path");
  });
});

describe("reading the file", () => {
  it("a link to nowhere is refused, where it is the default file too: its caps are not replaced by the defaults unsaid", () => {
    const target = join(dir, "dotfiles", "cf.json");
    for (const [path, options] of [
      [join(dir, "given.json"), (path: string) => ({ configFlag: path })],
      [
        join(dir, "xdg", "claude-fallback", "config.json"),
        () => ({ env: { XDG_CONFIG_HOME: join(dir, "xdg") } }),
      ],
    ] as const) {
      mkdirSync(dirname(path), { recursive: true });
      // A relative link is named by where it leads.
      symlinkSync(relative(dirname(path), target), path);
      expect(usageErrorOf(() => loadConfig(options(path)))).toBe(
        `config file ${path} is a link to ${target}, which does not exist; fix: restore ${target}, or remove the link to use the defaults`,
      );
    }
  });

  it("a directory is refused by name", () => {
    const path = join(dir, "adir");
    mkdirSync(path);
    expect(usageErrorOf(() => loadConfig({ configFlag: path }))).toBe(
      `config file ${path} is a directory, not a file`,
    );
  });

  it("a huge file is refused", () => {
    const path = write(join(dir, "huge.json"), `{"resume_prompt": "${"x".repeat(1024 * 1024)}"}`);
    expect(usageErrorOf(() => loadConfig({ configFlag: path }))).toMatch(
      /is \d+ bytes; a config file is at most 1 MiB$/,
    );
  });

  it("malformed JSON is reported with the file, line and column", () => {
    const path = write(join(dir, "broken.json"), '{\n  "auto_switch": true,\n  "log_usage": false,\n}\n');
    expect(usageErrorOf(() => loadConfig({ configFlag: path }))).toBe(
      `config file ${path}: invalid JSON at line 4, column 1: trailing comma before }`,
    );
  });

  it("malformed JSON around the key never shows the key", () => {
    const path = write(join(dir, "broken.json"), `{"api_key": ${TEST_KEY}}`);
    const message = usageErrorOf(() => loadConfig({ configFlag: path }));
    expect(message).toContain("line 1, column 13");
    expect(message).not.toContain(TEST_KEY.slice(0, 12));
  });

  it("a leading byte-order mark is tolerated", () => {
    expect(parseConfigText('\uFEFF{"auto_switch": true}', "/x.json").auto_switch).toBe(true);
  });

  it("an invalid value is reported with the file", () => {
    const path = write(join(dir, "bad.json"), { notifications: { webhook_url: 3 } });
    expect(usageErrorOf(() => loadConfig({ configFlag: path }))).toBe(
      `config file ${path}: notifications.webhook_url is 3: wrong type (a number); allowed: an http:// or https:// URL, or null`,
    );
  });

  it.each([
    [
      { "my-model": { input: 1 } },
      "pricing.my-model.output: required for a model not in the shipped price table (give at least input and output)",
    ],
    [
      { "claude-opus-5-5": { input_long: 1 } },
      "pricing.claude-opus-5-5.output_long: required when giving long-context prices for a model without a long-context tier",
    ],
  ])("a pricing row a run could not use (%j) is refused at load, with the file", (pricing, problem) => {
    const path = write(join(dir, "config.json"), { pricing });
    expect(usageErrorOf(() => loadConfig({ configFlag: path }))).toBe(`config file ${path}: ${problem}`);
  });

  it("the pricing check never shows the config's API key", () => {
    const path = write(join(dir, "config.json"), {
      api_key: TEST_KEY,
      pricing: { [TEST_KEY]: { input: 1 } },
    });
    const message = usageErrorOf(() => loadConfig({ configFlag: path }));
    expect(message).toContain("output: required");
    expect(message).not.toContain(TEST_KEY);
  });
});

describe("permission warnings", () => {
  /** [mode, file holds a key, expected warning fragment or null] */
  const CASES: [number, boolean, string | null][] = [
    [0o600, true, null],
    [0o400, true, null],
    [0o644, true, "holds an API key and is readable by others (mode 0644)"],
    [0o640, true, "holds an API key and is readable by others (mode 0640)"],
    [0o604, true, "holds an API key and is readable by others (mode 0604)"],
    [0o660, true, "holds an API key and is readable by others (mode 0660)"],
    [0o620, true, null],
    [0o644, false, null],
    [0o664, false, null],
    [0o666, false, "is writable by anyone (who could then set api_key_command) (mode 0666)"],
    [0o646, true, "holds an API key and is readable by others and is writable by anyone"],
  ];

  it.each(CASES)("mode %o with key=%s", (mode, hasKey, expected) => {
    const path = write(
      join(dir, "config.json"),
      hasKey ? { api_key: TEST_KEY } : { auto_switch: true },
      mode,
    );
    const { warnings } = loadConfig({ configFlag: path });
    if (expected === null) {
      expect(warnings).toEqual([]);
      return;
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`warning: config file ${path} `);
    expect(warnings[0]).toContain(expected);
    expect(warnings[0]).toMatch(
      new RegExp(`; fix: chmod 600 ${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`),
    );
    expect(warnings[0]).not.toContain(TEST_KEY);
    expect(warnings[0]).not.toContain("\n");
  });

  it("the chmod fix quotes a path with spaces so it can be pasted", () => {
    const [warning] = permissionWarnings("/home/me/my config.json", 0o644, { api_key: TEST_KEY });
    expect(warning).toMatch(/fix: chmod 600 '\/home\/me\/my config\.json'$/);
  });
});

describe("helpers", () => {
  it.each<[PropertyKey[], string]>([
    [[], "(top level)"],
    [["auto_switch"], "auto_switch"],
    [["notifications", "webhook_url"], "notifications.webhook_url"],
    [["pricing", "claude-sonnet-4-5", "input"], "pricing.claude-sonnet-4-5.input"],
    [["pricing", "claude-4.5", "input"], 'pricing["claude-4.5"].input'],
    [["pricing", "with space"], 'pricing["with space"]'],
    [["list", 2], "list[2]"],
  ])("formatKeyPath(%j) = %s", (path, text) => {
    expect(formatKeyPath(path)).toBe(text);
  });

  it.each([
    ["https://hooks.slack.com/services/T0/B0/XYZ", "https://hooks.slack.com/…"],
    ["https://example.com/", "https://example.com"],
    ["http://127.0.0.1:9000?token=abc", "http://127.0.0.1:9000/…"],
    ["not a url at all, long", "not a url a…"],
  ])("maskUrl(%j) = %s", (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
  });

  it.each([
    ["", "", 0],
    ["abc", "abc", 0],
    ["abc", "", 3],
    ["kitten", "sitting", 3],
    ["flaw", "lawn", 2],
    ["usgae", "usage", 1],
    ["ab", "ba", 1],
    ["ca", "abc", 3],
  ])("editDistance(%j, %j) = %i", (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });

  it.each([
    ["termnal", ["terminal", "desktop", "webhook_url"], "terminal"],
    ["x", ["terminal", "desktop"], null],
    ["anything", [], null],
  ])("nearestKey(%j) = %j", (unknown, known, expected) => {
    expect(nearestKey(unknown, known)).toBe(expected);
  });
});

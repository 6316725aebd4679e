import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.js";
import { validateConfig } from "./load.js";
import {
  apiKeyProblem,
  CONFIG_KEYS,
  type Config,
  ConfigSchema,
  DEFAULT_CONFIG,
  menuKeyByte,
  PriceRowSchema,
} from "./schema.js";

/** A made-up key of the real length; not a credential. */
const TEST_KEY = `sk-ant-api03-test${"Ab3-_x9Z".repeat(9).slice(0, 70)}0123WXYZ`;

const FILE = "/cfg/config.json";

function validate(data: unknown): Config {
  return validateConfig(data, FILE);
}

function errorOf(data: unknown): string {
  try {
    validate(data);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error(`expected ${JSON.stringify(data)} to be rejected`);
}

describe("defaults", () => {
  const expected: Config = {
    api_key: null,
    api_key_command: null,
    auto_switch: false,
    prompt_before_switch: true,
    prompt_timeout_seconds: 120,
    cost_limit_per_session: 10,
    cost_limit_per_day: null,
    cost_limit_per_month: null,
    log_usage: true,
    notify_at_percentage: 80,
    auto_revert_on_reset: true,
    resume_prompt: "Continue where you left off.",
    api_model: null,
    notifications: { terminal: true, desktop: true, webhook_url: null },
    menu_key: "ctrl-]",
    claude_path: "claude",
    upstream_url: null,
    pricing: {},
    cost_limit_until_reset: null,
    on_model_limit: "other_model",
    fallback_model: null,
  };

  it("DEFAULT_CONFIG holds every SPEC §10 key with its default", () => {
    expect(DEFAULT_CONFIG).toEqual(expected);
    expect([...CONFIG_KEYS].sort()).toEqual(Object.keys(expected).sort());
  });

  it("an empty file-object yields the defaults", () => {
    expect(validate({})).toEqual(expected);
  });

  it("DEFAULT_CONFIG is frozen, and parsed configs do not share objects with it", () => {
    expect(Object.isFrozen(DEFAULT_CONFIG)).toBe(true);
    expect(Object.isFrozen(DEFAULT_CONFIG.notifications)).toBe(true);
    const a = validate({});
    const b = validate({});
    a.notifications.desktop = false;
    a.pricing.x = { input: 1 };
    expect(b.notifications.desktop).toBe(true);
    expect(b.pricing).toEqual({});
    expect(DEFAULT_CONFIG.notifications.desktop).toBe(true);
  });
});

/** [key, accepted value, resulting value] */
const VALID: [string, unknown, unknown][] = [
  ["api_key", TEST_KEY, TEST_KEY],
  ["api_key", null, null],
  ["api_key", "", null],
  [
    "api_key_command",
    "op read op://Private/Anthropic/credential",
    "op read op://Private/Anthropic/credential",
  ],
  ["api_key_command", null, null],
  ["api_key_command", "", null],
  ["auto_switch", true, true],
  ["auto_switch", false, false],
  ["prompt_before_switch", false, false],
  ["prompt_timeout_seconds", 1, 1],
  ["prompt_timeout_seconds", 3600, 3600],
  ["prompt_timeout_seconds", 30.0, 30],
  ["cost_limit_per_session", 0, 0],
  ["cost_limit_per_session", 2.5, 2.5],
  ["cost_limit_per_session", null, null],
  ["cost_limit_per_day", 25, 25],
  ["cost_limit_per_day", null, null],
  ["cost_limit_per_month", 100.75, 100.75],
  ["log_usage", false, false],
  ["notify_at_percentage", 1, 1],
  ["notify_at_percentage", 100, 100],
  ["auto_revert_on_reset", false, false],
  ["resume_prompt", "", ""],
  ["resume_prompt", "Carry on.", "Carry on."],
  ["api_model", "claude-sonnet-4-5", "claude-sonnet-4-5"],
  ["api_model", null, null],
  ["menu_key", "ctrl-a", "ctrl-a"],
  ["menu_key", "ctrl-z", "ctrl-z"],
  ["menu_key", "ctrl-c", "ctrl-c"],
  ["menu_key", "ctrl-]", "ctrl-]"],
  ["menu_key", "ctrl-\\", "ctrl-\\"],
  ["menu_key", "ctrl-^", "ctrl-^"],
  ["menu_key", "ctrl-_", "ctrl-_"],
  ["menu_key", "Ctrl-G", "ctrl-g"],
  ["menu_key", "ctrl+]", "ctrl-]"],
  ["claude_path", "/opt/claude/bin/claude", "/opt/claude/bin/claude"],
  ["upstream_url", "https://api.anthropic.com", "https://api.anthropic.com"],
  ["upstream_url", "https://proxy.example.com/anthropic", "https://proxy.example.com/anthropic"],
  ["upstream_url", "http://127.0.0.1:8080", "http://127.0.0.1:8080"],
  ["upstream_url", "http://127.10.20.30", "http://127.10.20.30"],
  ["upstream_url", "http://localhost:4000", "http://localhost:4000"],
  ["upstream_url", "http://[::1]:4000", "http://[::1]:4000"],
  ["upstream_url", null, null],
  ["pricing", {}, {}],
  ["pricing", { "claude-x-1": { input: 3, output: 15 } }, { "claude-x-1": { input: 3, output: 15 } }],
  // A shipped model's row changes only the fields given.
  ["pricing", { "claude-sonnet-4-5": { output: 20 } }, { "claude-sonnet-4-5": { output: 20 } }],
  ["pricing", { "claude-sonnet-4-5": { input_long: 7 } }, { "claude-sonnet-4-5": { input_long: 7 } }],
  [
    "pricing",
    { "claude-x-1": { input: 100_000, output: 0 } },
    { "claude-x-1": { input: 100_000, output: 0 } },
  ],
  [
    "pricing",
    {
      "claude-sonnet-4-5": {
        input: 3,
        output: 15,
        cache_write_5m: 3.75,
        cache_write_1h: 6,
        cache_read: 0.3,
        input_long: 6,
        output_long: 22.5,
        cache_write_5m_long: 7.5,
        cache_write_1h_long: 12,
        cache_read_long: 0.6,
      },
    },
    {
      "claude-sonnet-4-5": {
        input: 3,
        output: 15,
        cache_write_5m: 3.75,
        cache_write_1h: 6,
        cache_read: 0.3,
        input_long: 6,
        output_long: 22.5,
        cache_write_5m_long: 7.5,
        cache_write_1h_long: 12,
        cache_read_long: 0.6,
      },
    },
  ],
  ["pricing", { "claude-free": { input: 0, output: 0 } }, { "claude-free": { input: 0, output: 0 } }],
  ["cost_limit_until_reset", 25, 25],
  ["cost_limit_until_reset", null, null],
  ["on_model_limit", "api", "api"],
  ["on_model_limit", "ask", "ask"],
  ["on_model_limit", "other_model", "other_model"],
  ["fallback_model", "sonnet", "sonnet"],
  ["fallback_model", null, null],
];

describe("valid values", () => {
  it.each(VALID)("%s = %j is accepted", (key, value, result) => {
    const config = validate({ [key]: value });
    expect(config[key as keyof Config]).toEqual(result);
  });

  it("covers every key at least once (besides notifications, tested below)", () => {
    const covered = new Set(VALID.map(([key]) => key));
    expect(CONFIG_KEYS.filter((key) => !covered.has(key))).toEqual(["notifications"]);
  });
});

/** [key, rejected value, text the one-line message must contain] */
const INVALID: [string, unknown, string][] = [
  ["api_key", 42, "api_key is 42: wrong type (a number)"],
  ["api_key", "hunter2", "not an Anthropic API key"],
  ["api_key", "sk-ant-", "not a whole Anthropic API key"],
  ["api_key", "sk-live-0123456789abcdef", "not an Anthropic API key"],
  ["api_key", ` ${TEST_KEY}`, "surrounded by whitespace"],
  ["api_key", `sk-ant-oat01-test${"q".repeat(40)}`, "subscription login token"],
  ["api_key_command", 1, "api_key_command is 1: wrong type (a number)"],
  ["api_key_command", ["op", "read"], "api_key_command is an array: wrong type (an array)"],
  ["auto_switch", "yes", 'auto_switch is "yes": wrong type (a string); allowed: true or false'],
  ["auto_switch", 1, "auto_switch is 1: wrong type (a number); allowed: true or false"],
  ["auto_switch", null, "auto_switch is null: wrong type (null)"],
  ["prompt_before_switch", "true", 'prompt_before_switch is "true": wrong type'],
  [
    "prompt_timeout_seconds",
    0,
    "prompt_timeout_seconds is 0: out of range; allowed: a whole number of seconds",
  ],
  ["prompt_timeout_seconds", 3601, "prompt_timeout_seconds is 3601: out of range"],
  ["prompt_timeout_seconds", 1.5, "prompt_timeout_seconds is 1.5: not a whole number"],
  ["prompt_timeout_seconds", "120", 'prompt_timeout_seconds is "120": wrong type (a string)'],
  [
    "cost_limit_per_session",
    -1,
    "cost_limit_per_session is -1: out of range; allowed: a number of US dollars ≥ 0",
  ],
  ["cost_limit_per_session", "10", 'cost_limit_per_session is "10": wrong type'],
  ["cost_limit_per_day", -0.01, "cost_limit_per_day is -0.01: out of range"],
  [
    "cost_limit_per_day",
    Number.POSITIVE_INFINITY,
    "cost_limit_per_day is Infinity: too large; allowed: a number",
  ],
  ["notify_at_percentage", Number.POSITIVE_INFINITY, "notify_at_percentage is Infinity: too large"],
  ["cost_limit_per_month", false, "cost_limit_per_month is false: wrong type (a boolean)"],
  ["log_usage", 0, "log_usage is 0: wrong type"],
  [
    "notify_at_percentage",
    0,
    "notify_at_percentage is 0: out of range; allowed: a whole number from 1 to 100",
  ],
  ["notify_at_percentage", 101, "notify_at_percentage is 101: out of range"],
  ["notify_at_percentage", 80.5, "notify_at_percentage is 80.5: not a whole number"],
  ["notify_at_percentage", null, "notify_at_percentage is null: wrong type"],
  ["auto_revert_on_reset", "no", "auto_revert_on_reset is"],
  ["resume_prompt", null, "resume_prompt is null: wrong type"],
  ["resume_prompt", 5, "resume_prompt is 5: wrong type"],
  ["api_model", "", 'api_model is "": empty'],
  ["api_model", 4, "api_model is 4: wrong type"],
  ["notifications", true, "notifications is true: wrong type (a boolean); allowed: an object with terminal"],
  ["notifications", null, "notifications is null: wrong type"],
  [
    "menu_key",
    "ctrl-[",
    'menu_key is "ctrl-[": not a key the wrapper can recognise; allowed: ctrl-a … ctrl-z',
  ],
  ["menu_key", "alt-x", "not a key the wrapper can recognise"],
  ["menu_key", "ctrl-1", "not a key the wrapper can recognise"],
  ["menu_key", "ctrl-m", "ctrl-m sends the same byte as Enter"],
  ["menu_key", "ctrl-i", "ctrl-i sends the same byte as Tab"],
  ["menu_key", "ctrl-h", "ctrl-h sends the same byte as Backspace"],
  ["menu_key", "ctrl-j", "ctrl-j sends the same byte as Enter"],
  ["menu_key", 29, "menu_key is 29: wrong type"],
  ["claude_path", "", 'claude_path is "": empty'],
  ["claude_path", null, "claude_path is null: wrong type"],
  ["upstream_url", "http://api.anthropic.com", "http:// is only allowed for a loopback host"],
  ["upstream_url", "http://128.0.0.1", "http:// is only allowed for a loopback host"],
  ["upstream_url", "http://localhost.evil.com", "http:// is only allowed for a loopback host"],
  ["upstream_url", "api.anthropic.com", 'upstream_url is "api.anthropic.com": not a URL'],
  ["upstream_url", "ftp://example.com", "scheme ftp: is not http(s)"],
  ["upstream_url", "https://user:pw@example.com", "credentials in the URL are not allowed"],
  ["upstream_url", 8080, "upstream_url is 8080: wrong type"],
  ["pricing", [], "pricing is an array: wrong type (an array); allowed: an object mapping model ids"],
  [
    "pricing",
    { "claude-x": 3 },
    "pricing.claude-x is 3: wrong type (a number); allowed: an object of prices",
  ],
  ["pricing", { "claude-x": { input: -1 } }, "pricing.claude-x.input is -1: out of range; allowed: a price"],
  ["pricing", { "claude-x": { output: "15" } }, 'pricing.claude-x.output is "15": wrong type'],
  ["pricing", { "claude-4.5": { input: null } }, 'pricing["claude-4.5"].input is null: wrong type'],
  ["pricing", { "": { input: 1 } }, "not a valid key (must not be empty)"],
  // Above the cap a derived rate (2 × input) could reach Infinity, which no cost can be made of.
  ["pricing", { "claude-x": { input: 1e308, output: 1 } }, "out of range; allowed: a price in US dollars"],
  ["pricing", { "claude-x": { input: 100_001, output: 1 } }, "from 0 to 100000"],
  // The schema is the only check of a row's fields, types and ranges: the price list trusts them.
  ["pricing", { "claude-sonnet-4-6": { input: -1 } }, "pricing.claude-sonnet-4-6.input is -1: out of range"],
  ["pricing", { "claude-sonnet-4-6": { output: Number.NaN } }, "pricing.claude-sonnet-4-6.output is NaN:"],
  ["pricing", { "claude-sonnet-4-6": { input: "3" } }, 'pricing.claude-sonnet-4-6.input is "3": wrong type'],
  ["pricing", { "claude-sonnet-4-6": { inputs: 3 } }, 'unknown key "inputs" in pricing.claude-sonnet-4-6'],
  [
    "pricing",
    { "claude-sonnet-4-6": null },
    "pricing.claude-sonnet-4-6 is null: wrong type (null); allowed: an object of prices",
  ],
  // `long_context_threshold` and `fast` are the shipped table's, never a config row's.
  [
    "pricing",
    { "claude-sonnet-4-6": { long_context_threshold: 0 } },
    'unknown key "long_context_threshold" in pricing.claude-sonnet-4-6',
  ],
  ["pricing", { m: { input: 1, output: 1, fast: { input: 1 } } }, 'unknown key "fast" in pricing.m'],
  // Complete rows: the rule is the price list's (createPricing), applied by the loader.
  [
    "pricing",
    { "my-model": { input: 1 } },
    "pricing.my-model.output: required for a model not in the shipped price table (give at least input and output)",
  ],
  ["pricing", { "my-model": { output: 1 } }, "pricing.my-model.input: required"],
  [
    "pricing",
    { "claude-opus-5-5": { input_long: 1 } },
    "pricing.claude-opus-5-5.output_long: required when giving long-context prices for a model without a long-context tier",
  ],
  [
    "pricing",
    { "my-model": { input: 1, output: 2, output_long: 3 } },
    "pricing.my-model.input_long: required when giving long-context prices",
  ],
  ["pricing", { "[1m]": { input: 1, output: 2 } }, 'pricing["[1m]"]: a model id is required'],
  ["cost_limit_until_reset", -5, "cost_limit_until_reset is -5: out of range"],
  ["cost_limit_until_reset", "5", 'cost_limit_until_reset is "5": wrong type'],
  ["on_model_limit", "sonnet", 'on_model_limit is "sonnet"'],
  [
    "on_model_limit",
    "sonnet",
    '"other_model" (continue free on another model), "api" (bill the key) or "ask"',
  ],
  ["fallback_model", "", 'fallback_model is "": empty'],
  ["fallback_model", 3, "fallback_model is 3: wrong type"],
];

describe("invalid values", () => {
  it.each(INVALID)(
    "%s = %j is rejected naming the key, value and what is allowed",
    (key, value, expected) => {
      const message = errorOf({ [key]: value });
      expect(message).toContain(`config file ${FILE}: `);
      expect(message).toContain(expected);
      expect(message).not.toContain("\n");
    },
  );

  it("covers every key at least once", () => {
    const covered = new Set(INVALID.map(([key]) => key));
    expect(CONFIG_KEYS.filter((key) => !covered.has(key))).toEqual([]);
  });

  it("counts further problems without listing them", () => {
    expect(errorOf({ auto_switch: 1, log_usage: 2 })).toMatch(/auto_switch is 1: .*\(and 1 more problem\)$/);
    expect(errorOf({ auto_switch: 1, log_usage: 2, menu_key: 3 })).toMatch(/\(and 2 more problems\)$/);
  });

  it("cuts long values short", () => {
    const message = errorOf({ menu_key: "x".repeat(500) });
    expect(message).toContain(`menu_key is "${"x".repeat(20)}`);
    expect(message).not.toContain("x".repeat(100));
    expect(errorOf({ claude_path: ["a".repeat(500)] })).toContain("claude_path is an array: wrong type");
  });
});

describe("notifications", () => {
  it.each([
    [{}, { terminal: true, desktop: true, webhook_url: null }],
    [{ desktop: false }, { terminal: true, desktop: false, webhook_url: null }],
    [{ terminal: false }, { terminal: false, desktop: true, webhook_url: null }],
    [
      { webhook_url: "https://hooks.example.com/T0/B0/xyz" },
      { terminal: true, desktop: true, webhook_url: "https://hooks.example.com/T0/B0/xyz" },
    ],
    [
      { webhook_url: "http://10.0.0.5:9000/notify", terminal: false, desktop: false },
      { terminal: false, desktop: false, webhook_url: "http://10.0.0.5:9000/notify" },
    ],
  ])("partial %j merges with the defaults", (partial, merged) => {
    expect(validate({ notifications: partial }).notifications).toEqual(merged);
  });

  it.each([
    [{ terminal: "yes" }, 'notifications.terminal is "yes": wrong type (a string); allowed: true or false'],
    [{ desktop: null }, "notifications.desktop is null: wrong type"],
    [{ webhook_url: 5 }, "notifications.webhook_url is 5: wrong type"],
    [
      { webhook_url: "slack" },
      'notifications.webhook_url is "slack": not a URL; allowed: an http:// or https://',
    ],
    [{ webhook_url: "ftp://files.example.com/x" }, "scheme ftp: is not http(s)"],
    [{ webhook_url: "" }, "not a URL"],
  ])("%j is rejected", (notifications, expected) => {
    expect(errorOf({ notifications })).toContain(expected);
  });

  it("a bad webhook URL's path, which is often its secret, is not shown", () => {
    const message = errorOf({
      notifications: { webhook_url: "mailto://hooks.example.com/T0SECRET/B0SECRET" },
    });
    expect(message).toContain("notifications.webhook_url");
    expect(message).not.toContain("SECRET");
  });
});

describe("unknown keys", () => {
  it.each([
    ["auto_swich", "auto_switch"],
    ["autoSwitch", "auto_switch"],
    ["auto-switch", "auto_switch"],
    ["AUTO_SWITCH", "auto_switch"],
    ["apikey", "api_key"],
    ["api_key_cmd", "api_key_command"],
    ["cost_limit_per_sesion", "cost_limit_per_session"],
    ["cost_limit_per_week", "cost_limit_per_day"],
    ["notify_at_percent", "notify_at_percentage"],
    ["notification", "notifications"],
    ["menukey", "menu_key"],
    ["upstream", "upstream_url"],
    ["price", "pricing"],
    ["claude", "claude_path"],
  ])("%s suggests %s", (unknown, suggestion) => {
    expect(errorOf({ [unknown]: 1 })).toBe(
      `config file ${FILE}: unknown key "${unknown}"; did you mean "${suggestion}"?`,
    );
  });

  it("lists the known keys when nothing is close", () => {
    const message = errorOf({ zzzzzzzzzzzz: 1 });
    expect(message).toContain(
      'unknown key "zzzzzzzzzzzz"; known keys: api_key, api_key_command, auto_switch',
    );
    expect(message).toContain("pricing");
  });

  it.each([
    [{ notifications: { desktp: false } }, 'unknown key "desktp" in notifications; did you mean "desktop"?'],
    [
      { notifications: { webhook: "x" } },
      'unknown key "webhook" in notifications; did you mean "webhook_url"?',
    ],
    [{ notifications: { email: "a@b" } }, "in notifications; known keys: terminal, desktop, webhook_url"],
    [
      { pricing: { "claude-x": { inptu: 1 } } },
      'unknown key "inptu" in pricing.claude-x; did you mean "input"?',
    ],
    [{ pricing: { m: { cache_read_long_x: 1 } } }, 'did you mean "cache_read_long"?'],
  ])("nested %j", (data, expected) => {
    expect(errorOf(data)).toContain(expected);
  });

  it("an unknown key is reported before other problems, with a count of the rest", () => {
    expect(errorOf({ auto_switch: "x", log_usge: true, zzz_other: 1 })).toBe(
      `config file ${FILE}: unknown key "log_usge" (and 1 more unknown); did you mean "log_usage"? (and 1 more problem)`,
    );
  });
});

describe("the top level", () => {
  it.each([
    [[], "found an array"],
    [null, "found null"],
    ["text", "found a string"],
    [3, "found a number"],
    [true, "found a boolean"],
  ])("%j is rejected", (data, expected) => {
    expect(errorOf(data)).toBe(
      `config file ${FILE}: the top level must be a JSON object ({ "key": value, … }), ${expected}`,
    );
  });
});

describe("api key masking in messages", () => {
  const notKeys = [
    `sk-ant-api03-test${"x".repeat(60)} `,
    `sk-ant-oat01-test${"y".repeat(60)}`,
    `xk-ant-api03-test${"z".repeat(60)}`,
    `sk-ant-api03-test${"w".repeat(40)}!!`,
  ];
  it.each(notKeys)("a rejected api_key %# never appears whole", (value) => {
    const message = errorOf({ api_key: value });
    expect(message).toContain("api_key is");
    expect(message).not.toContain(value.trim());
    expect(message).not.toContain(value.trim().slice(0, 30));
  });

  it("a valid key that lands in another key's error is masked too", () => {
    const misplaced = errorOf({ menu_key: TEST_KEY });
    expect(misplaced).not.toContain(TEST_KEY);
    expect(misplaced).toContain("sk-ant-…WXYZ");
  });
});

describe("seed compatibility", () => {
  it("the seed's example file validates unchanged", () => {
    const seed = JSON.parse(
      `{"api_key": "${TEST_KEY}", "auto_switch": false, "prompt_before_switch": true, "cost_limit_per_session": 10.0, "log_usage": true, "notify_at_percentage": 80, "auto_revert_on_reset": true}`,
    );
    expect(TEST_KEY).toHaveLength(95);
    const config = validate(seed);
    expect(config).toMatchObject(seed);
    expect(config.api_key).toBe(TEST_KEY);
  });
});

describe("apiKeyProblem", () => {
  it.each([
    [TEST_KEY, null],
    ["sk-ant-api03-test_abcdEFGH", null],
    ["sk-ant-admin01-test-abcdefgh", null],
    [
      "sk-ant-abc",
      "not a whole Anthropic API key (after sk-ant-: at least 8 letters, digits, - or _, nothing else)",
    ],
    ["sk-live-0123456789abcdef", "not an Anthropic API key (expected sk-ant-…)"],
    [`sk-ant-oat01-test${"a".repeat(20)}`, "a Claude subscription login token (sk-ant-oat…), not an API key"],
    [`${TEST_KEY}\n`, "surrounded by whitespace"],
    [
      `sk-ant-api03-test${"a".repeat(10)} x`,
      "not a whole Anthropic API key (after sk-ant-: at least 8 letters, digits, - or _, nothing else)",
    ],
    ["", "not an Anthropic API key (expected sk-ant-…)"],
  ])("%j → %j", (value, problem) => {
    expect(apiKeyProblem(value)).toBe(problem);
  });
});

describe("menuKeyByte", () => {
  it.each([
    ["ctrl-a", 0x01],
    ["ctrl-c", 0x03],
    ["ctrl-z", 0x1a],
    ["ctrl-\\", 0x1c],
    ["ctrl-]", 0x1d],
    ["ctrl-^", 0x1e],
    ["ctrl-_", 0x1f],
    ["Ctrl-B", 0x02],
  ])("%s sends %i", (key, byte) => {
    expect(menuKeyByte(key)).toBe(byte);
  });

  it.each(["ctrl-m", "ctrl-[", "f1", ""])("%j is refused", (key) => {
    expect(() => menuKeyByte(key)).toThrow(RangeError);
  });
});

describe("PriceRowSchema", () => {
  it("accepts partial rows (completeness is the loader's check) and rejects unknown fields and negative prices", () => {
    expect(PriceRowSchema.parse({ output: 15 })).toEqual({ output: 15 });
    expect(PriceRowSchema.safeParse({ inputs: 1 }).success).toBe(false);
    expect(PriceRowSchema.safeParse({ input: -1 }).success).toBe(false);
  });

  it("is the schema pricing rows are checked with", () => {
    const shape = ConfigSchema.shape.pricing;
    expect(shape.safeParse({ m: { cache_read_long: 0.6 } }).success).toBe(true);
  });
});

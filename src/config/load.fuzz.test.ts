/**
 * Fuzzing the config loader with bad input (issue #6): whatever the file holds, loading it gives a
 * valid config or a UsageError (exit 2) whose message is one line naming the file, never another
 * exception, never a stack, never the API key. Fixed seeds, bounded runs.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { UsageError } from "../errors.js";
import { createPricing, normalizeModelId } from "../pricing/pricing.js";
import { loadConfig, parseConfigText } from "./load.js";
import { CONFIG_KEYS, type Config, type ConfigKey, ConfigSchema } from "./schema.js";

// The runs are bounded, but the machine is shared with other test runs: generous time per test.
vi.setConfig({ testTimeout: 30_000 });

const FILE = "/cfg/fuzz/config.json";
/** A made-up key of the real length; not a credential. */
const TEST_KEY = `sk-ant-api03-test${"Fz9_q-Lm".repeat(9).slice(0, 70)}7777wxyz`;

type Outcome = { ok: true; config: Config } | { ok: false; message: string };

/**
 * The contract every input is held to: a config, or a one-line UsageError for this file. Any other
 * throw fails the property with that error.
 */
function outcome(text: string, path = FILE): Outcome {
  let config: Config;
  try {
    config = parseConfigText(text, path);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    expect(error.exitCode).toBe(2);
    expectOneLine(error.message, path);
    return { ok: false, message: error.message };
  }
  // What comes out is a complete, valid config: every key, and it validates again as it is.
  expect(Object.keys(config).sort()).toEqual([...CONFIG_KEYS].sort());
  expect(ConfigSchema.safeParse(config).success).toBe(true);
  // A run builds its price list from it without a complaint the loader let through.
  expect(() => createPricing(config.pricing)).not.toThrow();
  return { ok: true, config };
}

function expectOneLine(message: string, path: string): void {
  expect(message.startsWith(`config file ${path}`)).toBe(true);
  // No line break, no terminal control character: one clean line on stderr.
  expect(message).not.toMatch(/[\p{Cc}\p{Zl}\p{Zp}\u00a0\u200b-\u200f\u202a-\u202e\u2066-\u2069]/u);
  expect(message).not.toMatch(/\bat .*\(.*:\d+:\d+\)/);
  expect(message).not.toContain(TEST_KEY);
  expect(message.length).toBeLessThan(1000);
}

function errorOf(text: string): string {
  const result = outcome(text);
  if (result.ok) throw new Error(`expected ${JSON.stringify(text.slice(0, 200))} to be rejected`);
  return result.message;
}

// ---------------------------------------------------------------------------------------------
// Generators.

const bool = fc.boolean();
const finiteUsd = fc.double({ min: 0, max: 1e9, noNaN: true, noDefaultInfinity: true });
const apiKey = fc
  .stringMatching(/^[A-Za-z0-9_-]{8,40}$/)
  .map((tail) => `sk-ant-api03-test${tail}`)
  .filter((key) => !key.startsWith("sk-ant-oat"));
const menuKeys = [..."abcdefgklnopqrstuvwxyz"]
  .map((letter) => `ctrl-${letter}`)
  .concat(["ctrl-]", "ctrl-\\"]);
/** The canonical spelling, `Ctrl+X`, capitals, surrounding spaces: all accepted. */
const menuKey = fc
  .tuple(fc.constantFrom(...menuKeys), fc.boolean())
  .map(([key, plus]) => (plus ? key.replace("ctrl-", "ctrl+") : key))
  .chain((key) => fc.constantFrom(key, key.toUpperCase(), ` ${key} `));
const price = fc.double({ min: 0, max: 100_000, noNaN: true, noDefaultInfinity: true });
/** A row complete for any model: input and output, and a long tier given whole or not at all. */
const priceRow = fc
  .tuple(
    fc.record(
      { input: price, output: price, cache_write_5m: price, cache_write_1h: price, cache_read: price },
      { requiredKeys: ["input", "output"] },
    ),
    fc.option(
      fc.record(
        {
          input_long: price,
          output_long: price,
          cache_write_5m_long: price,
          cache_write_1h_long: price,
          cache_read_long: price,
        },
        { requiredKeys: ["input_long", "output_long"] },
      ),
      { nil: undefined },
    ),
  )
  .map(([base, long]) => ({ ...base, ...long }));
/** Ids that name a model (`[1m]` or `anthropic.` alone normalise to nothing). */
const modelId = fc
  .string({ minLength: 1, maxLength: 30 })
  .filter((id) => id !== "__proto__" && normalizeModelId(id) !== "");

/** For every key, values the schema accepts. */
const VALID: Record<ConfigKey, fc.Arbitrary<unknown>> = {
  api_key: fc.oneof(fc.constant(null), fc.constant(""), apiKey),
  api_key_command: fc.oneof(fc.constant(null), fc.string()),
  auto_switch: bool,
  prompt_before_switch: bool,
  prompt_timeout_seconds: fc.integer({ min: 1, max: 3600 }),
  cost_limit_per_session: fc.oneof(fc.constant(null), finiteUsd),
  cost_limit_per_day: fc.oneof(fc.constant(null), finiteUsd),
  cost_limit_per_month: fc.oneof(fc.constant(null), finiteUsd),
  log_usage: bool,
  notify_at_percentage: fc.integer({ min: 1, max: 100 }),
  auto_revert_on_reset: bool,
  resume_prompt: fc.string(),
  api_model: fc.oneof(fc.constant(null), fc.string({ minLength: 1 })),
  notifications: fc.record(
    {
      terminal: bool,
      desktop: bool,
      webhook_url: fc.oneof(
        fc.constant(null),
        fc.webUrl({ validSchemes: ["http", "https"], withQueryParameters: true, withFragments: true }),
      ),
    },
    { requiredKeys: [] },
  ),
  menu_key: menuKey,
  claude_path: fc.string({ minLength: 1 }),
  upstream_url: fc.oneof(
    fc.constant(null),
    fc.webUrl({ validSchemes: ["https"] }),
    fc.integer({ min: 1, max: 65535 }).map((port) => `http://127.0.0.1:${port}/v1`),
  ),
  pricing: fc.dictionary(modelId, priceRow, { maxKeys: 4 }),
  cost_limit_until_reset: fc.oneof(fc.constant(null), finiteUsd),
  on_model_limit: fc.constantFrom("other_model", "api", "ask"),
  fallback_model: fc.oneof(fc.constant(null), fc.string({ minLength: 1 })),
};

const anyJson = fc.jsonValue({ maxDepth: 4 });
const notBool = anyJson.filter((value) => typeof value !== "boolean");
const notNumber = anyJson.filter((value) => typeof value !== "number");
const notString = anyJson.filter((value) => typeof value !== "string");
const nanIsh = fc.constantFrom("NaN", "Infinity", "-Infinity", "1e400", "0x10", "", " 10 ", "10", "null");
const badInt = (min: number, max: number) =>
  fc.oneof(
    notNumber,
    nanIsh,
    fc.integer({ min: -1e9, max: min - 1 }),
    fc.integer({ min: max + 1, max: 1e12 }),
    fc.double({ min, max, noNaN: true }).filter((value) => !Number.isInteger(value)),
  );
const badUsd = fc.oneof(
  notNumber.filter((value) => value !== null),
  nanIsh,
  fc.double({ max: -Number.MIN_VALUE, noNaN: true, noDefaultInfinity: true }),
);

/** For every key, values the schema must refuse. */
const INVALID: Record<ConfigKey, fc.Arbitrary<unknown>> = {
  api_key: fc.oneof(
    notString.filter((value) => value !== null),
    fc.string({ minLength: 1 }).filter((value) => !/^sk-ant-[A-Za-z0-9_-]{8,}$/.test(value)),
    fc.constant(`${TEST_KEY} `),
    fc.constant(`sk-ant-oat01-test${"x".repeat(20)}`),
  ),
  api_key_command: notString.filter((value) => value !== null),
  auto_switch: notBool,
  prompt_before_switch: notBool,
  prompt_timeout_seconds: badInt(1, 3600),
  cost_limit_per_session: badUsd,
  cost_limit_per_day: badUsd,
  cost_limit_per_month: badUsd,
  log_usage: notBool,
  notify_at_percentage: badInt(1, 100),
  auto_revert_on_reset: notBool,
  resume_prompt: notString,
  api_model: fc.oneof(
    notString.filter((value) => value !== null),
    fc.constant(""),
  ),
  notifications: fc.oneof(
    anyJson.filter((value) => typeof value !== "object" || value === null || Array.isArray(value)),
    fc.record({ terminal: notBool }),
    fc.record({ webhook_url: fc.constantFrom("not a url", "ftp://x.example/", "https://u:p@x.example/") }),
    fc.record({ [`junk_${"k"}`]: anyJson }),
  ),
  menu_key: fc.oneof(
    notString,
    fc.constantFrom("ctrl-h", "ctrl-i", "ctrl-j", "ctrl-m", "alt-x", "ctrl-", "", "esc", "ctrl-1"),
  ),
  claude_path: fc.oneof(notString, fc.constant("")),
  upstream_url: fc.oneof(
    notString.filter((value) => value !== null),
    fc.constantFrom(
      "http://example.com",
      "not a url",
      "file:///etc/passwd",
      "https://user:pw@api.example/",
      "",
    ),
  ),
  pricing: fc.oneof(
    anyJson.filter((value) => typeof value !== "object" || value === null || Array.isArray(value)),
    fc.record({ "claude-x": notString.filter((value) => typeof value !== "object" || value === null) }),
    fc.record({ "claude-x": fc.record({ input: badUsd }) }),
    fc.record({ "claude-x": fc.record({ bogus_rate: fc.double() }) }),
    fc.record({ "": fc.record({ input: fc.constant(1) }) }),
  ),
  cost_limit_until_reset: badUsd,
  on_model_limit: anyJson.filter((value) => !["other_model", "api", "ask"].includes(value as string)),
  fallback_model: fc.oneof(
    notString.filter((value) => value !== null),
    fc.constant(""),
  ),
};

const validConfig = fc.record(VALID, { requiredKeys: [] });

/** A valid config with exactly one key set to a value it must refuse. */
const oneWrongKey = fc
  .tuple(validConfig, fc.constantFrom(...CONFIG_KEYS))
  .chain(([config, key]) =>
    INVALID[key].map((value) => ({ config: { ...config, [key]: value } as Record<string, unknown>, key })),
  );

// ---------------------------------------------------------------------------------------------

describe("parseConfigText on arbitrary text", () => {
  test("arbitrary strings (any code points, lone surrogates): a config or a one-line error", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => {
        outcome(text);
      }),
      { seed: 6301, numRuns: 1500 },
    );
  });

  test("arbitrary bytes decoded as a file is read: a config or a one-line error", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        outcome(Buffer.from(bytes).toString("utf8"));
      }),
      { seed: 6302, numRuns: 1500 },
    );
  });

  test("JSON-ish text: mutated valid files (cut, spliced, a byte changed)", () => {
    const mutated = fc
      .tuple(
        validConfig.map((config) => JSON.stringify(config, null, 2)),
        fc.nat(),
        fc.nat(),
        fc.constantFrom(
          "",
          ",",
          "}",
          "{",
          "]",
          '"',
          "'",
          "//",
          "/*",
          "\\",
          "\n",
          "\u0000",
          "\uFEFF",
          "\uD800",
          "NaN",
          "1e400",
          "tru",
        ),
      )
      .map(([text, at, length, insert]) => {
        const start = at % (text.length + 1);
        return text.slice(0, start) + insert + text.slice(start + (length % 4));
      });
    fc.assert(
      fc.property(mutated, (text) => {
        outcome(text);
      }),
      { seed: 6303, numRuns: 1000 },
    );
  });

  test("arbitrary JSON values: anything but an object is refused as the wrong top level", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const result = outcome(JSON.stringify(value));
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.message).toContain("the top level must be a JSON object");
        }
      }),
      { seed: 6304, numRuns: 1000 },
    );
  });

  test("arbitrary objects (keys and values of any kind): a config or a one-line error", () => {
    const objects = fc.oneof(
      fc.dictionary(fc.string({ maxLength: 20 }), anyJson, { maxKeys: 6 }),
      fc.dictionary(fc.constantFrom(...CONFIG_KEYS, "notifications", "pricing"), anyJson, { maxKeys: 6 }),
    );
    fc.assert(
      fc.property(objects, (value) => {
        outcome(JSON.stringify(value));
      }),
      { seed: 6305, numRuns: 1000 },
    );
  });
});

describe("parseConfigText on configs", () => {
  test("every valid config is accepted, with the values given and defaults for the rest", () => {
    fc.assert(
      fc.property(validConfig, fc.boolean(), (config, bom) => {
        const text = (bom ? "\uFEFF" : "") + JSON.stringify(config, null, 2);
        const result = outcome(text);
        if (!result.ok) throw new Error(result.message);
        expect(result.config.auto_switch).toBe(config.auto_switch ?? false);
        expect(result.config.notify_at_percentage).toBe(config.notify_at_percentage ?? 80);
        expect(result.config.cost_limit_per_day).toBe(config.cost_limit_per_day ?? null);
        expect(result.config.pricing).toEqual(config.pricing ?? {});
        expect(result.config.api_key).toBe(config.api_key === "" ? null : (config.api_key ?? null));
      }),
      { seed: 6306, numRuns: 600 },
    );
  });

  test("pricing rows with any subset of fields, under any model id: accepted only if a run can use them", () => {
    // `outcome` holds an accepted config to createPricing; a refusal must be one line about pricing.
    const partialRow = fc.record(
      { input: price, output: price, input_long: price, output_long: price, cache_read_long: price },
      { requiredKeys: [] },
    );
    const ids = fc.oneof(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.constantFrom(
        "claude-opus-5-5",
        "claude-sonnet-4-5",
        "my-model",
        "[1m]",
        "line\u2028break",
        "nb\u00a0sp",
      ),
    );
    fc.assert(
      fc.property(fc.dictionary(ids, partialRow, { maxKeys: 3 }), (pricing) => {
        const result = outcome(JSON.stringify({ pricing }));
        if (!result.ok) expect(result.message).toMatch(new RegExp(`^config file ${FILE}: pricing[.[]`));
      }),
      { seed: 6313, numRuns: 500 },
    );
  });

  test("one key with a value it does not allow: refused, and the message names that key", () => {
    fc.assert(
      fc.property(oneWrongKey, ({ config, key }) => {
        const message = errorOf(JSON.stringify(config));
        expect(message).toContain(key);
      }),
      { seed: 6307, numRuns: 1000 },
    );
  });

  test("the API key never appears in a message, whatever key it was put under", () => {
    fc.assert(
      fc.property(fc.constantFrom(...CONFIG_KEYS, "unknown_key"), fc.boolean(), (key, alsoValid) => {
        const config: Record<string, unknown> = { [key]: TEST_KEY, prompt_timeout_seconds: 0 };
        if (alsoValid && key !== "api_key") config.api_key = TEST_KEY;
        const result = outcome(JSON.stringify(config));
        expect(result.ok).toBe(false);
      }),
      { seed: 6308, numRuns: 200 },
    );
  });

  test("numbers JSON.stringify cannot write: huge, tiny, long, negative zero", () => {
    const literal = fc.oneof(
      fc.constantFrom("1e400", "-1e400", "1e-400", "-0", "0e0", "123456789012345678901234567890", "1E+2"),
      fc.stringMatching(/^-?(0|[1-9]\d{0,30})(\.\d{1,30})?([eE][+-]?\d{1,4})?$/),
    );
    fc.assert(
      fc.property(fc.constantFrom(...CONFIG_KEYS), literal, (key, number) => {
        const result = outcome(`{"${key}": ${number}}`);
        const value = Number(number);
        if (!result.ok && !Number.isFinite(value)) expect(result.message).toContain(`is ${value}`);
      }),
      { seed: 6309, numRuns: 1000 },
    );
  });

  test("duplicate keys: the last one counts, as in JSON.parse", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CONFIG_KEYS),
        fc.tuple(anyJson, anyJson),
        validConfig,
        (key, [first, second], rest) => {
          const last = { ...rest, [key]: second };
          const text = `{"${key}": ${JSON.stringify(first)}, ${JSON.stringify(last).slice(1)}`;
          const withDuplicate = outcome(text);
          const withoutDuplicate = outcome(JSON.stringify(last));
          expect(withDuplicate).toEqual(withoutDuplicate);
        },
      ),
      { seed: 6310, numRuns: 300 },
    );
  });

  test("deep nesting, valid or broken, anywhere in the file: one line, no stack overflow", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200_000 }),
        fc.constantFrom("[", '{"a":'),
        fc.constantFrom("top", "pricing", "notifications", "unknown"),
        fc.boolean(),
        (depth, open, where, closed) => {
          const close = open === "[" ? "]" : "}";
          const nested = open.repeat(depth) + (closed ? `1${close.repeat(depth)}` : "");
          const text =
            where === "top"
              ? nested
              : where === "unknown"
                ? `{"deep": ${nested}}`
                : `{"${where}": {"claude-x": ${nested}}}`;
          const result = outcome(text);
          expect(result.ok).toBe(false);
        },
      ),
      { seed: 6311, numRuns: 25 },
    );
  });

  // Regression (found by the byte fuzzer, seed 6302): DEL, C1 controls, line separators and bidi
  // overrides went into messages raw, as JSON.stringify leaves them unescaped.
  test.each([
    ["an unexpected DEL", "\u007f", 'unexpected character "\\u007f"'],
    ["an unexpected C1 CSI", "\u009b", 'unexpected character "\\u009b"'],
    ["an unexpected NBSP", '{\u00a0"a": 1}', 'unexpected character "\\u00a0"'],
    ["an unknown key with a line separator", '{"a\u2028b": 1}', 'unknown key "a\\u2028b"'],
    ["an unknown key with a bidi override", '{"a\u202eb": 1}', 'unknown key "a\\u202eb"'],
    ["a value with C1 controls", '{"menu_key": "x\u009b31m"}', 'menu_key is "x\\u009b31m"'],
    ["a pricing model id with DEL", '{"pricing": {"m\u007f": {"input": -1}}}', 'pricing["m\\u007f"].input'],
    ["a masked key ending in C1", '{"api_key": "sk-ant-abcdefghijkl\u0085\u0085\u0085\u0085"}', "…\\u0085"],
  ])("%s is escaped in the message", (_name, text, expected) => {
    expect(errorOf(text)).toContain(expected);
  });

  test("byte-order marks: one is allowed, a second or a misplaced one is a one-line error", () => {
    expect(outcome('\uFEFF{"auto_switch": true}')).toMatchObject({ ok: true, config: { auto_switch: true } });
    expect(errorOf('\uFEFF\uFEFF{"auto_switch": true}')).toContain("line 1, column 1");
    expect(errorOf('{"auto_switch": \uFEFFtrue}')).toContain("invalid JSON");
  });
});

// ---------------------------------------------------------------------------------------------
// Through the file system: bytes on disk, read as the CLI reads them.

describe("loadConfig on files of arbitrary bytes", () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "cf-config-fuzz-"));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test("invalid UTF-8, NULs, BOMs and UTF-16: a config or a one-line error naming the file", () => {
    const path = join(dir, "config.json");
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      validConfig.map((config) => new Uint8Array(Buffer.from(JSON.stringify(config), "utf16le"))),
      fc
        .tuple(validConfig, fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.nat())
        .map(([config, junk, at]) => {
          const text = Buffer.from(JSON.stringify(config));
          const cut = at % (text.length + 1);
          return new Uint8Array(Buffer.concat([text.subarray(0, cut), junk, text.subarray(cut)]));
        }),
    );
    fc.assert(
      fc.property(bytes, (content) => {
        writeFileSync(path, content);
        chmodSync(path, 0o600);
        let loaded: ReturnType<typeof loadConfig>;
        try {
          loaded = loadConfig({ configFlag: path, env: { HOME: dir } });
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
          expectOneLine(error.message, path);
          return;
        }
        expect(loaded.warnings).toEqual([]);
        expect(ConfigSchema.safeParse(loaded.config).success).toBe(true);
      }),
      { seed: 6312, numRuns: 300 },
    );
  });
});

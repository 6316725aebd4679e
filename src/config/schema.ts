import * as z from "zod/mini";
import { isLoopbackHostname } from "../platform/loopback.js";

/** What to do without a key (SPEC §4.9): said by a limit notice, `use api`, `--force-api` and the menu. */
export const NO_KEY_MESSAGE =
  "no API key is configured for API billing: set CLAUDE_FALLBACK_API_KEY, or api_key_command / api_key in the config (claude-fallback config init)";

/**
 * The config file's schema (SPEC §10). It is the single source of the config type, the defaults
 * and the ranges; `load.ts` turns its issues into one-line messages, using the `allowed` text each
 * field is registered with to tell the user what the key accepts.
 *
 * Written with zod/mini, the same validator as classic zod without its per-object methods: classic
 * zod built these schemas in ~17 ms at every start, before Claude could be spawned (~4 ms now).
 */

/** Per-field metadata the loader uses to explain what a key accepts. */
export interface FieldInfo {
  /** What the key accepts, phrased to follow "allowed: ". */
  allowed: string;
  /** Values of this key are secrets: messages show them masked. */
  secret?: boolean;
  /** Values of this key may carry a credential (a webhook URL's path): messages show only the origin. */
  credentialUrl?: boolean;
}

export const fieldInfo = z.registry<FieldInfo>();

// ---------------------------------------------------------------------------------------------
// Value checks shared with secret.ts (keys from env and commands obey the same rule).

/** The shape of an Anthropic API key: `sk-ant-` then URL-safe base64 characters. */
const API_KEY_PATTERN = /^sk-ant-[A-Za-z0-9_-]{8,}$/;

/** Subscription OAuth tokens share the `sk-ant-` prefix but are never ours to use (SPEC §2). */
const OAUTH_TOKEN_PREFIX = "sk-ant-oat";

/**
 * Why `value` is not usable as an Anthropic API key, or null if it is.
 * The reason never contains the value.
 */
export function apiKeyProblem(value: string): string | null {
  if (value.startsWith(OAUTH_TOKEN_PREFIX)) {
    return "a Claude subscription login token (sk-ant-oat…), not an API key";
  }
  if (value !== value.trim()) return "surrounded by whitespace";
  if (API_KEY_PATTERN.test(value)) return null;
  return value.startsWith("sk-ant-")
    ? "not a whole Anthropic API key (after sk-ant-: at least 8 letters, digits, - or _, nothing else)"
    : "not an Anthropic API key (expected sk-ant-…)";
}

/** Why `value` is not a usable http(s) URL, or null if it is. */
function httpUrlProblem(value: string, options: { httpsUnlessLoopback: boolean }): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "not a URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return `scheme ${url.protocol} is not http(s)`;
  if (url.username || url.password) return "credentials in the URL are not allowed";
  if (options.httpsUnlessLoopback && url.protocol === "http:" && !isLoopbackHostname(url.hostname)) {
    return "http:// is only allowed for a loopback host";
  }
  return null;
}

/** A string-valued refinement whose message explains the problem without the value. */
function refineWith(check: (value: string) => string | null) {
  return (value: string, ctx: z.core.$RefinementCtx<string>) => {
    const problem = check(value);
    if (problem !== null) ctx.addIssue({ code: "custom", message: problem, input: value });
  };
}

// ---------------------------------------------------------------------------------------------
// Menu key.

/** Control bytes the wrapper can recognise on stdin, by the name users write in the config. */
const MENU_KEY_BYTES: ReadonlyMap<string, number> = new Map([
  ...Array.from("abcdefghijklmnopqrstuvwxyz", (letter, index) => [`ctrl-${letter}`, index + 1] as const),
  ["ctrl-\\", 0x1c],
  ["ctrl-]", 0x1d],
  ["ctrl-^", 0x1e],
  ["ctrl-_", 0x1f],
]);

/**
 * These send the same byte as Backspace, Tab, Enter and Enter (LF): as the menu key they would
 * swallow ordinary typing, since the terminal gives us no way to tell them apart.
 */
const AMBIGUOUS_MENU_KEYS: ReadonlyMap<string, string> = new Map([
  ["ctrl-h", "Backspace"],
  ["ctrl-i", "Tab"],
  ["ctrl-j", "Enter"],
  ["ctrl-m", "Enter"],
]);

/** Lower-cases `Ctrl-A` / `CTRL-]` to the canonical `ctrl-a` / `ctrl-]` spelling. */
function canonicalMenuKey(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .replace(/^ctrl\+/, "ctrl-");
}

function menuKeyProblem(value: string): string | null {
  const key = canonicalMenuKey(value);
  const clash = AMBIGUOUS_MENU_KEYS.get(key);
  if (clash) return `${key} sends the same byte as ${clash}`;
  return MENU_KEY_BYTES.has(key) ? null : "not a key the wrapper can recognise";
}

/** The byte the terminal sends for a validated `menu_key` (e.g. 0x1d for `ctrl-]`). */
export function menuKeyByte(menuKey: string): number {
  const byte = MENU_KEY_BYTES.get(canonicalMenuKey(menuKey));
  if (byte === undefined || menuKeyProblem(menuKey) !== null) {
    throw new RangeError(`not a valid menu key: ${menuKey}`);
  }
  return byte;
}

// ---------------------------------------------------------------------------------------------
// Field builders.

const usd = () => z.number().check(z.gte(0));
const usdOrNull = (fallback: number | null) =>
  z
    ._default(z.nullable(usd()), fallback)
    .register(fieldInfo, { allowed: "a number of US dollars ≥ 0, or null for no cap" });
const flag = (fallback: boolean) =>
  z._default(z.boolean(), fallback).register(fieldInfo, { allowed: "true or false" });
const nonEmptyStringOrNull = (allowed: string) =>
  z._default(z.nullable(z.string().check(z.minLength(1))), null).register(fieldInfo, { allowed });
/** An empty string in a hand-edited file means "not set", like null. */
const emptyAsNull = (value: unknown) => (value === "" ? null : value);

/**
 * The highest price a `pricing` row may give, $ per million tokens: hundreds of times any real
 * one, low enough that derived rates and a request's cost stay exact integers of nano-dollars.
 */
const MAX_PRICE_PER_MILLION = 100_000;

/** Dollars per million tokens, as in Anthropic's price list. Every field optional: rows merge. */
const pricePerMillion = () =>
  z.optional(z.number().check(z.gte(0), z.lte(MAX_PRICE_PER_MILLION))).register(fieldInfo, {
    allowed: `a price in US dollars per million tokens, from 0 to ${MAX_PRICE_PER_MILLION}`,
  });

/**
 * One model's prices in the `pricing` override, $ per million tokens. `_long` fields are the
 * long-context tier (prompts over 200k input tokens) where the model has one. This schema is the
 * only check of a row's fields, types and ranges; the price list trusts what it lets through.
 * Each field is optional because a row for a shipped model changes only what it gives; whether a
 * row is complete depends on the shipped table, so `createPricing` decides that and the loader
 * (`load.ts`) runs it on every config it accepts.
 */
export const PriceRowSchema = z.strictObject({
  input: pricePerMillion(),
  output: pricePerMillion(),
  cache_write_5m: pricePerMillion(),
  cache_write_1h: pricePerMillion(),
  cache_read: pricePerMillion(),
  input_long: pricePerMillion(),
  output_long: pricePerMillion(),
  cache_write_5m_long: pricePerMillion(),
  cache_write_1h_long: pricePerMillion(),
  cache_read_long: pricePerMillion(),
});
export type PriceRow = z.output<typeof PriceRowSchema>;
fieldInfo.add(PriceRowSchema, {
  allowed:
    "an object of prices in $ per million tokens: input, output, cache_write_5m, cache_write_1h, cache_read, and *_long variants",
});

export const NotificationsSchema = z.strictObject({
  terminal: flag(true),
  desktop: flag(true),
  webhook_url: z
    ._default(
      z.nullable(
        z
          .string()
          .check(z.superRefine(refineWith((value) => httpUrlProblem(value, { httpsUnlessLoopback: false })))),
      ),
      null,
    )
    .register(fieldInfo, { allowed: "an http:// or https:// URL, or null", credentialUrl: true }),
});

export const ConfigSchema = z.strictObject({
  api_key: z
    ._default(
      z.pipe(
        z.transform(emptyAsNull),
        z.nullable(z.string().check(z.superRefine(refineWith(apiKeyProblem)))),
      ),
      null,
    )
    .register(fieldInfo, {
      allowed: "an Anthropic API key (sk-ant-…, from console.anthropic.com), or null",
      secret: true,
    }),
  api_key_command: z
    ._default(z.pipe(z.transform(emptyAsNull), z.nullable(z.string())), null)
    .register(fieldInfo, { allowed: "a shell command that prints the API key, or null" }),
  auto_switch: flag(false),
  prompt_before_switch: flag(true),
  prompt_timeout_seconds: z
    ._default(z.int().check(z.gte(1), z.lte(3600)), 120)
    .register(fieldInfo, { allowed: "a whole number of seconds from 1 to 3600" }),
  cost_limit_per_session: usdOrNull(10),
  cost_limit_per_day: usdOrNull(null),
  cost_limit_per_month: usdOrNull(null),
  log_usage: flag(true),
  notify_at_percentage: z
    ._default(z.int().check(z.gte(1), z.lte(100)), 80)
    .register(fieldInfo, { allowed: "a whole number from 1 to 100" }),
  auto_revert_on_reset: flag(true),
  resume_prompt: z
    ._default(z.string(), "Continue where you left off.")
    .register(fieldInfo, { allowed: 'a string ("" sends nothing after a switch)' }),
  api_model: nonEmptyStringOrNull(
    "a model id such as claude-sonnet-4-5, or null to keep Claude Code's choice",
  ),
  notifications: z.prefault(NotificationsSchema, {}).register(fieldInfo, {
    allowed: "an object with terminal, desktop (true or false) and webhook_url (URL or null)",
  }),
  menu_key: z
    ._default(
      z.pipe(z.string().check(z.superRefine(refineWith(menuKeyProblem))), z.transform(canonicalMenuKey)),
      "ctrl-]",
    )
    .register(fieldInfo, {
      allowed: "ctrl-a … ctrl-z (except ctrl-h, ctrl-i, ctrl-j, ctrl-m), ctrl-], ctrl-\\, ctrl-^ or ctrl-_",
    }),
  claude_path: z
    ._default(z.string().check(z.minLength(1)), "claude")
    .register(fieldInfo, { allowed: "the Claude Code executable: a command name or a path" }),
  upstream_url: z
    ._default(
      z.nullable(
        z
          .string()
          .check(z.superRefine(refineWith((value) => httpUrlProblem(value, { httpsUnlessLoopback: true })))),
      ),
      null,
    )
    .register(fieldInfo, {
      allowed: "an https:// URL (http:// only for localhost, 127.x.x.x or [::1]), or null",
    }),
  pricing: z.prefault(z.record(z.string().check(z.minLength(1)), PriceRowSchema), {}).register(fieldInfo, {
    allowed: "an object mapping model ids to price rows ($ per million tokens)",
  }),
  cost_limit_until_reset: usdOrNull(null),
  on_model_limit: z._default(z.enum(["other_model", "api", "ask"]), "other_model").register(fieldInfo, {
    allowed: '"other_model" (continue free on another model), "api" (bill the key) or "ask"',
  }),
  fallback_model: nonEmptyStringOrNull(
    "a model id or alias Claude Code accepts (sonnet, opus, claude-sonnet-4-5, …), or null: Sonnet for an Opus limit, Opus for a Sonnet limit",
  ),
});

/** The effective configuration: every key present, defaults applied. */
export type Config = z.output<typeof ConfigSchema>;
/** What a config file may contain: every key optional. */
export type ConfigFile = z.input<typeof ConfigSchema>;
export type ConfigKey = keyof Config;

export const CONFIG_KEYS = Object.keys(ConfigSchema.shape) as ConfigKey[];

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The configuration used when no config file exists. Frozen: callers copy before changing. */
export const DEFAULT_CONFIG: Readonly<Config> = deepFreeze(ConfigSchema.parse({}));

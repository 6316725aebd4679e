import { closeSync, existsSync, fstatSync, lstatSync, openSync, readFileSync, readlinkSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { z } from "zod/mini";
import { UsageError } from "../errors.js";
import { createPricing, PriceOverrideError } from "../pricing/pricing.js";
import { shellQuote } from "../shell.js";
import { parseJson, quoteForMessage } from "./json.js";
import {
  CONFIG_ENV,
  type ConfigLocation,
  type ConfigSource,
  type LocateOptions,
  locateConfig,
} from "./locate.js";
import { type Config, ConfigSchema, type FieldInfo, fieldInfo } from "./schema.js";
import { maskKey, redactSecrets } from "./secret.js";

/**
 * Finding, reading and validating the config file (SPEC §10). Every failure is a one-line
 * UsageError (exit 2) naming the file, the key, the value and what is allowed; no message ever
 * contains the API key.
 */

export interface LoadedConfig extends ConfigLocation {
  config: Config;
  /** False when the default file is absent and the defaults apply. */
  exists: boolean;
  /** One-line notices for stderr (file permissions); never fatal. */
  warnings: string[];
}

/** A file bigger than this is not a config file someone wrote. */
const MAX_CONFIG_BYTES = 1024 * 1024;

const SOURCE_LABEL: Record<ConfigSource, string> = {
  flag: "--config",
  env: `$${CONFIG_ENV}`,
  default: "the default location",
};

/** Locates, reads and validates the config. A missing default file means all defaults. */
export function loadConfig(options: LocateOptions = {}): LoadedConfig {
  const location = locateConfig(options);
  const { path, source } = location;
  const file = readConfigFile(location);
  if (file === null) return { ...location, config: defaults(), exists: false, warnings: [] };
  const config = parseConfigText(file.text, path);
  return { path, source, config, exists: true, warnings: permissionWarnings(path, file.mode, config) };
}

/** Where the link at `path` points (a relative link resolved from its folder), or null when `path` is no link. */
function linkTarget(path: string): string | null {
  try {
    return lstatSync(path).isSymbolicLink() ? resolve(dirname(path), readlinkSync(path)) : null;
  } catch {
    return null;
  }
}

/** The chmod that lets the user read `path`: of the lowest folder they can see when it hides the file. */
function readFix(path: string): string {
  let seen = path;
  while (!existsSync(seen) && dirname(seen) !== seen) seen = dirname(seen);
  return seen === path ? `chmod u+r ${shellQuote(path)}` : `chmod u+rx ${shellQuote(seen)}`;
}

function defaults(): Config {
  return ConfigSchema.parse({});
}

function readConfigFile(location: ConfigLocation): { text: string; mode: number } | null {
  const { path, source } = location;
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A link to nowhere is a config meant to be there: its caps must not become the defaults unsaid.
    const target = code === "ENOENT" ? linkTarget(path) : null;
    if (target !== null) {
      throw new UsageError(
        `config file ${path} is a link to ${target}, which does not exist; fix: restore ${target}, or remove the link to use the defaults`,
      );
    }
    if (code === "ENOENT" && source === "default") return null;
    if (code === "ENOENT")
      throw new UsageError(`config file not found: ${path} (from ${SOURCE_LABEL[source]})`);
    if (code === "EACCES") {
      throw new UsageError(
        `config file ${path}: permission denied; fix: let your user read it (${readFix(path)})`,
      );
    }
    throw new UsageError(`config file ${path}: cannot be opened (${code ?? "unknown error"})`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new UsageError(`config file ${path} is a directory, not a file`);
    if (stat.size > MAX_CONFIG_BYTES) {
      throw new UsageError(`config file ${path} is ${stat.size} bytes; a config file is at most 1 MiB`);
    }
    return { text: readFileSync(fd, "utf8"), mode: stat.mode & 0o777 };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`config file ${path}: cannot be read (${code ?? "unknown error"})`);
  } finally {
    closeSync(fd);
  }
}

/** Parses and validates the text of a config file; `path` is only for messages. */
export function parseConfigText(text: string, path: string): Config {
  // Editors on Windows sometimes save a byte-order mark, which JSON does not allow.
  const parsed = parseJson(text.startsWith("\uFEFF") ? text.slice(1) : text);
  if (!parsed.ok) {
    throw new UsageError(
      `config file ${path}: invalid JSON at line ${parsed.line}, column ${parsed.column}: ${parsed.problem}`,
    );
  }
  return validateConfig(parsed.value, path);
}

/**
 * A config that breaks several rules: the message says the first and counts the rest (one line for
 * every command); `problems` has each on a line of its own (`config validate` lists them all).
 */
export class ConfigProblemsError extends UsageError {
  constructor(
    message: string,
    readonly problems: readonly string[],
  ) {
    super(message);
  }
}

/** Validates an already-parsed config value; `path` is only for messages. */
export function validateConfig(data: unknown, path: string): Config {
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new UsageError(
      `config file ${path}: the top level must be a JSON object ({ "key": value, … }), found ${jsonKind(data)}`,
    );
  }
  const rawKey = (data as Record<string, unknown>).api_key;
  const knownKeys = [typeof rawKey === "string" ? rawKey : null];
  const result = ConfigSchema.safeParse(data);
  if (result.success) {
    checkPricing(result.data, path, knownKeys);
    return result.data;
  }
  const issues = [...result.error.issues].sort(
    (a, b) => Number(b.code === "unrecognized_keys") - Number(a.code === "unrecognized_keys"),
  );
  const [first] = issues;
  const more =
    issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
  const message = `config file ${path}: ${describeIssue(first!, data)}${more}`;
  // One line per unknown key, not one per object holding some.
  const each = issues.flatMap((issue): Issue[] =>
    issue.code === "unrecognized_keys" ? issue.keys.map((key) => ({ ...issue, keys: [key] })) : [issue],
  );
  throw new ConfigProblemsError(
    redactSecrets(message, knownKeys),
    each.map((issue) => redactSecrets(`config file ${path}: ${describeIssue(issue, data)}`, knownKeys)),
  );
}

/**
 * Whether a `pricing` row is complete depends on the shipped price table (a new model needs
 * input and output; a long tier needs input_long and output_long unless the model has one), so
 * the schema leaves every field optional and the rule stays in `createPricing`, which a run uses:
 * building the price list here makes `config validate`, `doctor` and a run agree.
 */
function checkPricing(config: Config, path: string, knownKeys: (string | null)[]): void {
  try {
    createPricing(config.pricing);
  } catch (error) {
    if (!(error instanceof PriceOverrideError)) throw error;
    const key = formatKeyPath(["pricing", ...error.path]);
    throw new UsageError(redactSecrets(`config file ${path}: ${key}: ${error.problem}`, knownKeys));
  }
}

// ---------------------------------------------------------------------------------------------
// Permission warnings.

/**
 * A file holding the key must be private (SPEC §10). Independently of the key, a file anyone
 * can write lets them choose `api_key_command`, that is, run commands as this user. Group-writable
 * alone is not flagged: with per-user groups (umask 002) that is the norm and harmless.
 */
export function permissionWarnings(path: string, mode: number, config: Pick<Config, "api_key">): string[] {
  if (process.platform === "win32") return [];
  const octal = (mode & 0o777).toString(8).padStart(4, "0");
  const fix = `fix: chmod 600 ${shellQuote(path)}`;
  const problems: string[] = [];
  if (config.api_key !== null && (mode & 0o044) !== 0)
    problems.push("holds an API key and is readable by others");
  if ((mode & 0o002) !== 0) problems.push("is writable by anyone (who could then set api_key_command)");
  if (problems.length === 0) return [];
  return [`warning: config file ${path} ${problems.join(" and ")} (mode ${octal}); ${fix}`];
}

// ---------------------------------------------------------------------------------------------
// Turning schema issues into messages.

type Schema = z.core.$ZodType;
type Issue = z.core.$ZodIssue;

/** The dotted path users know, e.g. `notifications.webhook_url`, `pricing["claude-x.y"].input`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const segment of path) {
    const name = String(segment);
    if (typeof segment === "number") text += `[${name}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) text += text === "" ? name : `.${name}`;
    else text += `[${quoteForMessage(name)}]`;
  }
  return text === "" ? "(top level)" : text;
}

function unwrapOnce(schema: Schema): Schema | null {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case "default":
    case "prefault":
    case "optional":
    case "nullable":
      return def.innerType as Schema;
    case "pipe":
      // z.preprocess / .transform: the output side holds the real schema.
      return (def.in as Schema)._zod.def.type === "transform" ? (def.out as Schema) : (def.in as Schema);
    default:
      return null;
  }
}

/** Every wrapper layer of `schema`, outermost first. */
function layers(schema: Schema): Schema[] {
  const result = [schema];
  for (let inner = unwrapOnce(schema); inner; inner = unwrapOnce(inner)) result.push(inner);
  return result;
}

/** The schema at a key path, with the nearest field info on the way. */
function schemaAt(path: readonly PropertyKey[]): { schema: Schema | null; info: FieldInfo | undefined } {
  let schema: Schema | null = ConfigSchema;
  let info: FieldInfo | undefined;
  for (const segment of path) {
    if (!schema) break;
    const core = layers(schema).at(-1)!;
    const def = core._zod.def as unknown as Record<string, unknown> & { type: string };
    if (def.type === "object") schema = (def.shape as Record<string, Schema>)[String(segment)] ?? null;
    else if (def.type === "record") schema = def.valueType as Schema;
    else schema = null;
    if (schema)
      info =
        layers(schema)
          .map((layer) => fieldInfo.get(layer))
          .find(Boolean) ?? info;
  }
  return { schema, info };
}

function objectKeysAt(path: readonly PropertyKey[]): string[] {
  const { schema } = schemaAt(path);
  if (!schema) return [];
  const def = layers(schema).at(-1)!._zod.def as unknown as { type: string; shape?: Record<string, unknown> };
  return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The value as it may appear in a message: secrets masked, webhook paths hidden, long values cut. */
function showValue(value: unknown, info: FieldInfo | undefined): string {
  if (typeof value === "string" && info?.secret) return quoteForMessage(maskKey(value));
  if (typeof value === "string" && info?.credentialUrl) return quoteForMessage(maskUrl(value));
  if (value !== null && typeof value === "object") return jsonKind(value);
  // JSON has no Infinity, but 1e400 parses to it, and JSON.stringify would call it null.
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  // Redact before cutting, so a key pasted into the wrong field still shows as its usual mask.
  return truncate(
    redactSecrets(
      typeof value === "string" ? quoteForMessage(value) : (JSON.stringify(value) ?? String(value)),
    ),
    60,
  );
}

/**
 * A webhook URL's path is often the credential (Slack, Discord), so only the origin is shown.
 */
export function maskUrl(value: string): string {
  try {
    const url = new URL(value);
    const hidden = url.pathname !== "/" || url.search !== "" || url.hash !== "";
    return `${url.protocol}//${url.host}${hidden ? "/…" : ""}`;
  } catch {
    return truncate(value, 12);
  }
}

function problemOf(issue: Issue, value: unknown): string {
  switch (issue.code) {
    case "invalid_type":
      if (typeof value === "number" && !Number.isFinite(value)) return "too large";
      if (issue.expected === "int" && typeof value === "number") return "not a whole number";
      return `wrong type (${jsonKind(value)})`;
    case "too_small":
    case "too_big":
      if (issue.origin === "string") return "empty";
      return "out of range";
    case "invalid_key":
      return "not a valid key (must not be empty)";
    case "custom":
      return issue.message;
    default:
      return "not allowed";
  }
}

function describeIssue(issue: Issue, data: unknown): string {
  if (issue.code === "unrecognized_keys") {
    const [unknown] = issue.keys;
    const known = objectKeysAt(issue.path);
    const where = issue.path.length > 0 ? ` in ${formatKeyPath(issue.path)}` : "";
    const others = issue.keys.length > 1 ? ` (and ${issue.keys.length - 1} more unknown)` : "";
    const suggestion = nearestKey(unknown!, known);
    const hint = suggestion ? `did you mean "${suggestion}"?` : `known keys: ${known.join(", ")}`;
    return `unknown key ${quoteForMessage(truncate(unknown!, 60))}${where}${others}; ${hint}`;
  }
  const value = valueAt(data, issue.path);
  const { info } = schemaAt(issue.path);
  const key = formatKeyPath(issue.path);
  const allowed = info ? `; allowed: ${info.allowed}` : "";
  return `${key} is ${showValue(value, info)}: ${problemOf(issue, value)}${allowed}`;
}

/**
 * Edit distance between two strings: insertions, deletions, substitutions and swaps of two
 * neighbouring letters (the commonest typo: `usgae` is one edit from `usage`), each counting one.
 */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      let distance = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, before[j - 2]! + 1);
      }
      current.push(distance);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The known key the user most likely meant, or null if none is close. Case, `-` and `_` are
 * ignored (`autoSwitch`, `auto-switch` find `auto_switch`); a truncated name finds the key it
 * starts (`claude` → `claude_path`); otherwise the smallest edit distance relative to length wins.
 */
export function nearestKey(unknown: string, known: readonly string[]): string | null {
  const normalise = (key: string) => key.toLowerCase().replace(/[-_\s]/g, "");
  const wanted = normalise(unknown);
  let best: { key: string; score: number } | null = null;
  for (const key of known) {
    const candidate = normalise(key);
    const distance = editDistance(wanted, candidate);
    const isTruncation = wanted.length >= 4 && candidate.startsWith(wanted);
    const score = isTruncation ? 0 : distance / Math.max(wanted.length, candidate.length, 1);
    const close = isTruncation || distance <= 2 || score <= 0.5;
    if (close && (!best || score < best.score)) best = { key, score };
  }
  return best?.key ?? null;
}

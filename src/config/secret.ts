import { UsageError } from "../errors.js";
import { exitStatus, formatSeconds, runInOwnGroup } from "../platform/process-group.js";
import { apiKeyProblem, type Config } from "./schema.js";

/**
 * Where the fallback API key comes from (SPEC §10): `CLAUDE_FALLBACK_API_KEY`, then
 * `api_key_command`, then `api_key`. The key is never printed, logged or put in an error
 * message; `maskKey` is how it is referred to.
 */

export type KeySource = "env" | "command" | "config";

export interface ResolvedKey {
  key: string;
  source: KeySource;
}

type Env = Record<string, string | undefined>;

export const API_KEY_ENV = "CLAUDE_FALLBACK_API_KEY";

/**
 * `env` for a process we start (Claude Code, `claude --version`, a desktop notifier): without our
 * key variable, so the key reaches no process but this one.
 */
export function withoutApiKeyEnv<T extends Env>(env: T): T {
  const { [API_KEY_ENV]: _key, ...rest } = env;
  return rest as T;
}

/** How long `api_key_command` may take: long enough for a password manager, short enough to notice. */
export const DEFAULT_KEY_COMMAND_TIMEOUT_MS = 10_000;

/** More than any key; a command printing this much is printing something else. */
const MAX_COMMAND_OUTPUT_BYTES = 64 * 1024;

const KEY_PREFIX = "sk-ant-";

/**
 * `sk-ant-…last4`: enough to tell two keys apart, too little to use. Short values show no
 * characters at all, since their last four would be a large part of them.
 */
export function maskKey(key: string): string {
  const prefix = key.startsWith(KEY_PREFIX) ? KEY_PREFIX : "";
  const rest = key.slice(prefix.length);
  return rest.length >= 12 ? `${prefix}…${rest.slice(-4)}` : `${prefix}…`;
}

/** Anything shaped like an Anthropic credential, known to us or not. */
const KEY_LIKE = /sk-ant-[A-Za-z0-9_-]+/g;

/**
 * Replaces every occurrence of the given keys, and of anything shaped like an Anthropic key,
 * with its mask. For text that may have passed near a key: error messages, command stderr.
 */
export function redactSecrets(text: string, knownKeys: readonly (string | null | undefined)[] = []): string {
  let result = text;
  for (const key of knownKeys) {
    if (key && key.length >= 8) result = result.split(key).join(maskKey(key));
  }
  return result.replace(KEY_LIKE, (match) => (match.length > KEY_PREFIX.length + 4 ? maskKey(match) : match));
}

function envKey(env: Env): string | undefined {
  const value = env[API_KEY_ENV];
  return value !== undefined && value !== "" ? value : undefined;
}

/**
 * Which source `resolveApiKey` would use, without running `api_key_command`: for `status` and
 * `doctor`, which report the source but must not prompt a password manager.
 */
export function apiKeySource(
  config: Pick<Config, "api_key" | "api_key_command">,
  env: Env,
): KeySource | null {
  if (envKey(env) !== undefined) return "env";
  if (config.api_key_command !== null) return "command";
  if (config.api_key !== null) return "config";
  return null;
}

/**
 * Why the key in $CLAUDE_FALLBACK_API_KEY cannot be used, as the one line a run would refuse it
 * with (the key masked), or null when it can or there is none. (A key in the config file is
 * checked when the config is loaded.)
 */
export function envKeyProblem(env: Env): string | null {
  const key = envKey(env);
  const problem = key === undefined ? null : apiKeyProblem(key);
  return problem && `${API_KEY_ENV} is ${maskKey(key!)}: ${problem}`;
}

export interface ResolveOptions {
  /** Kill `api_key_command` after this long. */
  timeoutMs?: number;
}

/**
 * The API key and where it came from, or null if none is configured. Runs `api_key_command`
 * when that is the source, so call it only when a key is needed. Throws UsageError (exit 2)
 * for an unusable key; the message names the source and never contains the key.
 */
export async function resolveApiKey(
  config: Pick<Config, "api_key" | "api_key_command">,
  env: Env = process.env,
  options: ResolveOptions = {},
): Promise<ResolvedKey | null> {
  const source = apiKeySource(config, env);
  if (source === "env") {
    const problem = envKeyProblem(env);
    if (problem) throw new UsageError(problem);
    return { key: envKey(env)!, source };
  }
  if (source === "command") {
    const key = await runKeyCommand(config.api_key_command!, env, options.timeoutMs);
    return { key, source };
  }
  if (source === "config") return { key: config.api_key!, source };
  return null;
}

/** Resolves the key at most once per run, on first use, and remembers the outcome. */
export interface KeyProvider {
  /** Known without running anything. */
  readonly source: KeySource | null;
  get(): Promise<ResolvedKey | null>;
}

export function createKeyProvider(
  config: Pick<Config, "api_key" | "api_key_command">,
  env: Env = process.env,
  options: ResolveOptions = {},
): KeyProvider {
  let pending: Promise<ResolvedKey | null> | undefined;
  return {
    source: apiKeySource(config, env),
    get: () => {
      pending ??= resolveApiKey(config, env, options);
      return pending;
    },
  };
}

/** The last non-empty line of the command's stderr, redacted and shortened: a hint, not a transcript. */
function stderrHint(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  const last = lines.at(-1);
  if (!last) return "";
  const redacted = redactSecrets(last);
  return `: ${redacted.length > 160 ? `${redacted.slice(0, 159)}…` : redacted}`;
}

/**
 * Runs `command` with `/bin/sh -c` and returns its trimmed stdout, which must be an API key.
 * stdin is the null device and the command has no controlling terminal (it runs in a process
 * group of its own, so that the time limit and our exit kill everything it started): a password
 * manager that needs to ask uses its own dialog. stdout is never echoed in any message.
 */
export async function runKeyCommand(
  command: string,
  env: Env = process.env,
  timeoutMs: number = DEFAULT_KEY_COMMAND_TIMEOUT_MS,
): Promise<string> {
  const fail = (detail: string) => new UsageError(`api_key_command ${detail}`);
  const result = await runInOwnGroup("/bin/sh", ["-c", command], {
    env,
    timeoutMs,
    maxStdoutBytes: MAX_COMMAND_OUTPUT_BYTES,
    maxStderrBytes: MAX_COMMAND_OUTPUT_BYTES,
  });
  switch (result.outcome) {
    case "error":
      throw fail(`could not be started (${result.message})`);
    case "overflow":
      throw fail(`printed more than ${MAX_COMMAND_OUTPUT_BYTES} bytes, which is not an API key`);
    case "timeout":
      throw fail(
        result.exit
          ? `exited (${exitStatus(result.exit)}), but a process it started kept its output open; gave up after ${formatSeconds(timeoutMs)}`
          : `timed out after ${formatSeconds(timeoutMs)} and was killed (no exit status)`,
      );
    case "exited":
      break;
  }
  if (result.code !== 0) throw fail(`failed (${exitStatus(result)})${stderrHint(result.stderr)}`);
  const key = result.stdout.trim();
  if (key === "") throw fail("printed nothing");
  const problem = apiKeyProblem(key);
  if (problem) throw fail(`printed a value that is unusable as the API key: ${problem}`);
  return key;
}

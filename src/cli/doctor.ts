import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type { Command } from "commander";
import { CLAUDE_VERSION_TIMEOUT_MS, locateClaude, probeClaudeVersion } from "../claude/locate.js";
import { settingsFiles } from "../claude/user-settings.js";
import { loadConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import {
  apiKeySource,
  envKeyProblem,
  type KeySource,
  maskKey,
  type ResolvedKey,
  redactSecrets,
  resolveApiKey,
} from "../config/secret.js";
import { shellQuote } from "../shell.js";
import { resolvePaths } from "../state/paths.js";
import { localeIsUtf8 } from "../statusline/segment.js";
import { LEDGER_FILE_NAME, LedgerDamagedError, ledgerPath, openExistingLedger } from "../usage/ledger.js";
import type { ContextOptions } from "./context.js";

/**
 * `claude-fallback doctor` (SPEC §3): one line per check, `✓`/`!`/`✗` (`OK`/`WARN`/`FAIL` without a
 * UTF-8 locale), each warning and failure with its fix. Exit 1 when any check fails; warnings
 * (something works less well than it could) do not. Nothing is contacted unless
 * `--online` is given; then one `GET /v1/models` checks that the upstream accepts the key (and
 * only then does `api_key_command` run).
 */

/**
 * The Claude Code versions our features need. `needs`: the version that introduced the feature
 * (SPEC §5), so an older one lacks it (a failed check). `verified`: the oldest version we tested
 * it with; older ones may well have it, so they get a warning, not a failure.
 */
export const FEATURE_VERSIONS = [
  {
    feature: "StopFailure hook",
    why: "the most reliable limit signal",
    min: "2.1.78",
    kind: "needs",
    without: "limits are detected from the status line, transcript and screen only",
  },
  {
    feature: "status line rate_limits",
    why: "subscription utilisation and reset times",
    min: "2.1.80",
    kind: "needs",
    without: "no utilisation or early warnings; reset times come from the limit message",
  },
  {
    feature: "http hooks",
    why: "busy/idle tracking without a process per event",
    min: "2.1.330",
    kind: "verified",
    without:
      "if they do not arrive, limits are still detected from the status line, transcript and screen, but a switch or revert may not wait for a running turn to end",
  },
] as const;

export type CheckStatus = "ok" | "warn" | "fail";

export interface Check {
  status: CheckStatus;
  /** What was checked and what was found. */
  text: string;
  /** How to fix a failure or a warning. */
  fix?: string;
}

export interface DoctorIo {
  env: Record<string, string | undefined>;
  cwd: string;
  write: (text: string) => void;
  /** Managed (policy) settings files; default: the platform's. */
  managedSettingsFiles?: readonly string[];
  /** For `--online` only. */
  fetch?: typeof fetch;
  /** How long `claude --version` may take; default {@link CLAUDE_VERSION_TIMEOUT_MS}. */
  versionTimeoutMs?: number;
}

export interface DoctorFlags {
  online?: boolean | undefined;
}

/** `2.1.80` ≥ `2.1.78`. */
export function versionAtLeast(version: string, min: string): boolean {
  const a = version.split(".").map(Number);
  const b = min.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

export function defaultManagedSettingsFiles(platform: NodeJS.Platform = process.platform): string[] {
  if (platform === "darwin") return ["/Library/Application Support/ClaudeCode/managed-settings.json"];
  if (platform === "linux") return ["/etc/claude-code/managed-settings.json"];
  return [];
}

function readJsonObject(path: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(readFileSync(path, "utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Claude Code's `allowedHttpHookUrls` pattern: `*` matches anything. */
function urlPatternMatches(pattern: string, url: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
  return regex.test(url);
}

/** A URL of the shape our injected http hooks use. */
const SAMPLE_HOOK_URL = "http://127.0.0.1:54321/hooks/Stop";

/** Settings (user, project, local, managed) that would silently switch our injection off. */
export function settingsChecks(cwd: string, env: DoctorIo["env"], managed: readonly string[]): Check[] {
  const layers = [
    ...settingsFiles(cwd, env).map(({ path }) => ({ path, managed: false })),
    ...managed.map((path) => ({ path, managed: true })),
  ];
  const checks: Check[] = [];
  const allowed: string[] = [];
  let allowlistFrom: string[] = [];
  for (const layer of layers) {
    const settings = readJsonObject(layer.path);
    if (!settings) continue;
    const owner = layer.managed ? "ask your administrator to remove it" : `remove it from ${layer.path}`;
    if (settings.disableAllHooks === true) {
      checks.push({
        status: "fail",
        text: `${layer.path} sets disableAllHooks: our hooks and status line will not run (no limit detection by hook, no switching at idle)`,
        fix: owner,
      });
    }
    if (layer.managed && settings.allowManagedHooksOnly === true) {
      checks.push({
        status: "fail",
        text: `${layer.path} sets allowManagedHooksOnly: hooks injected with --settings are ignored`,
        fix: owner,
      });
    }
    if (Array.isArray(settings.allowedHttpHookUrls)) {
      allowed.push(
        ...settings.allowedHttpHookUrls.filter((entry): entry is string => typeof entry === "string"),
      );
      allowlistFrom = [...allowlistFrom, layer.path];
    }
  }
  if (allowlistFrom.length > 0 && !allowed.some((pattern) => urlPatternMatches(pattern, SAMPLE_HOOK_URL))) {
    checks.push({
      status: "fail",
      text: `allowedHttpHookUrls (${allowlistFrom.join(", ")}) does not allow loopback hooks: our http hooks would be blocked`,
      fix: 'add "http://127.0.0.1:*" to allowedHttpHookUrls',
    });
  }
  if (checks.length === 0) {
    checks.push({
      status: "ok",
      text: "Claude Code settings: nothing disables our injected hooks or status line",
    });
  }
  return checks;
}

/** `<dir>` (or, if it does not exist yet, the nearest existing parent) is a writable directory. */
export function writableCheck(label: string, dir: string, file?: string): Check {
  const shown = file ?? dir;
  const target = file !== undefined && existsSync(file) ? file : null;
  let probe = dir;
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  try {
    if (!statSync(probe).isDirectory()) throw new Error("not a directory");
    if (target) accessSync(target, constants.R_OK | constants.W_OK);
    accessSync(probe, constants.W_OK | constants.X_OK);
    return {
      status: "ok",
      text: `${label}: ${shown} ${existsSync(shown) ? "is writable" : "can be created"}`,
    };
  } catch {
    const blocked = target ?? probe;
    return {
      status: "fail",
      text: `${label}: ${shown} is not writable (${blocked})`,
      fix: `make ${blocked} a directory you can write to, or point CLAUDE_FALLBACK_HOME / XDG_*_HOME elsewhere`,
    };
  }
}

/**
 * The usage ledger is writable and, if it exists, opens the way `usage` and `status` open it
 * (an older schema is brought up to date, as they would). A damaged one fails the check with what
 * a run does about it; doctor itself moves nothing aside and creates no ledger.
 */
export function ledgerCheck(dataDir: string): Check {
  const file = ledgerPath(dataDir);
  const writable = writableCheck("usage ledger", dataDir, file);
  if (writable.status !== "ok") return writable;
  try {
    openExistingLedger(file)?.close();
    return writable;
  } catch (error) {
    if (error instanceof LedgerDamagedError) {
      return {
        status: "fail",
        text: `usage ledger: ${file} is damaged or not a SQLite database (${error.detail})`,
        fix: `the next run moves it aside to ${LEDGER_FILE_NAME}.corrupt-<time> and starts a new one (not while cost_limit_per_day or cost_limit_per_month is set: it holds their spend); or move it aside yourself: mv ${shellQuote(file)} ${shellQuote(`${file}.corrupt`)}`,
      };
    }
    return {
      status: "fail",
      text: `usage ledger: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** What to do about a key the API refused, at the place the key came from. */
const REJECTED_KEY_FIX: Record<KeySource, string> = {
  env: "create a key at console.anthropic.com and set $CLAUDE_FALLBACK_API_KEY to it",
  command: "create a key at console.anthropic.com and make api_key_command print it",
  config: "create a key at console.anthropic.com and update api_key in the config",
};

async function onlineKeyCheck(config: Config, io: DoctorIo): Promise<Check> {
  let resolved: ResolvedKey | null;
  try {
    resolved = await resolveApiKey(config, io.env);
  } catch (error) {
    // Only api_key_command can fail here (a refused $CLAUDE_FALLBACK_API_KEY fails before the online
    // check, a config key when the config loads): the network is not the question.
    return {
      status: "fail",
      text: `API key: ${error instanceof Error ? error.message : String(error)}`,
      fix: "make api_key_command print your API key (sk-ant-…) and exit 0; try it in a shell",
    };
  }
  if (resolved === null) return { status: "fail", text: "API key check online: no key to check" };
  const { key } = resolved;
  try {
    const { resolveUpstream } = await import("../session/api-billing.js");
    const upstream = resolveUpstream(config, io.env as NodeJS.ProcessEnv);
    const url = new URL(`${upstream.pathname.replace(/\/$/, "")}/v1/models`, upstream);
    // undici's own fetch, not Node 20's built-in one: on a connection the server drops, the built-in
    // fetch leaves a promise that never settles and nothing keeping the process alive (exit 13).
    const request = io.fetch ?? ((await import("undici")).fetch as unknown as typeof fetch);
    const response = await request(url, {
      headers: { "x-api-key": key, "anthropic-version": "2023-06-01" },
      signal: AbortSignal.timeout(15_000),
    });
    await response.body?.cancel().catch(() => {});
    if (response.ok) return { status: "ok", text: `API key accepted by ${upstream.origin}` };
    return {
      status: "fail",
      text: `API key rejected by ${upstream.origin} (HTTP ${response.status})`,
      fix:
        response.status === 401 || response.status === 403
          ? REJECTED_KEY_FIX[resolved.source]
          : "try again later; check upstream_url / ANTHROPIC_BASE_URL",
    };
  } catch (error) {
    // fetch says only "fetch failed"; what failed is in its cause ("other side closed", ECONNREFUSED).
    const cause =
      error instanceof Error ? (error.cause as { message?: unknown } | undefined)?.message : undefined;
    const text =
      error instanceof Error
        ? `${error.message}${typeof cause === "string" ? ` (${cause})` : ""}`
        : String(error);
    const message = redactSecrets(text, [key]);
    return {
      status: "fail",
      text: `API key check online failed: ${message}`,
      fix: "check the network and upstream_url",
    };
  }
}

/** One feature of {@link FEATURE_VERSIONS} with the Claude Code `version` found. */
export function featureCheck(need: (typeof FEATURE_VERSIONS)[number], version: string): Check {
  const title = `${need.feature} (${need.why})`;
  if (versionAtLeast(version, need.min)) {
    const since = need.kind === "needs" ? `needs ≥ ${need.min}` : `verified from ${need.min}`;
    return { status: "ok", text: `${title}: supported (${since})` };
  }
  const fix = "update Claude Code (claude update)";
  if (need.kind === "verified") {
    return {
      status: "warn",
      text: `${title}: verified from Claude Code ${need.min}, found ${version}; ${need.without}`,
      fix,
    };
  }
  return {
    status: "fail",
    text: `${title} needs Claude Code ≥ ${need.min}, found ${version}: ${need.without}`,
    fix,
  };
}

/** Runs every check; returns them in order. */
export async function runChecks(opts: ContextOptions & DoctorFlags, io: DoctorIo): Promise<Check[]> {
  const checks: Check[] = [];
  const paths = resolvePaths(io.env);

  let config: Config | null = null;
  try {
    const loaded = loadConfig({ configFlag: opts.config, env: io.env, cwd: io.cwd });
    config = loaded.config;
    checks.push({
      status: "ok",
      text: loaded.exists
        ? `config: ${loaded.path} is valid`
        : `config: no file at ${loaded.path} (defaults apply)`,
    });
    for (const warning of loaded.warnings) {
      const [problem, fix] = warning.split(/;?\s*fix: /);
      checks.push({
        status: "fail",
        text: `config: ${problem!.replace(/^warning: /, "")}`,
        fix: fix ?? `chmod 600 ${loaded.path}`,
      });
    }
  } catch (error) {
    checks.push({
      status: "fail",
      text: error instanceof Error ? error.message : String(error),
      fix: "correct the file, then run `claude-fallback config validate`",
    });
  }

  try {
    const claude = locateClaude({ flag: opts.claude, configured: config?.claude_path ?? "claude" }, io.env);
    const probe = await probeClaudeVersion(claude, io.env, io.versionTimeoutMs ?? CLAUDE_VERSION_TIMEOUT_MS);
    if (probe.version === null) {
      checks.push({
        status: "fail",
        text: `claude: ${claude} found, but ${probe.problem}`,
        fix: "reinstall Claude Code (npm install -g @anthropic-ai/claude-code)",
      });
    } else {
      const { version } = probe;
      checks.push({ status: "ok", text: `claude: ${claude} (${version})` });
      for (const need of FEATURE_VERSIONS) checks.push(featureCheck(need, version));
    }
  } catch (error) {
    checks.push({
      status: "fail",
      text: `claude: ${error instanceof Error ? error.message : String(error)}`,
      fix: "install Claude Code or pass --claude PATH",
    });
  }

  checks.push(...settingsChecks(io.cwd, io.env, io.managedSettingsFiles ?? defaultManagedSettingsFiles()));

  if (config) {
    const source = apiKeySource(config, io.env);
    const envKey = io.env.CLAUDE_FALLBACK_API_KEY;
    let problem: string | null = null;
    if (source === null) {
      checks.push({
        status: "fail",
        text: "API key: none configured (at the limit claude-fallback can only notify)",
        fix: "set api_key or api_key_command in the config (claude-fallback config init), or $CLAUDE_FALLBACK_API_KEY",
      });
    } else if (source === "command") {
      checks.push({ status: "ok", text: "API key: from api_key_command (run only with --online)" });
    } else {
      const key = source === "env" ? (envKey ?? "") : (config.api_key ?? "");
      const where = source === "env" ? "$CLAUDE_FALLBACK_API_KEY" : "api_key in the config";
      // A key in the config was checked when it was loaded; one in the environment is checked here, as a run would.
      problem = source === "env" ? envKeyProblem(io.env) : null;
      checks.push(
        problem
          ? { status: "fail", text: `API key: ${problem}`, fix: REJECTED_KEY_FIX.env }
          : { status: "ok", text: `API key: ${where} ${maskKey(key)}` },
      );
    }
    if (opts.online && source !== null && problem === null) checks.push(await onlineKeyCheck(config, io));
  }

  checks.push(ledgerCheck(paths.dataDir));
  checks.push(writableCheck("state", paths.stateDir));
  return checks;
}

const MARKS: Record<CheckStatus, { unicode: string; ascii: string }> = {
  ok: { unicode: "✓", ascii: "OK  " },
  warn: { unicode: "!", ascii: "WARN" },
  fail: { unicode: "✗", ascii: "FAIL" },
};

export function formatCheck(check: Check, unicode: boolean): string {
  const mark = MARKS[check.status][unicode ? "unicode" : "ascii"];
  const fix = check.status !== "ok" && check.fix ? `${unicode ? " — " : " -- "}fix: ${check.fix}` : "";
  const line = `${mark} ${check.text}${fix}`;
  return `${unicode ? line : line.replaceAll("≥", ">=").replaceAll("…", "...")}\n`;
}

/** Prints the checks; returns the exit code (1 when any failed). */
export async function doctorCommand(opts: ContextOptions & DoctorFlags, io: DoctorIo): Promise<number> {
  const checks = await runChecks(opts, io);
  const unicode = localeIsUtf8(io.env);
  for (const check of checks) io.write(formatCheck(check, unicode));
  const failed = checks.filter((check) => check.status === "fail").length;
  const warnings = checks.filter((check) => check.status === "warn").length;
  const caveat = warnings === 0 ? "" : ` (${warnings} warning${warnings > 1 ? "s" : ""})`;
  io.write(failed === 0 ? `all checks passed${caveat}\n` : `${failed} check(s) failed${caveat}\n`);
  return failed === 0 ? 0 : 1;
}

export function registerDoctor(program: Command): void {
  program
    .command("doctor")
    .description(
      "check claude and its version, the config, the API key, hooks/status line support and writable directories",
    )
    .option("--online", "also check that the API accepts the key (one GET /v1/models; runs api_key_command)")
    .action(async (_flags: DoctorFlags, command: Command) => {
      process.exitCode = await doctorCommand(command.optsWithGlobals<ContextOptions & DoctorFlags>(), {
        env: process.env,
        cwd: process.cwd(),
        write: (text) => process.stdout.write(text),
      });
    });
}

import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type { Command } from "commander";
import { claudeVersion, locateClaude } from "../claude/locate.js";
import { settingsFiles } from "../claude/user-settings.js";
import { loadConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { apiKeySource, maskKey, redactSecrets, resolveApiKey } from "../config/secret.js";
import { resolvePaths } from "../state/paths.js";
import { localeIsUtf8 } from "../statusline/segment.js";
import { ledgerPath } from "../usage/ledger.js";
import type { ContextOptions } from "./context.js";

/**
 * `claude-fallback doctor` (SPEC §3): one line per check, `✓`/`✗` (`OK`/`FAIL` without a UTF-8
 * locale), each failure with its fix. Exit 1 when any check fails. Nothing is contacted unless
 * `--online` is given; then one `GET /v1/models` checks that the upstream accepts the key (and
 * only then does `api_key_command` run).
 */

/** The Claude Code versions our features need. */
export const FEATURE_VERSIONS = [
  {
    feature: "StopFailure hook",
    why: "the most reliable limit signal",
    min: "2.1.78",
    without: "limits are detected from the status line, transcript and screen only",
  },
  {
    feature: "status line rate_limits",
    why: "subscription utilisation and reset times",
    min: "2.1.80",
    without: "no utilisation or early warnings; reset times come from the limit message",
  },
  {
    feature: "http hooks",
    why: "busy/idle tracking without a process per event",
    min: "2.1.330",
    without: "untested before 2.1.330: switching at idle moments may not work",
  },
] as const;

export interface Check {
  ok: boolean;
  /** What was checked and what was found. */
  text: string;
  /** How to fix a failure. */
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
        ok: false,
        text: `${layer.path} sets disableAllHooks: our hooks and status line will not run (no limit detection by hook, no switching at idle)`,
        fix: owner,
      });
    }
    if (layer.managed && settings.allowManagedHooksOnly === true) {
      checks.push({
        ok: false,
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
      ok: false,
      text: `allowedHttpHookUrls (${allowlistFrom.join(", ")}) does not allow loopback hooks: our http hooks would be blocked`,
      fix: 'add "http://127.0.0.1:*" to allowedHttpHookUrls',
    });
  }
  if (checks.length === 0) {
    checks.push({
      ok: true,
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
    return { ok: true, text: `${label}: ${shown} ${existsSync(shown) ? "is writable" : "can be created"}` };
  } catch {
    const blocked = target ?? probe;
    return {
      ok: false,
      text: `${label}: ${shown} is not writable (${blocked})`,
      fix: `make ${blocked} a directory you can write to, or point CLAUDE_FALLBACK_HOME / XDG_*_HOME elsewhere`,
    };
  }
}

async function onlineKeyCheck(config: Config, io: DoctorIo): Promise<Check> {
  let key: string | null = null;
  try {
    key = (await resolveApiKey(config, io.env))?.key ?? null;
    if (key === null) return { ok: false, text: "API key check online: no key to check" };
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
    if (response.ok) return { ok: true, text: `API key accepted by ${upstream.origin}` };
    return {
      ok: false,
      text: `API key rejected by ${upstream.origin} (HTTP ${response.status})`,
      fix:
        response.status === 401 || response.status === 403
          ? "create a key at console.anthropic.com and update the config"
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
      ok: false,
      text: `API key check online failed: ${message}`,
      fix: "check the network and upstream_url",
    };
  }
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
      ok: true,
      text: loaded.exists
        ? `config: ${loaded.path} is valid`
        : `config: no file at ${loaded.path} (defaults apply)`,
    });
    for (const warning of loaded.warnings) {
      const [problem, fix] = warning.split(/;?\s*fix: /);
      checks.push({
        ok: false,
        text: `config: ${problem!.replace(/^warning: /, "")}`,
        fix: fix ?? `chmod 600 ${loaded.path}`,
      });
    }
  } catch (error) {
    checks.push({
      ok: false,
      text: error instanceof Error ? error.message : String(error),
      fix: "correct the file, then run `claude-fallback config validate`",
    });
  }

  try {
    const claude = locateClaude({ flag: opts.claude, configured: config?.claude_path ?? "claude" }, io.env);
    const version = await claudeVersion(claude);
    if (version === null) {
      checks.push({
        ok: false,
        text: `claude: ${claude} found, but \`claude --version\` gave no version`,
        fix: "reinstall Claude Code (npm install -g @anthropic-ai/claude-code)",
      });
    } else {
      checks.push({ ok: true, text: `claude: ${claude} (${version})` });
      for (const need of FEATURE_VERSIONS) {
        const ok = versionAtLeast(version, need.min);
        checks.push(
          ok
            ? { ok, text: `${need.feature} (${need.why}): supported (needs ≥ ${need.min})` }
            : {
                ok,
                text: `${need.feature} (${need.why}) needs Claude Code ≥ ${need.min}, found ${version}: ${need.without}`,
                fix: "update Claude Code (claude update)",
              },
        );
      }
    }
  } catch (error) {
    checks.push({
      ok: false,
      text: `claude: ${error instanceof Error ? error.message : String(error)}`,
      fix: "install Claude Code or pass --claude PATH",
    });
  }

  checks.push(...settingsChecks(io.cwd, io.env, io.managedSettingsFiles ?? defaultManagedSettingsFiles()));

  if (config) {
    const source = apiKeySource(config, io.env);
    const envKey = io.env.CLAUDE_FALLBACK_API_KEY;
    if (source === null) {
      checks.push({
        ok: false,
        text: "API key: none configured (at the limit claude-fallback can only notify)",
        fix: "set api_key or api_key_command in the config (claude-fallback config init), or $CLAUDE_FALLBACK_API_KEY",
      });
    } else if (source === "command") {
      checks.push({ ok: true, text: "API key: from api_key_command (run only with --online)" });
    } else {
      const key = source === "env" ? (envKey ?? "") : (config.api_key ?? "");
      const where = source === "env" ? "$CLAUDE_FALLBACK_API_KEY" : "api_key in the config";
      checks.push({ ok: true, text: `API key: ${where} ${maskKey(key)}` });
    }
    if (opts.online && source !== null) checks.push(await onlineKeyCheck(config, io));
  }

  checks.push(writableCheck("usage ledger", paths.dataDir, ledgerPath(paths.dataDir)));
  checks.push(writableCheck("state", paths.stateDir));
  return checks;
}

export function formatCheck(check: Check, unicode: boolean): string {
  const mark = check.ok ? (unicode ? "✓" : "OK  ") : unicode ? "✗" : "FAIL";
  const fix = !check.ok && check.fix ? `${unicode ? " — " : " -- "}fix: ${check.fix}` : "";
  const line = `${mark} ${check.text}${fix}`;
  return `${unicode ? line : line.replaceAll("≥", ">=").replaceAll("…", "...")}\n`;
}

/** Prints the checks; returns the exit code (1 when any failed). */
export async function doctorCommand(opts: ContextOptions & DoctorFlags, io: DoctorIo): Promise<number> {
  const checks = await runChecks(opts, io);
  const unicode = localeIsUtf8(io.env);
  for (const check of checks) io.write(formatCheck(check, unicode));
  const failed = checks.filter((check) => !check.ok).length;
  io.write(failed === 0 ? "all checks passed\n" : `${failed} check(s) failed\n`);
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

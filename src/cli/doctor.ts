import type { Command } from "commander";
import {
  CAPABILITIES,
  type Capability,
  compatibility,
  VERIFIED_MAX,
  VERIFIED_MIN,
  versionAtLeast,
} from "../claude/compat.js";
import { CLAUDE_VERSION_TIMEOUT_MS, locateClaude, probeClaudeVersion } from "../claude/locate.js";
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
import { loadUndici } from "../platform/undici.js";
import { resolvePaths } from "../state/paths.js";
import { asciiPunctuation, localeIsUtf8 } from "../statusline/segment.js";
import type { ContextOptions } from "./context.js";
import {
  type Check,
  type CheckStatus,
  defaultManagedSettingsFiles,
  ledgerCheck,
  settingsChecks,
  stateCheck,
} from "./doctor-files.js";

/**
 * `claude-fallback doctor` (SPEC §3): one line per check, `✓`/`!`/`✗` (`OK`/`WARN`/`FAIL` without a
 * UTF-8 locale), each warning and failure with its fix; `--json` gives the same checks as one
 * object. Exit 1 when any check fails; warnings (something works less well than it could) do not.
 * What Claude Code versions are verified, and what each lacks, is ../claude/compat.ts's to say. Nothing is contacted unless
 * `--online` is given; then one `GET /v1/models` checks that the upstream accepts the key (and
 * only then does `api_key_command` run).
 */

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
  json?: boolean | undefined;
}

/**
 * A check as `runChecks` lists it: with what it is about, for scripts (`doctor --json`). One id can
 * name several checks (each problem of the config file, each settings file in the way).
 */
export interface NamedCheck extends Check {
  id: string;
}

/** The Claude Code doctor found, as `doctor --json` reports it. */
export interface ClaudeFound {
  /** The executable; null when none was found. */
  path: string | null;
  /** `claude --version`; null when it could not be read. */
  version: string | null;
  verified_min: string;
  verified_max: string;
  /** At least `verified_min`; null when the version is not known. */
  supported: boolean | null;
}

export interface DoctorReport {
  checks: NamedCheck[];
  claude: ClaudeFound;
}

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
    const request = io.fetch ?? (loadUndici().fetch as unknown as typeof fetch);
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

/** The verified range, as doctor says it. */
const VERIFIED_RANGE = `${VERIFIED_MIN} – ${VERIFIED_MAX}`;
const UPDATE_CLAUDE = "update Claude Code (claude update)";

/** The `claude` found and its version, against the verified range (SPEC §13). */
export function claudeVersionCheck(path: string, version: string): Check {
  const { supported, newerThanVerified } = compatibility(version);
  if (!supported) {
    return {
      status: "fail",
      text: `claude: ${path} (${version}) is older than ${VERIFIED_MIN}, the oldest verified with claude-fallback (verified ${VERIFIED_RANGE})`,
      fix: UPDATE_CLAUDE,
    };
  }
  const range = newerThanVerified
    ? `newer than the verified ${VERIFIED_RANGE}: expected to work`
    : `verified ${VERIFIED_RANGE}`;
  return { status: "ok", text: `claude: ${path} (${version}; ${range})` };
}

/** One capability of {@link CAPABILITIES} with the Claude Code `version` found. */
export function capabilityCheck(capability: Capability, version: string): Check {
  const title = `${capability.name} (${capability.why})`;
  if (versionAtLeast(version, capability.since)) {
    return { status: "ok", text: `${title}: supported (since ${capability.since})` };
  }
  return {
    status: capability.impact === "story" ? "fail" : "warn",
    text: `${title} came in Claude Code ${capability.since}, found ${version}: ${capability.without}`,
    fix: capability.remedy,
  };
}

/** Runs every check; returns them in order, with the Claude Code found. */
export async function runDoctor(opts: ContextOptions & DoctorFlags, io: DoctorIo): Promise<DoctorReport> {
  const checks: NamedCheck[] = [];
  const add = (id: string, ...found: Check[]) => {
    for (const check of found) checks.push({ id, ...check });
  };
  const claudeFound: ClaudeFound = {
    path: null,
    version: null,
    verified_min: VERIFIED_MIN,
    verified_max: VERIFIED_MAX,
    supported: null,
  };
  const paths = resolvePaths(io.env);

  let config: Config | null = null;
  try {
    const loaded = loadConfig({ configFlag: opts.config, env: io.env, cwd: io.cwd });
    config = loaded.config;
    add("config", {
      status: "ok",
      text: loaded.exists
        ? `config: ${loaded.path} is valid`
        : `config: no file at ${loaded.path} (defaults apply)`,
    });
    for (const warning of loaded.warnings) {
      const [problem, fix] = warning.split(/;?\s*fix: /);
      add("config", {
        status: "fail",
        text: `config: ${problem!.replace(/^warning: /, "")}`,
        fix: fix ?? `chmod 600 ${loaded.path}`,
      });
    }
  } catch (error) {
    const [problem, fix] = (error instanceof Error ? error.message : String(error)).split(/;\s*fix: /);
    add("config", {
      status: "fail",
      text: problem!,
      fix: fix ?? "correct the file, then run `claude-fallback config validate`",
    });
  }

  try {
    const claude = locateClaude({ flag: opts.claude, configured: config?.claude_path ?? "claude" }, io.env);
    claudeFound.path = claude;
    const probe = await probeClaudeVersion(claude, io.env, io.versionTimeoutMs ?? CLAUDE_VERSION_TIMEOUT_MS);
    if (probe.version === null) {
      add("claude", {
        status: "fail",
        text: `claude: ${claude} found, but ${probe.problem}`,
        fix: "reinstall Claude Code (npm install -g @anthropic-ai/claude-code)",
      });
    } else {
      const { version } = probe;
      claudeFound.version = version;
      claudeFound.supported = compatibility(version).supported;
      add("claude", claudeVersionCheck(claude, version));
      for (const capability of CAPABILITIES)
        add(`claude.${capability.id}`, capabilityCheck(capability, version));
    }
  } catch (error) {
    add("claude", {
      status: "fail",
      text: `claude: ${error instanceof Error ? error.message : String(error)}`,
      // Fix what named the missing claude: "pass --claude" to someone who did is no help.
      fix: opts.claude
        ? "give --claude the path of the Claude Code executable (see `command -v claude`), or leave it out"
        : config?.claude_path.includes("/")
          ? "correct claude_path in the config (the Claude Code executable), or pass --claude PATH"
          : "install Claude Code (npm install -g @anthropic-ai/claude-code) or pass --claude PATH",
    });
  }

  add(
    "claude_settings",
    ...settingsChecks(io.cwd, io.env, io.managedSettingsFiles ?? defaultManagedSettingsFiles()),
  );

  if (config) {
    const source = apiKeySource(config, io.env);
    const envKey = io.env.CLAUDE_FALLBACK_API_KEY;
    let problem: string | null = null;
    if (source === null) {
      add("api_key", {
        status: "fail",
        text: "API key: none configured (at the limit claude-fallback can only notify)",
        fix: "set api_key or api_key_command in the config (claude-fallback config init), or $CLAUDE_FALLBACK_API_KEY",
      });
    } else if (source === "command") {
      // Online it runs in the check that follows; offline it is not run at all.
      const when = opts.online ? "" : " (run only with --online)";
      add("api_key", { status: "ok", text: `API key: from api_key_command${when}` });
    } else {
      const key = source === "env" ? (envKey ?? "") : (config.api_key ?? "");
      const where = source === "env" ? "$CLAUDE_FALLBACK_API_KEY" : "api_key in the config";
      // A key in the config was checked when it was loaded; one in the environment is checked here, as a run would.
      problem = source === "env" ? envKeyProblem(io.env) : null;
      add(
        "api_key",
        problem
          ? { status: "fail", text: `API key: ${problem}`, fix: REJECTED_KEY_FIX.env }
          : { status: "ok", text: `API key: ${where} ${maskKey(key)}` },
      );
    }
    if (opts.online && source !== null && problem === null)
      add("api_key_online", await onlineKeyCheck(config, io));
  }

  add("usage_ledger", ledgerCheck(paths.dataDir));
  add("state", stateCheck(paths.stateDir));
  return { checks, claude: claudeFound };
}

/** Runs every check; returns them in order. */
export async function runChecks(opts: ContextOptions & DoctorFlags, io: DoctorIo): Promise<NamedCheck[]> {
  return (await runDoctor(opts, io)).checks;
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
  return `${unicode ? line : asciiPunctuation(line)}\n`;
}

/** Prints the checks (text or, with `--json`, one JSON object); returns the exit code (1 when any failed). */
export async function doctorCommand(opts: ContextOptions & DoctorFlags, io: DoctorIo): Promise<number> {
  const report = await runDoctor(opts, io);
  const json = doctorJson(report);
  if (opts.json) {
    io.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    const unicode = localeIsUtf8(io.env);
    for (const check of report.checks) io.write(formatCheck(check, unicode));
    const caveat = json.warnings === 0 ? "" : ` (${json.warnings} warning${json.warnings > 1 ? "s" : ""})`;
    io.write(json.ok ? `all checks passed${caveat}\n` : `${json.failed} check(s) failed${caveat}\n`);
  }
  return json.ok ? 0 : 1;
}

/** `doctor --json`: stable (fields are only ever added), documented in README.md, "JSON output". */
export function doctorJson(report: DoctorReport) {
  const count = (status: CheckStatus) => report.checks.filter((check) => check.status === status).length;
  return {
    format: 1,
    ok: count("fail") === 0,
    failed: count("fail"),
    warnings: count("warn"),
    claude: report.claude,
    checks: report.checks.map((check) => ({
      id: check.id,
      status: check.status,
      text: check.text,
      fix: check.status !== "ok" && check.fix ? check.fix : null,
    })),
  };
}

export function registerDoctor(program: Command): void {
  program
    .command("doctor")
    .description(
      "check claude and its version, the config, the API key, hooks/status line support and writable directories",
    )
    .option("--online", "also check that the API accepts the key (one GET /v1/models; runs api_key_command)")
    .option("--json", 'machine-readable JSON (stable; documented in the README, section "JSON output")')
    .action(async (_flags: DoctorFlags, command: Command) => {
      process.exitCode = await doctorCommand(command.optsWithGlobals<ContextOptions & DoctorFlags>(), {
        env: process.env,
        cwd: process.cwd(),
        write: (text) => process.stdout.write(text),
      });
    });
}

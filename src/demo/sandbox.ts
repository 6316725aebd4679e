import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** The API key the demo's simulator accepts: the shape of a real one, never a real one. */
export const DEMO_API_KEY = `sk-ant-api03-demo-${"d".repeat(74)}-DEMO`;
/** Stands for the subscription login of the demo's Claude Code (the simulator treats sk-ant-oat… as one). */
export const DEMO_OAUTH_TOKEN = `sk-ant-oat01-demo-subscription-${"0".repeat(40)}`;

/** The demo's claude-fallback config: auto switch, auto revert, a $1 cap. */
export const DEMO_CONFIG = {
  api_key: DEMO_API_KEY,
  auto_switch: true,
  auto_revert_on_reset: true,
  cost_limit_per_session: 1,
  notifications: { terminal: true, desktop: false, webhook_url: null },
};

/**
 * A throw-away machine for the demo: its own HOME seeded past Claude Code's onboarding and trust
 * dialog, a project directory, temp and runtime directories, claude-fallback's own home with the
 * demo config, and an environment built from nothing (no stray key or login of the user's leaks in).
 */
export interface DemoSandbox {
  root: string;
  home: string;
  project: string;
  /** `CLAUDE_FALLBACK_HOME`: config.json, state/, data/usage.db. */
  fallbackHome: string;
  /** `CLAUDE_FALLBACK_TRACE`: one JSON line per event of the wrapper's state machine. */
  tracePath: string;
  /** The wrapper's environment. */
  env: NodeJS.ProcessEnv;
  /** Removes everything; safe to call twice and from an exit hook (synchronous). */
  cleanup(): void;
}

export interface DemoSandboxOptions {
  /** The simulator's base URL. */
  baseUrl: string;
  /** The `claude` version, for `lastOnboardingVersion`. */
  claudeVersion: string | null;
  /** The user's environment: only TZ and a UTF-8 LANG are taken from it. */
  userEnv: NodeJS.ProcessEnv;
  /** Seconds after the announced reset before reverting. */
  resetGraceSeconds: number;
}

/**
 * A HOME in which Claude Code starts straight into a session in `project`: onboarding done and
 * the project trusted (else it shows the onboarding, a trust dialog, or exits offline).
 */
export function seedClaudeHome(home: string, project: string, claudeVersion?: string | null): void {
  mkdirSync(join(home, ".claude"), { recursive: true });
  writeFileSync(
    join(home, ".claude.json"),
    JSON.stringify({
      hasCompletedOnboarding: true,
      lastOnboardingVersion: claudeVersion ?? "2.1.330",
      theme: "dark",
      projects: { [project]: { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true } },
    }),
  );
}

/** What keeps Claude Code offline and quiet against a local API: no telemetry, updates or retries. */
export function offlineClaudeEnv(options: {
  baseUrl: string;
  claudeTmp: string;
  runtime: string;
}): NodeJS.ProcessEnv {
  return {
    ANTHROPIC_BASE_URL: options.baseUrl,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_ERROR_REPORTING: "1",
    CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: "1",
    CLAUDE_CODE_TMPDIR: options.claudeTmp,
    XDG_RUNTIME_DIR: options.runtime,
    CLAUDE_CODE_MAX_RETRIES: "0",
  };
}

export function createDemoSandbox(options: DemoSandboxOptions): DemoSandbox {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "claude-fallback-demo-")));
  const home = join(root, "home");
  const project = join(root, "project");
  const fallbackHome = join(root, "fallback-home");
  const runtime = join(root, "runtime");
  const claudeTmp = join(root, "tmp");
  const tracePath = join(root, "trace.jsonl");
  try {
    mkdirSync(project, { recursive: true });
    mkdirSync(runtime, { recursive: true, mode: 0o700 });
    mkdirSync(claudeTmp, { recursive: true });
    mkdirSync(fallbackHome, { recursive: true, mode: 0o700 });
    seedClaudeHome(home, project, options.claudeVersion);
    const configPath = join(fallbackHome, "config.json");
    writeFileSync(configPath, JSON.stringify(DEMO_CONFIG, null, 2), { mode: 0o600 });
    chmodSync(configPath, 0o600);
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const lang = options.userEnv.LANG;
  const env: NodeJS.ProcessEnv = {
    PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    USER: options.userEnv.USER ?? "demo",
    LANG: lang && /utf-?8/i.test(lang) ? lang : "C.UTF-8",
    TERM: "xterm-256color",
    ...offlineClaudeEnv({ baseUrl: options.baseUrl, claudeTmp, runtime }),
    CLAUDE_CODE_OAUTH_TOKEN: DEMO_OAUTH_TOKEN,
    CLAUDE_FALLBACK_HOME: fallbackHome,
    CLAUDE_FALLBACK_TRACE: tracePath,
    CLAUDE_FALLBACK_RESET_GRACE_SECONDS: String(options.resetGraceSeconds),
  };
  if (options.userEnv.TZ) env.TZ = options.userEnv.TZ;
  let removed = false;
  return {
    root,
    home,
    project,
    fallbackHome,
    tracePath,
    env,
    cleanup() {
      if (removed) return;
      removed = true;
      rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

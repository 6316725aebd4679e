/** A throw-away HOME for the real, pinned `claude` against the simulator, seeded past onboarding as the e2e sandbox is. */
import { chmod, mkdir, mkdtemp, realpath, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const claudePackage = require.resolve("@anthropic-ai/claude-code/package.json");
/** The pinned Claude Code's executable and version. */
export const claude = join(dirname(claudePackage), "bin", "claude.exe");
export const claudeVersion = require(claudePackage).version;
export const OAUTH = "sk-ant-oat01-bench-subscription-token-000000000000000000000000000000";
export const KEY = `sk-ant-api03-bench-${"k".repeat(74)}-AAAA`;

/** `prefix` names the temp dir; `config` is claude-fallback's config (the test API key in it). */
export async function sandbox(baseUrl, prefix, config) {
  const root = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  const home = join(root, "home");
  const project = join(root, "project");
  const fallbackHome = join(root, "fallback-home");
  for (const dir of [project, join(home, ".claude"), join(root, "tmp")])
    await mkdir(dir, { recursive: true });
  await mkdir(join(root, "runtime"), { recursive: true, mode: 0o700 });
  await mkdir(fallbackHome, { recursive: true, mode: 0o700 });
  await writeFile(
    join(home, ".claude.json"),
    JSON.stringify({
      hasCompletedOnboarding: true,
      lastOnboardingVersion: claudeVersion,
      theme: "dark",
      projects: { [project]: { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true } },
    }),
  );
  const configFile = join(fallbackHome, "config.json");
  await writeFile(configFile, JSON.stringify(config));
  await chmod(configFile, 0o600);
  const env = {
    PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    USER: "bench",
    LANG: "C.UTF-8",
    TERM: "xterm-256color",
    TZ: "UTC",
    ANTHROPIC_BASE_URL: baseUrl,
    CLAUDE_CODE_OAUTH_TOKEN: OAUTH,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_ERROR_REPORTING: "1",
    CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: "1",
    CLAUDE_CODE_TMPDIR: join(root, "tmp"),
    XDG_RUNTIME_DIR: join(root, "runtime"),
    CLAUDE_CODE_MAX_RETRIES: "0",
    CLAUDE_FALLBACK_HOME: fallbackHome,
  };
  return { root, project, env };
}

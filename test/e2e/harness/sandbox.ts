import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { offlineClaudeEnv, seedClaudeHome } from "../../../src/demo/sandbox.js";
import { testedClaudeVersion } from "./claude.js";

/** The OAuth token that stands for a subscription login in every test (never a real one). */
export const TEST_OAUTH_TOKEN = "sk-ant-oat01-test-subscription-token-0000000000000000000000000000";
/** A fake API key in the shape of a real one. */
export const TEST_API_KEY = `sk-ant-api03-test-${"k".repeat(74)}-AAAA`;

/**
 * A throw-away machine for one `claude` run: its own HOME (seeded past onboarding and the
 * trust dialog), project directory, temp and runtime dirs, and an environment built from
 * nothing, so nothing of the developer's or CI's shell (a stray ANTHROPIC_API_KEY…) leaks in.
 */
export interface Sandbox {
  root: string;
  home: string;
  project: string;
  /** `~/.claude` of the sandbox: settings.json, projects/… transcripts. */
  claudeDir: string;
  env: NodeJS.ProcessEnv;
  transcriptPath(sessionId: string): string;
  writeUserSettings(settings: unknown): Promise<string>;
  cleanup(): Promise<void>;
}

export interface SandboxOptions {
  /** The simulator's base URL. */
  baseUrl: string;
  /** Subscription login; `null` for none. */
  oauthToken?: string | null;
  env?: NodeJS.ProcessEnv;
}

export async function createSandbox(options: SandboxOptions): Promise<Sandbox> {
  const root = await realpath(await mkdtemp(join(tmpdir(), "cf-e2e-")));
  const home = join(root, "home");
  const project = join(root, "project");
  const claudeDir = join(home, ".claude");
  const runtime = join(root, "runtime");
  const claudeTmp = join(root, "tmp");
  await mkdir(project, { recursive: true });
  await mkdir(runtime, { recursive: true, mode: 0o700 });
  await mkdir(claudeTmp, { recursive: true });
  seedClaudeHome(home, project, testedClaudeVersion());
  const env: NodeJS.ProcessEnv = {
    PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    USER: "tester",
    LANG: "C.UTF-8",
    TERM: "xterm-256color",
    TZ: "UTC",
    ...offlineClaudeEnv({ baseUrl: options.baseUrl, claudeTmp, runtime }),
    ...options.env,
  };
  const oauthToken = options.oauthToken === undefined ? TEST_OAUTH_TOKEN : options.oauthToken;
  if (oauthToken) env.CLAUDE_CODE_OAUTH_TOKEN = oauthToken;
  return {
    root,
    home,
    project,
    claudeDir,
    env,
    transcriptPath: (sessionId) =>
      join(claudeDir, "projects", project.replace(/[^a-zA-Z0-9]/g, "-"), `${sessionId}.jsonl`),
    async writeUserSettings(settings) {
      const path = join(claudeDir, "settings.json");
      await writeFile(path, JSON.stringify(settings, null, 2));
      return path;
    },
    // Claude may still be flushing a file as it exits: retry instead of failing on ENOTEMPTY.
    cleanup: () => rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }),
  };
}

/**
 * The records of a JSON-lines file that another process may be appending to: only lines ended
 * by a newline, since the last one may be half written (a line cut mid-string is not a record).
 */
export function completeJsonLines(text: string): unknown[] {
  return text
    .slice(0, text.lastIndexOf("\n") + 1)
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as unknown);
}

import { execFile } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { promisify } from "node:util";
import { withoutApiKeyEnv } from "../config/secret.js";
import { UsageError } from "../errors.js";

const run = promisify(execFile);

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the `claude` executable: `--claude PATH`, else the config's `claude_path` (a bare name is
 * looked up on PATH, as a shell would).
 */
export function locateClaude(
  choice: { flag?: string | undefined; configured: string },
  env: NodeJS.ProcessEnv = process.env,
): string {
  const wanted = choice.flag ?? choice.configured;
  const source = choice.flag ? "--claude" : "claude_path";
  if (wanted.includes("/")) {
    const path = isAbsolute(wanted) ? wanted : resolve(wanted);
    if (isExecutableFile(path)) return path;
    throw new UsageError(`${source} ${JSON.stringify(wanted)} is not an executable file`);
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, wanted);
    if (isExecutableFile(path)) return path;
  }
  throw new UsageError(
    `Claude Code (${JSON.stringify(wanted)}) was not found on PATH; install it (npm install -g @anthropic-ai/claude-code) or set ${source}`,
  );
}

/** `claude --version` → "2.1.330", or null when it cannot be read. Run without our key in its environment. */
export async function claudeVersion(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | null> {
  try {
    const { stdout } = await run(path, ["--version"], { timeout: 15_000, env: withoutApiKeyEnv(env) });
    return /(\d+\.\d+\.\d+)/.exec(stdout)?.[1] ?? null;
  } catch {
    return null;
  }
}

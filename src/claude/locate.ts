import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { withoutApiKeyEnv } from "../config/secret.js";
import { UsageError } from "../errors.js";
import { exitStatus, formatSeconds, runInOwnGroup } from "../platform/process-group.js";

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

/** How long `claude --version` may take; it normally answers in well under a second. */
export const CLAUDE_VERSION_TIMEOUT_MS = 15_000;

/** More than any version banner. */
const MAX_VERSION_OUTPUT_BYTES = 64 * 1024;

/** A version such as "2.1.330", or why there is none (a phrase naming `claude --version`). */
export type VersionProbe = { version: string } | { version: null; problem: string };

/**
 * Runs `claude --version`, without our key in its environment, in a process group of its own:
 * a `claude` that hangs is killed after `timeoutMs` with everything it started.
 */
export async function probeClaudeVersion(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs: number = CLAUDE_VERSION_TIMEOUT_MS,
): Promise<VersionProbe> {
  const result = await runInOwnGroup(path, ["--version"], {
    env: withoutApiKeyEnv(env),
    timeoutMs,
    maxStdoutBytes: MAX_VERSION_OUTPUT_BYTES,
    maxStderrBytes: 0,
  });
  const command = "`claude --version`";
  switch (result.outcome) {
    case "error":
      return { version: null, problem: `${command} could not be started (${result.message})` };
    case "timeout":
      return {
        version: null,
        problem: `${command} timed out after ${formatSeconds(timeoutMs)} and was killed`,
      };
    case "overflow":
      return { version: null, problem: `${command} printed more than ${MAX_VERSION_OUTPUT_BYTES} bytes` };
    case "exited": {
      if (result.code !== 0) return { version: null, problem: `${command} failed (${exitStatus(result)})` };
      const version = /(\d+\.\d+\.\d+)/.exec(result.stdout)?.[1];
      return version ? { version } : { version: null, problem: `${command} gave no version` };
    }
  }
}

/** `claude --version` → "2.1.330", or null when it cannot be read (see {@link probeClaudeVersion}). */
export async function claudeVersion(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | null> {
  return (await probeClaudeVersion(path, env)).version;
}

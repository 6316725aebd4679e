import { execFileSync } from "node:child_process";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { shellQuote } from "../../../src/shell.js";
import { type ProcessResult, type RunOptions, runProcess, testedClaudeBinary } from "./claude.js";
import { PtySession } from "./pty.js";
import type { Sandbox } from "./sandbox.js";

export const CLI = join(dirname(fileURLToPath(import.meta.url)), "../../../dist/bin/claude-fallback.js");

/** The command a run offers to be called again with: the `--claude` the harness gives every run. */
export function ourCommand(): string {
  return `claude-fallback --claude ${shellQuote(testedClaudeBinary())}`;
}

/** claude-fallback's own files for a sandbox: CLAUDE_FALLBACK_HOME and a 0600 config. */
export async function writeFallbackConfig(
  sandbox: Sandbox,
  config: Record<string, unknown>,
): Promise<string> {
  const home = join(sandbox.root, "fallback-home");
  await mkdir(home, { recursive: true, mode: 0o700 });
  const path = join(home, "config.json");
  await writeFile(path, JSON.stringify(config, null, 2));
  await chmod(path, 0o600);
  return home;
}

export function fallbackEnv(sandbox: Sandbox, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...sandbox.env, CLAUDE_FALLBACK_HOME: join(sandbox.root, "fallback-home"), ...extra };
}

/** Runs `claude-fallback <args>` with the tested claude, piped stdio. */
export function runFallback(
  sandbox: Sandbox,
  args: string[],
  env: NodeJS.ProcessEnv = fallbackEnv(sandbox),
  options: Pick<RunOptions, "timeoutMs" | "onStdout"> = {},
): Promise<ProcessResult> {
  return runProcess(process.execPath, [CLI, "--claude", testedClaudeBinary(), ...args], {
    cwd: sandbox.project,
    env,
    timeoutMs: 90_000,
    ...options,
  });
}

/** Runs `claude-fallback <args>` in a pseudo-terminal, as a person would. */
export function spawnFallback(
  sandbox: Sandbox,
  args: string[],
  env: NodeJS.ProcessEnv = fallbackEnv(sandbox),
): PtySession {
  return new PtySession(process.execPath, [CLI, "--claude", testedClaudeBinary(), ...args], {
    cwd: sandbox.project,
    env,
  });
}

/** The user the unprivileged runs take when the tests run as root (nobody). */
const UNPRIVILEGED_ID = 65534;

/**
 * Runs `claude-fallback <args>` as a user whom file permissions bind. Under root (CI containers),
 * where a mode of 000 stops nothing, the sandbox is handed to `nobody` and the run made as nobody
 * with `setpriv`; otherwise the run is the test's own user, already bound by them.
 */
export function runFallbackUnprivileged(
  sandbox: Sandbox,
  args: string[],
  env: NodeJS.ProcessEnv = fallbackEnv(sandbox),
): Promise<ProcessResult> {
  const command = [process.execPath, CLI, "--claude", testedClaudeBinary(), ...args];
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync("chown", ["-R", `${UNPRIVILEGED_ID}:${UNPRIVILEGED_ID}`, sandbox.root]);
  const [program, ...rest] = asRoot
    ? ["setpriv", `--reuid=${UNPRIVILEGED_ID}`, `--regid=${UNPRIVILEGED_ID}`, "--clear-groups", ...command]
    : command;
  return runProcess(program as string, rest, { cwd: sandbox.project, env, timeoutMs: 90_000 });
}

import {
  type ChildProcess,
  type ChildProcessWithoutNullStreams,
  execFileSync,
  spawn,
} from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/**
 * Names another Claude Code to test with (`npm run test:compat` sets it per version); unset, the
 * pinned dev dependency is used, never one from the user's PATH.
 */
export const TEST_CLAUDE_ENV = "CLAUDE_FALLBACK_TEST_CLAUDE";

function pinnedBinary(): string {
  const pkg = require.resolve("@anthropic-ai/claude-code/package.json");
  return join(dirname(pkg), "bin", "claude.exe");
}

/** The real Claude Code CLI the e2e tests drive: `$CLAUDE_FALLBACK_TEST_CLAUDE`, else the pin. */
export function testedClaudeBinary(): string {
  const chosen = process.env[TEST_CLAUDE_ENV];
  return chosen ? chosen : pinnedBinary();
}

let versionOf: { binary: string; version: string } | undefined;

/**
 * The version of {@link testedClaudeBinary}: from the package it belongs to (`bin/claude.exe` of
 * 2.1.113+, `cli.js` before), else from `claude --version`.
 */
export function testedClaudeVersion(): string {
  const binary = testedClaudeBinary();
  if (versionOf?.binary === binary) return versionOf.version;
  let version: string | undefined;
  for (let dir = dirname(realpathSync(binary)); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string; version?: string };
    if (pkg.name === "@anthropic-ai/claude-code") version = pkg.version;
    break;
  }
  version ??= /(\d+\.\d+\.\d+)/.exec(
    execFileSync(binary, ["--version"], {
      encoding: "utf8",
      timeout: 30_000,
      env: { PATH: process.env.PATH },
    }),
  )?.[1];
  if (!version) throw new Error(`${binary}: no Claude Code version found`);
  versionOf = { binary, version };
  return version;
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Fails the run (and kills the process group) after this long. */
  timeoutMs?: number;
  input?: string;
  /** Sees standard output as it arrives (the result has all of it too). */
  onStdout?: (chunk: string) => void;
}

const live = new Set<ChildProcess>();

/**
 * Starts a command with piped stdio in a process group of its own, which {@link killLiveProcesses}
 * kills whole (with anything it started) if the test leaves it running.
 */
export function spawnTracked(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): ChildProcessWithoutNullStreams {
  const child = spawn(command, args, { ...options, stdio: ["pipe", "pipe", "pipe"], detached: true });
  live.add(child);
  child.on("close", () => live.delete(child));
  return child;
}

/** Runs a command to completion with piped stdio; the process group is killed on timeout. */
export function runProcess(command: string, args: string[], options: RunOptions): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawnTracked(command, args, { cwd: options.cwd, env: options.env });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(chunk);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      killGroup(child);
      reject(
        new Error(
          `${command} ${args.join(" ")} timed out after ${options.timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 60_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      live.delete(child);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** Runs the tested `claude` with piped stdio (headless `-p` runs). */
export function runClaude(args: string[], options: RunOptions): Promise<ProcessResult> {
  return runProcess(testedClaudeBinary(), args, options);
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}

/** Kills anything a test left running; call from afterEach/afterAll. */
export function killLiveProcesses(): void {
  for (const child of live) killGroup(child);
  live.clear();
}

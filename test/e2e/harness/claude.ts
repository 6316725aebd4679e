import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/** The pinned real Claude Code CLI (a dev dependency), never one from the user's PATH. */
export function pinnedClaudeBinary(): string {
  const pkg = require.resolve("@anthropic-ai/claude-code/package.json");
  return join(dirname(pkg), "bin", "claude.exe");
}

export function pinnedClaudeVersion(): string {
  return (require("@anthropic-ai/claude-code/package.json") as { version: string }).version;
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

/** Runs a command to completion with piped stdio; the process group is killed on timeout. */
export function runProcess(command: string, args: string[], options: RunOptions): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    live.add(child);
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
      live.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** Runs the pinned `claude` with piped stdio (headless `-p` runs). */
export function runClaude(args: string[], options: RunOptions): Promise<ProcessResult> {
  return runProcess(pinnedClaudeBinary(), args, options);
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

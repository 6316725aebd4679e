/**
 * A run core on real files in a temp directory (ledger, state, run directory, hook server), for
 * unit tests of the shells: only `claude` and the user's terminal are fakes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { parseClaudeArgs } from "../../src/claude/args.js";
import { ConfigSchema } from "../../src/config/schema.js";
import { createKeyProvider } from "../../src/config/secret.js";
import { parseHookEvent } from "../../src/hooks/hook-events.js";
import type { ChildLike, ChildOptions } from "../../src/platform/child.js";
import { startingMode } from "../../src/session/policy.js";
import { RunCore, type RunOptions } from "../../src/session/run-core.js";
import type { ShellKind } from "../../src/session/run-record.js";
import { resolvePaths } from "../../src/state/paths.js";
import { readState, stateFile } from "../../src/state/store.js";
import { TerminalModes } from "../../src/terminal/modes.js";
import type { PtyLike, TerminalPort } from "../../src/terminal/port.js";
import type { PtyExit } from "../../src/terminal/pty-child.js";
import { type Ledger, openLedger } from "../../src/usage/ledger.js";

export const TEST_KEY = `sk-ant-api03-test-shell-${"k".repeat(60)}-TEST`;

export interface CoreFixture {
  core: RunCore;
  ledger: Ledger;
  home: string;
  cleanup(): void;
}

export function coreFixture(
  shell: ShellKind,
  claudeArgs: string[],
  config: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = {},
  options: Pick<RunOptions, "ourCommand" | "now"> = {},
): CoreFixture {
  const home = mkdtempSync(join(tmpdir(), "cf-shell-"));
  const fullEnv: NodeJS.ProcessEnv = {
    CLAUDE_FALLBACK_HOME: home,
    HOME: home,
    TZ: "UTC",
    // Where API billing would go: nothing is sent in these tests.
    ANTHROPIC_BASE_URL: "http://127.0.0.1:9",
    CLAUDE_FALLBACK_API_KEY: TEST_KEY,
    ...env,
  };
  const parsed = ConfigSchema.parse(config);
  const paths = resolvePaths(fullEnv);
  const ledger = openLedger(join(paths.dataDir, "usage.db"), { logUsage: parsed.log_usage });
  const keys = createKeyProvider(parsed, fullEnv);
  const runId = ledger.startRun({ startedAt: Date.now(), initialMode: "subscription" });
  const core = new RunCore({
    claudePath: "/fake/claude",
    args: parseClaudeArgs(claudeArgs),
    config: parsed,
    env: fullEnv,
    cwd: home,
    paths,
    keys,
    ledger,
    runId,
    start: startingMode({
      forceApi: false,
      hasKey: keys.source !== null,
      autoSwitch: parsed.auto_switch,
      state: readState(stateFile(paths.stateDir)),
      now: Date.now(),
    }),
    shell,
    ...options,
  });
  return {
    core,
    ledger,
    home,
    cleanup() {
      ledger.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The StopFailure hook Claude Code sends at a subscription limit. */
export function limitHook(sessionId: string, text = "You've hit your 5-hour limit · resets 11pm (UTC)") {
  const event = parseHookEvent(
    {
      hook_event_name: "StopFailure",
      session_id: sessionId,
      error: "rate_limit",
      last_assistant_message: text,
    },
    "StopFailure",
  );
  if (!event) throw new Error("not a hook event");
  return event;
}

/** A `claude` in a pseudo-terminal that the test drives. */
export class FakePty implements PtyLike {
  readonly pid: number;
  readonly written: string[] = [];
  readonly size = { cols: 100, rows: 30 };
  exitInfo: PtyExit | undefined;
  redraws = 0;
  private listener: ((chunk: Buffer) => void) | undefined;
  private resolveExit!: (exit: PtyExit) => void;
  readonly exited = new Promise<PtyExit>((resolve) => {
    this.resolveExit = resolve;
  });

  constructor(
    readonly args: readonly string[],
    readonly env: NodeJS.ProcessEnv,
    pid: number,
  ) {
    this.pid = pid;
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    this.listener = listener;
    return () => {
      this.listener = undefined;
    };
  }

  write(data: Uint8Array | string): void {
    this.written.push(Buffer.from(data).toString("utf8"));
  }

  async forceRedraw(): Promise<void> {
    this.redraws++;
  }

  /** Claude prints something. */
  print(text: string): void {
    this.listener?.(Buffer.from(text));
  }

  exit(exitCode: number, signal: NodeJS.Signals | null = null): void {
    if (this.exitInfo) return;
    this.exitInfo = { exitCode, signal };
    this.resolveExit(this.exitInfo);
  }

  async terminate(): Promise<PtyExit> {
    this.exit(0, "SIGTERM");
    return this.exitInfo!;
  }

  /** The signals sent to it; it ends of each, as Claude does, but a stop or a continue. */
  readonly signals: NodeJS.Signals[] = [];
  kill(signal: NodeJS.Signals = "SIGTERM"): void {
    this.signals.push(signal);
    if (signal !== "SIGSTOP" && signal !== "SIGCONT") this.exit(0, signal);
  }
}

export class FakeTerminal implements TerminalPort {
  readonly modes = new TerminalModes();
  readonly output: string[] = [];
  readonly painted: string[] = [];
  readonly errors: string[] = [];
  entered = false;
  restored = false;
  /** What was done to the terminal, in order. */
  readonly calls: ("enter" | "restore" | "suspend")[] = [];
  private input: ((chunk: Buffer) => void) | undefined;
  private continueJob: (() => void) | undefined;

  write(data: Uint8Array): void {
    this.output.push(Buffer.from(data).toString("utf8"));
  }

  paint(text: string): void {
    this.painted.push(text);
  }

  error(line: string): void {
    this.errors.push(line);
  }

  onInput(listener: (chunk: Buffer) => void): () => void {
    this.input = listener;
    return () => {
      this.input = undefined;
    };
  }

  onResize(): () => void {
    return () => {};
  }

  size() {
    return { cols: 100, rows: 30 };
  }

  enter(): void {
    this.entered = true;
    this.calls.push("enter");
  }

  restore(): void {
    this.restored = true;
    this.calls.push("restore");
  }

  suspend(): Promise<void> {
    this.calls.push("suspend");
    return new Promise((resolve) => {
      this.continueJob = resolve;
    });
  }

  /** The shell's `fg`: the suspended job goes on. */
  fg(): void {
    this.continueJob?.();
  }

  /** The user types. */
  type(text: string): void {
    this.input?.(Buffer.from(text));
  }

  /** Everything drawn so far, escape sequences removed. */
  screenText(): string {
    return this.painted.join("").replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g, "");
  }
}

/** A `claude -p` (or stream-json) child the test drives; what is written to its stdin is kept. */
export class FakeChild implements ChildLike {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly stdin = new PassThrough();
  readonly written: string[] = [];
  stdinEnded = false;
  private resolveExit!: (code: number) => void;
  readonly exited = new Promise<number>((resolve) => {
    this.resolveExit = resolve;
  });

  constructor(
    readonly pid: number,
    readonly args: readonly string[],
    readonly options: ChildOptions,
  ) {
    this.stdin.on("data", (chunk: Buffer) => this.written.push(chunk.toString("utf8")));
    this.stdin.on("finish", () => {
      this.stdinEnded = true;
    });
  }

  /** Claude writes these messages, one JSON line each. */
  say(...messages: unknown[]): void {
    this.stdout.write(messages.map((message) => `${JSON.stringify(message)}\n`).join(""));
  }

  /** The messages written to claude. */
  received(): Record<string, unknown>[] {
    return this.written
      .join("")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Prints `stdout` (and `stderr`), then exits with `code` once both are read. */
  finish(stdout: string, code: number, stderr = ""): void {
    this.stdout.end(stdout);
    this.stderr.end(stderr);
    let ended = 0;
    const done = () => {
      if (++ended === 2) this.resolveExit(code);
    };
    this.stdout.on("end", done).resume();
    this.stderr.on("end", done).resume();
  }

  kill(): void {
    this.finish("", 143);
  }
}

/** Resolves once `condition` holds (checked every few milliseconds), or fails after `ms`. */
export async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

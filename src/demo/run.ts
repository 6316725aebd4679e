import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pty from "@lydell/node-pty";
import type { RecordedRequest, Simulator } from "../simulator/index.js";
import { ledgerPath, openExistingLedger } from "../usage/ledger.js";
import { costText, DEMO_STEPS, type DemoFacts, doneLine, stepLine } from "./narration.js";
import type { DemoSandbox } from "./sandbox.js";
import { lastLines, stripAnsi } from "./screen.js";

/** A step that did not happen in time, with what was on the screen and in the trace. */
export class DemoStepError extends Error {
  override name = "DemoStepError";
  constructor(
    message: string,
    readonly screen: string[],
    readonly trace: string[],
  ) {
    super(message);
  }
}

/** Where the wrapper's screen goes while it runs (a TTY), and where the narration goes. */
export interface DemoOutput {
  /** One narration line (no newline). */
  say(line: string): void;
  /** The wrapper's bytes, for a live mirror; absent when stdout is not a terminal. */
  mirror?: (data: string) => void;
  /** Size of the pseudo-terminal the wrapper runs in. */
  cols: number;
  rows: number;
}

export interface DemoRunOptions {
  simulator: Simulator;
  sandbox: DemoSandbox;
  /** The real `claude` the wrapper runs. */
  claudePath: string;
  /** claude-fallback's own entry point (`dist/bin/claude-fallback.js`). */
  wrapperBin: string;
  output: DemoOutput;
  /** Aborts the demo (Ctrl-C). */
  signal: AbortSignal;
  /** Seconds the simulator's limit lasts. */
  resetSeconds: number;
  /** Per-step time limit. */
  stepTimeoutMs?: number;
}

interface TraceEntry {
  event?: { type?: string; to?: string };
  effects?: string[];
  phase?: string;
  mode?: string;
}

const PROMPTS = [
  "Plan a small refactor of the parser module, step by step.",
  "Now write the first step of that plan.",
  "Thanks! Summarise where we are in one line.",
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Drives the real wrapper (and through it the real `claude`) in a pseudo-terminal like a person:
 * waits for Claude's prompt, types, and follows the story through our own signals — the
 * simulator's request log, the wrapper's trace file and the ledger — rather than by reading prose.
 */
export class DemoRun {
  private raw = "";
  private child: pty.IPty | undefined;
  private exited: { exitCode: number } | undefined;
  private readonly stepTimeoutMs: number;

  constructor(private readonly options: DemoRunOptions) {
    this.stepTimeoutMs = options.stepTimeoutMs ?? 30_000;
  }

  private messages(): RecordedRequest[] {
    return this.options.simulator.requests.filter((r) => r.method === "POST" && r.path === "/v1/messages");
  }

  private trace(): TraceEntry[] {
    const path = this.options.sandbox.tracePath;
    if (!existsSync(path)) return [];
    return readFileSync(path, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as TraceEntry);
  }

  private traceTail(count: number): string[] {
    const path = this.options.sandbox.tracePath;
    if (!existsSync(path)) return [];
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-count);
  }

  private fail(what: string): DemoStepError {
    return new DemoStepError(what, lastLines(this.raw, 25), this.traceTail(8));
  }

  /** Polls `condition` every 50 ms; fails on timeout, on abort, or when the wrapper exits. */
  private async waitUntil(condition: () => boolean, what: string, timeoutMs = this.stepTimeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (condition()) return;
      if (this.options.signal.aborted) throw this.fail("interrupted");
      if (this.exited) {
        throw this.fail(`claude-fallback exited (code ${this.exited.exitCode}) while waiting for ${what}`);
      }
      if (Date.now() > deadline) throw this.fail(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      await sleep(50);
    }
  }

  private count(predicate: (entry: TraceEntry) => boolean): number {
    return this.trace().filter(predicate).length;
  }

  /** Types like a person (a key at a time), pauses, presses Enter, and waits for Claude to take it. */
  private async type(text: string): Promise<void> {
    const busyBefore = this.count((e) => e.event?.type === "busy");
    for (const char of text) {
      this.child?.write(char);
      await sleep(12);
    }
    await sleep(250);
    this.child?.write("\r");
    await this.waitUntil(
      () => this.count((e) => e.event?.type === "busy") > busyBefore,
      "Claude to take the prompt",
    );
  }

  /** Waits for Claude's input prompt `❯` in what the wrapper wrote from offset `from` on. */
  private async ready(from: number): Promise<void> {
    await this.waitUntil(() => stripAnsi(this.raw.slice(from)).includes("❯"), "Claude's input prompt (❯)");
    await sleep(300);
  }

  private start(): void {
    const { options } = this;
    const child = pty.spawn(process.execPath, [options.wrapperBin, "--claude", options.claudePath, "run"], {
      name: "xterm-256color",
      cols: options.output.cols,
      rows: options.output.rows,
      cwd: options.sandbox.project,
      env: options.sandbox.env as Record<string, string>,
    });
    this.child = child;
    child.onData((data) => {
      this.raw += data;
      options.output.mirror?.(data);
    });
    child.onExit(({ exitCode }) => {
      this.exited = { exitCode };
    });
  }

  /** Ends the wrapper (and with it Claude): Ctrl-C twice as a person would, then SIGTERM, then SIGKILL. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    const gone = async (ms: number) => {
      const deadline = Date.now() + ms;
      while (!this.exited && Date.now() < deadline) await sleep(50);
      return this.exited !== undefined;
    };
    try {
      child.write("\x03");
      await sleep(200);
      child.write("\x03");
      if (await gone(4000)) return;
      child.kill("SIGTERM");
      if (await gone(3000)) return;
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }

  /** Synchronous last resort for exit hooks. */
  killNow(): void {
    if (!this.child || this.exited) return;
    try {
      this.child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }

  private apiSpend(): { nanoUsd: number; unknown: number; requests: number } {
    const ledger = openExistingLedger(ledgerPath(join(this.options.sandbox.fallbackHome, "data")));
    if (!ledger) return { nanoUsd: 0, unknown: 0, requests: 0 };
    try {
      const spend = ledger.spendSince(0);
      return { nanoUsd: spend.nanoUsd, unknown: spend.unknownCostRequests, requests: spend.requests };
    } finally {
      ledger.close();
    }
  }

  /** Runs the five steps; resolves with what was seen, or rejects with a {@link DemoStepError}. */
  async run(): Promise<DemoFacts> {
    const { output, simulator } = this.options;
    const started = Date.now();
    const say = output.say;
    const idles = () => this.count((e) => e.event?.type === "idle");

    say(stepLine(0));
    this.start();
    await this.ready(0);
    say(doneLine("Claude Code is up; billing: subscription (the simulator sees its OAuth login)"));

    say(stepLine(1));
    let idleBefore = idles();
    await this.type(PROMPTS[0]!);
    await this.waitUntil(
      () => this.messages().some((r) => r.billing === "subscription" && r.status === 200),
      "an answer on the subscription",
    );
    await this.waitUntil(() => idles() > idleBefore, "the end of Claude's turn");
    const first = this.messages().find((r) => r.status === 200)!;
    say(doneLine(`answered on the subscription · session ${first.sessionId ?? "?"}`));

    say(stepLine(2));
    await this.type(PROMPTS[1]!);
    await this.waitUntil(() => this.messages().some((r) => r.status === 429), "the subscription's 429 limit");
    await this.waitUntil(
      () => this.count((e) => e.event?.type === "limit") > 0,
      "claude-fallback to detect the limit",
    );
    say(doneLine("limit detected (StopFailure hook: rate_limit); switching with claude --resume"));
    await this.waitUntil(
      () => this.count((e) => e.event?.type === "switched" && e.event.to === "api") > 0,
      "the switch to API billing",
    );
    say(doneLine("switched to API billing: Claude runs against claude-fallback's local metering gateway"));

    say(stepLine(3));
    idleBefore = idles();
    await this.waitUntil(
      () => this.messages().some((r) => r.billing === "api" && r.status === 200),
      "an API-billed answer",
    );
    await this.waitUntil(() => idles() > idleBefore, "the end of the continued turn");
    const onApi = this.messages().find((r) => r.billing === "api" && r.status === 200)!;
    await this.waitUntil(() => this.apiSpend().requests > 0, "the ledger's row for the API request", 5000);
    const spend = this.apiSpend();
    say(
      doneLine(
        `continued on api · session ${onApi.sessionId ?? "?"} · "Continue where you left off." sent by itself`,
      ),
    );
    say(doneLine(`API cost so far: ${costText(spend.nanoUsd, spend.unknown)}`));

    say(stepLine(4, `(the simulator's limit lasts ${this.options.resetSeconds} s)`));
    const switchingBefore = this.count((e) => e.phase === "switching" && e.mode === "api");
    let mark = this.raw.length;
    await this.waitUntil(
      () => {
        if (this.count((e) => e.phase === "switching" && e.mode === "api") === switchingBefore) {
          mark = this.raw.length;
          return false;
        }
        return this.count((e) => e.event?.type === "switched" && e.event.to === "subscription") > 0;
      },
      "the revert to the subscription",
      // The wrapper may hold a revert up to a minute after the refusal when it knows the reset only
      // from Claude's text ("resets 4:30am"), so allow for that on top of the simulator's reset.
      this.stepTimeoutMs + this.options.resetSeconds * 1000 + 60_000,
    );
    say(doneLine("reverted to the subscription at the reset (claude --resume, same session)"));
    // Claude's text gives the reset to the minute: make sure the simulator's window really reset.
    await this.waitUntil(
      () => simulator.state().limit.status !== "rejected",
      "the simulator's limit to reset",
    );
    await this.ready(mark);
    const before = this.messages().length;
    await this.type(PROMPTS[2]!);
    await this.waitUntil(
      () =>
        this.messages()
          .slice(before)
          .some((r) => r.status === 200),
      "an answer after the reset",
    );
    const last = this.messages()
      .slice(before)
      .find((r) => r.status === 200)!;
    say(doneLine(`answered on the ${last.billing} · session ${last.sessionId ?? "?"}`));

    await this.stop();
    const messages = this.messages();
    const final = this.apiSpend();
    return {
      sessionIds: { subscription: first.sessionId, api: onApi.sessionId, afterRevert: last.sessionId },
      requests: {
        subscription: messages.filter((r) => r.billing === "subscription").length,
        limited: messages.filter((r) => r.billing === "subscription" && r.status === 429).length,
        api: messages.filter((r) => r.billing === "api" || r.billing === "bearer").length,
      },
      costNanoUsd: final.nanoUsd,
      unknownCostRequests: final.unknown,
      lastPrompt: { billing: last.billing, status: last.status },
      elapsedMs: Date.now() - started,
    };
  }
}

export { DEMO_STEPS };

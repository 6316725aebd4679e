import type { SessionEvent } from "./machine.js";

/** Keys still for this long count as "no keystroke for a few seconds" (SPEC §4.6). */
export const QUIET_AFTER_MS = 3000;

/**
 * Time after the announced reset before reverting: the subscription's clock may lag ours, and a
 * reset read from Claude's text ("resets 3pm") has minute precision.
 * `CLAUDE_FALLBACK_RESET_GRACE_SECONDS` shortens it for demos and tests.
 */
export const DEFAULT_RESET_GRACE_MS = 30_000;

export function resetGraceMs(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env.CLAUDE_FALLBACK_RESET_GRACE_SECONDS);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : DEFAULT_RESET_GRACE_MS;
}

/** The machine's clocks: each raises its event when it runs out; a new one replaces the old. */
export class RunTimers {
  private prompt: NodeJS.Timeout | undefined;
  private quiet: NodeJS.Timeout | undefined;
  private reset: NodeJS.Timeout | undefined;

  constructor(private readonly raise: (event: SessionEvent) => void) {}

  promptTimeout(ms: number): void {
    clearTimeout(this.prompt);
    this.prompt = setTimeout(() => this.raise({ type: "prompt_timeout" }), ms);
  }

  cancelPrompt(): void {
    clearTimeout(this.prompt);
  }

  quietAfterKeys(): void {
    clearTimeout(this.quiet);
    this.quiet = setTimeout(() => this.raise({ type: "quiet" }), QUIET_AFTER_MS);
  }

  /** `reset_due` a grace after `at`; it does not keep the process alive on its own. */
  resetAt(at: number, now: number, env: NodeJS.ProcessEnv): void {
    clearTimeout(this.reset);
    this.reset = setTimeout(
      () => this.raise({ type: "reset_due" }),
      Math.max(0, at + resetGraceMs(env) - now),
    );
    this.reset.unref();
  }

  clear(): void {
    for (const timer of [this.prompt, this.quiet, this.reset]) clearTimeout(timer);
  }
}

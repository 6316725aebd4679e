import type { SessionEvent } from "./machine-types.js";

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
  private readonly resets = new Map<"reset_due" | "model_reset_due", NodeJS.Timeout>();

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

  /** `event` a grace after `at`, replacing the one set before; it does not keep the process alive on its own. */
  resetAt(event: "reset_due" | "model_reset_due", at: number, now: number, env: NodeJS.ProcessEnv): void {
    clearTimeout(this.resets.get(event));
    const timer = setTimeout(() => this.raise({ type: event }), Math.max(0, at + resetGraceMs(env) - now));
    timer.unref();
    this.resets.set(event, timer);
  }

  clear(): void {
    for (const timer of [this.prompt, this.quiet, ...this.resets.values()]) clearTimeout(timer);
  }
}

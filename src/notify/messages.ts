/**
 * A notification as the desktop and webhook channels take it, and the clock words of notices (SPEC §8). Pure.
 */
import type { RunEventKind } from "./run-events.js";
export interface Notification {
  /** The webhook's `event`. */
  kind: RunEventKind;
  /** Short: a desktop notification's title, a banner's lead. */
  title: string;
  /** One sentence with the facts: what happened, when it resets, what it costs. */
  body: string;
}

export function formatClock(epochMs: number, zone?: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
    ...(zone ? { timeZone: zone } : {}),
  }).format(new Date(epochMs));
}

/** "at 15:00" today, "on Nov 27 at 02:28" another day (in the given zone). */
export function describeReset(resetsAt: number, now: number, zone?: string): string {
  const day = (ms: number) =>
    new Intl.DateTimeFormat("en-US", {
      month: "short",
      day: "numeric",
      ...(zone ? { timeZone: zone } : {}),
    }).format(new Date(ms));
  const clock = formatClock(resetsAt, zone);
  return day(resetsAt) === day(now) ? `at ${clock}` : `on ${day(resetsAt)} at ${clock}`;
}

/** "resets at 15:00", with a word when the reset was only assumed. */
export function resetText(
  limit: { resetsAt: number; resetAssumed: boolean },
  now: number,
  zone?: string,
): string {
  const when = describeReset(limit.resetsAt, now, zone);
  return limit.resetAssumed ? `resets ${when} (assumed: Claude did not say when)` : `resets ${when}`;
}

/**
 * A notification as the desktop and webhook channels take it, and the words of a reset (SPEC §8). Pure.
 */
import { describeAt } from "../dates.js";
import type { RunEventKind } from "./run-events.js";

export interface Notification {
  /** The webhook's `event`. */
  kind: RunEventKind;
  /** Short: a desktop notification's title, a banner's lead. */
  title: string;
  /** One sentence with the facts: what happened, when it resets, what it costs. */
  body: string;
}

/** "resets at 15:00", with a word when the reset was only assumed. */
export function resetText(
  limit: { resetsAt: number; resetAssumed: boolean },
  now: number,
  zone?: string,
): string {
  const when = describeAt(limit.resetsAt, now, zone);
  return limit.resetAssumed ? `resets ${when} (assumed: Claude did not say when)` : `resets ${when}`;
}

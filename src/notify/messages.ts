/**
 * The words of every notification (SPEC §8), one place for all channels. Pure.
 */
export type NotificationKind =
  | "approaching_limit"
  | "limit_reached"
  | "switched_to_api"
  | "cap_warning"
  | "cap_reached"
  | "reverted"
  | "switch_pending"
  | "error";

export interface Notification {
  kind: NotificationKind;
  /** Short: a desktop notification's title, a banner's lead. */
  title: string;
  /** One sentence with the facts: what happened, when it resets, what it costs. */
  body: string;
  /** Each notification is sent once per key (e.g. one cap warning per cap per run). */
  dedupeKey: string;
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

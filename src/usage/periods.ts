import { DateTime, IANAZone } from "luxon";
import { zoneOfTZ } from "../dates.js";
import { UsageError } from "../errors.js";

/**
 * Calendar periods for caps and reports (SPEC §7: local days and months; `--tz` to override).
 * A day or month is a half-open range of epoch milliseconds `[startMs, endMs)` whose bounds are
 * local midnights in an IANA zone, so DST days are 23 or 25 hours long and still one day.
 */
export interface Period {
  /** "2026-11-24" for a day, "2026-11" for a month. */
  key: string;
  startMs: number;
  endMs: number;
}

export type PeriodUnit = "day" | "month";

/**
 * The name of this process's zone (`TZ` when set, else the system's). Days and months in this
 * zone need no name: {@link periodOf} takes `undefined` for it.
 */
export function systemZone(): string {
  const zone = new Intl.DateTimeFormat().resolvedOptions().timeZone;
  // An empty or unknown TZ leaves ICU with "Etc/Unknown", which is UTC by another name.
  return zone && zone !== "Etc/Unknown" ? zone : "UTC";
}

/**
 * An IANA zone name checked for use, or the system zone when `name` is undefined or empty.
 * Throws UsageError naming the bad value (`--tz` and config errors exit 2).
 */
export function resolveZone(name?: string | null, what = "--tz"): string {
  if (name === undefined || name === null || name === "") return systemZone();
  if (!IANAZone.isValidZone(name)) {
    throw new UsageError(
      `${what}: unknown time zone "${name}" (expected an IANA zone such as Europe/Paris or UTC)`,
    );
  }
  // Zone names are matched whatever their case; reports show the zone's own spelling.
  return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
}

/** The zones {@link zoneOfEnv} found, by `TZ` value: times are worded many times a run. */
const envZones = new Map<string | undefined, string>();

/**
 * The zone to show times in for `env`: the one its `TZ` names in any form the C library takes,
 * checked; the system's when `TZ` names none that is known (then "UTC", which `Date` works in).
 * Never throws: a message must not fail for a bad `TZ`. `realpath`: see `zoneOfTZ`.
 */
export function zoneOfEnv(env: NodeJS.ProcessEnv, realpath: (path: string) => string): string {
  let zone = envZones.get(env.TZ);
  if (zone === undefined) {
    try {
      zone = resolveZone(zoneOfTZ(env.TZ, realpath), "TZ");
    } catch {
      zone = systemZone();
    }
    envZones.set(env.TZ, zone);
  }
  return zone;
}

/**
 * luxon asks ICU for the system's locale when a date is made without one, and ICU's first service
 * (any `Intl` formatter) costs ~20 ms of a start. Periods use digits alone, so English serves.
 */
const DIGITS_ONLY = { locale: "en-US" } as const;

/** luxon's name for the zone `Date` works in (`TZ`, else the system's): its offsets come from `Date`, not from ICU. */
const LOCAL = "system";

/**
 * The last period found for each unit and zone. Caps ask for the same day and month before every
 * API request, and finding one through the zone's rules costs tens of microseconds.
 */
const lastPeriods = new Map<string, Readonly<Period>>();

/**
 * The day or month containing `ms` in `zone`, an IANA name; `undefined` is this process's zone
 * (`TZ`, else the system's), found without ICU.
 */
export function periodOf(unit: PeriodUnit, ms: number, zone: string | undefined): Readonly<Period> {
  // The local zone follows `TZ` (which tests change).
  const cacheKey = `${unit} ${zone ?? `TZ=${process.env.TZ}`}`;
  const last = lastPeriods.get(cacheKey);
  if (last && ms >= last.startMs && ms < last.endMs) return last;
  const start = DateTime.fromMillis(ms, { zone: zone ?? LOCAL, ...DIGITS_ONLY }).startOf(unit);
  // The next period's first day by the calendar (Date.UTC carries into the next month and year),
  // then its start in the zone: luxon's `plus` makes a Duration in the system's locale. `set` from
  // `start`, as `plus` does: where midnight comes twice (Havana in November), the first one; a
  // date made anew would take the offset of the season the code runs in.
  const next = new Date(
    Date.UTC(start.year, start.month - 1 + (unit === "month" ? 1 : 0), start.day + (unit === "day" ? 1 : 0)),
  );
  const end = start
    .set({ year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() })
    .startOf("day");
  const period = Object.freeze({
    key: start.toFormat(unit === "day" ? "yyyy-MM-dd" : "yyyy-MM"),
    startMs: start.toMillis(),
    endMs: end.toMillis(),
  });
  lastPeriods.set(cacheKey, period);
  return period;
}

/**
 * A command-line date as the local period it names in `zone`: a day (`YYYY-MM-DD`, or `YYYYMMDD`
 * as ccusage writes it) or a whole month (`YYYY-MM`, `YYYYMM`) — `--since` takes its start,
 * `--until` its end. Throws UsageError for anything else (`2026-02-30`, `24/11/2026`).
 */
export function parseDay(text: string, zone: string, what: string): Period {
  const match = /^(\d{4})-?(\d{2})(?:-?(\d{2}))?$/.exec(text);
  // Either both dashes or none: `2026-0101` is a typo, not a date.
  const consistent = match && (text.includes("-") ? text.split("-").length === (match[3] ? 3 : 2) : true);
  const date =
    match && consistent
      ? DateTime.fromObject(
          { year: Number(match[1]), month: Number(match[2]), day: match[3] ? Number(match[3]) : 1 },
          { zone },
        )
      : undefined;
  if (!date?.isValid) {
    throw new UsageError(
      `${what}: "${text}" is not a date (expected YYYY-MM-DD, YYYYMMDD, or a month: YYYY-MM)`,
    );
  }
  return periodOf(match?.[3] ? "day" : "month", date.toMillis(), zone);
}

/**
 * `ms` as an ISO 8601 timestamp with the zone's offset, e.g. "2026-11-25T12:30:00.000+13:00";
 * `undefined`: this process's zone, without ICU.
 */
export function isoInZone(ms: number, zone: string | undefined): string {
  return (
    DateTime.fromMillis(ms, { zone: zone ?? LOCAL, ...DIGITS_ONLY }).toISO() ?? new Date(ms).toISOString()
  );
}

import { DateTime, Info, type Zone } from "luxon";

/**
 * Reset times as Claude Code prints them, to an absolute instant (SPEC §5).
 *
 * Claude Code 2.1.330 formats a reset with `toLocaleString("en-US", { hour12: true })` and lower-
 * cases the meridiem: `3:47am`, `5am` (minutes left out when zero), `Nov 27, 2:28am` when more than
 * 24 h away, `Jan 3, 2027, 5pm` when in another year, each followed by ` (Zone)` where the zone is
 * the machine's resolved IANA name (`UTC`, `Asia/Kolkata`, or a legacy alias such as
 * `Asia/Calcutta`). Older versions printed `Sep 15 at 7pm`, `at 2pm`, bare times, and the epoch
 * (`|1749924000`). All of these are accepted, plus 24-hour `15:00` and a bare date `Dec 1`.
 *
 * Rules, all deterministic and free of the process's own time zone:
 * - A printed time without a zone is in `zone`, the local zone the caller passes.
 * - Without a date: the next such instant after `now` (today, else tomorrow). Without a year:
 *   this year, else next year. Claude Code truncates to the minute, so a time is still "today"
 *   while `now` is within the minute it names (`3:47am` read at 3:47:30 is 3:47, not tomorrow).
 * - A wall time that does not exist (spring-forward gap) is moved forward by the gap, as
 *   Temporal's "compatible" disambiguation does (2:30am on a New York spring-forward day is
 *   3:30am EDT). A wall time that exists twice (fall back) is the earlier of the two that is
 *   still after `now`.
 * - An unknown zone name is read in `zone` and marked `assumed`.
 */

export interface ResetTime {
  /** Epoch milliseconds. */
  at: number;
  /** The zone the text was read in (the printed one, else the local one). */
  zone: string;
  /** True when the instant is a guess: unknown reset (`defaultReset`) or an unknown zone. */
  assumed?: boolean;
}

export interface ResetContext {
  /** Epoch ms of the message (or of its detection when the message carries no time). */
  now: number;
  /** The local IANA zone, used when the text names none. */
  zone: string;
}

/** SPEC §5: an unknown reset is assumed to be this long after detection. */
export const DEFAULT_RESET_MS = 5 * 60 * 60 * 1000;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** The reset to use when none is known: `now` + 5 h, marked `assumed` ("say so"). */
export function defaultReset(now: number, zone = "UTC"): ResetTime {
  return { at: now + DEFAULT_RESET_MS, zone, assumed: true };
}

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1,
  january: 1,
  feb: 2,
  february: 2,
  mar: 3,
  march: 3,
  apr: 4,
  april: 4,
  may: 5,
  jun: 6,
  june: 6,
  jul: 7,
  july: 7,
  aug: 8,
  august: 8,
  sep: 9,
  sept: 9,
  september: 9,
  oct: 10,
  october: 10,
  nov: 11,
  november: 11,
  dec: 12,
  december: 12,
};

const EPOCH = /^\d{9,13}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const ZONE_SUFFIX = /\s*\(([^()]{1,64})\)$/;
const DATE = /^(?<month>[a-z]{3,9})\.? (?<day>\d{1,2})(?:st|nd|rd|th)?(?:,? (?<year>\d{4}))?/i;
const CLOCK_12 = /^(?<hour>\d{1,2})(?::(?<minute>\d{2}))?\s?(?<meridiem>[ap])\.?m\.?$/i;
const CLOCK_24 = /^(?<hour>\d{1,2}):(?<minute>\d{2})$/;

interface WallTime {
  year?: number;
  month?: number;
  day?: number;
  hour: number;
  minute: number;
  /** How much later than the printed instant the real one may be (the printed precision). */
  precision: number;
}

/** Parses a reset text to the next matching instant after `ctx.now`; null when unreadable. */
export function parseResetTime(text: string, ctx: ResetContext): ResetTime | null {
  let body = text
    .replace(/[\u00a0\u2007\u202f\t]/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^resets /i, "")
    .replace(/^at /i, "")
    .replace(/\.$/, "");
  const local = resolveZone(ctx.zone) ?? resolveZone("UTC")!;

  if (EPOCH.test(body)) {
    const value = Number(body);
    return { at: body.length >= 12 ? value : value * 1000, zone: local.name };
  }
  if (ISO.test(body)) {
    const parsed = DateTime.fromISO(body, { zone: local });
    return parsed.isValid ? { at: parsed.toMillis(), zone: local.name } : null;
  }

  // A local zone that luxon does not know is read as UTC, and the result marked assumed.
  let zone = local;
  let assumed = resolveZone(ctx.zone) === null;
  const suffix = ZONE_SUFFIX.exec(body);
  if (suffix) {
    body = body.slice(0, suffix.index);
    const named = resolveZone(suffix[1]!);
    zone = named ?? local;
    assumed = named === null;
  }

  const wall = parseWall(body);
  if (!wall) return null;
  const at = nextInstant(wall, zone, ctx.now);
  if (at === null) return null;
  return assumed ? { at, zone: zone.name, assumed } : { at, zone: zone.name };
}

/** A valid luxon zone for a printed or configured name, or null. */
function resolveZone(name: string): Zone | null {
  const trimmed = name.trim();
  if (trimmed === "") return null;
  const specifier = /^[+-]\d{1,2}(?::?\d{2})?$/.test(trimmed)
    ? `UTC${trimmed.replace(/^([+-])(\d{1,2})(\d{2})$/, "$1$2:$3")}`
    : /^z$/i.test(trimmed)
      ? "UTC"
      : trimmed;
  const zone = Info.normalizeZone(specifier);
  return zone.isValid ? zone : null;
}

function parseWall(body: string): WallTime | null {
  let rest = body;
  let date: Pick<WallTime, "year" | "month" | "day"> | undefined;
  const dateMatch = DATE.exec(rest);
  if (dateMatch?.groups) {
    const month = MONTHS[dateMatch.groups.month!.toLowerCase()];
    if (month === undefined) return null;
    const day = Number(dateMatch.groups.day);
    const year = dateMatch.groups.year === undefined ? undefined : Number(dateMatch.groups.year);
    date = year === undefined ? { month, day } : { year, month, day };
    rest = rest.slice(dateMatch[0].length).replace(/^(?:,? at |, | )/i, "");
    if (rest === "") return { ...date, hour: 0, minute: 0, precision: DAY_MS };
  }
  const clock = parseClock(rest);
  if (!clock) return null;
  return { ...date, ...clock, precision: MINUTE_MS };
}

function parseClock(text: string): { hour: number; minute: number } | null {
  const twelve = CLOCK_12.exec(text);
  if (twelve?.groups) {
    const hour = Number(twelve.groups.hour);
    const minute = twelve.groups.minute === undefined ? 0 : Number(twelve.groups.minute);
    if (hour < 1 || hour > 12 || minute > 59) return null;
    const pm = twelve.groups.meridiem!.toLowerCase() === "p";
    return { hour: (hour % 12) + (pm ? 12 : 0), minute };
  }
  const twentyFour = CLOCK_24.exec(text);
  if (twentyFour?.groups) {
    const hour = Number(twentyFour.groups.hour);
    const minute = Number(twentyFour.groups.minute);
    if (hour > 23 || minute > 59) return null;
    return { hour, minute };
  }
  return null;
}

/** The first instant matching `wall` in `zone` whose printed precision still reaches past `now`. */
function nextInstant(wall: WallTime, zone: Zone, now: number): number | null {
  const stillAhead = (instant: number) => instant + wall.precision > now;
  const today = calendarDate(now, zone);

  if (wall.month === undefined || wall.day === undefined) {
    for (let offset = 0; offset <= 2; offset++) {
      const day = addDays(today, offset);
      const found = instantsAt(day.year, day.month, day.day, wall.hour, wall.minute, zone).find(stillAhead);
      if (found !== undefined) return found;
    }
    return null;
  }
  if (wall.year !== undefined) {
    const candidates = instantsAt(wall.year, wall.month, wall.day, wall.hour, wall.minute, zone);
    return candidates.find(stillAhead) ?? candidates[0] ?? null;
  }
  // No year: this year, else the next year that has the date (Feb 29 waits for a leap year).
  for (let year = today.year; year <= today.year + 8; year++) {
    if (!validDate(year, wall.month, wall.day)) continue;
    const found = instantsAt(year, wall.month, wall.day, wall.hour, wall.minute, zone).find(stillAhead);
    if (found !== undefined) return found;
  }
  return null;
}

interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

function calendarDate(instant: number, zone: Zone): CalendarDate {
  const shifted = new Date(instant + zone.offset(instant) * MINUTE_MS);
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

function addDays(date: CalendarDate, days: number): CalendarDate {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

function validDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * Every instant at which the wall clock of `zone` reads the given time, earliest first: one
 * normally, two in a fall-back overlap, and in a spring-forward gap the one instant the
 * "compatible" rule gives (the wall time read with the offset in force before the gap).
 * Empty for a date that does not exist (Feb 30).
 */
function instantsAt(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  zone: Zone,
): number[] {
  if (!validDate(year, month, day)) return [];
  const wallAsUtc = Date.UTC(year, month - 1, day, hour, minute);
  const before = zone.offset(wallAsUtc - DAY_MS);
  const after = zone.offset(wallAsUtc + DAY_MS);
  const found = new Set<number>();
  for (const offset of [before, after]) {
    const instant = wallAsUtc - offset * MINUTE_MS;
    if (zone.offset(instant) === offset) found.add(instant);
  }
  if (found.size === 0) return [wallAsUtc - before * MINUTE_MS];
  return [...found].sort((a, b) => a - b);
}

/**
 * The range of instants a JavaScript Date can hold (±100,000,000 days around 1970). An instant
 * outside it can be neither shown nor stored as a date: readers of untrusted times check it.
 */
export const EARLIEST_DATE_MS = -8.64e15;
export const LATEST_DATE_MS = 8.64e15;

/**
 * The zone a `TZ` value names, in the forms the C library takes besides a plain name: after a colon
 * (`:Europe/Paris`; AWS Lambda sets `:UTC`); as a file in a zone directory
 * (`/usr/share/zoneinfo/Europe/Paris`, its `posix/` and `right/` copies) or a link to one
 * (`:/etc/localtime`, as systemd advises); and as a POSIX offset without summer time (`UTC+5`,
 * `<+03>-3`), the `Etc/GMT` zone of that offset. Any other value comes back as it is, for the
 * caller to judge; an unset or empty `TZ` is undefined. `realpath` (fs.realpathSync where I/O is
 * allowed) follows a file's links; without it a link names no zone.
 */
export function zoneOfTZ(value: string | undefined, realpath?: (path: string) => string): string | undefined {
  if (!value) return undefined;
  const name = value.startsWith(":") ? value.slice(1) : value;
  const inZoneDirectory =
    ZONE_FILE.exec(name) ??
    (name.startsWith("/") && realpath ? ZONE_FILE.exec(linked(name, realpath)) : null);
  return inZoneDirectory?.[1] ?? posixOffsetZone(name) ?? (name || undefined);
}

const ZONE_FILE = /^\/.*\/zoneinfo\/(?:(?:posix|right)\/)?([^/].*)$/;

function linked(path: string, realpath: (path: string) => string): string {
  try {
    return realpath(path);
  } catch {
    return path;
  }
}

/**
 * `UTC+5`, `EST5`, `<+03>-3`: a POSIX zone of whole hours with no summer time, as `Etc/GMT±N`,
 * which counts the hours with the same sign (west positive); null for anything else.
 */
function posixOffsetZone(value: string): string | null {
  const match = /^(?:[A-Za-z]{3,}|<[A-Za-z0-9+-]+>)([+-]?)(\d{1,2})$/.exec(value);
  if (!match) return null;
  const hours = Number(match[2]);
  const west = match[1] !== "-";
  if (hours === 0) return "Etc/GMT";
  if (west ? hours > 12 : hours > 14) return null;
  return `Etc/GMT${west ? "+" : "-"}${hours}`;
}

/** "15:00" in the given zone (the system's when omitted). */
export function formatClock(epochMs: number, zone?: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
    ...(zone ? { timeZone: zone } : {}),
  }).format(new Date(epochMs));
}

function dayText(epochMs: number, zone?: string): string {
  return new Intl.DateTimeFormat("en-US", {
    month: "short",
    day: "numeric",
    ...(zone ? { timeZone: zone } : {}),
  }).format(new Date(epochMs));
}

/**
 * "at 15:00" on the day of `now`, "on Nov 27 at 02:28" another day (in the given zone): every time
 * we show that may not be today (a reset, when a cap would stop the spending). `about` reads
 * "at about 15:00".
 */
export function describeAt(epochMs: number, now: number, zone?: string, about = false): string {
  const at = `at ${about ? "about " : ""}${formatClock(epochMs, zone)}`;
  const day = otherDay(epochMs, now, zone);
  return day === null ? at : `on ${day} ${at}`;
}

/** "until 15:00" on the day of `now`, "until Nov 27 at 02:28" another day (a weekly limit's reset). */
export function describeUntil(epochMs: number, now: number, zone?: string): string {
  const clock = formatClock(epochMs, zone);
  const day = otherDay(epochMs, now, zone);
  return day === null ? `until ${clock}` : `until ${day} at ${clock}`;
}

/** The day of `epochMs` ("Nov 27") when it is not the day of `now` in the zone; null when it is. */
function otherDay(epochMs: number, now: number, zone?: string): string | null {
  const day = dayText(epochMs, zone);
  return day === dayText(now, zone) ? null : day;
}

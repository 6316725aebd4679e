/**
 * The range of instants a JavaScript Date can hold (±100,000,000 days around 1970). An instant
 * outside it can be neither shown nor stored as a date: readers of untrusted times check it.
 */
export const EARLIEST_DATE_MS = -8.64e15;
export const LATEST_DATE_MS = 8.64e15;

/**
 * The zone a `TZ` value names, in the forms the C library takes besides a plain name: after a colon
 * (`:Europe/Paris`; AWS Lambda sets `:UTC`) and as a file in a zone directory
 * (`/usr/share/zoneinfo/Europe/Paris`, its `posix/` and `right/` copies). Any other value comes
 * back as it is, for the caller to judge; an unset or empty `TZ` is undefined.
 */
export function zoneOfTZ(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const name = value.startsWith(":") ? value.slice(1) : value;
  const inZoneDirectory = /^\/.*\/zoneinfo\/(?:(?:posix|right)\/)?([^/].*)$/.exec(name);
  return (inZoneDirectory?.[1] ?? name) || undefined;
}

/**
 * The names of this process's time zone, remembered between starts. Naming it is ICU's first
 * formatter, ~20 ms of `status` and `forecast`, whose days and instants need no ICU otherwise
 * (`periodOf` and `isoInZone` take `undefined` for the zone `Date` works in). ICU takes the zone
 * from `TZ` when it is set, else from /etc/localtime, so the names are kept for the `TZ` they were
 * found under, or for that file as it was (its real path, inode, size and times: zone files share
 * one time, and a copy keeps it), and for the zone data they came from.
 */
import { realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { IANAZone } from "luxon";
import { zoneOfTZ } from "../dates.js";
import { type FileStamp, StampedCache } from "../platform/stamped-cache.js";
import { resolveZone, systemZone } from "./periods.js";

export interface ProcessZone {
  /** The zone `TZ` names, checked (a bad one is a usage error, as for `--tz`); else the system's. */
  named: string;
  /**
   * The zone `Date` works in (ICU's default): `named`, unless `TZ` names a zone only by another
   * spelling (`europe/paris`, which the system does not find: UTC).
   */
  inEffect: string;
}

/**
 * The zone `Date` works in where ICU names none (it says UTC) for what `TZ` holds: a POSIX offset
 * (`UTC+5`), a zone file's path (Node works at a fixed offset, the file's first, all year). `named`
 * when its offsets are Date's, else Date's fixed offset as `Etc/GMT±N`, else UTC.
 */
function zoneOfDate(named: string): string {
  const year = new Date().getUTCFullYear();
  const instants = [Date.UTC(year, 0, 15), Date.UTC(year, 6, 15)];
  const offsets = instants.map((at) => -new Date(at).getTimezoneOffset());
  if (instants.every((at, i) => IANAZone.create(named).offset(at) === offsets[i])) return named;
  const [winter, summer] = offsets as [number, number];
  if (winter !== summer || winter % 60 !== 0 || winter === 0) return "UTC";
  return `Etc/GMT${winter > 0 ? "-" : "+"}${Math.abs(winter / 60)}`;
}

interface KnownZone extends ProcessZone {
  /** The zone data's version (`process.versions.tz`): a Node upgrade may rename a zone. */
  tzdata: string;
}

function isKnownZone(value: unknown): value is KnownZone {
  const candidate = value as Partial<KnownZone> | null | undefined;
  return (
    typeof candidate?.tzdata === "string" &&
    typeof candidate?.named === "string" &&
    typeof candidate?.inEffect === "string"
  );
}

/** What the zone file is now; null when there is none. */
function zoneFileStamp(path: string): FileStamp | null {
  try {
    const file = realpathSync.native(path);
    const { ino, size, mtimeMs, ctimeMs } = statSync(file);
    return { key: `${file} ${ino} ${ctimeMs}`, size, mtimeMs };
  } catch {
    return null;
  }
}

/**
 * This process's zone, from its own `TZ` (an empty one is UTC) or the system's zone file.
 * `cacheDir` null: nothing remembered.
 */
export async function processZone(
  cacheDir: string | null,
  localtime = "/etc/localtime",
): Promise<ProcessZone> {
  const { TZ } = process.env;
  const find = (): ProcessZone => {
    const inEffect = systemZone();
    const given = zoneOfTZ(TZ, realpathSync);
    const named = given ? resolveZone(given, "TZ") : inEffect;
    return { named, inEffect: inEffect === "UTC" && named !== "UTC" ? zoneOfDate(named) : inEffect };
  };
  // `TZ` is no file: its value alone says what it names.
  const stamp = TZ !== undefined ? { key: `TZ=${TZ}`, size: 0, mtimeMs: 0 } : zoneFileStamp(localtime);
  if (stamp === null || cacheDir === null) return find();
  const cache = new StampedCache(join(cacheDir, "zone-names.json"), isKnownZone);
  const tzdata = process.versions.tz ?? process.versions.icu ?? "";
  const known = cache.get(stamp);
  if (known?.tzdata === tzdata) return { named: known.named, inEffect: known.inEffect };
  const zone = find();
  await cache.set(stamp, { tzdata, ...zone });
  return zone;
}

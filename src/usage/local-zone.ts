/**
 * The name of this process's time zone, remembered between starts. Naming it is ICU's first
 * formatter, ~20 ms of `status` and `forecast`, whose days and instants need no ICU otherwise
 * (`periodOf` and `isoInZone` take `undefined` for this zone). ICU names the zone from `TZ` when it
 * is set, else from /etc/localtime, so a name is kept for the `TZ` it was found under, or for that
 * file as it was (its real path, size and time), and for the zone data it came from.
 */
import { join } from "node:path";
import { type FileStamp, StampedCache, stampOf } from "../platform/stamped-cache.js";
import { resolveZone, systemZone } from "./periods.js";

interface KnownName {
  /** The zone data's version (`process.versions.tz`): a Node upgrade may rename a zone. */
  tzdata: string;
  name: string;
}

function isKnownName(value: unknown): value is KnownName {
  const candidate = value as Partial<KnownName> | null | undefined;
  return typeof candidate?.tzdata === "string" && typeof candidate?.name === "string";
}

/**
 * The IANA name of this process's zone: `TZ` checked (a bad one is a usage error naming it, as for
 * `--tz`; an empty one is UTC), else the system's. `cacheDir` null: nothing remembered.
 */
export async function processZoneName(
  env: Readonly<Record<string, string | undefined>>,
  cacheDir: string | null,
  localtime = "/etc/localtime",
): Promise<string> {
  const { TZ } = env;
  const find = () => (TZ ? resolveZone(TZ, "TZ") : systemZone());
  // `TZ` is no file: its value alone says what it names.
  const stamp: FileStamp | null =
    TZ !== undefined ? { key: `TZ=${TZ}`, size: 0, mtimeMs: 0 } : await stampOf(localtime);
  if (stamp === null || cacheDir === null) return find();
  const cache = new StampedCache(join(cacheDir, "zone-names.json"), isKnownName);
  const tzdata = process.versions.tz ?? process.versions.icu ?? "";
  const known = await cache.get(stamp);
  if (known?.tzdata === tzdata) return known.name;
  const name = find();
  await cache.set(stamp, { tzdata, name });
  return name;
}

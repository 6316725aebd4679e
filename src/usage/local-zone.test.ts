import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IANAZone } from "luxon";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { UsageError } from "../errors.js";
import { type ProcessZone, processZone } from "./local-zone.js";

let dir: string;
let cacheDir: string;
let localtime: string;
/** Intl formatters made (ICU asked); real ones, which luxon's cache keeps beyond a test. */
let formatters = 0;
const RealDateTimeFormat = Intl.DateTimeFormat;
const countingDateTimeFormat = new Proxy(RealDateTimeFormat, {
  construct(target, args) {
    formatters++;
    return Reflect.construct(target, args);
  },
  apply(target, self, args) {
    formatters++;
    return Reflect.apply(target, self, args);
  },
});
const savedTz = process.env.TZ;

beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "cf-local-zone-")));
  cacheDir = join(dir, "cache");
  localtime = join(dir, "localtime");
  writeFileSync(localtime, "TZif2 stand-in");
  Intl.DateTimeFormat = countingDateTimeFormat;
});

afterEach(() => {
  Intl.DateTimeFormat = RealDateTimeFormat;
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
  rmSync(dir, { recursive: true, force: true });
});

/** The zone under `tz` (undefined: unset), and whether finding it made an Intl formatter (asked ICU). */
async function asked(tz: string | undefined, file = localtime): Promise<[ProcessZone, boolean]> {
  if (tz === undefined) delete process.env.TZ;
  else process.env.TZ = tz;
  const before = formatters;
  const zone = await processZone(cacheDir, file);
  return [zone, formatters > before];
}

const both = (name: string): ProcessZone => ({ named: name, inEffect: name });

describe("processZone", () => {
  test("TZ set: checked once, then remembered for that TZ", async () => {
    expect(await asked("Europe/Paris")).toEqual([both("Europe/Paris"), true]);
    expect(await asked("Europe/Paris")).toEqual([both("Europe/Paris"), false]);
    expect(await asked("America/New_York")).toEqual([both("America/New_York"), true]);
    expect(await asked("Europe/Paris")).toEqual([both("Europe/Paris"), false]);
  });

  test("a TZ in other capitals names a zone the system does not find: Date works in UTC", async () => {
    const [zone] = await asked("europe/paris");
    expect(zone).toEqual({ named: "Europe/Paris", inEffect: "UTC" });
    expect(new Date(Date.UTC(2026, 6, 1)).getTimezoneOffset()).toBe(0);
    expect(await asked("europe/paris")).toEqual([zone, false]);
  });

  test.each([":Europe/Paris", "/usr/share/zoneinfo/Europe/Paris", ":/usr/share/zoneinfo/posix/Europe/Paris"])(
    "TZ=%s, as the C library takes it, names Europe/Paris",
    async (tz) => {
      expect((await asked(tz))[0].named).toBe("Europe/Paris");
    },
  );

  test.each([
    "UTC+5",
    "<+03>-3",
    "/usr/share/zoneinfo/Europe/Paris",
    ":Europe/Paris",
    "europe/paris",
    "Asia/Kolkata",
  ])("TZ=%s: the zone said to be in effect has Date's offsets, also where ICU names none", async (tz) => {
    const [zone] = await asked(tz);
    for (const at of [Date.UTC(2026, 0, 15), Date.UTC(2026, 6, 15)]) {
      // (+ 0: a zero offset comes as 0 or -0 by turns)
      expect(IANAZone.create(zone.inEffect).offset(at) + 0).toBe(0 - new Date(at).getTimezoneOffset() + 0);
    }
  });

  test("TZ=UTC+5, a POSIX offset: Etc/GMT+5 named and in effect", async () => {
    expect((await asked("UTC+5"))[0]).toEqual(both("Etc/GMT+5"));
  });

  test("a bad TZ is a usage error naming it, every time (nothing remembered)", async () => {
    for (let i = 0; i < 2; i++) {
      process.env.TZ = "Mars/Olympus";
      const found = processZone(cacheDir, localtime);
      await expect(found).rejects.toThrow(UsageError);
      await expect(found).rejects.toThrow('TZ: unknown time zone "Mars/Olympus"');
    }
  });

  test("an empty TZ is UTC", async () => {
    expect((await asked(""))[0]).toEqual(both("UTC"));
  });

  test("no TZ: the system's zone, remembered while the zone file is the same one", async () => {
    const system = (await asked(undefined))[0];
    expect(system.named).toBe(system.inEffect);
    expect(await asked(undefined)).toEqual([system, false]);
    // Another zone's file copied over it, its size and times kept (zone files share one time).
    const copy = join(dir, "copy");
    writeFileSync(copy, "TZif2 stand-ix");
    const { atime, mtime } = statSync(localtime);
    copyFileSync(copy, localtime);
    utimesSync(localtime, atime, mtime);
    expect(statSync(localtime).size).toBe(statSync(copy).size);
    expect(await asked(undefined)).toEqual([system, true]);
  });

  test("no TZ and no zone file: found every time", async () => {
    const missing = join(dir, "missing");
    expect((await asked(undefined, missing))[1]).toBe(true);
    expect((await asked(undefined, missing))[1]).toBe(true);
  });

  test("names found with other zone data (a Node upgrade may rename zones) are found again", async () => {
    await asked("Europe/Kyiv");
    const file = join(cacheDir, "zone-names.json");
    const memory = JSON.parse(readFileSync(file, "utf8"));
    memory["TZ=Europe/Kyiv"].value = { tzdata: "1999a", named: "Mars/Base", inEffect: "Mars/Base" };
    writeFileSync(file, JSON.stringify(memory));
    expect((await asked("Europe/Kyiv"))[0].named).not.toBe("Mars/Base");
  });

  test("without a cache directory nothing is written", async () => {
    process.env.TZ = "UTC";
    expect(await processZone(null, localtime)).toEqual(both("UTC"));
    expect(existsSync(cacheDir)).toBe(false);
  });
});

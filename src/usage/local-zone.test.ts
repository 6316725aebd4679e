import {
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { UsageError } from "../errors.js";
import { processZoneName } from "./local-zone.js";
import { systemZone } from "./periods.js";

let dir: string;
let cacheDir: string;
let localtime: string;
let formatters: { mock: { calls: unknown[] }; mockRestore(): void };

beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "cf-local-zone-")));
  cacheDir = join(dir, "cache");
  localtime = join(dir, "localtime");
  writeFileSync(localtime, "TZif2 stand-in");
  formatters = vi.spyOn(Intl, "DateTimeFormat");
});

afterEach(() => {
  formatters.mockRestore();
  rmSync(dir, { recursive: true, force: true });
});

/** The name, and whether the call made an Intl formatter (asked ICU). */
async function asked(call: () => Promise<string>): Promise<[string, boolean]> {
  const before = formatters.mock.calls.length;
  const name = await call();
  return [name, formatters.mock.calls.length > before];
}

describe("processZoneName", () => {
  test("TZ set: checked once, then remembered for that TZ", async () => {
    const ask = (tz: string) => () => processZoneName({ TZ: tz }, cacheDir, localtime);
    expect(await asked(ask("europe/paris"))).toEqual(["Europe/Paris", true]);
    expect(await asked(ask("europe/paris"))).toEqual(["Europe/Paris", false]);
    expect(await asked(ask("America/New_York"))).toEqual(["America/New_York", true]);
    expect(await asked(ask("europe/paris"))).toEqual(["Europe/Paris", false]);
  });

  test("a bad TZ is a usage error naming it, every time (nothing remembered)", async () => {
    for (let i = 0; i < 2; i++) {
      const asked = processZoneName({ TZ: "Mars/Olympus" }, cacheDir, localtime);
      await expect(asked).rejects.toThrow(UsageError);
      await expect(processZoneName({ TZ: "Mars/Olympus" }, cacheDir, localtime)).rejects.toThrow(
        'TZ: unknown time zone "Mars/Olympus"',
      );
    }
  });

  test("an empty TZ is UTC", async () => {
    expect(await processZoneName({ TZ: "" }, cacheDir, localtime)).toBe("UTC");
  });

  test("no TZ: the system's zone, remembered while the zone file is the same one", async () => {
    const ask = () => processZoneName({}, cacheDir, localtime);
    expect(await asked(ask)).toEqual([systemZone(), true]);
    expect(await asked(ask)).toEqual([systemZone(), false]);
    // The system's zone changed: the file is replaced (another size, another time).
    writeFileSync(localtime, "TZif2 another zone");
    utimesSync(localtime, new Date(2030, 0, 1), new Date(2030, 0, 1));
    expect(await asked(ask)).toEqual([systemZone(), true]);
  });

  test("no TZ and no zone file: found every time", async () => {
    const ask = () => processZoneName({}, cacheDir, join(dir, "missing"));
    expect(await asked(ask)).toEqual([systemZone(), true]);
    expect(await asked(ask)).toEqual([systemZone(), true]);
  });

  test("a name found with other zone data (a Node upgrade may rename zones) is found again", async () => {
    await processZoneName({ TZ: "Europe/Kyiv" }, cacheDir, localtime);
    const file = join(cacheDir, "zone-names.json");
    const memory = JSON.parse(readFileSync(file, "utf8"));
    memory["TZ=Europe/Kyiv"].value = { tzdata: "1999a", name: "Mars/Base" };
    writeFileSync(file, JSON.stringify(memory));
    expect(await processZoneName({ TZ: "Europe/Kyiv" }, cacheDir, localtime)).not.toBe("Mars/Base");
  });

  test("without a cache directory nothing is written", async () => {
    expect(await asked(() => processZoneName({ TZ: "UTC" }, null, localtime))).toEqual(["UTC", true]);
    expect(await asked(() => processZoneName({ TZ: "UTC" }, null, localtime))).toEqual(["UTC", true]);
    expect(existsSync(cacheDir)).toBe(false);
  });
});

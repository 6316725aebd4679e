import { describe, expect, test } from "vitest";
import { zoneOfTZ } from "./dates.js";

describe("zoneOfTZ", () => {
  test.each([
    [undefined, undefined],
    ["", undefined],
    [":", undefined],
    ["Europe/Paris", "Europe/Paris"],
    ["europe/paris", "europe/paris"],
    [":Europe/Paris", "Europe/Paris"],
    [":UTC", "UTC"],
    ["/usr/share/zoneinfo/Europe/Paris", "Europe/Paris"],
    [":/usr/share/zoneinfo/America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"],
    ["/usr/share/zoneinfo/posix/Asia/Tokyo", "Asia/Tokyo"],
    ["/usr/share/zoneinfo/right/Asia/Tokyo", "Asia/Tokyo"],
    ["/usr/lib/zoneinfo/Etc/UTC", "Etc/UTC"],
    // POSIX offsets without summer time: Etc/GMT counts hours west as positive, as POSIX does.
    ["UTC+5", "Etc/GMT+5"],
    ["EST5", "Etc/GMT+5"],
    ["JST-9", "Etc/GMT-9"],
    ["<+03>-3", "Etc/GMT-3"],
    ["<-0330>3", "Etc/GMT+3"],
    ["UTC0", "Etc/GMT"],
    ["GMT-14", "Etc/GMT-14"],
    ["GMT+12", "Etc/GMT+12"],
    // Forms that name no zone by themselves stay as they are, for the caller to refuse or fall back on.
    ["GMT+13", "GMT+13"],
    ["GMT-15", "GMT-15"],
    ["UTC+5:30", "UTC+5:30"],
    ["CET-1CEST,M3.5.0,M10.5.0/3", "CET-1CEST,M3.5.0,M10.5.0/3"],
    ["EST5EDT", "EST5EDT"],
    ["/usr/share/zoneinfo/", "/usr/share/zoneinfo/"],
    ["Mars/Olympus", "Mars/Olympus"],
  ])("%j names %j", (value, zone) => {
    expect(zoneOfTZ(value, () => "/nowhere")).toBe(zone);
  });

  test.each([
    // systemd's advice, TZ=:/etc/localtime: the zone file it links to.
    [":/etc/localtime", "/usr/share/zoneinfo/Europe/Paris", "Europe/Paris"],
    ["/etc/localtime", "/usr/share/zoneinfo/posix/Asia/Tokyo", "Asia/Tokyo"],
    // A copy, not a link: nothing names its zone.
    [":/etc/localtime", "/etc/localtime", "/etc/localtime"],
    ["/home/me/zone", "/home/me/zone", "/home/me/zone"],
  ])("%j linking to %j names %j", (value, target, zone) => {
    expect(zoneOfTZ(value, () => target)).toBe(zone);
  });

  test("without a way to follow links (a pure caller), a link names no zone", () => {
    expect(zoneOfTZ(":/etc/localtime")).toBe("/etc/localtime");
  });

  test("a link that cannot be followed names no zone", () => {
    const gone = () => {
      throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
    };
    expect(zoneOfTZ(":/etc/localtime", gone)).toBe("/etc/localtime");
  });
});

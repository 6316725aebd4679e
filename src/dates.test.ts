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
    // Forms that name no zone by themselves stay as they are, for the caller to refuse or fall back on.
    [":/etc/localtime", "/etc/localtime"],
    ["/usr/share/zoneinfo/", "/usr/share/zoneinfo/"],
    ["JST-9", "JST-9"],
    ["Mars/Olympus", "Mars/Olympus"],
  ])("%j names %j", (value, zone) => {
    expect(zoneOfTZ(value)).toBe(zone);
  });
});

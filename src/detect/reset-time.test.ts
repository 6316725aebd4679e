import { describe, expect, test } from "vitest";
import { DEFAULT_RESET_MS, defaultReset, parseResetTime } from "./reset-time.js";

const at = (iso: string) => Date.parse(iso);
const iso = (text: string, now: string, zone = "UTC") => {
  const reset = parseResetTime(text, { now: at(now), zone });
  return reset === null ? null : new Date(reset.at).toISOString();
};

const NOW = "2026-11-24T03:17:00Z";

describe("parseResetTime: forms, at 2026-11-24 03:17 UTC", () => {
  test.each([
    // time only: the next such instant
    ["5am", "2026-11-24T05:00:00.000Z"],
    ["3:47am", "2026-11-24T03:47:00.000Z"],
    ["3am", "2026-11-25T03:00:00.000Z"],
    ["12am", "2026-11-25T00:00:00.000Z"],
    ["12:45am", "2026-11-25T00:45:00.000Z"],
    ["12pm", "2026-11-24T12:00:00.000Z"],
    ["5 PM", "2026-11-24T17:00:00.000Z"],
    ["5\u202fPM", "2026-11-24T17:00:00.000Z"],
    ["5p.m.", "2026-11-24T17:00:00.000Z"],
    ["15:00", "2026-11-24T15:00:00.000Z"],
    ["00:30", "2026-11-25T00:30:00.000Z"],
    ["at 2pm", "2026-11-24T14:00:00.000Z"],
    ["resets at 2pm", "2026-11-24T14:00:00.000Z"],
    ["resets 2pm", "2026-11-24T14:00:00.000Z"],
    ["  2pm  ", "2026-11-24T14:00:00.000Z"],
    // the minute Claude Code printed is still "now" until it is over
    ["3:17am", "2026-11-24T03:17:00.000Z"],
    ["3:16am", "2026-11-25T03:16:00.000Z"],
    // dates: this year, else next year
    ["Nov 10, 5pm", "2027-11-10T17:00:00.000Z"],
    ["Nov 27, 2:28am", "2026-11-27T02:28:00.000Z"],
    ["Nov 24, 3:17am", "2026-11-24T03:17:00.000Z"],
    ["Nov 24, 3:16am", "2027-11-24T03:16:00.000Z"],
    ["Jul 31, 2am (UTC)", "2027-07-31T02:00:00.000Z"],
    ["Sep 15 at 7pm", "2027-09-15T19:00:00.000Z"],
    ["Sept 15 at 7pm", "2027-09-15T19:00:00.000Z"],
    ["September 15, 7pm", "2027-09-15T19:00:00.000Z"],
    ["Dec 2 9am", "2026-12-02T09:00:00.000Z"],
    ["Dec 1", "2026-12-01T00:00:00.000Z"],
    ["Nov 24", "2026-11-24T00:00:00.000Z"],
    ["Feb 29, 1am", "2028-02-29T01:00:00.000Z"],
    // an explicit year is taken as printed
    ["Jan 3, 2027, 5pm", "2027-01-03T17:00:00.000Z"],
    ["Jan 3, 2027 at 5pm (UTC)", "2027-01-03T17:00:00.000Z"],
    ["Jan 3, 2025, 5pm", "2025-01-03T17:00:00.000Z"],
    // absolute forms
    ["1749924000", "2025-06-14T18:00:00.000Z"],
    ["1749924000000", "2025-06-14T18:00:00.000Z"],
    ["2026-11-24T09:07:00Z", "2026-11-24T09:07:00.000Z"],
    ["2026-11-24T09:07:00+05:30", "2026-11-24T03:37:00.000Z"],
  ])("%j → %s", (text, expected) => {
    expect(iso(text, NOW)).toBe(expected);
  });

  test.each([
    "",
    "soon",
    "in 5 hours",
    "13pm",
    "0am",
    "3:60am",
    "24:00",
    "Feb 30, 1am",
    "Foo 3, 1am",
    "Nov 10, 5",
    "12345",
    "2026-13-45T00:00:00Z",
  ])("unreadable: %j", (text) => {
    expect(parseResetTime(text, { now: at(NOW), zone: "UTC" })).toBeNull();
  });
});

describe("parseResetTime: zones", () => {
  test.each([
    ["11:30am (Asia/Calcutta)", "2026-11-24T06:00:00.000Z", "Asia/Calcutta"],
    ["11:30am (Asia/Kolkata)", "2026-11-24T06:00:00.000Z", "Asia/Kolkata"],
    ["2pm (Pacific/Auckland)", "2026-11-25T01:00:00.000Z", "Pacific/Auckland"],
    ["10pm (America/New_York)", "2026-11-25T03:00:00.000Z", "America/New_York"],
    ["2am (America/Bogota)", "2026-11-24T07:00:00.000Z", "America/Bogota"],
    ["9am (America/Argentina/Buenos_Aires)", "2026-11-24T12:00:00.000Z", "America/Argentina/Buenos_Aires"],
    ["3:47am (UTC)", "2026-11-24T03:47:00.000Z", "UTC"],
    ["3:47am (GMT)", "2026-11-24T03:47:00.000Z", "UTC"],
    ["11:30am (Etc/GMT-5)", "2026-11-24T06:30:00.000Z", "Etc/GMT-5"],
    ["11:30am (+05:30)", "2026-11-24T06:00:00.000Z", "UTC+5:30"],
    ["Nov 29, 12:45am (Asia/Kolkata)", "2026-11-28T19:15:00.000Z", "Asia/Kolkata"],
  ])("%j → %s in %s", (text, expected, zone) => {
    const reset = parseResetTime(text, { now: at(NOW), zone: "America/Los_Angeles" });
    expect(reset && new Date(reset.at).toISOString()).toBe(expected);
    expect(reset?.zone).toBe(zone);
    expect(reset?.assumed).toBeUndefined();
  });

  test("no zone printed: the local zone parameter", () => {
    expect(iso("2pm", NOW, "America/New_York")).toBe("2026-11-24T19:00:00.000Z");
    expect(iso("2pm", NOW, "Asia/Kolkata")).toBe("2026-11-24T08:30:00.000Z");
    expect(iso("2pm", NOW, "Pacific/Auckland")).toBe("2026-11-25T01:00:00.000Z");
    expect(parseResetTime("2pm", { now: at(NOW), zone: "Asia/Kolkata" })?.zone).toBe("Asia/Kolkata");
  });

  test("an unknown printed zone is read in the local zone and marked assumed", () => {
    const reset = parseResetTime("2pm (Mars/Olympus_Mons)", { now: at(NOW), zone: "Asia/Kolkata" });
    expect(reset).toEqual({ at: at("2026-11-24T08:30:00Z"), zone: "Asia/Kolkata", assumed: true });
  });

  test("an unknown local zone falls back to UTC, marked assumed unless the text names a zone", () => {
    expect(parseResetTime("2pm", { now: at(NOW), zone: "Nope/Nowhere" })).toEqual({
      at: at("2026-11-24T14:00:00Z"),
      zone: "UTC",
      assumed: true,
    });
    expect(parseResetTime("2pm (Asia/Tokyo)", { now: at(NOW), zone: "" })?.assumed).toBeUndefined();
  });

  test("the process time zone plays no part", () => {
    expect(process.env.TZ).toBe("UTC");
    expect(iso("5am", NOW, "Asia/Tokyo")).toBe("2026-11-24T20:00:00.000Z");
  });
});

describe("parseResetTime: the next instant across day and year boundaries", () => {
  test("New Year's Eve", () => {
    const now = "2026-12-31T23:30:00Z";
    expect(iso("1am", now)).toBe("2027-01-01T01:00:00.000Z");
    expect(iso("Jan 1, 2am", now)).toBe("2027-01-01T02:00:00.000Z");
    expect(iso("Jan 1, 2am (UTC)", now)).toBe("2027-01-01T02:00:00.000Z");
    expect(iso("Dec 31, 11:30pm", now)).toBe("2026-12-31T23:30:00.000Z");
    expect(iso("Dec 31, 10pm", now)).toBe("2027-12-31T22:00:00.000Z");
  });

  test("the local date decides 'today': it is already 2027 in Auckland", () => {
    const now = "2026-12-31T11:30:00Z"; // 00:30 on Jan 1 2027, NZDT
    expect(iso("2am", now, "Pacific/Auckland")).toBe("2026-12-31T13:00:00.000Z");
    expect(iso("Jan 1, 2am", now, "Pacific/Auckland")).toBe("2026-12-31T13:00:00.000Z");
    expect(iso("Dec 31, 11pm", now, "Pacific/Auckland")).toBe("2027-12-31T10:00:00.000Z");
  });

  test("end of a month", () => {
    expect(iso("1am", "2026-02-28T23:00:00Z")).toBe("2026-03-01T01:00:00.000Z");
  });
});

describe("parseResetTime: daylight saving", () => {
  describe("America/New_York", () => {
    const zone = "America/New_York";
    // Spring forward: 2026-03-08 02:00 EST → 03:00 EDT (07:00Z). 2:30am does not exist.
    test("a time in the spring-forward gap moves forward by the gap", () => {
      const now = "2026-03-08T05:00:00Z"; // 00:00 EST
      expect(iso("2:30am", now, zone)).toBe("2026-03-08T07:30:00.000Z"); // = 3:30am EDT
      expect(iso("3:30am", now, zone)).toBe("2026-03-08T07:30:00.000Z");
      expect(iso("1:30am", now, zone)).toBe("2026-03-08T06:30:00.000Z"); // EST
      expect(iso("Mar 8, 2:00am", now, zone)).toBe("2026-03-08T07:00:00.000Z");
    });

    // Fall back: 2026-11-01 02:00 EDT → 01:00 EST (06:00Z). 1:30am happens twice.
    test("a time that happens twice is the earlier one still ahead", () => {
      expect(iso("1:30am", "2026-11-01T04:00:00Z", zone)).toBe("2026-11-01T05:30:00.000Z"); // EDT
      expect(iso("1:30am", "2026-11-01T05:45:00Z", zone)).toBe("2026-11-01T06:30:00.000Z"); // EST
      expect(iso("1:30am", "2026-11-01T06:45:00Z", zone)).toBe("2026-11-02T06:30:00.000Z"); // next day
      expect(iso("Nov 1, 1:30am", "2026-10-31T12:00:00Z", zone)).toBe("2026-11-01T05:30:00.000Z");
      expect(iso("Nov 1, 2026, 1:30am", "2026-11-01T05:45:00Z", zone)).toBe("2026-11-01T06:30:00.000Z");
    });

    test("after the change, a day later is 24 wall-clock hours, not 24 h", () => {
      expect(iso("12:30am", "2026-11-01T05:00:00Z", zone)).toBe("2026-11-02T05:30:00.000Z");
    });
  });

  describe("Pacific/Auckland", () => {
    const zone = "Pacific/Auckland";
    // Spring forward: 2026-09-27 02:00 NZST → 03:00 NZDT (2026-09-26T14:00Z).
    test("a time in the spring-forward gap moves forward by the gap", () => {
      const now = "2026-09-26T12:00:00Z"; // 00:00 NZST
      expect(iso("2:30am", now, zone)).toBe("2026-09-26T14:30:00.000Z"); // = 3:30am NZDT
      expect(iso("2:30am (Pacific/Auckland)", now, "UTC")).toBe("2026-09-26T14:30:00.000Z");
    });

    // Fall back: 2026-04-05 03:00 NZDT → 02:00 NZST (2026-04-04T14:00Z). 2:30am happens twice.
    test("a time that happens twice is the earlier one still ahead", () => {
      expect(iso("2:30am", "2026-04-04T12:00:00Z", zone)).toBe("2026-04-04T13:30:00.000Z"); // NZDT
      expect(iso("2:30am", "2026-04-04T14:00:00Z", zone)).toBe("2026-04-04T14:30:00.000Z"); // NZST
      expect(iso("Apr 5, 2:30am", "2026-04-04T14:00:00Z", zone)).toBe("2026-04-04T14:30:00.000Z");
    });
  });
});

describe("defaultReset", () => {
  test("5 hours after detection, marked assumed", () => {
    expect(DEFAULT_RESET_MS).toBe(5 * 3_600_000);
    expect(defaultReset(at(NOW))).toEqual({ at: at("2026-11-24T08:17:00Z"), zone: "UTC", assumed: true });
    expect(defaultReset(at(NOW), "Asia/Tokyo").zone).toBe("Asia/Tokyo");
  });
});

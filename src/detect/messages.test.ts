import { describe, expect, test } from "vitest";
import { classifyLine } from "./classify.js";
import { MESSAGE_TABLE, MESSAGE_TABLE_VERSION, windowForName } from "./messages.js";
import { parseResetTime } from "./reset-time.js";

/** Tuesday 2026-11-24 03:17 UTC: the instant every form below is read at. */
const NOW = Date.parse("2026-11-24T03:17:00Z");
const ctx = { now: NOW, zone: "UTC" };

interface Form {
  line: string;
  kind: "limit" | "warning" | "throttle";
  entryId: string;
  window: string | null;
  resetText: string | null;
  /** The reset instant at NOW in UTC, or null when the line has none. */
  resetsAt: string | null;
  percent?: number;
}

/**
 * One fixture per known form: the contract's first list (SPEC §5) verbatim, then what 2.1.330
 * prints, then the rest.
 */
const FORMS: Form[] = [
  // The contract's first list (SPEC §5), verbatim
  {
    line: "Claude AI usage limit reached|1749924000",
    kind: "limit",
    entryId: "legacy-epoch",
    window: null,
    resetText: "1749924000",
    resetsAt: "2025-06-14T18:00:00.000Z",
  },
  {
    line: "5-hour limit reached ∙ resets 5am",
    kind: "limit",
    entryId: "window-limit-reached",
    window: "five_hour",
    resetText: "5am",
    resetsAt: "2026-11-24T05:00:00.000Z",
  },
  {
    line: "Opus weekly limit reached ∙ resets Nov 10, 5pm",
    kind: "limit",
    entryId: "window-limit-reached",
    window: "seven_day_opus",
    resetText: "Nov 10, 5pm",
    resetsAt: "2027-11-10T17:00:00.000Z",
  },
  {
    line: "5-hour limit reached · resets 2pm (Pacific/Auckland) · /upgrade to Max 20x or turn on /extra-usage",
    kind: "limit",
    entryId: "window-limit-reached",
    window: "five_hour",
    resetText: "2pm (Pacific/Auckland)",
    resetsAt: "2026-11-25T01:00:00.000Z",
  },
  {
    line: "Limit reached · resets 11:30am (Asia/Calcutta)",
    kind: "limit",
    entryId: "limit-reached",
    window: null,
    resetText: "11:30am (Asia/Calcutta)",
    resetsAt: "2026-11-24T06:00:00.000Z",
  },
  {
    line: "You've hit your limit · resets 10pm (America/New_York)",
    kind: "limit",
    entryId: "hit-your-limit",
    window: null,
    resetText: "10pm (America/New_York)",
    resetsAt: "2026-11-25T03:00:00.000Z",
  },
  {
    line: "You've hit your session limit · resets 8:30pm (Asia/Tokyo)",
    kind: "limit",
    entryId: "hit-your-limit",
    window: "five_hour",
    resetText: "8:30pm (Asia/Tokyo)",
    resetsAt: "2026-11-24T11:30:00.000Z",
  },
  {
    line: "You've hit your weekly limit · resets Jul 31, 2am (UTC)",
    kind: "limit",
    entryId: "hit-your-limit",
    window: "seven_day",
    resetText: "Jul 31, 2am (UTC)",
    resetsAt: "2027-07-31T02:00:00.000Z",
  },
  {
    line: "You've hit your weekly limit · resets Sep 15 at 7pm",
    kind: "limit",
    entryId: "hit-your-limit",
    window: "seven_day",
    resetText: "Sep 15 at 7pm",
    resetsAt: "2027-09-15T19:00:00.000Z",
  },
  {
    line: "You're out of extra usage · resets 2am (America/Bogota)",
    kind: "limit",
    entryId: "out-of-extra-usage",
    window: "extra_usage",
    resetText: "2am (America/Bogota)",
    resetsAt: "2026-11-24T07:00:00.000Z",
  },
  {
    line: "Spending cap reached resets 4pm",
    kind: "limit",
    entryId: "spending-cap-reached",
    window: "spending_cap",
    resetText: "4pm",
    resetsAt: "2026-11-24T16:00:00.000Z",
  },
  {
    line: "You've hit your 5-hour limit · resets 3:47am (UTC)",
    kind: "limit",
    entryId: "hit-your-limit",
    window: "five_hour",
    resetText: "3:47am (UTC)",
    resetsAt: "2026-11-24T03:47:00.000Z",
  },
  {
    line: "You've hit your Opus limit · resets 8am (UTC)",
    kind: "limit",
    entryId: "hit-your-limit",
    window: "seven_day_opus",
    resetText: "8am (UTC)",
    resetsAt: "2026-11-24T08:00:00.000Z",
  },
  {
    line: "You've hit your Sonnet limit · resets Nov 27, 2:28am (UTC)",
    kind: "limit",
    entryId: "hit-your-limit",
    window: "seven_day_sonnet",
    resetText: "Nov 27, 2:28am (UTC)",
    resetsAt: "2026-11-27T02:28:00.000Z",
  },
  {
    line: "You've hit your usage credit limit · resets Dec 1, 12am (UTC)",
    kind: "limit",
    entryId: "hit-your-limit",
    window: "credit",
    resetText: "Dec 1, 12am (UTC)",
    resetsAt: "2026-12-01T00:00:00.000Z",
  },
  {
    line: "You've hit your 5-hour limit · resets 3:47am (UTC) · progress saved",
    kind: "limit",
    entryId: "hit-your-limit",
    window: "five_hour",
    resetText: "3:47am (UTC)",
    resetsAt: "2026-11-24T03:47:00.000Z",
  },
  // what the real 2.1.330 prints interactively (decorations included, as on screen)
  {
    line: "⎿  You've hit your 5-hour limit · resets 3:37am (UTC)",
    kind: "limit",
    entryId: "hit-your-limit",
    window: "five_hour",
    resetText: "3:37am (UTC)",
    resetsAt: "2026-11-24T03:37:00.000Z",
  },
  {
    line: "● Usage limit reached · set to continue automatically at 3:37am",
    kind: "limit",
    entryId: "usage-limit-auto-continue",
    window: null,
    resetText: "3:37am",
    resetsAt: "2026-11-24T03:37:00.000Z",
  },
  {
    line: "⚠ Usage limit reached · limit resets 4:26am",
    kind: "limit",
    entryId: "usage-limit-status",
    window: null,
    resetText: "4:26am",
    resetsAt: "2026-11-24T04:26:00.000Z",
  },
  {
    line: "    Continuing automatically at 9:07am · Esc to cancel",
    kind: "limit",
    entryId: "auto-continue-waiting",
    window: null,
    resetText: "9:07am",
    resetsAt: "2026-11-24T09:07:00.000Z",
  },
  {
    line: "Usage limit reached again · set to continue automatically at Nov 29, 12:45am",
    kind: "limit",
    entryId: "usage-limit-auto-continue",
    window: null,
    resetText: "Nov 29, 12:45am",
    resetsAt: "2026-11-29T00:45:00.000Z",
  },
  // more of 2.1.330's builders (strings of the pinned binary)
  {
    line: "You've hit your 5-hour limit · progress saved",
    kind: "limit",
    entryId: "hit-your-limit",
    window: "five_hour",
    resetText: null,
    resetsAt: null,
  },
  {
    line: "You've hit your limit · resets Jan 3, 2027, 5pm (UTC)",
    kind: "limit",
    entryId: "hit-your-limit",
    window: null,
    resetText: "Jan 3, 2027, 5pm (UTC)",
    resetsAt: "2027-01-03T17:00:00.000Z",
  },
  {
    line: "You've hit your usage limit · resets 9pm (UTC)",
    kind: "limit",
    entryId: "hit-your-limit",
    window: null,
    resetText: "9pm (UTC)",
    resetsAt: "2026-11-24T21:00:00.000Z",
  },
  {
    line: "You've hit your Fable limit · resets 6am (UTC)",
    kind: "limit",
    entryId: "hit-your-limit",
    window: "seven_day_overage_included",
    resetText: "6am (UTC)",
    resetsAt: "2026-11-24T06:00:00.000Z",
  },
  {
    line: "You've hit your monthly spend limit · raise it at https://claude.ai/settings/usage · your 5-hour limit resets 3pm (UTC)",
    kind: "limit",
    entryId: "hit-your-spend-limit",
    window: "five_hour",
    resetText: "3pm (UTC)",
    resetsAt: "2026-11-24T15:00:00.000Z",
  },
  {
    line: "You've hit your org's monthly usage limit · resets Dec 1, 12am (UTC)",
    kind: "limit",
    entryId: "hit-your-spend-limit",
    window: "extra_usage",
    resetText: "Dec 1, 12am (UTC)",
    resetsAt: "2026-12-01T00:00:00.000Z",
  },
  {
    line: "You've hit your individual spend limit · ask your admin for a higher limit · resets Dec 1, 12am (UTC)",
    kind: "limit",
    entryId: "hit-your-spend-limit",
    window: "spending_cap",
    resetText: "Dec 1, 12am (UTC)",
    resetsAt: "2026-12-01T00:00:00.000Z",
  },
  {
    line: "You're out of usage credits · resets 4pm (UTC) · progress saved",
    kind: "limit",
    entryId: "out-of-usage-credits",
    window: "credit",
    resetText: "4pm (UTC)",
    resetsAt: "2026-11-24T16:00:00.000Z",
  },
  {
    line: "Your org is out of usage · add funds to continue",
    kind: "limit",
    entryId: "org-out-of-usage",
    window: "extra_usage",
    resetText: null,
    resetsAt: null,
  },
  // older versions
  {
    line: "Claude usage limit reached. Your limit will reset at 7pm (Europe/Berlin).",
    kind: "limit",
    entryId: "legacy-will-reset",
    window: null,
    resetText: "7pm (Europe/Berlin)",
    resetsAt: "2026-11-24T18:00:00.000Z",
  },
  {
    line: "Weekly limit reached ∙ resets Oct 9, 10am",
    kind: "limit",
    entryId: "window-limit-reached",
    window: "seven_day",
    resetText: "Oct 9, 10am",
    resetsAt: "2027-10-09T10:00:00.000Z",
  },
  {
    line: "Session limit reached ∙ resets 7pm",
    kind: "limit",
    entryId: "window-limit-reached",
    window: "five_hour",
    resetText: "7pm",
    resetsAt: "2026-11-24T19:00:00.000Z",
  },
  {
    line: "Sonnet weekly limit reached · resets Dec 2, 9am",
    kind: "limit",
    entryId: "window-limit-reached",
    window: "seven_day_sonnet",
    resetText: "Dec 2, 9am",
    resetsAt: "2026-12-02T09:00:00.000Z",
  },
  // warnings
  {
    line: "You've used 85% of your session limit · resets 6pm (UTC)",
    kind: "warning",
    entryId: "used-percent",
    window: "five_hour",
    resetText: "6pm (UTC)",
    resetsAt: "2026-11-24T18:00:00.000Z",
    percent: 85,
  },
  {
    line: "You've used 92% of your 5-hour limit · resets 3:50am (UTC)",
    kind: "warning",
    entryId: "used-percent",
    window: "five_hour",
    resetText: "3:50am (UTC)",
    resetsAt: "2026-11-24T03:50:00.000Z",
    percent: 92,
  },
  {
    line: "You've used 75% of your weekly limit · resets Nov 27, 2:28am (UTC) · /upgrade to keep using Claude Code",
    kind: "warning",
    entryId: "used-percent",
    window: "seven_day",
    resetText: "Nov 27, 2:28am (UTC)",
    resetsAt: "2026-11-27T02:28:00.000Z",
    percent: 75,
  },
  {
    line: "You've used 50% of your usage credits · resets Dec 1, 12am (UTC)",
    kind: "warning",
    entryId: "used-percent",
    window: "credit",
    resetText: "Dec 1, 12am (UTC)",
    resetsAt: "2026-12-01T00:00:00.000Z",
    percent: 50,
  },
  {
    line: "Over 90% of your weekly limit used · resets Nov 27, 2:28am (UTC)",
    kind: "warning",
    entryId: "over-percent",
    window: "seven_day",
    resetText: "Nov 27, 2:28am (UTC)",
    resetsAt: "2026-11-27T02:28:00.000Z",
    percent: 90,
  },
  {
    line: "Approaching usage limit · resets at 2pm",
    kind: "warning",
    entryId: "approaching",
    window: null,
    resetText: "2pm",
    resetsAt: "2026-11-24T14:00:00.000Z",
  },
  {
    line: "Approaching Opus usage limit",
    kind: "warning",
    entryId: "approaching",
    window: "seven_day_opus",
    resetText: null,
    resetsAt: null,
  },
  {
    line: "Approaching 5-hour limit · resets 4am (UTC)",
    kind: "warning",
    entryId: "approaching",
    window: "five_hour",
    resetText: "4am (UTC)",
    resetsAt: "2026-11-24T04:00:00.000Z",
  },
  {
    line: "You're close to your usage credit limit",
    kind: "warning",
    entryId: "close-to",
    window: "credit",
    resetText: null,
    resetsAt: null,
  },
  // throttles: never a limit
  {
    line: "Server is temporarily limiting requests (not your usage limit)",
    kind: "throttle",
    entryId: "server-throttle",
    window: null,
    resetText: null,
    resetsAt: null,
  },
  {
    line: "API Error: Server is temporarily limiting requests (not your usage limit) · this may be a temporary capacity issue.",
    kind: "throttle",
    entryId: "server-throttle",
    window: null,
    resetText: null,
    resetsAt: null,
  },
  {
    line: "API Error: Request rejected (429) · this may be a temporary capacity issue.",
    kind: "throttle",
    entryId: "request-rejected-429",
    window: null,
    resetText: null,
    resetsAt: null,
  },
  {
    line: "Opus is experiencing high load, please use /model to switch to Sonnet",
    kind: "throttle",
    entryId: "model-high-load",
    window: null,
    resetText: null,
    resetsAt: null,
  },
  {
    line: "API Error: Repeated 529 Overloaded errors",
    kind: "throttle",
    entryId: "overloaded-529",
    window: null,
    resetText: null,
    resetsAt: null,
  },
  // The separators and the apostrophe beyond ASCII, each (written as \u escapes in the table).
  {
    line: "API Error: Repeated 529 Overloaded errors \u2022 try again later",
    kind: "throttle",
    entryId: "overloaded-529",
    window: null,
    resetText: null,
    resetsAt: null,
  },
  {
    line: "Over 80% of your Opus weekly limit used \u2219 resets Nov 28, 1pm (UTC)",
    kind: "warning",
    entryId: "over-percent",
    window: "seven_day_opus",
    resetText: "Nov 28, 1pm (UTC)",
    resetsAt: "2026-11-28T13:00:00.000Z",
    percent: 80,
  },
  {
    line: "You\u2019ve used 60% of your team\u2019s weekly limit \u00b7 resets 11pm (UTC)",
    kind: "warning",
    entryId: "used-percent",
    window: "seven_day",
    resetText: "11pm (UTC)",
    resetsAt: "2026-11-24T23:00:00.000Z",
    percent: 60,
  },
];

describe("message table", () => {
  test("is versioned", () => {
    expect(MESSAGE_TABLE_VERSION).toMatch(/^\d{4}-\d{2}-\d{2}\.\d+$/);
  });

  test("ids are unique, patterns anchored and stateless", () => {
    const ids = MESSAGE_TABLE.map((entry) => entry.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const entry of MESSAGE_TABLE) {
      expect(entry.pattern.source.startsWith("^")).toBe(true);
      expect(entry.pattern.source.endsWith("$")).toBe(true);
      expect(entry.pattern.global || entry.pattern.sticky).toBe(false);
    }
  });

  test("each entry's fixed text is written in its pattern and found in its example", () => {
    const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    for (const entry of MESSAGE_TABLE) {
      expect(entry.contains, entry.id).not.toBe("");
      expect(entry.example, entry.id).toContain(entry.contains);
      expect(entry.pattern.source, entry.id).toContain(escaped(entry.contains));
    }
  });

  test.each(MESSAGE_TABLE.map((entry) => [entry.id, entry] as const))(
    "entry %s matches its own example",
    (_, entry) => {
      expect(classifyLine(entry.example)).toMatchObject({ entryId: entry.id, kind: entry.kind });
    },
  );

  test("every entry has at least one fixture below", () => {
    const covered = new Set(FORMS.map((form) => form.entryId));
    expect(MESSAGE_TABLE.map((entry) => entry.id).filter((id) => !covered.has(id))).toEqual([]);
  });

  test.each(FORMS)("$line", (form) => {
    const classified = classifyLine(form.line);
    expect(classified).not.toBeNull();
    expect(classified).toMatchObject({
      kind: form.kind,
      entryId: form.entryId,
      window: form.window,
      resetText: form.resetText,
    });
    expect(classified?.percent).toBe(form.percent);
    const reset = form.resetText === null ? null : parseResetTime(form.resetText, ctx);
    expect(reset === null ? null : new Date(reset.at).toISOString()).toBe(form.resetsAt);
    expect(reset?.assumed).toBeUndefined();
  });

  test("the same forms read in other local zones (no zone printed = the local zone)", () => {
    const resetOf = (line: string, zone: string) => {
      const text = classifyLine(line)!.resetText!;
      return new Date(parseResetTime(text, { now: NOW, zone })!.at).toISOString();
    };
    // 03:17 UTC is 22:17 the day before in New York: 5am is the coming morning there.
    expect(resetOf("5-hour limit reached ∙ resets 5am", "America/New_York")).toBe("2026-11-24T10:00:00.000Z");
    // 08:47 in Kolkata: 2pm is today.
    expect(resetOf("Approaching usage limit · resets at 2pm", "Asia/Kolkata")).toBe(
      "2026-11-24T08:30:00.000Z",
    );
    // 16:17 in Auckland (NZDT, +13): 4pm has passed, so tomorrow.
    expect(resetOf("Spending cap reached resets 4pm", "Pacific/Auckland")).toBe("2026-11-25T03:00:00.000Z");
    // A printed zone wins over the local one.
    expect(resetOf("You've hit your 5-hour limit · resets 3:47am (UTC)", "Asia/Tokyo")).toBe(
      "2026-11-24T03:47:00.000Z",
    );
    expect(resetOf("Opus weekly limit reached ∙ resets Nov 10, 5pm", "Asia/Tokyo")).toBe(
      "2027-11-10T08:00:00.000Z",
    );
  });
});

describe("windowForName", () => {
  test.each([
    ["5-hour limit", "five_hour"],
    ["session limit", "five_hour"],
    ["5-hour", "five_hour"],
    ["weekly limit", "seven_day"],
    ["Weekly", "seven_day"],
    ["Opus weekly", "seven_day_opus"],
    ["Opus limit", "seven_day_opus"],
    ["Opus usage limit", "seven_day_opus"],
    ["Sonnet limit", "seven_day_sonnet"],
    ["Fable limit", "seven_day_overage_included"],
    ["usage credit limit", "credit"],
    ["usage credits", "credit"],
    ["monthly spend limit", "spending_cap"],
    ["org's monthly usage limit", "extra_usage"],
    ["team's pooled group budget", "extra_usage"],
    ["limit", null],
    ["usage limit", null],
    ["usage", null],
  ])("%s → %s", (name, window) => {
    expect(windowForName(name)).toBe(window);
  });
});

import { DateTime } from "luxon";
import { describe, expect, test } from "vitest";
import { usage } from "../../test/support/pricing.js";
import { createPricing, knownCostNanoUsd } from "../pricing/pricing.js";
import type { RequestEvent } from "./events.js";
import { buildForecast, type ForecastInput } from "./forecast.js";

// Tables of whole histories through the engine. Every history here is built by `work()`: a request a
// minute, each reading 100k tokens from the cache — $0.03 on Sonnet 4.5 ($0.30/MTok), $0.05 on
// Opus 4.5 — so an active hour on Sonnet costs $1.80.

const pricing = createPricing();
const SONNET = "claude-sonnet-4-5-20250929";
const OPUS = "claude-opus-4-5-20251101";
const HOUR = 3_600_000;
const USAGE = usage({ cache_read_input_tokens: 100_000 });

interface Work {
  zone: string;
  /** Local ISO date of the first day. */
  from: string;
  days: number;
  /** Local hours of the day, [start, end). */
  hours: [number, number];
  weekdaysOnly?: boolean;
  model?: string;
  project?: string | null;
  /** Requests per minute (a multiple of the base cost). */
  perMinute?: number;
}

function work(spec: Work): RequestEvent[] {
  const events: RequestEvent[] = [];
  const model = spec.model ?? SONNET;
  const first = DateTime.fromISO(spec.from, { zone: spec.zone });
  for (let d = 0; d < spec.days; d++) {
    const day = first.plus({ days: d });
    if (spec.weekdaysOnly && day.weekday >= 6) continue;
    const end = day.set({ hour: spec.hours[1] }).toMillis();
    for (let at = day.set({ hour: spec.hours[0] }).toMillis(); at < end; at += 60_000) {
      for (let k = 0; k < (spec.perMinute ?? 1); k++) {
        events.push({
          at: at + k,
          model,
          costNanoUsd: knownCostNanoUsd(pricing, model, USAGE),
          usage: USAGE,
          project: spec.project === undefined ? "/home/me/app" : spec.project,
          sessionId: "s",
        });
      }
    }
  }
  return events;
}

function at(zone: string, iso: string): number {
  return DateTime.fromISO(iso, { zone }).toMillis();
}

function forecast(input: Partial<ForecastInput> & Pick<ForecastInput, "now" | "zone">) {
  return buildForecast({ events: [], pricing, ...input });
}

const PARIS = "Europe/Paris";
// Two weeks of weekdays 9–17 in Paris, up to Friday 6 November 2026 17:00.
const STEADY = work({ zone: PARIS, from: "2026-10-26", days: 12, hours: [9, 17], weekdaysOnly: true });
const MONDAY_11 = at(PARIS, "2026-11-09T11:00");

describe("the scenarios of issue 14", () => {
  test("steady work, a reset in 3 hours: 3 hours at $1.80", () => {
    const events = [...STEADY, ...work({ zone: PARIS, from: "2026-11-09", days: 1, hours: [9, 11] })];
    const f = forecast({ now: MONDAY_11, zone: PARIS, events, resetsAt: MONDAY_11 + 3 * HOUR });
    expect(f.basis).toMatchObject({ kind: "history", scope: "all_projects", unpriced_requests: 0 });
    expect(f.basis.active_hours).toBeCloseTo(10 * 8 + 2, 6);
    expect(f.pace?.usd_per_hour).toBeCloseTo(1.8, 9);
    expect(f.until_reset).toMatchObject({ assumption: "continuous", hours: 3, active_hours: 3 });
    expect(f.until_reset.usd).toBeCloseTo(5.4, 9);
    // Every past forecast of this history was right: the P90 only keeps a little of the prior.
    expect(f.until_reset.usd_p90!).toBeGreaterThanOrEqual(5.4);
    expect(f.until_reset.usd_p90!).toBeLessThan(5.4 * 1.1);
  });

  test("bursty work: the P90 stands well above the expectation", () => {
    // Hours at $1.80 and $9.00 (5 requests a minute) in turn.
    const events = Array.from({ length: 40 }, (_, hour) =>
      work({
        zone: "UTC",
        from: `2026-11-${String(2 + Math.floor(hour / 8)).padStart(2, "0")}`,
        days: 1,
        hours: [9 + (hour % 8), 10 + (hour % 8)],
        perMinute: hour % 2 === 0 ? 1 : 5,
      }),
    ).flat();
    const now = Date.parse("2026-11-06T17:00:00Z");
    const hourAhead = forecast({ now, zone: "UTC", events, resetsAt: now + HOUR });
    const pace = hourAhead.pace!;
    expect(pace.usd_per_hour).toBeGreaterThan(1.8);
    expect(pace.usd_per_hour).toBeLessThan(9);
    expect(pace.usd_per_hour_p90 / pace.usd_per_hour).toBeGreaterThan(1.6);
    expect(hourAhead.until_reset.usd_p90! / hourAhead.until_reset.usd!).toBeCloseTo(
      pace.usd_per_hour_p90 / pace.usd_per_hour,
      6,
    );
    // Two hours always hold a cheap and a dear one: their spread is much narrower.
    const twoAhead = forecast({ now, zone: "UTC", events, resetsAt: now + 2 * HOUR });
    expect(twoAhead.until_reset.usd_p90! / twoAhead.until_reset.usd!).toBeLessThan(1.3);
  });

  test("no history at all: no pace, no dollars, and it says so", () => {
    const f = forecast({
      now: MONDAY_11,
      zone: PARIS,
      resetsAt: MONDAY_11 + 2 * HOUR,
      caps: [{ name: "session", limitNanoUsd: 10e9, spentNanoUsd: 0 }],
    });
    expect(f.basis).toMatchObject({ kind: "none", scope: null, active_hours: 0, since: null, requests: 0 });
    expect(f.pace).toBeNull();
    expect(f.until_reset).toMatchObject({ usd: null, usd_p90: null, hours: 2, assumption: "continuous" });
    expect(f.until_reset.caps[0]).toMatchObject({
      reached_at: null,
      reached_at_p90: null,
      remaining_usd: 10,
    });
    expect(f.projects).toEqual([]);
  });

  test("codebase only: an estimate from the tracked files, labelled as such", () => {
    const files = Array.from({ length: 16 }, (_, i) => ({ path: `src/f${i}.ts`, bytes: 25_000 }));
    const f = forecast({
      now: MONDAY_11,
      zone: PARIS,
      resetsAt: MONDAY_11 + 4 * HOUR,
      model: SONNET,
      codebase: files,
    });
    expect(f.basis.kind).toBe("codebase");
    const codebase = f.basis.codebase!;
    expect(codebase).toMatchObject({ files: 16, bytes: 400_000, tokens: 100_000 });
    expect(codebase.context_tokens).toEqual({ low: 30_000, high: 60_000 });
    const perHour = codebase.usd_per_hour!;
    expect(f.pace!.usd_per_hour).toBeCloseTo(Math.sqrt(perHour.low * perHour.high), 6);
    expect(f.pace!.usd_per_hour_p90).toBeCloseTo(perHour.high, 9);
    expect(f.until_reset.usd).toBeCloseTo(4 * f.pace!.usd_per_hour, 6);
    expect(f.until_reset.usd_p90).toBeCloseTo(4 * perHour.high, 6);
  });

  test("a weekly reset with a daily rhythm: the working hours ahead, not every hour", () => {
    // Three weeks of weekday mornings 9–12.
    const events = work({ zone: PARIS, from: "2026-10-19", days: 21, hours: [9, 12], weekdaysOnly: true });
    const now = at(PARIS, "2026-11-09T09:00");
    const f = forecast({ now, zone: PARIS, events, resetsAt: now + 7 * 24 * HOUR });
    expect(f.basis.rhythm_splits_weekends).toBe(true);
    expect(f.until_reset.assumption).toBe("daily_rhythm");
    // Ahead, to next Monday 09:00: five mornings of 3 hours.
    expect(f.until_reset.active_hours).toBeCloseTo(15, 1);
    expect(f.until_reset.usd).toBeCloseTo(15 * 1.8, 0);
    expect(f.until_reset.usd_p90!).toBeGreaterThan(f.until_reset.usd!);
    // One pace for every figure: what a renderer multiplies out agrees with the total.
    expect(f.until_reset.usd).toBeCloseTo(f.pace!.usd_per_hour * f.until_reset.active_hours!, 6);
  });

  test.each([
    // Work every night 02:00–03:00 local, for three weeks up to last night; a week ahead holding a DST change.
    ["the clocks go back (25 Oct): that hour happens twice", "2026-10-01", "2026-10-22T12:00", 8],
    ["the clocks go forward (29 Mar): that hour never happens", "2026-03-05", "2026-03-26T12:00", 6],
    ["no change", "2026-05-01", "2026-05-22T12:00", 7],
  ])("a DST change inside the horizon: %s", (_name, from, nowIso, hours) => {
    const events = work({ zone: PARIS, from, days: 22, hours: [2, 3] });
    const now = at(PARIS, nowIso);
    const f = forecast({ now, zone: PARIS, events, resetsAt: now + 7 * 24 * HOUR });
    expect(f.until_reset.active_hours).toBeCloseTo(hours, 1);
  });

  test("a model change: the pace re-priced for the model in use; the observed mix without one", () => {
    const events = [...STEADY, ...work({ zone: PARIS, from: "2026-11-09", days: 1, hours: [9, 11] })];
    const base = { now: MONDAY_11, zone: PARIS, events, resetsAt: MONDAY_11 + 2 * HOUR };
    const mix = forecast(base);
    const opus = forecast({ ...base, model: "claude-opus-4-5" });
    const unknown = forecast({ ...base, model: "claude-nova-9" });
    expect(mix).toMatchObject({ model: null, model_unpriced: null });
    expect(mix.pace!.usd_per_hour).toBeCloseTo(1.8, 9);
    // Cache reads: $0.50/MTok on Opus 4.5 against $0.30 on Sonnet 4.5.
    expect(opus).toMatchObject({ model: OPUS, model_unpriced: null });
    expect(opus.pace!.usd_per_hour).toBeCloseTo(3, 9);
    expect(opus.until_reset.usd).toBeCloseTo(6, 9);
    expect(unknown).toMatchObject({ model: null, model_unpriced: "claude-nova-9" });
    expect(unknown.pace!.usd_per_hour).toBeCloseTo(1.8, 9);
    // Re-priced for a cheaper model, the P90 stays at the recorded spending's: models change back.
    const haiku = forecast({ ...base, model: "claude-haiku-4-5" });
    expect(haiku.pace!.usd_per_hour).toBeCloseTo(0.6, 9);
    expect(haiku.until_reset.usd_p90!).toBeGreaterThanOrEqual(mix.until_reset.usd_p90!);
  });

  test("a reset in the past: nothing more before it", () => {
    const f = forecast({
      now: MONDAY_11,
      zone: PARIS,
      events: STEADY,
      resetsAt: MONDAY_11 - HOUR,
      caps: [
        { name: "session", limitNanoUsd: 10e9, spentNanoUsd: 1e9 },
        { name: "day", limitNanoUsd: 10e9, spentNanoUsd: 10e9, period: "day" },
      ],
    });
    expect(f.until_reset).toMatchObject({ hours: 0, active_hours: 0, usd: 0, usd_p90: 0 });
    expect(f.until_reset.resets_at).toBe("2026-11-09T10:00:00.000+01:00");
    expect(f.until_reset.caps.map((cap) => cap.reached_at)).toEqual([null, "2026-11-09T11:00:00.000+01:00"]);
  });

  test("zero-cost history: a known $0, not an unknown", () => {
    const events = STEADY.map((event) => ({ ...event, costNanoUsd: 0 }));
    const f = forecast({
      now: MONDAY_11,
      zone: PARIS,
      events,
      resetsAt: MONDAY_11 + 2 * HOUR,
      caps: [{ name: "session", limitNanoUsd: 1e9, spentNanoUsd: 0 }],
    });
    expect(f.basis.kind).toBe("history");
    expect(f.pace).toMatchObject({ usd_per_hour: 0, usd_per_hour_p90: 0 });
    expect(f.until_reset).toMatchObject({ usd: 0, usd_p90: 0 });
    expect(f.until_reset.caps[0]!.reached_at).toBeNull();
  });

  test("requests of unknown cost are left out and counted, never $0", () => {
    const unpriced = work({
      zone: PARIS,
      from: "2026-11-09",
      days: 1,
      hours: [9, 11],
      model: "claude-nova-9",
    }).map((event) => ({ ...event, costNanoUsd: null, usage: null }));
    const f = forecast({
      now: MONDAY_11,
      zone: PARIS,
      events: [...STEADY, ...unpriced],
      resetsAt: MONDAY_11 + HOUR,
    });
    expect(f.basis.unpriced_requests).toBe(120);
    // Not an active hour at $0 either: the pace is the priced work's.
    expect(f.pace!.usd_per_hour).toBeCloseTo(1.8, 9);
    expect(f.basis.active_hours).toBeCloseTo(80, 6);
    // With their tokens known, a model in use prices them.
    const withTokens = unpriced.map((event) => ({ ...event, usage: USAGE }));
    const repriced = forecast({
      now: MONDAY_11,
      zone: PARIS,
      events: [...STEADY, ...withTokens],
      model: SONNET,
    });
    expect(repriced.basis.unpriced_requests).toBe(0);
  });
});

describe("projects, caps and the next request", () => {
  const events = [
    ...work({ zone: "UTC", from: "2026-11-02", days: 3, hours: [9, 12], project: "/w/api" }),
    ...work({
      zone: "UTC",
      from: "2026-11-05",
      days: 1,
      hours: [9, 12],
      project: "/w/api/server",
      perMinute: 2,
    }),
    ...work({ zone: "UTC", from: "2026-11-05", days: 1, hours: [14, 15], project: "/w/web", perMinute: 3 }),
    ...work({ zone: "UTC", from: "2026-11-05", days: 1, hours: [15, 16], project: null }),
  ];
  const now = Date.parse("2026-11-05T16:00:00Z");

  test("per project, the most recent first; a project holds its subdirectories", () => {
    const f = forecast({ now, zone: "UTC", events });
    expect(f.projects.map((p) => [p.project, p.usd_per_hour])).toEqual([
      ["/w/web", expect.closeTo(5.4, 9)],
      ["/w/api/server", expect.closeTo(3.6, 9)],
      ["/w/api", expect.closeTo(1.8, 9)],
    ]);
    const api = forecast({ now, zone: "UTC", events, project: "/w/api/" });
    expect(api.basis).toMatchObject({ kind: "history", scope: "project", active_hours: 12 });
    expect(api.pace!.usd_per_hour).toBeGreaterThan(1.8); // the recent hours, at $3.60
  });

  test("a project without history: the codebase when its files are given, else all history", () => {
    const fresh = forecast({ now, zone: "UTC", events, project: "/w/new" });
    expect(fresh.basis).toMatchObject({ kind: "history", scope: "all_projects" });
    const withFiles = forecast({
      now,
      zone: "UTC",
      events,
      project: "/w/new",
      codebase: [{ path: "a.ts", bytes: 4 }],
    });
    expect(withFiles.basis.kind).toBe("codebase");
    // The user's own rate of requests replaces the assumed one: 1,140 requests in 14 active hours.
    expect(withFiles.basis.codebase!.requests_per_active_hour).toEqual({
      low: expect.closeTo(1140 / 14 / 1.5, 9),
      high: expect.closeTo((1140 / 14) * 1.5, 9),
    });
  });

  test("caps: when each stops the spending, at the expected pace and at the P90", () => {
    const steady = work({ zone: "UTC", from: "2026-11-02", days: 4, hours: [8, 16] });
    const f = forecast({
      now,
      zone: "UTC",
      events: steady,
      resetsAt: now + 4 * HOUR,
      caps: [
        { name: "session", limitNanoUsd: 5e9, spentNanoUsd: 3.2e9 },
        { name: "month", limitNanoUsd: 500e9, spentNanoUsd: 0, period: "month" },
      ],
    });
    const [session, month] = f.until_reset.caps;
    // $1.80 left at $1.80 an hour.
    expect(session).toMatchObject({ name: "session", limit_usd: 5, spent_usd: 3.2, remaining_usd: 1.8 });
    expect(session!.reached_at).toBe("2026-11-05T17:00:00.000Z");
    expect(Date.parse(session!.reached_at_p90!)).toBeLessThanOrEqual(Date.parse(session!.reached_at!));
    expect(month!.reached_at).toBeNull();
  });

  test("the next request: priced for the model in use, from the conversation's context", () => {
    const conversation = { model: SONNET, usage: { ...USAGE, cache_read_input_tokens: 150_000 } };
    const f = forecast({ now, zone: "UTC", conversation, model: "claude-opus-4-5" });
    expect(f.next_request).toMatchObject({ model: "claude-opus-4-5", context_tokens: 150_000 });
    // No history: the default turn (3,000 new tokens, 600 out) on top of the 150k written again.
    expect(f.next_request!.first_usd).toBeCloseTo(0.97125, 9);
    const own = forecast({ now, zone: "UTC", conversation });
    expect(own.next_request!.model).toBe(SONNET);
    expect(forecast({ now, zone: "UTC" }).next_request).toBeNull();
  });

  test("without a reset: every until-reset figure null, the object still there", () => {
    const f = forecast({ now, zone: "UTC", events });
    expect(f.until_reset).toEqual({
      resets_at: null,
      hours: null,
      assumption: null,
      active_hours: null,
      usd: null,
      usd_p90: null,
      caps: [],
    });
    expect(JSON.parse(JSON.stringify(f))).toEqual(f);
  });
});

describe("in this process's zone (`zone` undefined: offsets from Date, no ICU)", () => {
  test.each([
    ["Paris, its DST end in the history", PARIS, "2026-10-19", "2026-11-04T11:00"],
    ["New York, its DST end in the history", "America/New_York", "2026-10-26", "2026-11-11T11:00"],
    [
      "Lord Howe, its half-hour DST start in the history",
      "Australia/Lord_Howe",
      "2026-09-28",
      "2026-10-14T11:00",
    ],
  ])("%s: the same report as with the zone named", (_name, zone, from, nowText) => {
    const saved = process.env.TZ;
    try {
      process.env.TZ = zone;
      const now = at(zone, nowText);
      const events = work({ zone, from, days: 14, hours: [9, 17], weekdaysOnly: true });
      const question = { now, events, resetsAt: now + 30 * HOUR };
      const named = forecast({ ...question, zone });
      expect(named.basis.kind).toBe("history");
      expect(forecast({ ...question, zone: undefined, zoneName: zone })).toEqual(named);
    } finally {
      process.env.TZ = saved;
    }
  });
});

import { describe, expect, test } from "vitest";
import { usage } from "../../test/support/pricing.js";
import { createPricing, knownCostNanoUsd } from "../pricing/pricing.js";
import type { RequestEvent } from "./events.js";
import { buildForecast } from "./forecast.js";
import type { Forecast } from "./output.js";
import { basisNote, basisText, capStopText, NO_BASIS, untilResetText } from "./words.js";

const pricing = createPricing();
const MODEL = "claude-sonnet-4-5-20250929";
const USAGE = usage({ cache_read_input_tokens: 100_000 });
const now = Date.UTC(2030, 0, 7, 12);
/** `count` requests, a minute apart, ending an hour ago. */
const requests = (count: number): RequestEvent[] =>
  Array.from({ length: count }, (_, i) => ({
    at: now - 3_600_000 - i * 60_000,
    model: MODEL,
    costNanoUsd: knownCostNanoUsd(pricing, MODEL, USAGE),
    usage: USAGE,
    project: "/home/me/app",
    sessionId: "s",
  }));
const forecastOf = (events: RequestEvent[]) => buildForecast({ now, zone: "UTC", events, pricing });

describe("basisText", () => {
  test.each([
    ["no request at all", 0, [], "no history yet to forecast from"],
    [
      "three requests in three minutes: some history, too little for a pace",
      3,
      [],
      "too little history yet to forecast from (less than a quarter of an hour of work)",
    ],
    [
      "nothing readable: not known, whatever else there is",
      3,
      ["could not open the usage ledger /x/usage.db: not writable"],
      "not known: the history it is made from could not be read",
    ],
  ])("%s", (_name, count, unreadable, text) => {
    const forecast = forecastOf(requests(count));
    expect(forecast.basis.kind).toBe("none");
    expect(basisText({ ...forecast, unreadable })).toBe(text);
  });

  test("enough work for a pace: where it comes from", () => {
    expect(basisText(forecastOf(requests(60)))).toMatch(/^from your last [\d.]+ active hours/);
  });
});

describe("basisNote: the limit prompt's sentence on where the figures come from", () => {
  // Every reason there is no forecast reads as a sentence of its own, not "Forecast too little …".
  test.each([
    [0, [], "no_history", "No forecast: no history yet"],
    [3, [], "too_little", "No forecast: too little history yet — less than a quarter of an hour of work"],
    [
      3,
      ["could not open the usage ledger"],
      "unreadable",
      "No forecast: the history it is made from could not be read",
    ],
  ] as const)("%i requests, unreadable %j: %s", (count, unreadable, reason, note) => {
    const forecast = { ...forecastOf(requests(count)), unreadable };
    expect(basisNote(forecast)).toBe(note);
    expect(basisText(forecast)).toBe(NO_BASIS[reason].line);
  });

  test("every reason has a line and a sentence", () => {
    for (const { line, note } of Object.values(NO_BASIS)) {
      expect(line).toMatch(/^[a-z]/);
      expect(note).toMatch(/^No forecast: [a-z]/);
      expect(note).not.toMatch(/[.(]/);
    }
  });

  test("with a basis: Forecast from …, and the codebase estimate after a colon", () => {
    const forecast = forecastOf(requests(60));
    expect(basisNote(forecast)).toMatch(/^Forecast from your last [\d.]+ active hours/);
    const codebase: Forecast = {
      ...forecast,
      basis: { ...forecast.basis, kind: "codebase", codebase: { files: 3 } as never },
    };
    expect(basisNote(codebase)).toBe(
      "Forecast: an estimate from the codebase (3 tracked files), not from history",
    );
  });
});

describe("times of the forecast carry the date when not on the forecast's day", () => {
  const base = forecastOf(requests(60));
  const at = (generatedAt: string, resetsAt: string, reachedAt: string, timezone: string): Forecast => ({
    ...base,
    generated_at: generatedAt,
    timezone,
    until_reset: {
      ...base.until_reset,
      resets_at: resetsAt,
      usd: 3,
      usd_p90: null,
      assumption: "daily_rhythm",
      caps: [
        {
          name: "cost_limit_per_session",
          limit_usd: 1,
          spent_usd: 0,
          remaining_usd: 1,
          reached_at: reachedAt,
          reached_at_p90: null,
        },
      ],
    },
  });
  test.each([
    [
      "the same day",
      at(
        "2030-01-07T10:00:00.000+00:00",
        "2030-01-07T15:00:00.000+00:00",
        "2030-01-07T14:45:00.000+00:00",
        "UTC",
      ),
      "at 15:00",
      "at about 14:45",
    ],
    [
      "a reset days away, the cap stopping it tomorrow",
      at(
        "2030-01-07T23:00:00.000+00:00",
        "2030-01-10T02:07:00.000+00:00",
        "2030-01-08T01:58:00.000+00:00",
        "UTC",
      ),
      "on Jan 10 at 02:07",
      "on Jan 8 at about 01:58",
    ],
    [
      "the forecast's zone decides the day: 23:30 in UTC is tomorrow 00:30 in Paris",
      at(
        "2030-01-07T20:00:00.000+01:00",
        "2030-01-08T00:30:00.000+01:00",
        "2030-01-07T23:50:00.000+01:00",
        "Europe/Paris",
      ),
      "on Jan 8 at 00:30",
      "at about 23:50",
    ],
  ])("%s", (_name, forecast, reset, stop) => {
    const label = () => "per-session";
    expect(untilResetText(forecast)).toBe(`about $3.00 working your usual hours until the reset ${reset}`);
    expect(capStopText(forecast, label)).toBe(`the per-session cap of $1.00 stops it ${stop}`);
  });
});

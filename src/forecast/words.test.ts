import { describe, expect, test } from "vitest";
import { usage } from "../../test/support/pricing.js";
import { createPricing, knownCostNanoUsd } from "../pricing/pricing.js";
import type { RequestEvent } from "./events.js";
import { buildForecast } from "./forecast.js";
import { basisText } from "./words.js";

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

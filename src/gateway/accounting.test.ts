import { describe, expect, test } from "vitest";
import { createPricing } from "../pricing/pricing.js";
import { meteredRow, unbilledRow } from "./accounting.js";
import type { MeterReading } from "./meter.js";

const pricing = createPricing();
const base = { at: 1_000, claudeSessionId: "s", requestedModel: "claude-sonnet-4-5" };
const usage = { input_tokens: 1000, output_tokens: 500, cache_read_input_tokens: 10_000 };
const reading = (patch: Partial<MeterReading> = {}): MeterReading => ({
  model: "claude-sonnet-4-5",
  messageId: "m",
  usage,
  complete: true,
  errorType: null,
  ...patch,
});
const end = (patch: Partial<Parameters<typeof meteredRow>[1]> = {}) => ({
  reading: reading(),
  httpStatus: 200,
  requestId: "req_1",
  cancelled: false,
  streamFailed: false,
  ...patch,
});

describe("the ledger row of a request", () => {
  test("a refused or failed request costs nothing and says how it ended", () => {
    expect(
      unbilledRow(base, { outcome: "refused_cap", httpStatus: 402, errorType: "billing_error" }, 1_250),
    ).toEqual({
      ...base,
      httpStatus: 402,
      outcome: "refused_cap",
      errorType: "billing_error",
      requestId: null,
      durationMs: 250,
      costNanoUsd: 0,
    });
    expect(unbilledRow(base, { outcome: "aborted" }, 1_000)).toMatchObject({
      outcome: "aborted",
      httpStatus: null,
    });
  });

  test("an answered request: tokens and the cost of the model the response names", () => {
    const { row, unpricedModel } = meteredRow(base, end(), pricing, 3_000);
    expect(unpricedModel).toBeNull();
    expect(row).toMatchObject({
      model: "claude-sonnet-4-5",
      outcome: "ok",
      inputTokens: 1000,
      outputTokens: 500,
      cacheReadTokens: 10_000,
      requestId: "req_1",
      durationMs: 2_000,
      // $3/M input, $15/M output, $0.30/M cache reads: $0.003 + $0.0075 + $0.003.
      costNanoUsd: 13_500_000,
    });
  });

  test.each<[string, Partial<ReturnType<typeof end>>, string]>([
    ["the client went away", { cancelled: true }, "aborted"],
    ["the upstream's stream broke off", { streamFailed: true }, "upstream_error"],
    ["an error status", { httpStatus: 529 }, "error"],
    ["an error event in a 200 stream", { reading: reading({ errorType: "overloaded_error" }) }, "error"],
    ["a 200 without message_stop", { reading: reading({ complete: false }) }, "upstream_error"],
  ])("%s → %s (what was used is still billed)", (_name, patch, outcome) => {
    const { row } = meteredRow(base, end(patch), pricing, 2_000);
    expect(row.outcome).toBe(outcome);
    expect(row.costNanoUsd).toBe(13_500_000);
  });

  test("an unknown model is an unknown cost, never $0; tokens with no model named too", () => {
    const unpriced = meteredRow(
      base,
      end({ reading: reading({ model: "claude-imaginary-9" }) }),
      pricing,
      2_000,
    );
    expect(unpriced.row.costNanoUsd).toBeNull();
    expect(unpriced.unpricedModel).toBe("claude-imaginary-9");
    const nameless = meteredRow(
      { ...base, requestedModel: null },
      end({ reading: reading({ model: null }) }),
      pricing,
      2_000,
    );
    expect(nameless.row.costNanoUsd).toBeNull();
    const noUsage = meteredRow(base, end({ reading: reading({ usage: null }) }), pricing, 2_000);
    expect(noUsage.row.costNanoUsd).toBe(0);
  });
});

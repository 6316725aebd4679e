import { describe, expect, test } from "vitest";
import { NO_CAPS } from "../../test/support/caps.js";
import type { CapStatus } from "../usage/caps.js";
import type { Spend } from "../usage/spend.js";
import { apiBillingSummary, segmentFor } from "./wording.js";

const RUN = "3f2b8c1e-7d4a-4e9b-a1c2-5d6e7f8a9b0c";
const spend = (nanoUsd: number, requests: number, unknownCostRequests: number): Spend => ({
  nanoUsd,
  requests,
  unknownCostRequests,
});

describe("apiBillingSummary: what the run cost, as `usage` shows it", () => {
  test.each([
    [spend(420_000_000, 3, 0), "$0.42 (details: claude-fallback usage run RUN)"],
    [spend(0, 0, 0), "$0.00 (details: claude-fallback usage run RUN)"],
    // A half cent reads as it does in `usage`, not $0.004 or $0.00.
    [spend(4_000_000, 1, 0), "<$0.01 (details: claude-fallback usage run RUN)"],
    // The run's only request was to a model without a price: not known, never $0.00 (SPEC §7).
    [
      spend(0, 1, 1),
      "? (? = cost unknown for 1 request (model not in the price table); details: claude-fallback usage run RUN)",
    ],
    [
      spend(50_000_000, 3, 2),
      "$0.05+? (? = cost unknown for 2 requests (model not in the price table); details: claude-fallback usage run RUN)",
    ],
  ])("%j", (spent, text) => {
    expect(apiBillingSummary(spent, RUN, null)).toBe(
      `claude-fallback: this run's API billing: ${text.replace("RUN", RUN)}`,
    );
  });

  test("with the way to continue", () => {
    expect(apiBillingSummary(spend(10_000_000, 1, 0), RUN, "abc", "cf")).toBe(
      `claude-fallback: this run's API billing: $0.01 (details: claude-fallback usage run ${RUN}); continue the conversation with: cf resume abc`,
    );
  });

  // log_usage false: `usage run` has no rows to show, so the line does not send the user there.
  test.each([
    [
      spend(420_000_000, 3, 0),
      "$0.42 (no details: API requests are not kept in the usage ledger while log_usage is false)",
    ],
    [
      spend(0, 1, 1),
      "? (? = cost unknown for 1 request (model not in the price table); no details: API requests are not kept in the usage ledger while log_usage is false)",
    ],
  ])("log_usage false: %j", (spent, text) => {
    const line = apiBillingSummary(spent, RUN, null, "claude-fallback", false);
    expect(line).toBe(`claude-fallback: this run's API billing: ${text}`);
    expect(line).not.toContain("usage run");
  });
});

describe("segmentFor: the status line on API billing", () => {
  const USD = 1_000_000_000;
  const context = (reachedCap: CapStatus | null) => ({
    mode: "api" as const,
    limit: null,
    runSpendNano: 0.06 * USD,
    caps: { ...NO_CAPS, cost_limit_per_session: 10, cost_limit_per_day: 0.05 },
    windows: [],
    reachedCap,
    env: { LANG: "C.UTF-8", TZ: "UTC" },
    now: Date.UTC(2030, 0, 1, 10),
  });
  const day: CapStatus = {
    cap: "day",
    configKey: "cost_limit_per_day",
    limitNanoUsd: 0.05 * USD,
    spentNanoUsd: 0.06 * USD,
  };

  test("below every cap: the run's spend of the session cap", () => {
    expect(segmentFor(context(null))).toBe("API $0.06/$10");
  });

  test("a daily cap reached refuses every request: it says so, not $0.06 of $10", () => {
    expect(segmentFor(context(day))).toBe("API daily cap $0.06/$0.05");
  });

  test("the until-reset cap names itself as well", () => {
    const untilReset: CapStatus = { ...day, cap: "until_reset", configKey: "cost_limit_until_reset" };
    expect(segmentFor(context(untilReset))).toBe("API until-reset cap $0.06/$0.05");
  });
});

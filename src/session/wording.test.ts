import { describe, expect, test } from "vitest";
import type { Spend } from "../usage/spend.js";
import { apiBillingSummary } from "./wording.js";

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

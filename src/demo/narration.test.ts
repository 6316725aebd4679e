import { describe, expect, test } from "vitest";
import {
  costText,
  DEMO_STEPS,
  type DemoFacts,
  doneLine,
  stepLine,
  storyHolds,
  summaryLines,
} from "./narration.js";

const SESSION = "5a6f9907-3a74-4d57-9073-6644c137973c";
const facts: DemoFacts = {
  sessionIds: { subscription: SESSION, api: SESSION, afterRevert: SESSION },
  requests: { subscription: 3, limited: 1, api: 1 },
  costNanoUsd: 28_994_000,
  unknownCostRequests: 0,
  lastPrompt: { billing: "subscription", status: 200 },
  elapsedMs: 29_140,
};

describe("narration", () => {
  test("steps are numbered n/5", () => {
    expect(DEMO_STEPS).toHaveLength(5);
    expect(stepLine(0)).toBe("▶ 1/5 Claude Code starts under claude-fallback, on the subscription…");
    expect(stepLine(4, "(8 s)")).toMatch(/^▶ 5\/5 the limit resets: .* \(8 s\)…$/);
    expect(doneLine("ok")).toBe("  ✓ ok");
  });

  test("cost to the cent and exactly", () => {
    expect(costText(28_994_000)).toBe("$0.03 (exactly $0.028994, 28,994,000 nano-dollars)");
    expect(costText(0)).toBe("$0.00 (exactly $0, 0 nano-dollars)");
    expect(costText(1_000, 2)).toBe(
      "<$0.01 (exactly $0.000001, 1,000 nano-dollars) + 2 request(s) of unknown cost",
    );
  });
});

describe("summary", () => {
  test("the whole story", () => {
    expect(storyHolds(facts)).toBe(true);
    expect(summaryLines(facts)).toEqual([
      "Summary: the whole story, offline",
      `  Claude session   ${SESSION} — the same before the switch, on API billing and after the revert`,
      "  Requests         subscription 3 (1 refused at the limit) · api 1",
      "  API cost         $0.03 (exactly $0.028994, 28,994,000 nano-dollars), from the ledger",
      "  After the reset  the last prompt went back to the subscription (HTTP 200)",
      "  Wall time        29.1 s",
    ]);
  });

  test("a different session, no API request or a last prompt on api break the story, and say so", () => {
    const other = { ...facts, sessionIds: { ...facts.sessionIds, api: "other" } };
    expect(storyHolds(other)).toBe(false);
    expect(summaryLines(other)[0]).toBe("Summary: the story did NOT hold");
    expect(summaryLines(other)[1]).toContain("NOT the same");
    expect(storyHolds({ ...facts, requests: { ...facts.requests, api: 0 } })).toBe(false);
    const onApi = { ...facts, lastPrompt: { billing: "api", status: 200 } };
    expect(storyHolds(onApi)).toBe(false);
    expect(summaryLines(onApi)[4]).toContain("the last prompt went to api (HTTP 200)");
  });
});

import { describe, expect, test } from "vitest";
import { NO_KEY_MESSAGE } from "../config/schema.js";
import type { CapStatus } from "../usage/caps.js";
import { decideOnLimit, type LimitDecision, type PolicyInput } from "./policy.js";
import { policyReasonText } from "./wording.js";

interface Case {
  name: string;
  hasKey: boolean;
  auto: boolean;
  prompt: boolean;
  headless: boolean;
  approved: boolean;
  expected: LimitDecision;
}

const input = (c: Omit<Case, "name" | "expected">): PolicyInput => ({
  config: { auto_switch: c.auto, prompt_before_switch: c.prompt },
  hasKey: c.hasKey,
  headless: c.headless,
  approvedThisRun: c.approved,
});

/** The SPEC §4.4/§4.8/§4.9 rule, written independently of the code under test. */
function expectedDecision(c: Omit<Case, "name" | "expected">): LimitDecision {
  if (!c.hasKey) return "notify";
  if (c.auto || c.approved) return "auto";
  if (c.headless) return "notify";
  return c.prompt ? "ask" : "notify";
}

describe("decideOnLimit", () => {
  const cases: Case[] = [
    {
      name: "no key, even with auto_switch",
      hasKey: false,
      auto: true,
      prompt: true,
      headless: false,
      approved: false,
      expected: "notify",
    },
    {
      name: "no key, even after a yes",
      hasKey: false,
      auto: false,
      prompt: true,
      headless: false,
      approved: true,
      expected: "notify",
    },
    {
      name: "auto_switch",
      hasKey: true,
      auto: true,
      prompt: true,
      headless: false,
      approved: false,
      expected: "auto",
    },
    {
      name: "auto_switch without prompting",
      hasKey: true,
      auto: true,
      prompt: false,
      headless: false,
      approved: false,
      expected: "auto",
    },
    {
      name: "auto_switch headless",
      hasKey: true,
      auto: true,
      prompt: true,
      headless: true,
      approved: false,
      expected: "auto",
    },
    {
      name: "yes for this run",
      hasKey: true,
      auto: false,
      prompt: true,
      headless: false,
      approved: true,
      expected: "auto",
    },
    {
      name: "earlier yes, prompting off",
      hasKey: true,
      auto: false,
      prompt: false,
      headless: false,
      approved: true,
      expected: "auto",
    },
    {
      name: "headless cannot ask",
      hasKey: true,
      auto: false,
      prompt: true,
      headless: true,
      approved: false,
      expected: "notify",
    },
    {
      name: "prompt_before_switch",
      hasKey: true,
      auto: false,
      prompt: true,
      headless: false,
      approved: false,
      expected: "ask",
    },
    {
      name: "neither auto nor prompt",
      hasKey: true,
      auto: false,
      prompt: false,
      headless: false,
      approved: false,
      expected: "notify",
    },
  ];
  test.each(cases)("$name → $expected", ({ name: _name, expected, ...c }) => {
    const outcome = decideOnLimit(input(c));
    expect(outcome.decision).toBe(expected);
    expect(policyReasonText(outcome).length).toBeGreaterThan(10);
  });

  test("every one of the 32 combinations follows the rule", () => {
    const bools = [false, true];
    let checked = 0;
    for (const hasKey of bools)
      for (const auto of bools)
        for (const prompt of bools)
          for (const headless of bools)
            for (const approved of bools) {
              const c = { hasKey, auto, prompt, headless, approved };
              expect(decideOnLimit(input(c)).decision, JSON.stringify(c)).toBe(expectedDecision(c));
              checked++;
            }
    expect(checked).toBe(32);
  });

  test("without a key, the reason says how to add one (SPEC §4.9)", () => {
    const outcome = decideOnLimit(
      input({ hasKey: false, auto: false, prompt: true, headless: false, approved: false }),
    );
    expect(outcome.code).toBe("no_key");
    expect(policyReasonText(outcome)).toBe(NO_KEY_MESSAGE);
    expect(policyReasonText(outcome)).toContain("CLAUDE_FALLBACK_API_KEY");
    expect(policyReasonText(outcome)).toContain("config init");
  });

  test("a switch API billing would refuse at once is not made, in any mode, and the reason says why", () => {
    const cap: CapStatus = {
      cap: "day",
      configKey: "cost_limit_per_day",
      limitNanoUsd: 5e9,
      spentNanoUsd: 5.01e9,
    };
    for (const headless of [false, true]) {
      for (const approved of [false, true]) {
        const outcome = decideOnLimit({
          ...input({ hasKey: true, auto: true, prompt: true, headless, approved }),
          reachedCap: cap,
        });
        expect(outcome).toEqual({ decision: "notify", code: "cap_reached", cap });
        expect(policyReasonText(outcome)).toBe(
          "the daily API spending cap of $5.00 is reached ($5.01 spent today); raise cost_limit_per_day to continue on API billing",
        );
      }
    }
    // Without a key, adding one comes first.
    expect(
      decideOnLimit({
        ...input({ hasKey: false, auto: true, prompt: true, headless: true, approved: false }),
        reachedCap: cap,
      }).code,
    ).toBe("no_key");
  });

  test("the reasons tell the cases apart", () => {
    const reasons = new Set(
      [
        { hasKey: false, auto: false, prompt: true, headless: false, approved: false },
        { hasKey: true, auto: true, prompt: true, headless: false, approved: false },
        { hasKey: true, auto: false, prompt: true, headless: false, approved: true },
        { hasKey: true, auto: false, prompt: true, headless: true, approved: false },
        { hasKey: true, auto: false, prompt: true, headless: false, approved: false },
        { hasKey: true, auto: false, prompt: false, headless: false, approved: false },
      ].map((c) => policyReasonText(decideOnLimit(input(c)))),
    );
    expect(reasons.size).toBe(6);
  });
});

describe("a headless run whose output already went out does not switch", () => {
  test.each([
    [{ auto: true, approved: false }, "output_passed"],
    [{ auto: false, approved: true }, "output_passed"],
    [{ auto: false, approved: false }, "auto_switch_off"],
  ])("%j → %s", (c, code) => {
    const outcome = decideOnLimit({
      ...input({ hasKey: true, prompt: true, headless: true, ...c }),
      switchable: false,
    });
    expect(outcome).toEqual({ decision: "notify", code });
  });
});

import { describe, expect, test } from "vitest";
import type { Forecast } from "../forecast/output.js";
import type { CapStatus } from "../usage/caps.js";
import { actionFor, type MenuView, type Overlay, pageFor } from "./menu.js";
import type { PromptContext } from "./wording.js";

const caps = {
  cost_limit_per_session: 10,
  cost_limit_per_day: 20,
  cost_limit_per_month: null,
  cost_limit_until_reset: null,
};
const spend = {
  run: { nanoUsd: 1_240_000_000, requests: 3, unknownCostRequests: 0 },
  day: { nanoUsd: 4_500_000_000, requests: 9, unknownCostRequests: 0 },
  month: { nanoUsd: 12_000_000_000, requests: 30, unknownCostRequests: 0 },
  untilReset: null,
};
const reached: CapStatus = {
  cap: "session",
  configKey: "cost_limit_per_session",
  limitNanoUsd: 10e9,
  spentNanoUsd: 10.02e9,
};
const view = (patch: Partial<MenuView> = {}): MenuView => ({
  mode: "subscription",
  heading: "subscription",
  pendingTo: null,
  reachedCap: null,
  raiseTo: null,
  caps,
  spend,
  windows: [{ name: "five_hour", usedPercentage: 63.4, resetsAt: null }],
  ...patch,
});
const main: Overlay = { kind: "menu", page: "main" };
const usage: Overlay = { kind: "menu", page: "usage" };
const prompt: Overlay = {
  kind: "prompt",
  prompt: {
    limit: {
      window: "five_hour",
      resetsAt: Date.UTC(2026, 0, 1, 15),
      resetAssumed: false,
      source: "stop_failure",
    },
    caps,
    autoRevert: true,
    timeoutSeconds: 120,
    now: Date.UTC(2026, 0, 1, 12),
    zone: "UTC",
  },
  armed: true,
};
const keys = (overlay: Overlay, v = view()) => pageFor(overlay, v).keys.map((hint) => hint.key);

describe("menu pages from the run's state", () => {
  test.each<[string, Overlay, MenuView, string[]]>([
    ["main, on the subscription", main, view(), ["a", "u", "c"]],
    ["main, on API billing", main, view({ mode: "api", heading: "api" }), ["s", "u", "c"]],
    [
      "main, a switch to API billing waiting",
      main,
      view({ heading: "api", pendingTo: "api" }),
      ["s", "u", "c"],
    ],
    [
      "main, a cap reached that can be raised",
      main,
      view({ mode: "api", heading: "api", reachedCap: reached, raiseTo: 20 }),
      ["r", "s", "u", "c"],
    ],
    // A switch to API billing while a cap refuses every request would end Claude's own wait for
    // the reset for nothing: the way on is the raise, where there is one.
    [
      "main on the subscription, a $0 cap reached (never raised): no switch to API offered",
      main,
      view({ reachedCap: reached, raiseTo: null }),
      ["u", "c"],
    ],
    [
      "main on the subscription, a cap reached that can be raised: the raise, no switch",
      main,
      view({ reachedCap: reached, raiseTo: 20 }),
      ["r", "u", "c"],
    ],
    ["usage", usage, view(), ["c"]],
    ["the limit prompt", prompt, view(), ["y", "n", "a"]],
  ])("%s offers %j", (_name, overlay, v, expected) => {
    expect(keys(overlay, v)).toEqual(expected);
  });

  test("the main page says where Claude runs, what waits and what is refused", () => {
    expect(
      pageFor(
        main,
        view({ mode: "api", heading: "subscription", pendingTo: "subscription", reachedCap: reached }),
      ).lines,
    ).toEqual([
      "Claude is running on API billing (your key).",
      "A switch to subscription waits for Claude's turn to end.",
      "API requests are refused: the per-session API spending cap of $10.00 is reached ($10.02 spent this run).",
    ]);
  });

  test("the usage page: spend against caps, and the subscription's windows", () => {
    expect(pageFor(usage, view()).lines).toEqual([
      "Billing now: subscription",
      "API spend this run: $1.24 of $10.00",
      "API spend today: $4.50 of $20.00",
      "API spend this month: $12.00",
      "Subscription: 5-hour: 63% used",
    ]);
  });

  test("an unreadable ledger shows the spend as unknown, never $0.00", () => {
    const lines = pageFor(usage, view({ spend: null })).lines;
    expect(lines[2]).toBe("API spend today: unknown (the usage ledger cannot be read) of $20.00");
    expect(lines.join("\n")).not.toContain("$0.00");
  });

  test("the prompt says which limit, when it resets, the caps and the timeout", () => {
    expect(pageFor(prompt, view()).lines).toEqual([
      "Your 5-hour subscription limit is reached; it resets at 15:00.",
      "Free: wait — Claude goes on by itself when the limit resets ([n]).",
      "Paid: continue this conversation now on your own API key, pay per token ([y])?",
      "API spend is capped at $10.00 per session, $20.00 per day.",
      "Claude goes back to your subscription when the limit resets.",
      "No answer in 120 s counts as no.",
    ]);
  });
});

describe("what a key does", () => {
  test.each<[Overlay, MenuView, string, ReturnType<typeof actionFor>]>([
    [prompt, view(), "y", { type: "answer", answer: "yes" }],
    [prompt, view(), "a", { type: "answer", answer: "always" }],
    [prompt, view(), "n", { type: "answer", answer: "no" }],
    [prompt, view(), "escape", { type: "answer", answer: "no" }],
    [prompt, view(), "u", { type: "none" }],
    [main, view(), "a", { type: "switch", to: "api" }],
    [main, view(), "s", { type: "none" }],
    [main, view({ mode: "api", heading: "api" }), "s", { type: "switch", to: "subscription" }],
    [main, view({ mode: "api", heading: "api" }), "a", { type: "none" }],
    [main, view(), "u", { type: "show", page: "usage" }],
    [main, view(), "r", { type: "none" }],
    [main, view({ reachedCap: reached, raiseTo: 20 }), "r", { type: "raise" }],
    [main, view(), "q", { type: "close" }],
    [main, view(), "escape", { type: "close" }],
    [usage, view(), "c", { type: "close" }],
    // The usage page shows only "close": a used to switch from there.
    [usage, view(), "a", { type: "none" }],
  ])("%j %# key %s", (overlay, v, key, action) => {
    expect(actionFor(overlay, pageFor(overlay, v), key)).toEqual(action);
  });
});

const forecast: Forecast = {
  generated_at: "2026-01-01T12:00:00.000+00:00",
  timezone: "UTC",
  model: "claude-opus-4-5",
  model_unpriced: null,
  project: "/p",
  basis: {
    kind: "history",
    scope: "project",
    active_hours: 36.5,
    since: "2025-12-05T09:12:00.000+00:00",
    requests: 4120,
    unpriced_requests: 0,
    history_days: 28,
    half_life_active_hours: 3,
    rhythm_days: 27,
    rhythm_splits_weekends: true,
    codebase: null,
  },
  pace: { usd_per_hour: 6.1, usd_per_hour_p50: 5.4, usd_per_hour_p90: 10.9, spread_samples: 34 },
  until_reset: {
    resets_at: "2026-01-01T15:00:00.000+00:00",
    hours: 3,
    assumption: "continuous",
    active_hours: 3,
    usd: 18.3,
    usd_p90: 29.8,
    caps: [
      {
        name: "session",
        limit_usd: 10,
        spent_usd: 0,
        remaining_usd: 10,
        reached_at: "2026-01-01T13:38:00.000+00:00",
        reached_at_p90: "2026-01-01T12:55:00.000+00:00",
      },
    ],
  },
  next_request: {
    model: "claude-opus-4-5",
    context_tokens: 150_000,
    new_tokens: 3000,
    output_tokens: 600,
    first_usd: 0.97,
    cached_usd: 0.11,
  },
  projects: [],
};

describe("the prompt before it is armed", () => {
  const unarmed: Overlay = { ...(prompt as Extract<Overlay, { kind: "prompt" }>), armed: false };
  test("shows no answer keys, and says what becomes of keys typed meanwhile", () => {
    expect(pageFor(unarmed, view()).keys).toEqual([
      { key: "", label: "(the keys to answer come in a moment; what you type until then goes to Claude)" },
    ]);
  });
  test.each(["y", "a", "n", "m", "x"])("%s is held for Claude, never an answer", (key) => {
    expect(actionFor(unarmed, pageFor(unarmed, view()), key)).toEqual({ type: "hold" });
  });
  test("Escape (and Ctrl-C, read as Escape) is no at once: declining costs nothing", () => {
    expect(actionFor(unarmed, pageFor(unarmed, view()), "escape")).toEqual({ type: "answer", answer: "no" });
  });
});

describe("the prompt with what paying costs, the free options first", () => {
  test("a shared window: waiting is free, then the first request, the pace, until the reset and the cap that stops it", () => {
    const withForecast: Overlay = {
      kind: "prompt",
      prompt: { ...(prompt as { prompt: PromptContext }).prompt, forecast },
      armed: true,
    };
    expect(pageFor(withForecast, view()).lines).toEqual([
      "Your 5-hour subscription limit is reached; it resets at 15:00.",
      "Free: wait — Claude goes on by itself when the limit resets ([n]).",
      "Paid: continue this conversation now on your own API key, pay per token ([y])?",
      "The first request re-sends this conversation (150k tokens) to the API's cache: about $0.97; later ones about $0.11; at your recent pace, $6.10 an hour of work (up to $10.90).",
      "That is about $18.30 (up to $29.80) if you keep working until the reset at 15:00; the per-session cap of $10.00 stops it at about 13:38.",
      "(Forecast from this project's last 36.5 active hours since 2025-12-05.)",
      "API spend is capped at $10.00 per session, $20.00 per day.",
      "Claude goes back to your subscription when the limit resets.",
      "No answer in 120 s counts as no.",
    ]);
  });

  test("a per-model limit offers the other model first, for free, with its key", () => {
    const opus: Overlay = {
      kind: "prompt",
      prompt: {
        ...(prompt as { prompt: PromptContext }).prompt,
        limit: {
          window: "seven_day_opus",
          resetsAt: Date.UTC(2026, 0, 3, 15),
          resetAssumed: false,
          source: "stop_failure",
        },
        freeModel: "sonnet",
      },
      armed: true,
    };
    const page = pageFor(opus, view());
    expect(page.lines.slice(0, 3)).toEqual([
      "Your weekly Opus subscription limit is reached; it resets on Jan 3 at 15:00.",
      "Free: continue now on sonnet with your subscription ([m]).",
      "Free: wait — Claude goes on by itself when the limit resets ([n]).",
    ]);
    expect(page.keys.map((hint) => hint.key)).toEqual(["m", "y", "n", "a"]);
    expect(actionFor(opus, page, "m")).toEqual({ type: "answer", answer: "model" });
    // Without a free model offered, m does nothing.
    expect(actionFor(prompt, pageFor(prompt, view()), "m")).toEqual({ type: "none" });
  });
});

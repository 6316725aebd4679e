import { describe, expect, test } from "vitest";
import type { LimitInfo } from "../detect/limit.js";
import { runEventText } from "../notify/run-events.js";
import { initialState, transition } from "./machine.js";
import type { Effect, MachineConfig, SessionEvent, SessionState } from "./machine-types.js";
import { fallbackModelFor, freeModelFor, type ModelLimitConfig } from "./model-limit.js";

const NOW = Date.UTC(2026, 0, 1, 12);
const opus: LimitInfo = {
  window: "seven_day_opus",
  resetsAt: Date.UTC(2026, 0, 3, 15),
  resetAssumed: false,
  source: "stop_failure",
};
const sonnet: LimitInfo = { ...opus, window: "seven_day_sonnet" };
const fiveHour: LimitInfo = { ...opus, window: "five_hour", resetsAt: NOW + 3 * 3_600_000 };

function config(
  onModelLimit: ModelLimitConfig["onModelLimit"],
  options: { headless?: boolean; autoSwitch?: boolean; fallbackModel?: string | null } = {},
): MachineConfig {
  return {
    policy: {
      config: { auto_switch: options.autoSwitch ?? false, prompt_before_switch: true },
      hasKey: true,
      headless: options.headless ?? false,
    },
    autoRevert: true,
    modelLimit: { onModelLimit, fallbackModel: options.fallbackModel ?? null },
  };
}

function run(cfg: MachineConfig, events: SessionEvent[], start: SessionState = initialState("subscription")) {
  let state = start;
  let effects: Effect[] = [];
  const all: Effect[] = [];
  for (const event of events) {
    ({ state, effects } = transition(state, event, cfg));
    all.push(...effects);
  }
  return { state, effects, all };
}

const limitOf = (limit: LimitInfo): SessionEvent => ({ type: "limit", limit });
const switchOf = (effects: Effect[]) => effects.find((effect) => effect.type === "switch");

describe("which model a per-model limit continues on", () => {
  test.each([
    ["an Opus limit", opus, null, "sonnet"],
    ["a Sonnet limit", sonnet, null, "opus"],
    ["fallback_model set", opus, "claude-haiku-4-5", "claude-haiku-4-5"],
    ["a shared window", fiveHour, null, null],
  ] as const)("%s → %s", (_name, limit, fallbackModel, expected) => {
    expect(
      freeModelFor(
        limit,
        { onModelLimit: "other_model", fallbackModel },
        { mode: "subscription", model: null },
      ),
    ).toBe(expected);
  });

  test("none with on_model_limit api, on API billing, or already on the free model", () => {
    const cfg = { onModelLimit: "other_model" as const, fallbackModel: null };
    expect(
      freeModelFor(opus, { ...cfg, onModelLimit: "api" }, { mode: "subscription", model: null }),
    ).toBeNull();
    expect(freeModelFor(opus, cfg, { mode: "api", model: null })).toBeNull();
    expect(freeModelFor(opus, cfg, { mode: "subscription", model: "sonnet" })).toBeNull();
    expect(fallbackModelFor("sonnet", null)).toBe("opus");
  });
});

describe("the free option first", () => {
  test("other_model: the same conversation goes on with the other model on the subscription, asking nothing", () => {
    const { state, effects } = run(config("other_model"), [{ type: "busy" }, limitOf(opus)]);
    expect(effects.map((effect) => effect.type)).toEqual(["record", "schedule_model_reset", "switch"]);
    expect(switchOf(effects)).toEqual({
      type: "switch",
      to: "subscription",
      reason: "model_limit",
      resume: true,
      model: "sonnet",
    });
    expect(effects[1]).toEqual({ type: "schedule_model_reset", at: opus.resetsAt });
    expect(state).toMatchObject({ phase: "switching", modelLimit: opus, limit: null });

    const after = run(config("other_model"), [
      { type: "busy" },
      limitOf(opus),
      { type: "switched", to: "subscription" },
    ]);
    expect(after.state).toMatchObject({ mode: "subscription", model: "sonnet", phase: "running" });
    const notice = after.effects.find((effect) => effect.type === "notify");
    expect(notice).toEqual({
      type: "notify",
      notice: { kind: "model_switched", model: "sonnet", limit: opus },
    });
    if (notice?.type !== "notify") throw new Error("no notice");
    expect(
      runEventText(notice.notice, {
        now: NOW,
        caps: {
          cost_limit_per_session: null,
          cost_limit_per_day: null,
          cost_limit_per_month: null,
          cost_limit_until_reset: null,
        },
        zone: "UTC",
      }),
    ).toBe(
      "Your weekly Opus limit is reached; continuing this conversation on sonnet with your subscription (free) until it resets on Jan 3 at 15:00.",
    );
  });

  test("at that window's reset, once Claude is idle and keys are still, the user's own model comes back", () => {
    const cfg = config("other_model");
    const onFree = [
      { type: "busy" },
      limitOf(opus),
      { type: "switched", to: "subscription" },
      { type: "idle" },
    ] as SessionEvent[];
    const due = run(cfg, [...onFree, { type: "model_reset_due" }]);
    expect(switchOf(due.effects)).toEqual({
      type: "switch",
      to: "subscription",
      reason: "revert",
      resume: false,
      model: null,
    });
    const back = run(cfg, [...onFree, { type: "model_reset_due" }, { type: "switched", to: "subscription" }]);
    expect(back.state).toMatchObject({ model: null, modelLimit: null, mode: "subscription" });
    expect(back.effects).toContainEqual({ type: "notify", notice: { kind: "model_restored" } });
    // Busy at the reset: it waits for the turn to end.
    const busy = run(cfg, [...onFree, { type: "busy" }, { type: "model_reset_due" }]);
    expect(switchOf(busy.effects)).toBeUndefined();
    expect(
      switchOf(
        run(cfg, [...onFree, { type: "busy" }, { type: "model_reset_due" }, { type: "idle" }]).effects,
      ),
    ).toMatchObject({ model: null });
  });

  test("a shared limit while on the free model goes by the usual policy, keeping the model", () => {
    const cfg = config("other_model");
    const { effects, state } = run(cfg, [
      { type: "busy" },
      limitOf(opus),
      { type: "switched", to: "subscription" },
      { type: "busy" },
      limitOf(fiveHour),
    ]);
    expect(effects.map((effect) => effect.type)).toEqual([
      "record",
      "notify",
      "schedule_reset",
      "record",
      "ask",
    ]);
    expect(state).toMatchObject({ phase: "asking", model: "sonnet", limit: fiveHour, modelLimit: opus });
    const yes = run(cfg, [
      { type: "busy" },
      limitOf(opus),
      { type: "switched", to: "subscription" },
      { type: "busy" },
      limitOf(fiveHour),
      { type: "answer", answer: "yes" },
    ]);
    // The switch to API billing keeps the model in place (`model` absent: the one now).
    expect(switchOf(yes.effects)).toEqual({ type: "switch", to: "api", reason: "limit", resume: true });
  });

  test("ask: the prompt offers the free model first; m takes it, y pays", () => {
    const cfg = config("ask");
    const asked = run(cfg, [{ type: "busy" }, limitOf(opus)]);
    expect(asked.effects.at(-1)).toEqual({ type: "ask", limit: opus, freeModel: "sonnet" });
    const free = run(cfg, [{ type: "busy" }, limitOf(opus), { type: "answer", answer: "model" }]);
    expect(switchOf(free.effects)).toMatchObject({
      to: "subscription",
      reason: "model_limit",
      model: "sonnet",
    });
    expect(free.state.modelLimit).toEqual(opus);
    const paid = run(cfg, [{ type: "busy" }, limitOf(opus), { type: "answer", answer: "yes" }]);
    expect(switchOf(paid.effects)).toMatchObject({ to: "api", reason: "limit" });
  });

  test("api: a per-model limit is a limit like any other", () => {
    const { effects } = run(config("api"), [{ type: "busy" }, limitOf(opus)]);
    expect(effects.at(-1)).toEqual({ type: "ask", limit: opus, freeModel: null });
  });

  test("headless: only under auto_switch, as every switch of a run that cannot ask", () => {
    const without = run(config("other_model", { headless: true }), [limitOf(opus)]);
    expect(switchOf(without.effects)).toBeUndefined();
    expect(without.state.declined).toBe(true);
    const withAuto = run(config("other_model", { headless: true, autoSwitch: true }), [limitOf(opus)]);
    expect(switchOf(withAuto.effects)).toMatchObject({ to: "subscription", model: "sonnet" });
  });

  test("a shared window never has a free way on", () => {
    const { effects } = run(config("other_model"), [{ type: "busy" }, limitOf(fiveHour)]);
    expect(effects.at(-1)).toEqual({ type: "ask", limit: fiveHour, freeModel: null });
  });
});

import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { NO_CAPS } from "../../test/support/caps.js";
import type { BillingMode } from "../billing.js";
import type { LimitInfo } from "../detect/limit.js";
import { runEventText } from "../notify/run-events.js";
import { initialState, transition } from "./machine.js";
import type { Effect, MachineConfig, SessionEvent, SessionState } from "./machine-types.js";

const RESET = Date.UTC(2026, 0, 1, 15, 0, 0);
const limit: LimitInfo = {
  window: "five_hour",
  resetsAt: RESET,
  resetAssumed: false,
  source: "stop_failure",
};
const assumed: LimitInfo = {
  window: null,
  resetsAt: RESET + 3_600_000,
  resetAssumed: true,
  source: "screen",
};
const statusLine: LimitInfo = { ...limit, source: "status_line" };

type Preset = "ask" | "auto" | "notify" | "nokey" | "headless" | "ask-norevert";
function config(preset: Preset): MachineConfig {
  const ask = { auto_switch: false, prompt_before_switch: true };
  const policy = (c: typeof ask, hasKey = true, headless = false) => ({ config: c, hasKey, headless });
  switch (preset) {
    case "ask":
      return { policy: policy(ask), autoRevert: true };
    case "ask-norevert":
      return { policy: policy(ask), autoRevert: false };
    case "auto":
      return { policy: policy({ auto_switch: true, prompt_before_switch: true }), autoRevert: true };
    case "notify":
      return { policy: policy({ auto_switch: false, prompt_before_switch: false }), autoRevert: true };
    case "nokey":
      return { policy: policy({ auto_switch: true, prompt_before_switch: true }, false), autoRevert: true };
    case "headless":
      return { policy: policy(ask, true, true), autoRevert: true };
  }
}

const E = {
  limit: (l: LimitInfo = limit): SessionEvent => ({ type: "limit", limit: l }),
  yes: { type: "answer", answer: "yes" } as SessionEvent,
  no: { type: "answer", answer: "no" } as SessionEvent,
  always: { type: "answer", answer: "always" } as SessionEvent,
  timeout: { type: "prompt_timeout" } as SessionEvent,
  busy: { type: "busy" } as SessionEvent,
  idle: { type: "idle" } as SessionEvent,
  key: { type: "keystroke" } as SessionEvent,
  quiet: { type: "quiet" } as SessionEvent,
  reset: { type: "reset_due" } as SessionEvent,
  menu: (to: BillingMode): SessionEvent => ({ type: "switch_requested", to, reason: "menu" }),
  use: (to: BillingMode): SessionEvent => ({ type: "switch_requested", to, reason: "use" }),
  switched: (to: BillingMode): SessionEvent => ({ type: "switched", to }),
  failed: (to: BillingMode): SessionEvent => ({
    type: "switch_failed",
    to,
    message: "could not start claude",
  }),
  exited: (exitCode = 0): SessionEvent => ({ type: "claude_exited", exitCode }),
};

interface Run {
  state: SessionState;
  /** Effects of the last event. */
  effects: Effect[];
  /** Effects of every event, in order. */
  all: Effect[];
}

function run(
  preset: Preset,
  events: SessionEvent[],
  start: SessionState = initialState("subscription"),
): Run {
  const cfg = config(preset);
  let state = start;
  let effects: Effect[] = [];
  const all: Effect[] = [];
  for (const event of events) {
    ({ state, effects } = transition(state, event, cfg));
    all.push(...effects);
  }
  return { state, effects, all };
}

const types = (effects: Effect[]) => effects.map((effect) => effect.type);
const switches = (effects: Effect[]) => effects.filter((effect) => effect.type === "switch");

// Setups reused below.
const ON_API_AFTER_LIMIT = [E.limit(), E.switched("api"), E.idle]; // auto: resumed turn finished
const ASKING = [E.busy, E.limit()];

describe("initialState", () => {
  test.each<BillingMode>(["subscription", "api"])("%s: running, idle, nothing pending", (mode) => {
    expect(initialState(mode)).toEqual({
      mode,
      phase: "running",
      busy: false,
      draft: false,
      quiet: true,
      limit: null,
      model: null,
      modelLimit: null,
      limitOutcome: null,
      declined: false,
      approvedThisRun: false,
      approvedForRun: false,
      pending: null,
      switching: null,
    });
  });
});

interface Row {
  name: string;
  preset: Preset;
  setup: SessionEvent[];
  event: SessionEvent;
  start?: BillingMode;
  /** The effect types of `event`, in order. */
  effects: Effect["type"][];
  state: Partial<SessionState>;
  /** The switch effect, when there is one. */
  switch?: Partial<Extract<Effect, { type: "switch" }>>;
}

describe("transition table", () => {
  const rows: Row[] = [
    // --- A limit on the subscription --------------------------------------------------------------
    {
      name: "limit, auto_switch → switch to api with the resume prompt",
      preset: "auto",
      setup: [E.busy],
      event: E.limit(),
      effects: ["record", "notify", "schedule_reset", "switch"],
      state: {
        phase: "switching",
        mode: "subscription",
        limit,
        busy: false,
        switching: { to: "api", reason: "limit", resume: true },
      },
      switch: { to: "api", reason: "limit", resume: true },
    },
    {
      name: "limit, prompt_before_switch → ask",
      preset: "ask",
      setup: [E.busy],
      event: E.limit(),
      effects: ["record", "notify", "schedule_reset", "record", "ask"],
      state: { phase: "asking", limit, busy: false, declined: false },
    },
    {
      name: "limit, neither → notify only, declined",
      preset: "notify",
      setup: [E.busy],
      event: E.limit(),
      effects: ["record", "notify", "schedule_reset"],
      state: { phase: "running", limit, declined: true },
    },
    {
      name: "limit without a key → notify only, even with auto_switch",
      preset: "nokey",
      setup: [],
      event: E.limit(),
      effects: ["record", "notify", "schedule_reset"],
      state: { phase: "running", declined: true },
    },
    {
      name: "limit, headless without auto → notify only",
      preset: "headless",
      setup: [],
      event: E.limit(),
      effects: ["record", "notify", "schedule_reset"],
      state: { phase: "running", declined: true },
    },
    // --- Duplicate signals for one limit ------------------------------------------------------------
    {
      name: "the status line repeats the limit while asking → nothing",
      preset: "ask",
      setup: ASKING,
      event: E.limit(statusLine),
      effects: [],
      state: { phase: "asking", limit },
    },
    {
      name: "the screen repeats the limit while switching → nothing",
      preset: "auto",
      setup: [E.limit()],
      event: E.limit(),
      effects: [],
      state: { phase: "switching" },
    },
    {
      name: "the limit again after notify-only → nothing",
      preset: "notify",
      setup: [E.limit()],
      event: E.limit(statusLine),
      effects: [],
      state: { phase: "running", declined: true, limit },
    },
    {
      name: "a known reset replaces an assumed one, and only re-arms the timer",
      preset: "ask",
      setup: [E.limit(assumed)],
      event: E.limit(limit),
      effects: ["schedule_reset"],
      state: { phase: "asking", limit },
    },
    {
      name: "an assumed reset does not replace a known one",
      preset: "ask",
      setup: [E.limit(limit)],
      event: E.limit(assumed),
      effects: [],
      state: { phase: "asking", limit },
    },
    // --- Answers ------------------------------------------------------------------------------------
    {
      name: "y → switch, approved for the run",
      preset: "ask",
      setup: ASKING,
      event: E.yes,
      effects: ["close_prompt", "record", "switch"],
      state: { phase: "switching", approvedThisRun: true },
      switch: { to: "api", reason: "limit", resume: true },
    },
    {
      name: "a → switch, approved for the run",
      preset: "ask",
      setup: ASKING,
      event: E.always,
      effects: ["close_prompt", "record", "switch"],
      state: { phase: "switching", approvedThisRun: true },
      switch: { to: "api", resume: true },
    },
    {
      name: "n → no switch, declined",
      preset: "ask",
      setup: ASKING,
      event: E.no,
      effects: ["close_prompt", "record"],
      state: { phase: "running", declined: true, approvedThisRun: false, mode: "subscription" },
    },
    {
      name: "timeout counts as no",
      preset: "ask",
      setup: ASKING,
      event: E.timeout,
      effects: ["close_prompt", "record"],
      state: { phase: "running", declined: true, approvedThisRun: false },
    },
    {
      name: "an answer when nothing is asked → nothing",
      preset: "ask",
      setup: [],
      event: E.yes,
      effects: [],
      state: { phase: "running", approvedThisRun: false },
    },
    {
      name: "a second answer after the first → nothing",
      preset: "ask",
      setup: [...ASKING, E.no],
      event: E.yes,
      effects: [],
      state: { phase: "running", declined: true },
    },
    {
      name: "a timeout after a yes → nothing",
      preset: "ask",
      setup: [...ASKING, E.yes],
      event: E.timeout,
      effects: [],
      state: { phase: "switching" },
    },
    // --- After "no": Claude waits by itself --------------------------------------------------------
    {
      name: "Claude's own retries after no → no second ask",
      preset: "ask",
      setup: [...ASKING, E.no, E.busy, E.idle],
      event: E.limit(statusLine),
      effects: [],
      state: { phase: "running", declined: true },
    },
    {
      name: "after no, the reset clears the limit; a later limit asks afresh",
      preset: "ask",
      setup: [...ASKING, E.no, E.reset],
      event: E.limit(),
      effects: ["record", "notify", "schedule_reset", "record", "ask"],
      state: { phase: "asking" },
    },
    {
      name: "after no, the menu still switches, and the task resumes",
      preset: "ask",
      setup: [...ASKING, E.no],
      event: E.menu("api"),
      effects: ["switch"],
      state: { phase: "switching" },
      switch: { to: "api", reason: "menu", resume: true },
    },
    // --- A limit on api -----------------------------------------------------------------------------
    {
      name: "a limit on api is ignored",
      preset: "ask",
      start: "api",
      setup: [],
      event: E.limit(),
      effects: [],
      state: { mode: "api", phase: "running", limit: null },
    },
    {
      name: "a limit on api after a limit switch changes nothing",
      preset: "auto",
      setup: ON_API_AFTER_LIMIT,
      event: E.limit(assumed),
      effects: [],
      state: { mode: "api", limit },
    },
    // --- Switched -----------------------------------------------------------------------------------
    {
      name: "switched to api after a limit: record, notify, schedule the revert; the resumed turn runs",
      preset: "auto",
      setup: [E.limit()],
      event: E.switched("api"),
      effects: ["record", "notify", "schedule_reset"],
      state: { mode: "api", phase: "running", busy: true, switching: null, limit },
    },
    {
      name: "switched to api without auto revert: no schedule",
      preset: "ask-norevert",
      setup: [...ASKING, E.yes],
      event: E.switched("api"),
      effects: ["record", "notify"],
      state: { mode: "api", busy: true },
    },
    {
      name: "switched to api from the menu without a limit: Claude is idle",
      preset: "ask",
      setup: [E.menu("api")],
      event: E.switched("api"),
      effects: ["record", "notify"],
      state: { mode: "api", busy: false, limit: null },
    },
    {
      name: "switch failed → back to running, error notice, no automatic retry",
      preset: "auto",
      setup: [E.limit()],
      event: E.failed("api"),
      effects: ["notify"],
      state: { mode: "subscription", phase: "running", switching: null, declined: true },
    },
    {
      name: "after a failed switch the limit repeating does not retry",
      preset: "auto",
      setup: [E.limit(), E.failed("api")],
      event: E.limit(statusLine),
      effects: [],
      state: { phase: "running" },
    },
    // --- Reset due ----------------------------------------------------------------------------------
    {
      name: "reset due on api, idle and quiet → revert now, without a resume prompt",
      preset: "auto",
      setup: ON_API_AFTER_LIMIT,
      event: E.reset,
      effects: ["switch"],
      state: { phase: "switching", pending: null },
      switch: { to: "subscription", reason: "revert", resume: false },
    },
    {
      name: "reset due on api while busy → pending",
      preset: "auto",
      setup: [E.limit(), E.switched("api")],
      event: E.reset,
      effects: [],
      state: { phase: "running", pending: { to: "subscription", reason: "revert" } },
    },
    {
      name: "reset due on api with a draft typed → pending",
      preset: "auto",
      setup: [...ON_API_AFTER_LIMIT, E.key, E.quiet],
      event: E.reset,
      effects: [],
      state: { pending: { to: "subscription", reason: "revert" }, draft: true },
    },
    {
      name: "reset due on api while keys move → pending",
      preset: "auto",
      setup: [...ON_API_AFTER_LIMIT, E.busy, E.idle, E.key],
      event: E.reset,
      effects: [],
      state: { pending: { to: "subscription", reason: "revert" }, quiet: false },
    },
    {
      name: "reset due without auto_revert → stays on api",
      preset: "ask-norevert",
      setup: [...ASKING, E.yes, E.switched("api"), E.idle],
      event: E.reset,
      effects: [],
      state: { mode: "api", phase: "running", pending: null },
    },
    {
      name: "reset due on api chosen from the menu (no limit) → stays",
      preset: "ask",
      setup: [E.menu("api"), E.switched("api")],
      event: E.reset,
      effects: [],
      state: { mode: "api", pending: null },
    },
    {
      name: "reset due while asking → close the prompt, the limit is over",
      preset: "ask",
      setup: ASKING,
      event: E.reset,
      effects: ["close_prompt", "record"],
      state: { phase: "running", limit: null, declined: false },
    },
    {
      name: "reset due while switching → ignored (the switch re-arms it)",
      preset: "auto",
      setup: [E.limit()],
      event: E.reset,
      effects: [],
      state: { phase: "switching", limit },
    },
    // --- Gating of a pending revert -----------------------------------------------------------------
    {
      name: "pending revert starts at idle when keys are quiet and nothing is typed",
      preset: "auto",
      setup: [E.limit(), E.switched("api"), E.reset],
      event: E.idle,
      effects: ["switch"],
      state: { phase: "switching" },
      switch: { to: "subscription", reason: "revert" },
    },
    {
      name: "pending revert waits at idle while keys move",
      preset: "auto",
      setup: [E.limit(), E.switched("api"), E.reset, E.key, E.busy],
      event: E.idle,
      effects: [],
      state: { phase: "running", quiet: false },
    },
    {
      name: "…and starts once they are quiet (the prompt was submitted: no draft)",
      preset: "auto",
      setup: [E.limit(), E.switched("api"), E.reset, E.key, E.busy, E.idle],
      event: E.quiet,
      effects: ["switch"],
      state: { phase: "switching" },
    },
    {
      name: "pending revert waits while a draft is in the input box, even when quiet",
      preset: "auto",
      setup: [...ON_API_AFTER_LIMIT, E.key, E.reset],
      event: E.quiet,
      effects: [],
      state: { draft: true, quiet: true, phase: "running" },
    },
    {
      name: "…and goes after that draft is submitted and its turn ends",
      preset: "auto",
      setup: [...ON_API_AFTER_LIMIT, E.key, E.reset, E.quiet, E.busy],
      event: E.idle,
      effects: ["switch"],
      state: { phase: "switching" },
    },
    {
      name: "busy does not start a pending revert",
      preset: "auto",
      setup: [E.limit(), E.switched("api"), E.reset],
      event: E.busy,
      effects: [],
      state: { busy: true, phase: "running" },
    },
    {
      name: "keystroke marks a draft and breaks the quiet",
      preset: "ask",
      setup: [],
      event: E.key,
      effects: [],
      state: { draft: true, quiet: false },
    },
    {
      name: "busy (a prompt submitted) clears the draft",
      preset: "ask",
      setup: [E.key],
      event: E.busy,
      effects: [],
      state: { draft: false, busy: true },
    },
    // --- Revert, then a new limit ------------------------------------------------------------------
    {
      name: "reverted: record, notify; the subscription's limit is cleared",
      preset: "ask",
      setup: [...ASKING, E.yes, E.switched("api"), E.idle, E.reset],
      event: E.switched("subscription"),
      effects: ["record", "notify"],
      state: { mode: "subscription", phase: "running", limit: null, busy: false, approvedThisRun: true },
    },
    {
      name: "a limit right after a revert switches again without asking",
      preset: "ask",
      setup: [...ASKING, E.yes, E.switched("api"), E.idle, E.reset, E.switched("subscription"), E.busy],
      event: E.limit(),
      effects: ["record", "notify", "schedule_reset", "switch"],
      state: { phase: "switching" },
      switch: { to: "api", reason: "limit", resume: true },
    },
    {
      name: "a no, then API billing chosen from the menu: a limit after the revert switches without asking again",
      preset: "ask",
      setup: [
        ...ASKING,
        E.timeout,
        E.menu("api"),
        E.switched("api"),
        E.idle,
        E.reset,
        E.switched("subscription"),
        E.busy,
      ],
      event: E.limit(),
      effects: ["record", "notify", "schedule_reset", "switch"],
      state: { phase: "switching" },
      switch: { to: "api", reason: "limit", resume: true },
    },
    {
      name: "[y], then back to the subscription by choice (menu): a new limit asks again",
      preset: "ask",
      setup: [
        ...ASKING,
        E.yes,
        E.switched("api"),
        E.idle,
        E.menu("subscription"),
        E.switched("subscription"),
        E.busy,
      ],
      event: E.limit(),
      effects: ["record", "notify", "schedule_reset", "record", "ask"],
      state: { phase: "asking", approvedThisRun: false },
    },
    {
      name: "[y], then back to the subscription by `use subscription`: a new limit asks again",
      preset: "ask",
      setup: [
        ...ASKING,
        E.yes,
        E.switched("api"),
        E.idle,
        E.use("subscription"),
        E.switched("subscription"),
        E.busy,
      ],
      event: E.limit(),
      effects: ["record", "notify", "schedule_reset", "record", "ask"],
      state: { phase: "asking" },
    },
    {
      name: "[a] yes for this run, then back to the subscription by choice: a new limit switches without asking",
      preset: "ask",
      setup: [
        ...ASKING,
        E.always,
        E.switched("api"),
        E.idle,
        E.menu("subscription"),
        E.switched("subscription"),
        E.busy,
      ],
      event: E.limit(),
      effects: ["record", "notify", "schedule_reset", "switch"],
      state: { phase: "switching", approvedForRun: true },
      switch: { to: "api", reason: "limit", resume: true },
    },
    {
      name: "a limit while API billing would refuse at once (a cap reached): notified, not asked, not switched",
      preset: "auto",
      setup: [E.busy],
      event: {
        type: "limit",
        limit,
        reachedCap: { cap: "session", configKey: "cost_limit_per_session", limitNanoUsd: 0, spentNanoUsd: 0 },
      },
      effects: ["record", "notify", "schedule_reset"],
      state: { phase: "running", declined: true, mode: "subscription" },
    },
    {
      name: "after a no, a limit after the reset asks again",
      preset: "ask",
      setup: [...ASKING, E.timeout, E.reset, E.busy],
      event: E.limit(),
      effects: ["record", "notify", "schedule_reset", "record", "ask"],
      state: { phase: "asking" },
    },
    // --- Menu / use ---------------------------------------------------------------------------------
    {
      name: "menu → api while idle: switch now, no resume prompt without a limit",
      preset: "ask",
      setup: [],
      event: E.menu("api"),
      effects: ["switch"],
      state: { phase: "switching", pending: null },
      switch: { to: "api", reason: "menu", resume: false },
    },
    {
      name: "use api while idle, even with a draft and moving keys",
      preset: "ask",
      setup: [E.key],
      event: E.use("api"),
      effects: ["switch"],
      state: { phase: "switching" },
      switch: { to: "api", reason: "use" },
    },
    {
      name: "menu → api while busy: pending, with a notice",
      preset: "ask",
      setup: [E.busy],
      event: E.menu("api"),
      effects: ["notify"],
      state: { phase: "running", pending: { to: "api", reason: "menu" } },
    },
    {
      name: "the pending menu switch starts when the turn ends, keys or not",
      preset: "ask",
      setup: [E.busy, E.menu("api"), E.key],
      event: E.idle,
      effects: ["switch"],
      state: { phase: "switching" },
      switch: { to: "api", reason: "menu" },
    },
    {
      name: "a limit ending the turn with a menu switch pending: no ask, the switch goes with the resume prompt",
      preset: "ask",
      setup: [E.busy, E.menu("api")],
      event: E.limit(),
      effects: ["record", "notify", "schedule_reset", "switch"],
      state: { phase: "switching", limit },
      switch: { to: "api", reason: "menu", resume: true },
    },
    {
      name: "use subscription on api while busy → pending",
      preset: "ask",
      start: "api",
      setup: [E.busy],
      event: E.use("subscription"),
      effects: ["notify"],
      state: { pending: { to: "subscription", reason: "use" } },
    },
    {
      name: "use subscription on api while idle → now",
      preset: "ask",
      start: "api",
      setup: [],
      event: E.use("subscription"),
      effects: ["switch"],
      state: { phase: "switching" },
      switch: { to: "subscription", reason: "use", resume: false },
    },
    {
      name: "switch to the mode in use → nothing",
      preset: "ask",
      setup: [],
      event: E.menu("subscription"),
      effects: [],
      state: { phase: "running", pending: null },
    },
    {
      name: "switch to the mode in use cancels a pending revert",
      preset: "auto",
      setup: [E.limit(), E.switched("api"), E.reset],
      event: E.menu("api"),
      effects: [],
      state: { phase: "running", pending: null, mode: "api" },
    },
    {
      name: "switch to the mode a switch is going to → nothing",
      preset: "auto",
      setup: [E.limit()],
      event: E.menu("api"),
      effects: [],
      state: { phase: "switching", pending: null },
    },
    {
      name: "menu → api while asking is an answer",
      preset: "ask",
      setup: ASKING,
      event: E.menu("api"),
      effects: ["close_prompt", "record", "switch"],
      state: { phase: "switching" },
      switch: { to: "api", reason: "menu", resume: true },
    },
    {
      name: "menu → subscription while asking (already there) → nothing",
      preset: "ask",
      setup: ASKING,
      event: E.menu("subscription"),
      effects: [],
      state: { phase: "asking" },
    },
    {
      name: "menu → subscription while switching to api → pending until the switch is done",
      preset: "auto",
      setup: [E.limit()],
      event: E.menu("subscription"),
      effects: ["notify"],
      state: { phase: "switching", pending: { to: "subscription", reason: "menu" } },
    },
    {
      name: "a switch requested while switching goes once Claude is idle on the new side",
      preset: "auto",
      setup: [E.limit(), E.menu("subscription"), E.switched("api")],
      event: E.idle,
      effects: ["switch"],
      state: { phase: "switching" },
      switch: { to: "subscription", reason: "menu" },
    },
    {
      name: "a pending switch goes right after switched when Claude is idle there",
      preset: "ask",
      setup: [E.menu("api"), E.use("subscription")],
      event: E.switched("api"),
      effects: ["record", "notify", "switch"],
      state: { phase: "switching", pending: null },
      switch: { to: "subscription", reason: "use" },
    },
    {
      name: "switch failed drops a pending switch",
      preset: "auto",
      setup: [E.limit(), E.menu("subscription")],
      event: E.failed("api"),
      effects: ["notify"],
      state: { phase: "running", pending: null },
    },
    // --- Claude exits -------------------------------------------------------------------------------
    {
      name: "claude exits while running → exit with its code",
      preset: "ask",
      setup: [],
      event: E.exited(3),
      effects: ["exit"],
      state: { phase: "ended" },
    },
    {
      name: "claude exits while asking → close the prompt, exit",
      preset: "ask",
      setup: ASKING,
      event: E.exited(0),
      effects: ["close_prompt", "exit"],
      state: { phase: "ended" },
    },
    {
      name: "claude exits during a switch → ours, ignored",
      preset: "auto",
      setup: [E.limit()],
      event: E.exited(143),
      effects: [],
      state: { phase: "switching" },
    },
    {
      name: "claude exits on api → exit",
      preset: "auto",
      setup: ON_API_AFTER_LIMIT,
      event: E.exited(1),
      effects: ["exit"],
      state: { phase: "ended", mode: "api" },
    },
  ];

  test.each(rows)("$name", (row) => {
    const before = run(row.preset, row.setup, initialState(row.start ?? "subscription"));
    const frozen = structuredClone(before.state);
    const { state, effects } = transition(before.state, row.event, config(row.preset));
    expect(types(effects)).toEqual(row.effects);
    expect(state).toMatchObject(row.state);
    if (row.switch) expect(switches(effects)[0]).toMatchObject(row.switch);
    // Pure: the state passed in is not modified.
    expect(before.state).toEqual(frozen);
  });
});

describe("effect details", () => {
  test("a limit is recorded with the decision and its reason, and notified", () => {
    const { effects } = run("ask", [E.limit()]);
    expect(effects[0]).toMatchObject({
      type: "record",
      kind: "limit_detected",
      detail: { ...limit, decision: "ask", reason: "prompt_before_switch is on" },
    });
    expect(effects[1]).toEqual({
      type: "notify",
      notice: { kind: "limit_reached", limit, noKey: false },
    });
    expect(effects[2]).toEqual({ type: "schedule_reset", at: RESET });
    expect(effects[3]).toMatchObject({ type: "record", kind: "prompt_asked" });
    expect(effects[4]).toEqual({ type: "ask", limit, freeModel: null });
  });

  test("a reached cap that keeps the run off API billing is named in the notice", () => {
    const reachedCap = {
      cap: "session",
      configKey: "cost_limit_per_session",
      limitNanoUsd: 0,
      spentNanoUsd: 0,
    } as const;
    const { effects } = run("auto", [E.busy, { type: "limit", limit, reachedCap }]);
    const notice = effects.find((effect) => effect.type === "notify");
    if (notice?.type !== "notify") throw new Error("no notice");
    expect(notice.notice).toEqual({ kind: "limit_reached", limit, noKey: false, cap: reachedCap });
    expect(runEventText(notice.notice, { now: RESET - 3_600_000, caps: NO_CAPS })).toMatch(
      /limit reached; it resets .*\. It stays on your subscription: the per-session API spending cap of \$0\.00 is reached .*; raise cost_limit_per_session to continue on API billing\.$/,
    );
  });

  test("without a key the notice says how to add one", () => {
    const { effects } = run("nokey", [E.limit()]);
    const notice = effects.find((effect) => effect.type === "notify");
    expect(notice).toMatchObject({ notice: { kind: "limit_reached", noKey: true } });
    if (notice?.type !== "notify") throw new Error("no notice");
    expect(runEventText(notice.notice, { now: RESET - 3_600_000, caps: NO_CAPS })).toContain(
      "CLAUDE_FALLBACK_API_KEY",
    );
  });

  test.each<[SessionEvent, string]>([
    [E.yes, "yes"],
    [E.no, "no"],
    [E.always, "always"],
    [E.timeout, "timeout"],
  ])("the answer %j is recorded as %s", (event, answer) => {
    const { effects } = run("ask", [...ASKING, event]);
    expect(effects).toContainEqual({ type: "record", kind: "prompt_answered", detail: { answer } });
  });

  test("switched to api: notice with the reason, reset scheduled at the limit's reset", () => {
    const { effects } = run("ask", [...ASKING, E.yes, E.switched("api")]);
    expect(effects).toEqual([
      { type: "record", kind: "switched", detail: { to: "api", reason: "limit" } },
      { type: "notify", notice: { kind: "switched_to_api", reason: "limit" } },
      { type: "schedule_reset", at: RESET },
    ]);
  });

  test("reverted: the notice says why", () => {
    const { effects } = run("auto", [...ON_API_AFTER_LIMIT, E.reset, E.switched("subscription")]);
    expect(effects).toContainEqual({ type: "notify", notice: { kind: "reverted", reason: "revert" } });
  });

  test("a pending switch notice names the target", () => {
    const { effects } = run("ask", [E.busy, E.menu("api")]);
    expect(effects).toEqual([{ type: "notify", notice: { kind: "switch_pending", to: "api" } }]);
  });

  test("switch_failed carries the message", () => {
    const { effects } = run("auto", [E.limit(), E.failed("api")]);
    expect(effects).toEqual([
      { type: "notify", notice: { kind: "error", source: "switch", message: "could not start claude" } },
    ]);
  });

  test("exit carries the code", () => {
    expect(run("ask", [E.exited(42)]).effects).toEqual([{ type: "exit", exitCode: 42 }]);
  });

  test("a refined reset re-arms the timer at the known time", () => {
    const { effects, state } = run("notify", [E.limit(assumed), E.limit(limit)]);
    expect(effects).toEqual([{ type: "schedule_reset", at: RESET }]);
    expect(state.limit).toEqual(limit);
  });
});

describe("one limit, signalled three ways", () => {
  const signals = [
    E.limit({ ...limit, source: "stop_failure" }),
    E.limit({ ...limit, source: "status_line" }),
    E.limit({ ...limit, source: "screen" }),
  ];
  test.each<[Preset, Effect["type"]]>([
    ["ask", "ask"],
    ["auto", "switch"],
  ])("%s: exactly one %s", (preset, kind) => {
    const { all } = run(preset, [E.busy, ...signals]);
    expect(all.filter((effect) => effect.type === kind)).toHaveLength(1);
    expect(all.filter((effect) => effect.type === "notify")).toHaveLength(1);
    expect(all.filter((effect) => effect.type === "record" && effect.kind === "limit_detected")).toHaveLength(
      1,
    );
  });

  test("signals interleaved with the answer and the switch: still one switch", () => {
    const { all, state } = run("ask", [
      E.busy,
      signals[0]!,
      signals[1]!,
      E.yes,
      signals[2]!,
      E.switched("api"),
      signals[1]!,
    ]);
    expect(switches(all)).toHaveLength(1);
    expect(all.filter((effect) => effect.type === "ask")).toHaveLength(1);
    expect(state.mode).toBe("api");
  });
});

describe("a whole run", () => {
  test("subscription → limit → ask → yes → api → reset → revert → limit → api again", () => {
    const { all, state } = run("ask", [
      E.busy,
      E.limit(),
      E.yes,
      E.switched("api"),
      E.idle,
      E.busy,
      E.idle,
      E.reset,
      E.switched("subscription"),
      E.busy,
      E.limit({ ...limit, resetsAt: RESET + 5 * 3_600_000 }),
      E.switched("api"),
      E.idle,
      E.exited(0),
    ]);
    expect(all.filter((effect) => effect.type === "ask")).toHaveLength(1);
    expect(switches(all).map((effect) => [effect.to, effect.reason, effect.resume])).toEqual([
      ["api", "limit", true],
      ["subscription", "revert", false],
      ["api", "limit", true],
    ]);
    expect(all.filter((effect) => effect.type === "schedule_reset").at(-1)).toEqual({
      type: "schedule_reset",
      at: RESET + 5 * 3_600_000,
    });
    expect(state.phase).toBe("ended");
    expect(all.at(-1)).toEqual({ type: "exit", exitCode: 0 });
  });
});

describe("after ended", () => {
  const everyEvent: SessionEvent[] = [
    E.limit(),
    E.yes,
    E.no,
    E.always,
    E.timeout,
    E.busy,
    E.idle,
    E.key,
    E.quiet,
    E.reset,
    E.menu("api"),
    E.use("subscription"),
    E.switched("api"),
    E.failed("api"),
    E.exited(1),
  ];
  test.each(everyEvent)("%j does nothing", (event) => {
    const ended = run("auto", [E.exited(0)]).state;
    const { state, effects } = transition(ended, event, config("auto"));
    expect(effects).toEqual([]);
    expect(state).toEqual(ended);
  });
});

describe("properties over random event sequences", () => {
  const limitArb = fc.record({
    window: fc.constantFrom(null, "five_hour", "seven_day"),
    resetsAt: fc.integer({ min: 0, max: 2_000_000_000_000 }),
    resetAssumed: fc.boolean(),
    source: fc.constantFrom("stop_failure", "status_line", "transcript", "screen"),
  });
  const modeArb = fc.constantFrom<BillingMode>("subscription", "api");
  const eventArb: fc.Arbitrary<SessionEvent> = fc.oneof(
    limitArb.map((l): SessionEvent => ({ type: "limit", limit: l })),
    fc.constantFrom<SessionEvent>(E.yes, E.no, E.always, E.timeout, E.busy, E.idle, E.key, E.quiet, E.reset),
    fc
      .tuple(modeArb, fc.constantFrom<"menu" | "use">("menu", "use"))
      .map(([to, reason]): SessionEvent => ({ type: "switch_requested", to, reason })),
    modeArb.map((to): SessionEvent => ({ type: "switched", to })),
    modeArb.map((to): SessionEvent => ({ type: "switch_failed", to, message: "x" })),
    fc.integer({ min: 0, max: 255 }).map((exitCode): SessionEvent => ({ type: "claude_exited", exitCode })),
  );
  const presetArb = fc.constantFrom<Preset>("ask", "auto", "notify", "nokey", "headless", "ask-norevert");

  test("never two switches without switched/switch_failed between; asking ⇔ exactly one ask; never throws", () => {
    fc.assert(
      fc.property(presetArb, modeArb, fc.array(eventArb, { maxLength: 60 }), (preset, mode, events) => {
        const cfg = config(preset);
        let state = initialState(mode);
        let switchOpen = false;
        let ended = false;
        for (const event of events) {
          const before = state;
          const result = transition(state, event, cfg);
          state = result.state;
          const { effects } = result;
          if (event.type === "switched" || event.type === "switch_failed") switchOpen = false;
          const switchCount = effects.filter((effect) => effect.type === "switch").length;
          expect(switchCount).toBeLessThanOrEqual(1);
          if (switchCount === 1) {
            expect(switchOpen).toBe(false);
            switchOpen = true;
            expect(state.phase).toBe("switching");
          }
          const asks = effects.filter((effect) => effect.type === "ask").length;
          const entersAsking = state.phase === "asking" && before.phase !== "asking";
          expect(asks).toBe(entersAsking ? 1 : 0);
          // A switch is in progress exactly when the phase says so.
          expect(state.switching !== null).toBe(state.phase === "switching");
          // Headless runs and runs without a key never ask.
          if (preset === "headless" || preset === "nokey") expect(asks).toBe(0);
          // Without a key no limit switches by itself (only a switch the user asked for can go).
          if (preset === "nokey") expect(switches(effects).filter((e) => e.reason === "limit")).toEqual([]);
          // Never money the user did not agree to: an automatic switch to api needs auto_switch or a yes.
          for (const effect of switches(effects)) {
            if (effect.reason === "limit") expect(preset === "auto" || state.approvedThisRun).toBe(true);
            if (effect.reason === "revert") expect(effect.to).toBe("subscription");
          }
          if (state.approvedThisRun && !before.approvedThisRun) {
            // Only a yes, or choosing API billing (menu, `use api`), agrees to it.
            expect(
              (event.type === "answer" && event.answer !== "no") ||
                (event.type === "switch_requested" && event.to === "api"),
            ).toBe(true);
          }
          // Exit comes once, and nothing after it.
          if (ended) expect(effects).toEqual([]);
          if (effects.some((effect) => effect.type === "exit")) ended = true;
          expect(state.phase === "ended").toBe(ended);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

/**
 * The mode state machine of one wrapped run, pure (docs/ARCHITECTURE.md, "Pure core, I/O shells").
 * `transition(state, event)` returns the next state and the effects the session must carry out; it
 * does no I/O and reads no clock — times arrive inside events. The session feeds it hook, key,
 * timer and child events.
 */
import type { BillingMode } from "../billing.js";
import type { Config } from "../config/schema.js";
import type { LimitInfo } from "../detect/limit.js";
import type { SwitchReason } from "../notify/run-events.js";
import type { CapStatus } from "../usage/caps.js";
import type { Effect, MachineConfig, Result, SessionEvent, SessionState } from "./machine-types.js";
import { freeModelFor } from "./model-limit.js";
import { decideOnLimit } from "./policy.js";
import { policyReasonText } from "./wording.js";

/** The machine's configuration for a run: `shell` is how Claude was started (only a terminal can ask). */
export function machineConfigFor(
  config: Config,
  hasKey: boolean,
  shell: "pty" | "print" | "stream-json",
): MachineConfig {
  return {
    policy: { config, hasKey, headless: shell !== "pty" },
    // A headless run ends with its answer: there is nothing to go back to the subscription for.
    autoRevert: config.auto_revert_on_reset && shell !== "print",
    modelLimit: { onModelLimit: config.on_model_limit, fallbackModel: config.fallback_model },
  };
}

/** `limit`: a subscription limit already in force when the run starts (it began on API billing). */
export function initialState(mode: BillingMode, limit: LimitInfo | null = null): SessionState {
  return {
    mode,
    phase: "running",
    busy: false,
    draft: false,
    quiet: true,
    limit,
    model: null,
    modelLimit: null,
    limitOutcome: null,
    declined: false,
    approvedThisRun: false,
    approvedForRun: false,
    pending: null,
    switching: null,
  };
}

/** A pending switch starts once Claude's turn is over (and, for a revert, nothing is typed and keys are still). */
function startPendingIfIdle(state: SessionState, effects: Effect[]): Result {
  const { pending } = state;
  if (!pending || state.phase !== "running" || state.busy) return { state, effects };
  if (pending.reason === "revert" && (state.draft || !state.quiet)) return { state, effects };
  const sameModel = pending.model === undefined || pending.model === state.model;
  if (pending.to === state.mode && sameModel) return { state: { ...state, pending: null }, effects };
  return startSwitch({ ...state, pending: null }, pending.to, pending.reason, effects, pending.model);
}

function startSwitch(
  state: SessionState,
  to: BillingMode,
  reason: SwitchReason,
  effects: Effect[],
  model?: string | null,
): Result {
  // A subscription limit interrupted a task: on API billing it goes on by itself (resume_prompt),
  // whether the switch came from the policy, the prompt, or the menu after declining. Other switches
  // (a revert, a switch without a limit) find Claude idle and wait for the user.
  const resume =
    reason === "limit" ||
    reason === "model_limit" ||
    (to === "api" && state.mode === "subscription" && state.limit !== null);
  const plan = model === undefined ? {} : { model };
  return {
    state: { ...state, phase: "switching", switching: { to, reason, resume, ...plan } },
    effects: [...effects, { type: "switch", to, reason, resume, ...plan }],
  };
}

/** On the free model until the per-model limit resets (the user's own model comes back then). */
function startFreeModel(state: SessionState, limit: LimitInfo, model: string, effects: Effect[]): Result {
  const next: SessionState = { ...state, limit: null, limitOutcome: null, modelLimit: limit, busy: false };
  return startSwitch(
    next,
    "subscription",
    "model_limit",
    [...effects, { type: "schedule_model_reset", at: limit.resetsAt }],
    model,
  );
}

/** The same limit reported again (another signal, the next status line): at most a better reset time. */
function onKnownLimit(state: SessionState, known: LimitInfo, limit: LimitInfo): Result {
  if (known.resetAssumed && !limit.resetAssumed) {
    return { state: { ...state, limit }, effects: [{ type: "schedule_reset", at: limit.resetsAt }] };
  }
  return { state, effects: [] };
}

function onLimit(
  state: SessionState,
  limit: LimitInfo,
  config: MachineConfig,
  reachedCap: CapStatus | null | undefined,
  switchable: boolean | undefined,
): Result {
  // On API billing a "limit" is not the subscription's (an API rate limit, or stale news): ignored.
  if (state.mode !== "subscription") return { state, effects: [] };
  // The per-model limit the model in place stands in for, reported again (another signal): known.
  if (state.modelLimit && limit.window === state.modelLimit.window) return { state, effects: [] };
  if (state.limit && (state.phase !== "running" || state.declined))
    return onKnownLimit(state, state.limit, limit);
  const detected = (
    decision: string,
    reason: string,
    noKey = false,
    cap: CapStatus | null = null,
  ): Effect[] => [
    { type: "record", kind: "limit_detected", detail: { ...limit, decision, reason } },
    { type: "notify", notice: { kind: "limit_reached", limit, noKey, ...(cap ? { cap } : {}) } },
    { type: "schedule_reset", at: limit.resetsAt },
  ];
  // The limit ended Claude's turn.
  const base: SessionState = { ...state, limit, declined: false, busy: false };
  if (state.phase === "switching") {
    // A switch the user asked for is under way; the switch to api will carry on with this limit.
    const reason = "a switch was already under way";
    return { state: { ...state, limit }, effects: detected("none", reason) };
  }
  if (state.pending?.to === "api") {
    // The user already asked for API billing (menu, `use api`) while Claude was busy: that switch goes now.
    return startPendingIfIdle(base, detected("pending", "a switch to API billing was already requested"));
  }
  const freeModel = freeModelFor(limit, config.modelLimit, state);
  // The free way on, without asking, where the rule says so (a run that cannot ask only under auto_switch).
  const freeNow =
    freeModel !== null &&
    config.modelLimit?.onModelLimit === "other_model" &&
    switchable !== false &&
    (!config.policy.headless || config.policy.config.auto_switch);
  if (freeNow) {
    const record: Effect = {
      type: "record",
      kind: "limit_detected",
      detail: { ...limit, decision: "other_model", reason: `on_model_limit is other_model: ${freeModel}` },
    };
    return startFreeModel(state, limit, freeModel, [record]);
  }
  const outcome = decideOnLimit({
    ...config.policy,
    approvedThisRun: state.approvedThisRun,
    reachedCap: reachedCap ?? null,
    switchable,
  });
  const { decision } = outcome;
  const cap = outcome.code === "cap_reached" ? (outcome.cap ?? null) : null;
  const effects = detected(decision, policyReasonText(outcome), outcome.code === "no_key", cap);
  const decided: SessionState = { ...base, limitOutcome: outcome };
  if (decision === "auto") return startSwitch(decided, "api", "limit", effects);
  const offer = config.modelLimit?.onModelLimit === "ask" ? freeModel : null;
  if (decision === "ask" || (offer !== null && !config.policy.headless)) {
    return {
      state: { ...decided, phase: "asking" },
      effects: [
        ...effects,
        { type: "record", kind: "prompt_asked", detail: {} },
        { type: "ask", limit, freeModel: offer },
      ],
    };
  }
  return { state: { ...decided, declined: true }, effects };
}

/** The billing mode `claude` runs in, or will once the switch under way is done. */
function targetMode(state: SessionState): BillingMode {
  return state.switching?.to ?? state.mode;
}

export function transition(state: SessionState, event: SessionEvent, config: MachineConfig): Result {
  if (state.phase === "ended") return { state, effects: [] };
  switch (event.type) {
    case "limit":
      return onLimit(state, event.limit, config, event.reachedCap, event.switchable);

    case "answer":
    case "prompt_timeout": {
      if (state.phase !== "asking") return { state, effects: [] };
      const answer = event.type === "answer" ? event.answer : "timeout";
      const effects: Effect[] = [
        { type: "close_prompt" },
        { type: "record", kind: "prompt_answered", detail: { answer } },
      ];
      if (answer === "yes" || answer === "always") {
        const approvedForRun = state.approvedForRun || answer === "always";
        const running: SessionState = { ...state, phase: "running", approvedThisRun: true, approvedForRun };
        return startSwitch(running, "api", "limit", effects);
      }
      const free =
        answer === "model" && state.limit ? freeModelFor(state.limit, config.modelLimit, state) : null;
      if (free !== null && state.limit)
        return startFreeModel({ ...state, phase: "running" }, state.limit, free, effects);
      // "No": Claude waits for the reset by itself; this limit is not asked about again.
      return { state: { ...state, phase: "running", declined: true }, effects };
    }

    case "busy":
      return { state: { ...state, busy: true, draft: false }, effects: [] };
    case "idle":
      return startPendingIfIdle({ ...state, busy: false }, []);
    case "keystroke":
      return { state: { ...state, draft: true, quiet: false }, effects: [] };
    case "quiet":
      return startPendingIfIdle({ ...state, quiet: true }, []);

    case "reset_due": {
      // Mid-switch: the switch's own `schedule_reset` brings the reset back once it is done.
      if (state.phase === "switching") return { state, effects: [] };
      if (state.phase === "asking") {
        // The limit is over before the user answered: nothing left to ask about.
        return {
          state: { ...state, phase: "running", limit: null, limitOutcome: null, declined: false },
          effects: [
            { type: "close_prompt" },
            { type: "record", kind: "prompt_answered", detail: { answer: "reset" } },
          ],
        };
      }
      if (state.mode === "subscription")
        return { state: { ...state, limit: null, limitOutcome: null, declined: false }, effects: [] };
      if (!config.autoRevert || !state.limit) return { state, effects: [] };
      return startPendingIfIdle({ ...state, pending: { to: "subscription", reason: "revert" } }, []);
    }

    case "model_reset_due": {
      if (state.model === null) return { state: { ...state, modelLimit: null }, effects: [] };
      const next: SessionState = { ...state, modelLimit: null };
      // On API billing the model comes back with the revert to the subscription.
      if (state.mode !== "subscription") return { state: next, effects: [] };
      return startPendingIfIdle(
        { ...next, pending: { to: "subscription", reason: "revert", model: null } },
        [],
      );
    }

    case "reset_refined": {
      const { limit } = state;
      if (
        !limit ||
        (limit.window ?? "five_hour") !== (event.window ?? "five_hour") ||
        limit.resetsAt === event.at
      ) {
        return { state, effects: [] };
      }
      const refined = { ...limit, resetsAt: event.at, resetAssumed: false };
      // Waiting for a reset (declined on the subscription, or on API billing with auto revert): re-time it.
      const waiting = state.mode === "subscription" || config.autoRevert;
      return {
        state: { ...state, limit: refined },
        effects: waiting && state.phase !== "switching" ? [{ type: "schedule_reset", at: event.at }] : [],
      };
    }

    case "switch_requested": {
      // Already there (or on the way): nothing to do, and an opposite switch waiting is cancelled.
      if (event.to === targetMode(state)) return { state: { ...state, pending: null }, effects: [] };
      // Choosing API billing (menu, `use api`) is agreeing to it (SPEC §4.6); going back to the
      // subscription by choice withdraws any yes but [a] "yes for this run".
      const approvedThisRun = event.to === "api" || state.approvedForRun;
      if (state.phase === "asking") {
        // Choosing API billing from the menu while asked is an answer too.
        const running: SessionState = { ...state, phase: "running", pending: null, approvedThisRun };
        return startSwitch(running, event.to, event.reason, [
          { type: "close_prompt" },
          { type: "record", kind: "prompt_answered", detail: { answer: event.reason } },
        ]);
      }
      const next: SessionState = {
        ...state,
        pending: { to: event.to, reason: event.reason },
        approvedThisRun,
      };
      const started = startPendingIfIdle(next, []);
      if (started.effects.length > 0) return started;
      return { state: next, effects: [{ type: "notify", notice: { kind: "switch_pending", to: event.to } }] };
    }

    case "switched": {
      const plan = state.switching ?? {
        to: event.to,
        reason: event.to === "api" ? "limit" : "revert",
        resume: false,
      };
      const reason = plan.reason;
      // Back on the subscription after API billing, the user's own model returns unless its own limit still holds.
      const planned =
        plan.model !== undefined
          ? plan.model
          : event.to === "subscription" && !state.modelLimit
            ? null
            : state.model;
      const next: SessionState = {
        ...state,
        model: planned,
        mode: event.to,
        phase: "running",
        switching: null,
        // The resume prompt starts a turn at once; its end is told as any turn's (the Stop hook, or
        // for a program the result line the relay passes on).
        busy: plan.resume,
        draft: false,
        quiet: true,
        // Back on the subscription, the old limit is over: a new one will be detected afresh.
        limit: event.to === "subscription" ? null : state.limit,
        limitOutcome: event.to === "subscription" ? null : state.limitOutcome,
        declined: false,
      };
      const effects: Effect[] = [];
      if (event.to === "api") {
        effects.push({ type: "record", kind: "switched", detail: { to: "api", reason } });
        effects.push({ type: "notify", notice: { kind: "switched_to_api", reason } });
        if (state.limit && config.autoRevert)
          effects.push({ type: "schedule_reset", at: state.limit.resetsAt });
      } else if (reason === "model_limit" && planned !== null && state.modelLimit) {
        effects.push({
          type: "record",
          kind: "switched",
          detail: { to: "subscription", reason, model: planned },
        });
        effects.push({
          type: "notify",
          notice: { kind: "model_switched", model: planned, limit: state.modelLimit },
        });
      } else if (state.mode === "subscription") {
        effects.push({
          type: "record",
          kind: "reverted",
          detail: { to: "subscription", reason, model: null },
        });
        effects.push({ type: "notify", notice: { kind: "model_restored" } });
      } else {
        effects.push({ type: "record", kind: "reverted", detail: { to: "subscription", reason } });
        effects.push({ type: "notify", notice: { kind: "reverted", reason } });
      }
      // A switch asked for meanwhile goes once Claude is idle.
      return startPendingIfIdle(next, effects);
    }

    case "switch_failed":
      return {
        state: {
          ...state,
          phase: "running",
          pending: null,
          switching: null,
          // No automatic retry for this limit (a status line repeats it many times a minute); the
          // menu still offers API billing.
          declined: state.declined || (event.to === "api" && state.limit !== null),
        },
        effects: [{ type: "notify", notice: { kind: "error", source: "switch", message: event.message } }],
      };

    case "claude_exited": {
      // Exits during a switch are the session's own doing; any other exit ends the run.
      if (state.phase === "switching") return { state, effects: [] };
      const effects: Effect[] = state.phase === "asking" ? [{ type: "close_prompt" }] : [];
      effects.push({ type: "exit", exitCode: event.exitCode });
      return { state: { ...state, phase: "ended", pending: null }, effects };
    }
  }
}

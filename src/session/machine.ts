/**
 * The mode state machine of one wrapped run (DESIGN: PURE). `transition(state, event)` returns the
 * next state and the effects the session must carry out; it does no I/O and reads no clock —
 * times arrive inside events. The session feeds it hook, key, timer and child events.
 */
import type { BillingMode } from "../claude/env.js";
import { decideOnLimit, type PolicyInput } from "./policy.js";

export type SwitchReason = "limit" | "menu" | "use" | "revert";

export interface LimitInfo {
  /** The subscription window that ran out (five_hour, seven_day, …), when known. */
  window: string | null;
  /** When the limit resets, epoch ms. */
  resetsAt: number;
  /** True when the reset time was not given and 5 hours was assumed. */
  resetAssumed: boolean;
  /** Which signal told us (SPEC §5). */
  source: string;
}

export interface SessionState {
  /** Billing of the `claude` running now. */
  mode: BillingMode;
  phase: "running" | "asking" | "switching" | "ended";
  /** A turn is in progress: a prompt was submitted and no Stop/StopFailure has arrived. */
  busy: boolean;
  /** Keys were typed since the last submitted prompt: Claude's input box may hold a draft. */
  draft: boolean;
  /** No keystroke for the idle interval (set by a timer in the session). */
  quiet: boolean;
  /** The subscription limit in force, until the reset or a revert. */
  limit: LimitInfo | null;
  /** The user declined API billing for the current limit (or let the prompt time out). */
  declined: boolean;
  /** "Yes for this run", or any yes: a limit after a revert does not ask again. */
  approvedThisRun: boolean;
  /** A switch waiting for Claude to be idle. */
  pending: { to: BillingMode; reason: SwitchReason } | null;
  /** The switch being carried out (phase "switching"). */
  switching: { to: BillingMode; reason: SwitchReason } | null;
}

export interface MachineConfig {
  policy: Omit<PolicyInput, "approvedThisRun">;
  autoRevert: boolean;
}

export type SessionEvent =
  | { type: "limit"; limit: LimitInfo }
  | { type: "answer"; answer: "yes" | "no" | "always" }
  | { type: "prompt_timeout" }
  | { type: "busy" }
  | { type: "idle" }
  | { type: "keystroke" }
  | { type: "quiet" }
  | { type: "reset_due" }
  | { type: "switch_requested"; to: BillingMode; reason: "menu" | "use" }
  | { type: "switched"; to: BillingMode }
  | { type: "switch_failed"; to: BillingMode; message: string }
  | { type: "claude_exited"; exitCode: number };

export type Notice =
  | { kind: "limit_reached"; limit: LimitInfo; detail: string }
  | { kind: "switched_to_api"; reason: SwitchReason }
  | { kind: "reverted"; reason: SwitchReason }
  | { kind: "switch_pending"; to: BillingMode }
  | { kind: "error"; message: string };

export type Effect =
  | { type: "ask"; limit: LimitInfo }
  | { type: "close_prompt" }
  | { type: "switch"; to: BillingMode; reason: SwitchReason; resume: boolean }
  | { type: "schedule_reset"; at: number }
  | { type: "notify"; notice: Notice }
  | {
      type: "record";
      kind: "limit_detected" | "prompt_asked" | "prompt_answered" | "switched" | "reverted";
      detail: Record<string, unknown>;
    }
  | { type: "exit"; exitCode: number };

export function initialState(mode: BillingMode): SessionState {
  return {
    mode,
    phase: "running",
    busy: false,
    draft: false,
    quiet: true,
    limit: null,
    declined: false,
    approvedThisRun: false,
    pending: null,
    switching: null,
  };
}

interface Result {
  state: SessionState;
  effects: Effect[];
}

/** A pending switch starts once Claude is idle, nothing is typed, and keys have been still. */
function startPendingIfIdle(state: SessionState, effects: Effect[]): Result {
  const { pending } = state;
  if (!pending || state.phase !== "running" || state.busy || state.draft || !state.quiet)
    return { state, effects };
  if (pending.to === state.mode) return { state: { ...state, pending: null }, effects };
  return startSwitch({ ...state, pending: null }, pending.to, pending.reason, effects);
}

function startSwitch(state: SessionState, to: BillingMode, reason: SwitchReason, effects: Effect[]): Result {
  // After a limit, the interrupted task goes on by itself (resume_prompt); other switches wait for the user.
  const resume = reason === "limit";
  return {
    state: { ...state, phase: "switching", switching: { to, reason } },
    effects: [...effects, { type: "switch", to, reason, resume }],
  };
}

function onLimit(state: SessionState, limit: LimitInfo, config: MachineConfig): Result {
  // A limit concerns the subscription; on API billing, or while already handling one, it is news only.
  if (state.mode !== "subscription" || state.phase !== "running" || state.pending?.to === "api") {
    return { state: { ...state, limit: state.limit ?? limit }, effects: [] };
  }
  if (state.limit && state.declined) return { state, effects: [] };
  const { decision, reason } = decideOnLimit({ ...config.policy, approvedThisRun: state.approvedThisRun });
  const base: SessionState = { ...state, limit, declined: false, busy: false };
  const effects: Effect[] = [
    { type: "record", kind: "limit_detected", detail: { ...limit, decision, reason } },
    { type: "notify", notice: { kind: "limit_reached", limit, detail: reason } },
  ];
  if (decision === "auto") return startSwitch(base, "api", "limit", effects);
  if (decision === "ask") {
    return {
      state: { ...base, phase: "asking" },
      effects: [...effects, { type: "record", kind: "prompt_asked", detail: {} }, { type: "ask", limit }],
    };
  }
  return { state: { ...base, declined: true }, effects };
}

export function transition(state: SessionState, event: SessionEvent, config: MachineConfig): Result {
  if (state.phase === "ended") return { state, effects: [] };
  switch (event.type) {
    case "limit":
      return onLimit(state, event.limit, config);

    case "answer":
    case "prompt_timeout": {
      if (state.phase !== "asking") return { state, effects: [] };
      const answer = event.type === "answer" ? event.answer : "timeout";
      const effects: Effect[] = [
        { type: "close_prompt" },
        { type: "record", kind: "prompt_answered", detail: { answer } },
      ];
      if (answer === "yes" || answer === "always") {
        return startSwitch({ ...state, approvedThisRun: true }, "api", "limit", effects);
      }
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
      if (!config.autoRevert || state.mode !== "api" || !state.limit) {
        return {
          state: { ...state, limit: state.mode === "subscription" ? null : state.limit, declined: false },
          effects: [],
        };
      }
      return startPendingIfIdle({ ...state, pending: { to: "subscription", reason: "revert" } }, []);
    }

    case "switch_requested": {
      if (event.to === state.mode && !state.pending) return { state, effects: [] };
      const next: SessionState = { ...state, pending: { to: event.to, reason: event.reason } };
      // An explicit request does not wait for the keys to be still; only for Claude's turn to end.
      const started = startPendingIfIdle({ ...next, quiet: true, draft: false }, []);
      if (started.state.phase === "switching") return started;
      return { state: next, effects: [{ type: "notify", notice: { kind: "switch_pending", to: event.to } }] };
    }

    case "switched": {
      const reason = state.switching?.reason ?? (event.to === "api" ? "limit" : "revert");
      const next: SessionState = {
        ...state,
        mode: event.to,
        phase: "running",
        switching: null,
        // The resume prompt starts a turn at once; its Stop hook will say when it ends.
        busy: reason === "limit",
        draft: false,
        quiet: true,
        // Back on the subscription, the old limit is over: a new one will be detected afresh.
        limit: event.to === "subscription" ? null : state.limit,
        declined: false,
      };
      const effects: Effect[] = [];
      if (event.to === "api") {
        effects.push({ type: "record", kind: "switched", detail: { to: "api" } });
        effects.push({ type: "notify", notice: { kind: "switched_to_api", reason } });
        if (state.limit && config.autoRevert)
          effects.push({ type: "schedule_reset", at: state.limit.resetsAt });
      } else {
        effects.push({ type: "record", kind: "reverted", detail: { to: "subscription" } });
        effects.push({ type: "notify", notice: { kind: "reverted", reason } });
      }
      return { state: next, effects };
    }

    case "switch_failed":
      return {
        state: { ...state, phase: "running", pending: null, switching: null },
        effects: [{ type: "notify", notice: { kind: "error", message: event.message } }],
      };

    case "claude_exited":
      // Exits during a switch are the session's own doing; any other exit ends the run.
      if (state.phase === "switching") return { state, effects: [] };
      return { state: { ...state, phase: "ended" }, effects: [{ type: "exit", exitCode: event.exitCode }] };
  }
}

/**
 * The types of the run's mode state machine (`machine.ts`): its state, the events it is fed, the
 * effects it asks for, and its configuration. PURE.
 */
import type { BillingMode } from "../billing.js";
import type { LimitInfo } from "../detect/limit.js";
import type { RunEvent, SwitchReason } from "../notify/run-events.js";
import type { CapStatus } from "../usage/caps.js";
import type { ModelLimitConfig } from "./model-limit.js";
import type { PolicyInput, PolicyOutcome } from "./policy.js";

export interface SwitchPlan {
  to: BillingMode;
  reason: SwitchReason;
  /** The model Claude runs with after it: a name, null for the user's own, absent to keep the one now. */
  model?: string | null;
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
  /** The model in place of the user's own (a per-model limit's free way on); null: theirs. */
  model: string | null;
  /** The per-model limit that model stands in for, until it resets. */
  modelLimit: LimitInfo | null;
  /** What the policy decided for the current limit, and why. */
  limitOutcome: PolicyOutcome | null;
  /** The user declined API billing for the current limit (or let the prompt time out). */
  declined: boolean;
  /**
   * Agreed to API billing ([y], [a], or API billing chosen from the menu or by `use api`): a limit
   * after the revert at the reset does not ask again. Going back to the subscription by choice
   * withdraws it, unless it was [a].
   */
  approvedThisRun: boolean;
  /** "[a] yes for this run": kept when the user goes back to the subscription by choice. */
  approvedForRun: boolean;
  /**
   * A switch waiting for Claude to be idle. A revert also waits for the keys to be still and for
   * no draft; a switch the user asked for (menu, `use`) waits only for Claude's turn to end.
   */
  pending: SwitchPlan | null;
  /** The switch being carried out (phase "switching"); `resume` as in its `switch` effect. */
  switching: (SwitchPlan & { resume: boolean }) | null;
}

export interface MachineConfig {
  policy: Omit<PolicyInput, "approvedThisRun">;
  autoRevert: boolean;
  /** What a per-model limit does (`on_model_limit`, `fallback_model`); absent: like any limit. */
  modelLimit?: ModelLimitConfig;
}

export type SessionEvent =
  /**
   * `reachedCap`: the cap API billing would refuse the first request with now; `switchable`
   * false: a switch would make what was already passed on wrong.
   */
  | { type: "limit"; limit: LimitInfo; reachedCap?: CapStatus | null; switchable?: boolean }
  /** `model`: the free way on a per-model limit offered (another model on the subscription). */
  | { type: "answer"; answer: "yes" | "no" | "always" | "model" }
  | { type: "prompt_timeout" }
  | { type: "busy" }
  | { type: "idle" }
  | { type: "keystroke" }
  | { type: "quiet" }
  | { type: "reset_due" }
  /** The per-model limit the model in place stands in for has reset. */
  | { type: "model_reset_due" }
  /** A more precise reset for the limit in force (the status line's exact instant). */
  | { type: "reset_refined"; window: string | null; at: number }
  | { type: "switch_requested"; to: BillingMode; reason: "menu" | "use" }
  | { type: "switched"; to: BillingMode }
  | { type: "switch_failed"; to: BillingMode; message: string }
  | { type: "claude_exited"; exitCode: number };

export type Effect =
  | { type: "ask"; limit: LimitInfo; freeModel: string | null }
  | { type: "close_prompt" }
  /**
   * Stop `claude` and start it again with `--resume` in mode `to`; with `resume`, followed by the
   * resume prompt (the limit interrupted a task, so it goes on by itself).
   */
  | { type: "switch"; to: BillingMode; reason: SwitchReason; resume: boolean; model?: string | null }
  /** Raise `reset_due` at `at` (epoch ms); a later `schedule_reset` replaces an earlier one. */
  | { type: "schedule_reset"; at: number }
  /** Raise `model_reset_due` at `at`. */
  | { type: "schedule_model_reset"; at: number }
  | { type: "notify"; notice: RunEvent }
  | {
      type: "record";
      kind: "limit_detected" | "prompt_asked" | "prompt_answered" | "switched" | "reverted";
      detail: Record<string, unknown>;
    }
  | { type: "exit"; exitCode: number };

export interface Result {
  state: SessionState;
  effects: Effect[];
}

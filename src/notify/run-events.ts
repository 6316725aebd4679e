/**
 * Everything a wrapped run tells the user (SPEC §8), as one union with one wording table and one
 * dedupe key. The run core says each event once (by {@link runEventKey}) on every channel: the
 * terminal (banner or stderr line), the desktop and the webhook. PURE.
 */
import type { BillingMode } from "../billing.js";
import { NO_KEY_MESSAGE } from "../config/schema.js";
import type { LimitInfo } from "../detect/limit.js";
import { percentText, windowLabel } from "../detect/windows.js";
import { costText } from "../money.js";
import {
  type CapConfig,
  type CapStatus,
  capReachedReason,
  capsText,
  capWarningMessage,
} from "../usage/caps.js";
import { resetText } from "./messages.js";

/** Why Claude was restarted in another billing mode. */
export type SwitchReason = "limit" | "model_limit" | "menu" | "use" | "revert";

export type RunEvent =
  | { kind: "approaching_limit"; window: string; percent: number; resetsAt: number | null }
  /** `forecast`: what continuing on API billing would cost until the reset, in a sentence; null: unknown. */
  /** `cap`: the reached cap that keeps the run off API billing. */
  | { kind: "limit_reached"; limit: LimitInfo; noKey: boolean; cap?: CapStatus; forecast?: string | null }
  | { kind: "switched_to_api"; reason: SwitchReason }
  /** A per-model limit: the conversation goes on with `model` on the subscription, for nothing. */
  | { kind: "model_switched"; model: string; limit: LimitInfo }
  /** That limit has reset: the user's own model is back. */
  | { kind: "model_restored" }
  | { kind: "reverted"; reason: SwitchReason }
  | { kind: "switch_pending"; to: BillingMode }
  | { kind: "cap_warning"; cap: CapStatus }
  /** `message`: what Claude was told (a refusal) or that a request crossed the cap. */
  | { kind: "cap_reached"; cap: CapStatus; message: string; refused?: true }
  | { kind: "error"; source: ErrorSource; message: string; model?: string; refused?: true };

/**
 * `refused`: the gateway answered Claude's request with this message instead of the API's answer
 * (a 402 Claude Code shows as it is, "API Error: 402 claude-fallback: …"), so Claude has said it.
 */
export function refusedRequest(event: RunEvent): string | null {
  return (event.kind === "cap_reached" || event.kind === "error") && event.refused ? event.message : null;
}

/**
 * `unknown_model`: a model with no price answered or was asked for (the ledger records it as
 * such); `key`: the API refused the user's key (no credit, a spend limit, invalid, no access).
 */
export type ErrorSource =
  | "unknown_model"
  | "upstream"
  | "key"
  | "ledger"
  | "notification"
  | "switch"
  | "no_key"
  | "write";

export type RunEventKind = RunEvent["kind"];

const TITLES: Record<RunEventKind, string> = {
  approaching_limit: "Approaching the subscription limit",
  limit_reached: "Subscription limit reached",
  switched_to_api: "Switched to API billing",
  model_switched: "Continuing on another model, free",
  model_restored: "Your model is back",
  cap_warning: "API spend nearing its cap",
  cap_reached: "API spending cap reached",
  reverted: "Back on your subscription",
  switch_pending: "Switch pending",
  error: "Needs your attention",
};

export function runEventTitle(kind: RunEventKind): string {
  return `claude-fallback: ${TITLES[kind]}`;
}

/**
 * Each event is said once per key; null: every time (a switch happens once per request for it).
 * A cap's key holds its limit, so a cap raised for the run warns and is reached again.
 */
export function runEventKey(event: RunEvent): string | null {
  switch (event.kind) {
    case "approaching_limit":
      return `approaching:${event.window}:${event.resetsAt ?? ""}`;
    case "limit_reached":
      return `limit:${event.limit.resetsAt}`;
    case "cap_warning":
    case "cap_reached":
      return `${event.kind}:${event.cap.cap}:${event.cap.limitNanoUsd}`;
    case "error":
      // The no-key answer to a menu press is said at every press.
      if (event.source === "no_key") return null;
      return event.source === "unknown_model" ? `model:${event.model}` : `error:${event.message}`;
    default:
      return null;
  }
}

/** Notices only the terminal shows: a switch waiting for the turn is not worth a desktop notification. */
export function leavesTheTerminal(event: RunEvent): boolean {
  return event.kind !== "switch_pending";
}

/**
 * A message written for Claude's screen (the gateway's answers start with our name, so Claude's
 * "API Error: 402 …" says who refused) without that name: the wrapper's own lines add it once.
 */
export function withoutOurName(text: string): string {
  return text.replace(/^claude-fallback( gateway)?: /, "");
}

export interface WordingContext {
  now: number;
  /** The caps API billing runs under now (raised ones included). */
  caps: CapConfig;
  /** This run's API spend so far: what the API billing cost, said when it ends (the revert). */
  runSpend?: { nanoUsd: number; requests: number; unknownCostRequests: number };
  zone?: string | undefined;
}

/** The one sentence of an event. */
export function runEventText(event: RunEvent, context: WordingContext): string {
  switch (event.kind) {
    case "approaching_limit":
      return `Subscription ${windowLabel(event.window)} usage is at ${percentText(event.percent)}%.`;
    case "limit_reached": {
      const base = `Subscription ${windowLabel(event.limit.window)} limit reached; it ${resetText(event.limit, context.now, context.zone)}.`;
      if (event.noKey) return `${base} ${NO_KEY_MESSAGE}.`;
      // What continuing would cost is beside the point while a cap refuses it.
      if (event.cap) return `${base} It stays on your subscription: ${capReachedReason(event.cap)}.`;
      return event.forecast ? `${base} ${event.forecast}` : base;
    }
    case "switched_to_api":
      return `Switched to API billing to continue this conversation. ${capsText(context.caps)}`;
    case "model_switched":
      return `Your ${windowLabel(event.limit.window)} limit is reached; continuing this conversation on ${event.model} with your subscription (free) until it ${resetText(event.limit, context.now, context.zone)}.`;
    case "model_restored":
      return "The per-model limit has reset: back on your own model, with your subscription.";
    case "reverted": {
      // The API billing is over (until the next limit): what it cost, as the run's last line says it.
      const spent = context.runSpend;
      return spent && spent.requests > 0
        ? `Back on your subscription. This run's API billing so far: ${costText(spent.nanoUsd, spent.requests, spent.unknownCostRequests)}.`
        : "Back on your subscription.";
    }
    case "switch_pending":
      return `Switching to ${event.to === "api" ? "API billing" : "your subscription"} when Claude finishes this turn.`;
    case "cap_warning":
      return capWarningMessage(event.cap);
    case "cap_reached":
    case "error":
      return withoutOurName(event.message);
  }
}

/** The one dedupe of a run: each event is said once per {@link runEventKey}. */
export class SaidOnce {
  readonly #said = new Set<string>();

  /** True the first time an event's key is seen (always for an event without a key). */
  first(event: RunEvent): boolean {
    const key = runEventKey(event);
    if (key === null) return true;
    if (this.#said.has(key)) return false;
    this.#said.add(key);
    return true;
  }
}

/**
 * The words of a wrapped run that are not run events (those are in notify/run-events.ts): why the
 * policy decided as it did, why a run starts on the billing it does, the limit prompt, the
 * status-line segment and the line that ends a run. PURE: state in, text out.
 */
import type { BillingMode } from "../billing.js";
import { NO_KEY_MESSAGE } from "../config/schema.js";
import { describeUntil, zoneOfTZ } from "../dates.js";
import type { LimitInfo } from "../detect/limit.js";
import { windowLabel } from "../detect/windows.js";
import type { Forecast } from "../forecast/output.js";
import { basisNote, capStopText, nextRequestText, paceText, untilResetText } from "../forecast/words.js";
import type { RateWindow } from "../hooks/status-input.js";
import { costText, formatUsd, nanoToUsd, unknownCostLegend } from "../money.js";
import { resetText } from "../notify/messages.js";
import { formatSegment, localeIsUtf8 } from "../statusline/segment.js";
import {
  type CapConfig,
  type CapName,
  type CapStatus,
  capLabel,
  capReachedReason,
  capsText,
} from "../usage/caps.js";
import { REQUEST_ROWS_NOT_KEPT } from "../usage/ledger-records.js";
import type { Spend } from "../usage/spend.js";
import type { PolicyOutcome, StartCode, StartingMode } from "./policy.js";

/** Why the policy decided as it did, in words a notice or a hint can use. */
export function policyReasonText(outcome: PolicyOutcome): string {
  switch (outcome.code) {
    case "no_key":
      return NO_KEY_MESSAGE;
    case "cap_reached":
      return outcome.cap ? capReachedReason(outcome.cap) : "an API spending cap is reached";
    case "auto_switch_on":
      return "auto_switch is on";
    case "approved_this_run":
      return "you agreed to API billing earlier in this run";
    case "auto_switch_off":
      return "a headless run cannot ask, and auto_switch is off";
    case "prompt_before_switch_on":
      return "prompt_before_switch is on";
    case "switching_off":
      return "auto_switch and prompt_before_switch are off";
    case "output_passed":
      return "its output was already passed on, since it could not switch when it started";
  }
}

const START_REASONS: Record<StartCode, string> = {
  force_api: "--force-api",
  limit_in_force: "the subscription's limit is in force and auto_switch is on",
  preferred_api: "preferred mode set by `claude-fallback use api`",
  preferred_api_no_key: "`use api` is set but no API key is configured",
  preferred_subscription: "preferred mode set by `claude-fallback use subscription`",
  default: "default: no `use` preference",
};

/** Why new runs start on the billing they do (`status`). */
export function startReasonText(start: StartingMode, now: number, zone?: string): string {
  if (start.code === "limit_in_force" && start.limit) {
    return `the subscription's ${windowLabel(start.limit.window)} limit is in force ${describeUntil(start.limit.resetsAt, now, zone)} and auto_switch is on`;
  }
  return START_REASONS[start.code];
}

/** The line a run that starts on API billing because of the limit begins with. */
export function startingAfterLimitText(limit: LimitInfo, now: number, zone?: string): string {
  return `claude-fallback: your subscription's limit is in force ${describeUntil(limit.resetsAt, now, zone)}; starting on API billing (auto_switch).`;
}

export interface PromptContext {
  limit: LimitInfo;
  caps: CapConfig;
  autoRevert: boolean;
  timeoutSeconds: number;
  now: number;
  zone?: string | undefined;
  /** What paying would cost (null until it is known, or without history). */
  forecast?: Forecast | null;
  /** A per-model limit's free way on: the model the conversation can continue on with the subscription. */
  freeModel?: string | null;
}

function sentence(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/**
 * The lines of the limit prompt (SPEC §4.4, §11), the options in order of cost: free first (another
 * model on the subscription, or waiting for the reset), then what paying costs — the first
 * request, the pace, the expected cost until the reset and the cap that would stop it.
 */
export function promptLines(context: PromptContext): string[] {
  const { limit, now, forecast } = context;
  const label = (name: string) => capLabel(name as CapName);
  const paid = forecast
    ? [nextRequestText(forecast), paceText(forecast) ? `at your recent pace, ${paceText(forecast)}` : null]
        .filter(Boolean)
        .join("; ")
    : "";
  const until = forecast ? untilResetText(forecast) : null;
  const stop = forecast ? capStopText(forecast, label) : null;
  return [
    `Your ${windowLabel(limit.window)} subscription limit is reached; it ${resetText(limit, now, context.zone)}.`,
    context.freeModel ? `Free: continue now on ${context.freeModel} with your subscription ([m]).` : "",
    "Free: wait — Claude goes on by itself when the limit resets ([n]).",
    "Paid: continue this conversation now on your own API key, pay per token ([y])?",
    paid ? sentence(paid) : "",
    until ? sentence(`that is ${until}${stop ? `; ${stop}` : ""}`) : stop ? sentence(stop) : "",
    forecast ? `(${basisNote(forecast)}.)` : "",
    capsText(context.caps),
    context.autoRevert ? "Claude goes back to your subscription when the limit resets." : "",
    `No answer in ${context.timeoutSeconds} s counts as no.`,
  ].filter(Boolean);
}

/** What the menu's "raise" did. */
export function capRaisedText(label: string, toUsd: number, configKey: string): string {
  return `the ${label} API spending cap is ${formatUsd(toUsd)} for the rest of this run (${configKey} in the config is unchanged); send your prompt again.`;
}

/**
 * The line that ends every run that used API billing (SPEC §1: what it cost), where its requests
 * are listed, and how to go on when the conversation can (`resumableSessionId`; null: it cannot).
 * With `log_usage` false its requests are not kept (SPEC §7): it says so instead of pointing at them.
 */
export function apiBillingSummary(
  spent: Spend,
  runId: string,
  resumableSessionId: string | null,
  ourCommand = "claude-fallback",
  logUsage = true,
): string {
  const resume = resumableSessionId
    ? `; continue the conversation with: ${ourCommand} resume ${resumableSessionId}`
    : "";
  // As `usage` shows it: a cost not known is "?", never $0.00 (SPEC §7).
  const cost = costText(spent.nanoUsd, spent.requests, spent.unknownCostRequests);
  const unknown = spent.unknownCostRequests > 0 ? `${unknownCostLegend(spent.unknownCostRequests)}; ` : "";
  const details = logUsage
    ? `details: claude-fallback usage run ${runId}`
    : `no details: ${REQUEST_ROWS_NOT_KEPT}`;
  return `claude-fallback: this run's API billing: ${cost} (${unknown}${details})${resume}`;
}

export interface SegmentContext {
  mode: BillingMode;
  limit: LimitInfo | null;
  runSpendNano: number;
  /** On API billing: more spend expected until the reset, USD (the forecast); null when unknown. */
  projectedUsd?: number | null;
  caps: CapConfig;
  /** The subscription's windows as last seen (state.json). */
  windows: readonly RateWindow[];
  /** The cap that refuses API requests now, if any. */
  reachedCap?: CapStatus | null;
  env: NodeJS.ProcessEnv;
  now: number;
}

/** The status-line segment for the run as it is (SPEC §8). */
export function segmentFor(context: SegmentContext): string {
  // The segment's clock falls back to the system's zone for a TZ it cannot use, and names it only
  // when it shows a time: no ICU when Claude has just been spawned.
  const options = { now: context.now, zone: zoneOfTZ(context.env.TZ), unicode: localeIsUtf8(context.env) };
  if (context.mode === "api") {
    return formatSegment(
      {
        mode: "api",
        spendUsd: nanoToUsd(context.runSpendNano),
        projectedUsd: context.projectedUsd ?? null,
        capUsd: context.caps.cost_limit_per_session,
        subscriptionResetsAt: context.limit?.resetsAt ?? null,
        // The session cap reads as "API cap" from the run's own spend; another cap names itself.
        reachedCap:
          context.reachedCap && context.reachedCap.cap !== "session"
            ? {
                label: capLabel(context.reachedCap.cap),
                spentUsd: nanoToUsd(context.reachedCap.spentNanoUsd),
                capUsd: nanoToUsd(context.reachedCap.limitNanoUsd),
              }
            : null,
      },
      options,
    );
  }
  return formatSegment({ mode: "subscription", windows: context.windows, limit: context.limit }, options);
}

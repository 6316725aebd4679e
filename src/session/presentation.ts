/**
 * What a wrapped run shows: the prompt's text, notices, the status-line segment and the usage
 * summary of the menu. Texts are built here so the overlay, the banner and every notification
 * channel say the same thing.
 */
import type { Config } from "../config/schema.js";
import { formatUsd, nanoToUsd } from "../money.js";
import { describeReset } from "../notify/messages.js";
import { readState, stateFile } from "../state/store.js";
import { formatSegment, localeIsUtf8 } from "../statusline/segment.js";
import type { Ledger } from "../usage/ledger.js";
import { periodOf, systemZone } from "../usage/periods.js";
import type { LimitInfo, Notice, SessionState } from "./machine.js";
import { NO_KEY_REASON } from "./policy.js";

const WINDOW_NAMES: Record<string, string> = {
  five_hour: "5-hour",
  seven_day: "weekly",
  seven_day_opus: "weekly Opus",
  seven_day_sonnet: "weekly Sonnet",
};

function windowName(window: string | null): string {
  return window ? (WINDOW_NAMES[window] ?? window.replaceAll("_", " ")) : "usage";
}

function capText(
  config: Pick<Config, "cost_limit_per_session" | "cost_limit_per_day" | "cost_limit_per_month">,
): string {
  const caps = [
    config.cost_limit_per_session !== null ? `${formatUsd(config.cost_limit_per_session)} per session` : "",
    config.cost_limit_per_day !== null ? `${formatUsd(config.cost_limit_per_day)} per day` : "",
    config.cost_limit_per_month !== null ? `${formatUsd(config.cost_limit_per_month)} per month` : "",
  ].filter(Boolean);
  return caps.length > 0 ? `API spend is capped at ${caps.join(", ")}.` : "No API spending cap is set.";
}

export function resetText(limit: LimitInfo, now: number): string {
  const when = describeReset(limit.resetsAt, now);
  return limit.resetAssumed ? `resets ${when} (assumed: Claude did not say when)` : `resets ${when}`;
}

/** Everything a wrapped run tells the user: the machine's notices and what comes from elsewhere. */
export type DisplayNotice = Notice | { kind: "approaching" | "cap_warning" | "cap_reached"; text: string };

export type TextRequest =
  | { kind: "ask"; limit: LimitInfo; config: Config; now: number }
  | { kind: "notice"; notice: DisplayNotice; config: Config; now: number };

/**
 * A message written for Claude's screen (the gateway's answers start with our name, so Claude's
 * "API Error: 402 …" says who refused) without that name: the wrapper's own lines add it once.
 */
export function withoutOurName(text: string): string {
  return text.replace(/^claude-fallback( gateway)?: /, "");
}

/** The lines of the limit prompt, or the one sentence of a notice. */
export function noticeText(request: TextRequest): string[] {
  if (request.kind === "ask") {
    const { limit, config, now } = request;
    return [
      `Your ${windowName(limit.window)} subscription limit is reached; it ${resetText(limit, now)}.`,
      "Continue this conversation now on your own API key (pay per token)?",
      capText(config),
      config.auto_revert_on_reset ? "Claude goes back to your subscription when the limit resets." : "",
      `No answer in ${config.prompt_timeout_seconds} s counts as no.`,
    ].filter(Boolean);
  }
  const { notice, config, now } = request;
  switch (notice.kind) {
    case "approaching":
    case "cap_warning":
    case "cap_reached":
      return [withoutOurName(notice.text)];
    case "limit_reached": {
      const base = `Subscription ${windowName(notice.limit.window)} limit reached; it ${resetText(notice.limit, now)}.`;
      return notice.detail === NO_KEY_REASON ? [`${base} ${NO_KEY_REASON}.`] : [base];
    }
    case "switched_to_api":
      return [`Switched to API billing to continue this conversation. ${capText(config)}`];
    case "reverted":
      return ["Back on your subscription."];
    case "switch_pending":
      return [
        `Switching to ${notice.to === "api" ? "API billing" : "your subscription"} when Claude finishes this turn.`,
      ];
    case "error":
      return [withoutOurName(notice.message)];
  }
}

interface SpendContext {
  ledger: Ledger;
  /** This run's API spend, nano-dollars (the gateway's count: right also with log_usage off). */
  runSpendNano: number;
  config: Config;
  stateDir: string;
  now: number;
}

/** The line that ends every run that used API billing (SPEC §1: what it cost), and how to go on. */
export function apiBillingSummary(spentNanoUsd: number, sessionId: string | null): string {
  const resume = sessionId ? `; continue the conversation with: claude-fallback resume ${sessionId}` : "";
  return `claude-fallback: this run's API billing: ${formatUsd(nanoToUsd(spentNanoUsd))} (details: claude-fallback usage run)${resume}`;
}

/** The status-line segment for the current state (SPEC §8). */
export function segmentFor(context: SpendContext & { state: SessionState; env: NodeJS.ProcessEnv }): string {
  const { state, runSpendNano, config, now } = context;
  const options = { now, zone: context.env.TZ, unicode: localeIsUtf8(context.env) };
  if (state.mode === "api") {
    return formatSegment(
      {
        mode: "api",
        spendUsd: nanoToUsd(runSpendNano),
        capUsd: config.cost_limit_per_session,
        subscriptionResetsAt: state.limit?.resetsAt ?? null,
      },
      options,
    );
  }
  const shared = readState(stateFile(context.stateDir));
  const windows = Object.entries(shared.utilisation?.windows ?? {}).map(([name, window]) => ({
    name,
    usedPercentage: window.used_percentage,
    resetsAt: window.resets_at,
  }));
  return formatSegment({ mode: "subscription", windows, limit: state.limit }, options);
}

/** The menu's usage page: API spend for this run, today and this month against the caps. */
export function usageSummary(context: SpendContext & { mode: string }): string[] {
  const { ledger, runSpendNano, config, now } = context;
  const zone = systemZone();
  const day = periodOf("day", now, zone);
  const month = periodOf("month", now, zone);
  const line = (label: string, nano: number, cap: number | null) =>
    `${label}: ${formatUsd(nanoToUsd(nano))}${cap !== null ? ` of ${formatUsd(cap)}` : ""}`;
  const shared = readState(stateFile(context.stateDir));
  const windows = Object.entries(shared.utilisation?.windows ?? {}).map(
    ([name, window]) => `${windowName(name)}: ${Math.round(window.used_percentage)}% used`,
  );
  return [
    `Billing now: ${context.mode === "api" ? "API key" : "subscription"}`,
    line("API spend this run", runSpendNano, config.cost_limit_per_session),
    line("API spend today", ledger.spendSince(day.startMs).nanoUsd, config.cost_limit_per_day),
    line("API spend this month", ledger.spendSince(month.startMs).nanoUsd, config.cost_limit_per_month),
    ...(windows.length > 0 ? [`Subscription: ${windows.join(", ")}`] : []),
  ];
}

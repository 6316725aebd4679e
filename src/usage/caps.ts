import { formatUsd, nanoToUsd, usdToNano } from "../money.js";

/**
 * The caps of SPEC §6 and §11, in the units of the config file (USD; null = no cap).
 * `cost_limit_until_reset` caps one limit's fallback: the API spend of every run from the moment
 * the subscription's limit was hit until it resets.
 */
export interface CapConfig {
  cost_limit_per_session: number | null;
  cost_limit_per_day: number | null;
  cost_limit_per_month: number | null;
  cost_limit_until_reset: number | null;
}

export type CapName = "session" | "day" | "month" | "until_reset";

export interface CapSpend {
  session: number;
  day: number;
  month: number;
  /** Since the limit in force was hit; null when no limit is in force (the cap then does not apply). */
  untilReset: number | null;
}

const CONFIG_KEY: Record<CapName, keyof CapConfig> = {
  session: "cost_limit_per_session",
  day: "cost_limit_per_day",
  month: "cost_limit_per_month",
  until_reset: "cost_limit_until_reset",
};

export const capNames: readonly CapName[] = ["session", "day", "month", "until_reset"];

/** The config key that sets a cap. */
export function capConfigKey(cap: CapName): keyof CapConfig {
  return CONFIG_KEY[cap];
}

const LABEL: Record<CapName, string> = {
  session: "per-session",
  day: "daily",
  month: "monthly",
  until_reset: "until-reset",
};

const SPENT_WHEN: Record<CapName, string> = {
  session: "this run",
  day: "today",
  month: "this month",
  until_reset: "since the subscription's limit was hit",
};

export const CAP_WARNING_FRACTION = 0.8;

export interface CapStatus {
  cap: CapName;
  configKey: keyof CapConfig;
  limitNanoUsd: number;
  spentNanoUsd: number;
}

/** What each cap counts, from a spend snapshot. */
export function capSpendOf(snapshot: {
  run: { nanoUsd: number };
  day: { nanoUsd: number };
  month: { nanoUsd: number };
  untilReset: { nanoUsd: number } | null;
}): CapSpend {
  return {
    session: snapshot.run.nanoUsd,
    day: snapshot.day.nanoUsd,
    month: snapshot.month.nanoUsd,
    untilReset: snapshot.untilReset?.nanoUsd ?? null,
  };
}

function spentOn(cap: CapName, spent: CapSpend): number | null {
  return cap === "until_reset" ? spent.untilReset : spent[cap];
}

function statuses(caps: CapConfig, spent: CapSpend): CapStatus[] {
  return capNames.flatMap((cap) => {
    const limit = caps[CONFIG_KEY[cap]];
    const spentNanoUsd = spentOn(cap, spent);
    return limit === null || spentNanoUsd === null
      ? []
      : [{ cap, configKey: CONFIG_KEY[cap], limitNanoUsd: usdToNano(limit), spentNanoUsd }];
  });
}

/** The first cap whose spend has reached its limit: the next request must not go upstream. */
export function reachedCap(caps: CapConfig, spent: CapSpend): CapStatus | null {
  return statuses(caps, spent).find((status) => status.spentNanoUsd >= status.limitNanoUsd) ?? null;
}

/** Caps at or above 80 % of their limit (a cap of $0 counts as reached, not warned). */
export function capsAtWarning(caps: CapConfig, spent: CapSpend): CapStatus[] {
  return statuses(caps, spent).filter(
    (status) => status.limitNanoUsd > 0 && status.spentNanoUsd >= status.limitNanoUsd * CAP_WARNING_FRACTION,
  );
}

/** "per-session", "daily", "monthly". */
export function capLabel(cap: CapName): string {
  return LABEL[cap];
}

/** "the per-session API spending cap of $10.00 is reached ($10.02 spent this run)" */
export function capReachedText(status: CapStatus): string {
  const limit = formatUsd(nanoToUsd(status.limitNanoUsd));
  const spent = formatUsd(nanoToUsd(status.spentNanoUsd));
  return `the ${LABEL[status.cap]} API spending cap of ${limit} is reached (${spent} spent ${SPENT_WHEN[status.cap]})`;
}

/**
 * The refusal Claude Code shows verbatim: which cap, the spend, and the ways out. Claude Code
 * prints a 402 `billing_error` as `API Error: 402 <message>` and does not retry it.
 */
export function capRefusalMessage(status: CapStatus, hint?: string): string {
  return (
    `claude-fallback: ${capReachedText(status)}; nothing was sent to Anthropic. ` +
    `To go on, raise ${status.configKey} in your claude-fallback config (read when claude-fallback starts)` +
    (hint ? ` or, ${hint}` : "") +
    ", or wait for your subscription to reset and run `claude-fallback use subscription`."
  );
}

/**
 * A cap reached by a request that was answered and billed (a cap is checked before each request,
 * so one request can cross it): the requests after it are refused.
 */
export function capCrossedMessage(status: CapStatus): string {
  return (
    `${capReachedText(status)}: further API requests are refused. ` +
    `To go on, raise ${status.configKey} (an interactive wrapped session can, for this run, from its menu), ` +
    "or wait for your subscription to reset."
  );
}

/** Why a switch to API billing would be refused at once, for a limit notice. */
export function capReachedReason(status: CapStatus): string {
  return `${capReachedText(status)}; raise ${status.configKey} to continue on API billing`;
}

/**
 * The limit a reached cap is raised to for the rest of a run: one more of the configured amount
 * (as many as it takes to pass the spend). None for a cap of $0, which says "never".
 */
export function raisedLimitUsd(status: CapStatus, configuredUsd: number): number | null {
  if (!(configuredUsd > 0)) return null;
  const step = usdToNano(configuredUsd);
  const over = Math.max(0, status.spentNanoUsd - status.limitNanoUsd);
  return nanoToUsd(status.limitNanoUsd + step * (Math.floor(over / step) + 1));
}

export function capWarningMessage(status: CapStatus): string {
  const limit = formatUsd(nanoToUsd(status.limitNanoUsd));
  const spent = formatUsd(nanoToUsd(status.spentNanoUsd));
  return `API spend ${SPENT_WHEN[status.cap]} is ${spent} of the ${LABEL[status.cap]} cap of ${limit} (${status.configKey}).`;
}

/** "API spend is capped at $10.00 per session, $20.00 per day." — the caps a switch to API billing runs under. */
export function capsText(caps: CapConfig): string {
  const parts = [
    caps.cost_limit_per_session !== null ? `${formatUsd(caps.cost_limit_per_session)} per session` : "",
    caps.cost_limit_per_day !== null ? `${formatUsd(caps.cost_limit_per_day)} per day` : "",
    caps.cost_limit_per_month !== null ? `${formatUsd(caps.cost_limit_per_month)} per month` : "",
    caps.cost_limit_until_reset !== null
      ? `${formatUsd(caps.cost_limit_until_reset)} until the limit resets`
      : "",
  ].filter(Boolean);
  return parts.length > 0 ? `API spend is capped at ${parts.join(", ")}.` : "No API spending cap is set.";
}

/** The caps that count every run's spend (the ledger's), in the order a message names the first set. */
export const RUN_SPANNING_CAPS = [
  "cost_limit_per_day",
  "cost_limit_per_month",
  "cost_limit_until_reset",
] as const;

/** A cap that counts every run's spend is set: other runs read this run's rows. */
export function capsSpanRuns(caps: CapConfig): boolean {
  return RUN_SPANNING_CAPS.some((key) => caps[key] !== null);
}

/**
 * The caps of one run: the configured ones, and those the user raised for the rest of the run
 * (SPEC §4.7 `[r]`, §6). The one place a raised cap lives: the gateway, the menu and
 * the status line all read {@link current}.
 */
export class RunCaps {
  private raised: Partial<CapConfig> = {};

  constructor(private readonly configured: CapConfig) {}

  current(): CapConfig {
    return {
      cost_limit_per_session: this.raised.cost_limit_per_session ?? this.configured.cost_limit_per_session,
      cost_limit_per_day: this.raised.cost_limit_per_day ?? this.configured.cost_limit_per_day,
      cost_limit_per_month: this.raised.cost_limit_per_month ?? this.configured.cost_limit_per_month,
      cost_limit_until_reset: this.raised.cost_limit_until_reset ?? this.configured.cost_limit_until_reset,
    };
  }

  /** The limit a reached cap would be raised to (null: it cannot be, a $0 cap says "never"). */
  raiseTo(status: CapStatus): number | null {
    return raisedLimitUsd(status, this.configured[status.configKey] ?? 0);
  }

  /** Raises a reached cap for the rest of the run; returns the new limit, or null when it cannot be. */
  raise(status: CapStatus): number | null {
    const to = this.raiseTo(status);
    if (to !== null) this.raised = { ...this.raised, [status.configKey]: to };
    return to;
  }
}

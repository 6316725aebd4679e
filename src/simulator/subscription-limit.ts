import type { LimitClaim, SimulatorSettings, UnifiedStatus } from "./types.js";

export type LimitSettings = Pick<
  SimulatorSettings,
  | "limitAfterRequests"
  | "limitAfterTokens"
  | "limitClaim"
  | "resetInSeconds"
  | "resetAt"
  | "warnAtUtilization"
>;

/** What `state()` reports about the subscription window. */
export interface LimitSnapshot {
  claim: LimitClaim;
  /** The status an in-scope request would get now. */
  status: UnifiedStatus;
  utilization: number;
  requestsUsed: number;
  tokensUsed: number;
  limitAfterRequests: number | null;
  limitAfterTokens: number | null;
  /** Epoch seconds when the limit resets (if it were hit now, when not yet hit). */
  resetsAt: number;
}

type WindowName = "5h" | "7d";

const WINDOW_SECONDS: Record<WindowName, number> = { "5h": 5 * 3600, "7d": 7 * 86400 };

/** The per-window headers Claude Code reads exist only for these claims; model-scoped claims have none. */
const CLAIM_WINDOW: Partial<Record<LimitClaim, WindowName>> = { five_hour: "5h", seven_day: "7d" };

const UNIFIED = "anthropic-ratelimit-unified";

function appliesTo(claim: LimitClaim, model: string): boolean {
  if (claim === "seven_day_opus") return /opus/i.test(model);
  if (claim === "seven_day_sonnet") return /sonnet/i.test(model);
  return true;
}

const twoDecimals = (value: number): number => Math.round(value * 100) / 100;

/**
 * The subscription's usage window, on an injected clock. A window counts the subscription message requests
 * and tokens in its scope; once `limitAfterRequests` or `limitAfterTokens` is used up, the next in-scope
 * request is rejected and the limit is "hit". It resets `resetInSeconds` after the hit (or at an explicit
 * `resetAt`), and a fresh window begins.
 */
export class SubscriptionLimit {
  private windowStartedAt: number | null = null;
  private requestsUsed = 0;
  private tokensUsed = 0;
  private hit: { at: number; claim: LimitClaim } | null = null;

  constructor(
    private readonly now: () => number,
    private readonly settings: () => LimitSettings,
  ) {}

  /** Whether a subscription request for `model` must be rejected now. Marks the limit hit when it is. */
  rejects(model: string): boolean {
    const now = this.advance();
    this.windowStartedAt ??= now;
    const claim = this.claim();
    if (!appliesTo(claim, model)) return false;
    if (this.hit) return true;
    if (!this.exhausted()) return false;
    this.hit = { at: now, claim };
    return true;
  }

  /** Counts an answered subscription request against the window. */
  record(model: string, tokens: number): void {
    this.windowStartedAt ??= this.advance();
    if (!appliesTo(this.claim(), model)) return;
    this.requestsUsed += 1;
    this.tokensUsed += tokens;
  }

  /** The `anthropic-ratelimit-unified-*` headers of a response to a request for `model`. */
  headers(model: string, rejected: boolean): Record<string, string> {
    const now = this.advance();
    const { warnAtUtilization } = this.settings();
    const claim = this.claim();
    const inScope = appliesTo(claim, model);
    const utilization = this.utilization();
    const limitReset = this.resetsAtMs(now);
    const claimWindow = CLAIM_WINDOW[claim];
    const headers: Record<string, string> = {};
    const windowStatus: Partial<Record<WindowName, UnifiedStatus>> = {};
    for (const window of ["5h", "7d"] as const) {
      const isClaimWindow = window === claimWindow;
      // The window that is not running out still rises with use, more slowly.
      const used = isClaimWindow ? utilization : twoDecimals(utilization / 4);
      const status: UnifiedStatus =
        isClaimWindow && rejected ? "rejected" : used >= warnAtUtilization ? "allowed_warning" : "allowed";
      const reset = isClaimWindow ? limitReset : now + WINDOW_SECONDS[window] * 1000;
      windowStatus[window] = status;
      headers[`${UNIFIED}-${window}-status`] = status;
      headers[`${UNIFIED}-${window}-reset`] = String(Math.ceil(reset / 1000));
      headers[`${UNIFIED}-${window}-utilization`] = String(used);
      if (used >= warnAtUtilization)
        headers[`${UNIFIED}-${window}-surpassed-threshold`] = String(warnAtUtilization);
    }
    const status: UnifiedStatus = !inScope
      ? windowStatus["5h"]!
      : rejected
        ? "rejected"
        : utilization >= warnAtUtilization
          ? "allowed_warning"
          : "allowed";
    headers[`${UNIFIED}-status`] = status;
    headers[`${UNIFIED}-representative-claim`] = inScope ? claim : "five_hour";
    headers[`${UNIFIED}-reset`] = inScope
      ? String(Math.ceil(limitReset / 1000))
      : headers[`${UNIFIED}-5h-reset`]!;
    // As a real subscription without extra usage sends them; Claude Code reads both.
    headers[`${UNIFIED}-fallback-percentage`] = "0.5";
    headers[`${UNIFIED}-overage-status`] = "rejected";
    headers[`${UNIFIED}-overage-disabled-reason`] = "org_level_disabled";
    return headers;
  }

  /** Starts a fresh window: nothing used, no limit. */
  lift(): void {
    this.startWindow(this.now());
  }

  /** Hits the limit now, whatever has been used. */
  trigger(claim?: LimitClaim): void {
    const now = this.advance();
    this.windowStartedAt ??= now;
    this.hit = { at: now, claim: claim ?? this.settings().limitClaim };
  }

  snapshot(): LimitSnapshot {
    const now = this.advance();
    const { limitAfterRequests, limitAfterTokens, warnAtUtilization } = this.settings();
    const utilization = this.utilization();
    const status: UnifiedStatus =
      this.hit || this.exhausted()
        ? "rejected"
        : utilization >= warnAtUtilization
          ? "allowed_warning"
          : "allowed";
    return {
      claim: this.claim(),
      status,
      utilization,
      requestsUsed: this.requestsUsed,
      tokensUsed: this.tokensUsed,
      limitAfterRequests,
      limitAfterTokens,
      resetsAt: Math.ceil(this.resetsAtMs(now) / 1000),
    };
  }

  private claim(): LimitClaim {
    return this.hit?.claim ?? this.settings().limitClaim;
  }

  private exhausted(): boolean {
    const { limitAfterRequests, limitAfterTokens } = this.settings();
    return (
      (limitAfterRequests !== null && this.requestsUsed >= limitAfterRequests) ||
      (limitAfterTokens !== null && this.tokensUsed >= limitAfterTokens)
    );
  }

  private utilization(): number {
    if (this.hit) return 1;
    const { limitAfterRequests, limitAfterTokens } = this.settings();
    const ratio = (used: number, limit: number | null): number =>
      limit === null ? 0 : limit === 0 ? 1 : used / limit;
    const used = Math.max(
      ratio(this.requestsUsed, limitAfterRequests),
      ratio(this.tokensUsed, limitAfterTokens),
    );
    return twoDecimals(Math.min(1, used));
  }

  /** An explicit `resetAt` counts only for the window it falls in; after it passes, windows use `resetInSeconds`. */
  private explicitResetMs(): number | undefined {
    const { resetAt } = this.settings();
    if (resetAt === null) return undefined;
    const ms = resetAt * 1000;
    return this.windowStartedAt === null || ms > this.windowStartedAt ? ms : undefined;
  }

  private resetsAtMs(now: number): number {
    return this.explicitResetMs() ?? (this.hit?.at ?? now) + this.settings().resetInSeconds * 1000;
  }

  /** Moves to a fresh window once the reset instant has passed; returns the time. */
  private advance(): number {
    const now = this.now();
    const explicit = this.explicitResetMs();
    const resetPassed = this.hit ? now >= this.resetsAtMs(now) : explicit !== undefined && now >= explicit;
    if (resetPassed) this.startWindow(now);
    return now;
  }

  private startWindow(now: number): void {
    this.windowStartedAt = now;
    this.requestsUsed = 0;
    this.tokensUsed = 0;
    this.hit = null;
  }
}

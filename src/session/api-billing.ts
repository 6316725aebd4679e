import type { Config } from "../config/schema.js";
import type { KeyProvider, ResolvedKey } from "../config/secret.js";
import { FallbackError, UsageError } from "../errors.js";
import { type CapConfig, type CapStatus, capReachedReason, reachedCap } from "../gateway/caps.js";
import type { Gateway, GatewayEvent } from "../gateway/server.js";
import { isLoopbackHostname } from "../platform/loopback.js";
import { createPricing } from "../pricing/pricing.js";
import type { EventKind, Ledger } from "../usage/ledger.js";
import { SpendTracker } from "../usage/ledger.js";
import { NO_KEY_REASON } from "./policy.js";

export const DEFAULT_UPSTREAM = "https://api.anthropic.com";

/**
 * The gateway's upstream (SPEC §6): `upstream_url`, else the user's ANTHROPIC_BASE_URL, else the
 * real API. Plain http is refused unless the host is loopback: the key must not cross a network
 * in clear text.
 */
export function resolveUpstream(config: Pick<Config, "upstream_url">, env: NodeJS.ProcessEnv): URL {
  const [value, source] = config.upstream_url
    ? [config.upstream_url, "upstream_url"]
    : env.ANTHROPIC_BASE_URL
      ? [env.ANTHROPIC_BASE_URL, "ANTHROPIC_BASE_URL"]
      : [DEFAULT_UPSTREAM, "default"];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // A URL with a password in it must not be echoed, even a broken one.
    const shown = value.includes("@") ? "" : ` ${JSON.stringify(value)}`;
    throw new UsageError(`${source}${shown} is not a URL`);
  }
  if (url.username || url.password) {
    // The gateway sends only the API key upstream; credentials in the URL would be dropped silently.
    throw new UsageError(`${source} ${url.origin}: credentials in the URL are not allowed`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHostname(url.hostname))) {
    throw new UsageError(`${source} ${url.origin} must use https:// (plain http only for a loopback host)`);
  }
  return url;
}

/** The ledger row of a gateway event: its kind, and details for reports (never a secret). */
export function eventRecord(event: GatewayEvent): { kind: EventKind; detail: Record<string, unknown> } {
  switch (event.kind) {
    case "cap_warning":
    case "cap_reached":
      return {
        kind: event.kind,
        detail: {
          message: event.message,
          cap: event.cap.cap,
          configKey: event.cap.configKey,
          limitNanoUsd: event.cap.limitNanoUsd,
          spentNanoUsd: event.cap.spentNanoUsd,
        },
      };
    case "unknown_model":
      return { kind: "unknown_model", detail: { message: event.message, model: event.model } };
    case "upstream_error":
    case "ledger_error":
      return { kind: "error", detail: { message: event.message, source: event.kind } };
  }
}

export interface ApiBillingOptions {
  config: Config;
  key: ResolvedKey;
  env: NodeJS.ProcessEnv;
  ledger: Ledger;
  runId: string;
  onEvent: (event: GatewayEvent) => void;
  onMetered?: () => void;
  /** Appended to a cap refusal Claude shows: where to raise the cap in this kind of run. */
  capRefusalHint?: (cap: CapStatus) => string | null;
}

/**
 * API billing for one wrapper run: the metering gateway in front of the upstream, with this
 * run's spend tracked against the caps. Claude Code reaches it through `gateway.url` and
 * `gateway.secret`; the key stays here.
 */
export async function startApiBilling(options: ApiBillingOptions): Promise<Gateway> {
  const upstream = resolveUpstream(options.config, options.env);
  const pricing = createPricing(options.config.pricing);
  const spend = new SpendTracker(options.ledger, options.runId);
  // Loaded when API billing starts: a run on the subscription, and every other command, start
  // without the HTTP client it needs.
  const { startGateway } = await import("../gateway/server.js");
  try {
    return await startGateway({
      upstream,
      apiKey: options.key.key,
      apiModel: options.config.api_model,
      pricing,
      spend,
      caps: options.config,
      onMetered: options.onMetered,
      capRefusalHint: options.capRefusalHint,
      onEvent: (event) => {
        try {
          options.ledger.recordEvent({ runId: options.runId, at: Date.now(), ...eventRecord(event) });
        } finally {
          options.onEvent(event);
        }
      },
    });
  } catch (error) {
    throw new FallbackError(
      `could not start the API gateway: ${error instanceof Error ? error.message : error}`,
    );
  }
}

/**
 * The cap an API request of this run would be refused by now, if any: this run's spend
 * (`runSpendNano` when the gateway counts it in memory, else the ledger's rows of the run), and
 * today's and this month's spend of every run. Null when none is reached or the ledger cannot tell
 * (the gateway then judges each request itself).
 */
export function reachedCapNow(
  config: Config,
  ledger: Ledger,
  runId: string,
  now: number,
  runSpendNano?: number,
): CapStatus | null {
  try {
    const snapshot = new SpendTracker(ledger, runId).snapshot(now);
    return reachedCap(config, {
      session: runSpendNano ?? snapshot.run.nanoUsd,
      day: snapshot.day.nanoUsd,
      month: snapshot.month.nanoUsd,
    });
  } catch {
    return null;
  }
}

/**
 * The cap that would refuse the very first API request after a switch, as a reason for a limit
 * notice. `billing` counts this run's spend, with `log_usage: false` too.
 */
export function capRefusingSwitch(
  config: Config,
  ledger: Ledger,
  runId: string,
  now: number,
  billing: LazyApiBilling,
): string | null {
  const reached = reachedCapNow(config, ledger, runId, now, billing.spentThisRun());
  return reached ? capReachedReason(reached) : null;
}

/**
 * API billing started on first need (a switch, or a run that starts on API billing) and kept for
 * the rest of the run: the key is resolved then (an `api_key_command` runs at most once), and the
 * gateway stays up across later switches so the run's spend and caps carry on.
 */
export class LazyApiBilling {
  private gateway: Gateway | undefined;
  private starting: Promise<Gateway> | undefined;
  private key: string | null = null;
  /** Caps raised for this run, which the gateway gets when it starts (null: the configured ones). */
  private caps: CapConfig | null = null;

  constructor(private readonly options: Omit<ApiBillingOptions, "key"> & { keys: KeyProvider }) {}

  /** The key once resolved, so notifications can be scrubbed of it. */
  get resolvedKey(): string | null {
    return this.key;
  }

  /** This run's API spend so far, nano-dollars (0 before the gateway started). */
  spentThisRun(): number {
    return this.gateway?.spentThisRun() ?? 0;
  }

  gatewayStarted(): Gateway | undefined {
    return this.gateway;
  }

  /** New caps for the rest of this run (a cap raised from the wrapper's menu). */
  setCaps(caps: CapConfig): void {
    this.caps = caps;
    this.gateway?.setCaps(caps);
  }

  ensure(): Promise<Gateway> {
    this.starting ??= (async () => {
      const key = await this.options.keys.get();
      if (!key) throw new Error(NO_KEY_REASON);
      this.key = key.key;
      this.gateway = await startApiBilling({
        ...this.options,
        config: { ...this.options.config, ...this.caps },
        key,
      });
      return this.gateway;
    })().catch((error: unknown) => {
      // A failed start (a failing api_key_command) may be retried at the next switch.
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  async close(): Promise<void> {
    await this.gateway?.close();
  }
}

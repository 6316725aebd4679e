import type { Config } from "../config/schema.js";
import { NO_KEY_MESSAGE } from "../config/schema.js";
import type { KeyProvider, ResolvedKey } from "../config/secret.js";
import { FallbackError, UsageError } from "../errors.js";
import { type Gateway, listenGateway } from "../gateway/listener.js";
import type { RunEvent } from "../notify/run-events.js";
import { isLoopbackHostname } from "../platform/loopback.js";
import type { CapConfig, CapStatus } from "../usage/caps.js";
import type { SpendTracker } from "../usage/spend.js";

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

export interface ApiBillingOptions {
  config: Config;
  key: ResolvedKey;
  env: NodeJS.ProcessEnv;
  /** The run's spend, which the gateway queues every request into (asked for when its pipeline is set up). */
  spend: () => SpendTracker;
  /** The caps as they are now (raised for the run, too). */
  caps: () => CapConfig;
  onEvent: (event: RunEvent) => void;
  onMetered?: () => void;
  /** Appended to a cap refusal Claude shows: where to raise the cap in this kind of run. */
  capRefusalHint?: (cap: CapStatus) => string | null;
  /** When the subscription's limit in force was hit (for `cost_limit_until_reset`). */
  limitSince?: () => number | null;
}

/**
 * API billing for one wrapper run: the metering gateway in front of the upstream, with this
 * run's spend tracked against the caps. Claude Code reaches it through `gateway.url` and
 * `gateway.secret`; the key stays here. Resolves once the gateway listens: its pipeline is set up
 * by `gateway.ready()` (or its first request, which waits for it), so Claude can be started first.
 */
export async function startApiBilling(options: ApiBillingOptions): Promise<Gateway> {
  const upstream = resolveUpstream(options.config, options.env);
  try {
    return await listenGateway({
      // Loaded when API billing starts: a run on the subscription, and every other command, start
      // without the HTTP client it needs, and one on API billing starts Claude before loading it.
      pipeline: async (address) => {
        const [{ gatewayPipeline }, { createPricing }] = await Promise.all([
          import("../gateway/server.js"),
          import("../pricing/pricing.js"),
        ]);
        return gatewayPipeline(
          {
            upstream,
            apiKey: options.key.key,
            apiModel: options.config.api_model,
            pricing: createPricing(options.config.pricing),
            spend: options.spend(),
            caps: options.caps,
            onMetered: options.onMetered,
            capRefusalHint: options.capRefusalHint,
            limitSince: options.limitSince,
            onEvent: options.onEvent,
          },
          address,
        );
      },
    });
  } catch (error) {
    throw new FallbackError(
      `could not start the API gateway: ${error instanceof Error ? error.message : error}`,
    );
  }
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

  constructor(private readonly options: Omit<ApiBillingOptions, "key"> & { keys: KeyProvider }) {}

  /** The key once resolved, so notifications can be scrubbed of it. */
  get resolvedKey(): string | null {
    return this.key;
  }

  gatewayStarted(): Gateway | undefined {
    return this.gateway;
  }

  ensure(): Promise<Gateway> {
    this.starting ??= (async () => {
      const key = await this.options.keys.get();
      if (!key) throw new Error(NO_KEY_MESSAGE);
      this.key = key.key;
      this.gateway = await startApiBilling({ ...this.options, key });
      return this.gateway;
    })().catch((error: unknown) => {
      // A failed start (a failing api_key_command) may be retried at the next switch.
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  /** Cuts the gateway's requests in flight and waits (briefly) until each is in the run's spend. */
  async endRequests(): Promise<void> {
    await this.gateway?.endRequests();
  }

  async close(): Promise<void> {
    await this.gateway?.close();
  }
}

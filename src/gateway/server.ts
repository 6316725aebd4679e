/**
 * The metering gateway (SPEC §6): Claude Code's API endpoint in api mode, on 127.0.0.1. Each
 * request goes down one pipeline — admission (Host, secret, target, body), the cap guard, the
 * forward to the upstream with the user's key, the relay of the answer as it streams, and its
 * account in the ledger — each stage in a module of its own.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { FallbackError } from "../errors.js";
import type { RunEvent } from "../notify/run-events.js";
import { loadUndiciPool } from "../platform/undici.js";
import type { Pricing } from "../pricing/pricing.js";
import type { CapConfig, CapStatus } from "../usage/caps.js";
import type { SpendTracker } from "../usage/spend.js";
import { meteredRow, type RequestBase, unbilledRow } from "./accounting.js";
import { Admission, claudeSessionId } from "./admission.js";
import { CapGuard } from "./cap-guard.js";
import { sendApiError } from "./errors.js";
import { forward, headerValue, parseJsonObject } from "./forward.js";
import { downstreamResponseHeaders } from "./headers.js";
import { LedgerWriter } from "./ledger-writer.js";
import { type Gateway, listenGateway, type Pipeline } from "./listener.js";
import { meterFor } from "./meter.js";
import { relayBody } from "./relay.js";
import { Cancellation } from "./upstream.js";

export interface GatewayOptions {
  /** Where requests go: `upstream_url`, else the user's ANTHROPIC_BASE_URL, else the real API. */
  upstream: URL;
  /** The user's API key; it leaves this process only as `x-api-key` to the upstream. */
  apiKey: string;
  /** The per-run secret Claude Code must present; made fresh when omitted. */
  secret?: string;
  /** `api_model`: replaces `model` in every Messages request. */
  apiModel?: string | null;
  pricing: Pricing;
  /** The run's spend: every request is queued into it (and so counted by the caps) as it ends. */
  spend: SpendTracker;
  /** The caps as they are now; read before every request (a cap raised for the run takes effect at once). */
  caps: () => CapConfig;
  /**
   * What the user should hear of (a cap warned or reached, an unpriced model, a refused key, the
   * ledger failing), every time it is so: the listener says each once.
   */
  onEvent?: (event: RunEvent) => void;
  /** Called after each metered Messages response is recorded (the spend may have changed). */
  onMetered?: () => void;
  /** Appended to a cap refusal: where to raise that cap in this run, when it can be (null: it cannot). */
  capRefusalHint?: (cap: CapStatus) => string | null;
  /** When the subscription's limit in force was hit (for `cost_limit_until_reset`); null: none. */
  limitSince?: () => number | null;
  now?: () => number;
  /** Largest request body accepted (the API's own limit is 32 MB). */
  maxRequestBytes?: number;
  /** Upstream timeouts; the defaults suit long generations. */
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** Port to listen on; 0 (default) takes a free one. */
  port?: number;
}

export type { Gateway } from "./listener.js";

const DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024;

/** The gateway listening with its pipeline ready. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const gateway = await listenGateway({
    secret: options.secret,
    port: options.port,
    pipeline: async (address) => gatewayPipeline(options, address),
  });
  try {
    await gateway.ready();
  } catch (error) {
    await gateway.close();
    throw error;
  }
  return gateway;
}

/** Every request's way through the gateway, for the socket `address` listens on. */
export function gatewayPipeline(
  options: Omit<GatewayOptions, "secret" | "port">,
  address: { port: number; secret: string },
): Pipeline {
  const { secret } = address;
  const now = options.now ?? Date.now;
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const tell = (event: RunEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // Whoever listens (a notification, a ledger event row) must not break the request in flight.
    }
  };
  const admission = new Admission(secret, maxRequestBytes);
  admission.port = address.port;
  const guard = new CapGuard({
    caps: options.caps,
    spend: options.spend,
    pricing: options.pricing,
    now,
    refusalHint: options.capRefusalHint,
    limitSince: options.limitSince,
  });
  /** A ledger that cannot be read or written must not take the gateway down. */
  const ledgerFailed = (error: FallbackError) =>
    tell({ kind: "error", source: "ledger", message: error.message });
  const writer = new LedgerWriter(options.spend, {
    writeAtOnce: () => guard.spansRuns(),
    onFailure: ledgerFailed,
  });
  const pool = new (loadUndiciPool())(options.upstream.origin, {
    connections: 32,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: options.headersTimeoutMs ?? 10 * 60_000,
    bodyTimeout: options.bodyTimeoutMs ?? 5 * 60_000,
    connectTimeout: 10_000,
  });
  const upstreamContext = { pool, upstream: options.upstream, apiKey: options.apiKey };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = now();
    const admitted = await admission.admit(req, res);
    if (!admitted) return;
    let { body } = admitted;
    const { fields, isMessages } = admitted;
    if (fields && options.apiModel) {
      // The whole body is parsed only to change it; the rest needs two top-level fields.
      const rewritten = parseJsonObject(body);
      if (rewritten) {
        body = Buffer.from(JSON.stringify({ ...rewritten, model: options.apiModel }));
        fields.model = options.apiModel;
      }
    }
    const base: RequestBase = {
      at: startedAt,
      claudeSessionId: claudeSessionId(req, fields),
      requestedModel: typeof fields?.model === "string" ? fields.model : null,
    };

    if (isMessages) {
      // Refused here, before anything reaches the upstream: Claude Code shows a 402 verbatim.
      const refusal = guard.check(base.requestedModel);
      if (refusal) {
        sendApiError(res, 402, "billing_error", refusal.message);
        tell(refusal.event);
        writer.record(
          unbilledRow(base, { outcome: "refused_cap", httpStatus: 402, errorType: "billing_error" }, now()),
        );
        return;
      }
    }

    const cancellation = new Cancellation();
    res.on("close", () => {
      if (!res.writableFinished) cancellation.cancel();
    });
    const forwarded = await forward(upstreamContext, req, res, {
      pathAndQuery: admitted.pathAndQuery,
      body,
      mayRetryThinking: fields !== null,
      requestedModel: base.requestedModel,
      cancellation,
    });
    if (forwarded.kind !== "response") {
      if (forwarded.kind === "answered" && forwarded.event) tell(forwarded.event);
      if (isMessages) {
        const row = forwarded.kind === "aborted" ? { outcome: "aborted" as const } : forwarded.row;
        writer.record(unbilledRow(base, row, now()));
      }
      return;
    }

    const upstream = forwarded.response;
    const contentType = headerValue(upstream.headers["content-type"]) ?? undefined;
    // Only Messages responses are billed; anything else passes through without being buffered.
    const meter = isMessages ? meterFor(contentType) : null;
    res.writeHead(upstream.statusCode, downstreamResponseHeaders(upstream.headers));
    // An event stream's head goes out at once: with its first event when that came with it (one
    // write, one wake-up of the client), else on its own before the first event is awaited.
    if (contentType?.includes("text/event-stream")) {
      setImmediate(() => {
        if (!res.headersSent && !res.destroyed) res.flushHeaders();
      });
    }
    const ended = await relayBody(upstream.body, res, meter ? (chunk) => meter.push(chunk) : null);
    if (!ended) {
      upstream.body.destroy();
      res.destroy();
    }
    if (!meter) return;

    const { row, unpricedModel } = meteredRow(
      base,
      {
        reading: meter.finish(),
        httpStatus: upstream.statusCode,
        requestId: headerValue(upstream.headers["request-id"]),
        cancelled: cancellation.cancelled,
        streamFailed: !ended && !cancellation.cancelled,
      },
      options.pricing,
      now(),
    );
    if (unpricedModel) tell(guard.answeredWithoutPrice(unpricedModel));
    writer.record(row);
    for (const event of guard.afterResponse()) tell(event);
    options.onMetered?.();
  }

  /** The requests being handled: a row each is still to come. */
  const inFlight = new Set<Promise<void>>();

  return {
    handle(req, res) {
      const handling = handle(req, res).catch((error: unknown) => {
        // Our own errors (a ledger that cannot be read for the day and month caps) are one
        // user-facing line, no secret.
        const reason = error instanceof FallbackError ? error.message : "internal error";
        if (error instanceof FallbackError) ledgerFailed(error);
        if (!res.headersSent) sendApiError(res, 500, "api_error", `claude-fallback gateway: ${reason}`);
        // A response cut short must look cut short: ending it cleanly would pass it off as complete.
        else if (!res.writableEnded) res.destroy();
      });
      inFlight.add(handling);
      void handling.finally(() => inFlight.delete(handling));
    },
    async settle(withinMs) {
      if (inFlight.size === 0) return;
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, withinMs);
      });
      await Promise.race([Promise.allSettled([...inFlight]), bound]);
      clearTimeout(timer);
    },
    finishWrites: () => writer.close(),
    close: () => pool.close(),
  };
}

import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";
import { maskKey } from "../config/secret.js";
import { FallbackError } from "../errors.js";
import { onProcessExit } from "../platform/exit-hooks.js";
import { bearerMatcher, isLoopbackHost, newSecret } from "../platform/loopback.js";
import { type Pricing, tokenUsageFromApi } from "../pricing/pricing.js";
import type { RequestOutcome, RequestRecord, SpendTracker } from "../usage/ledger.js";
import {
  type CapConfig,
  type CapSpend,
  type CapStatus,
  capConfigKey,
  capCrossedMessage,
  capNames,
  capRefusalMessage,
  capsAtWarning,
  capWarningMessage,
  reachedCap,
} from "./caps.js";
import { sendApiError } from "./errors.js";
import { downstreamResponseHeaders, upstreamRequestHeaders } from "./headers.js";
import { meterFor } from "./meter.js";
import { topLevelFields } from "./request-fields.js";
import { checkRequestTarget, upstreamPath } from "./request-target.js";
import { isThinkingSignatureRejection, withoutEarlierThinking } from "./thinking.js";
import { Cancellation, sendUpstream, type UpstreamBody, type UpstreamResponse } from "./upstream.js";

/** Things the gateway tells the wrapper about; each kind at most once per cap or model per run. */
export type GatewayEvent =
  | { kind: "cap_warning"; cap: CapStatus; message: string }
  | { kind: "cap_reached"; cap: CapStatus; message: string }
  | { kind: "unknown_model"; model: string; message: string }
  | { kind: "upstream_error"; message: string }
  /** The ledger could not be read or written (full disk, damaged file): spend may be unrecorded. */
  | { kind: "ledger_error"; message: string };

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
  spend: SpendTracker;
  caps: CapConfig;
  onEvent?: (event: GatewayEvent) => void;
  /** Called after each metered Messages response is recorded (the spend may have changed). */
  onMetered?: () => void;
  /** Appended to a cap refusal: where to raise that cap in this run, when it can be (null: it cannot). */
  capRefusalHint?: (cap: CapStatus) => string | null;
  now?: () => number;
  /** Largest request body accepted (the API's own limit is 32 MB). */
  maxRequestBytes?: number;
  /** Upstream timeouts; the defaults suit long generations. */
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** Port to listen on; 0 (default) takes a free one. */
  port?: number;
}

export interface Gateway {
  /** `http://127.0.0.1:PORT`: Claude Code's ANTHROPIC_BASE_URL in api mode. */
  url: string;
  port: number;
  /** Claude Code's ANTHROPIC_AUTH_TOKEN in api mode. */
  secret: string;
  /** This run's API spend so far, nano-dollars (also with `log_usage: false`). */
  spentThisRun(): number;
  /** Raises a cap for the rest of this run (the overlay's "raise the cap" answer). */
  setCaps(caps: CapConfig): void;
  close(): Promise<void>;
}

const MESSAGES_PATH = "/v1/messages";
/** How long a request row waits to be written with the rows of the requests that end after it. */
const LEDGER_WRITE_DELAY_MS = 50;
const DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024;

class RequestTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > limit) {
      reject(new RequestTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      if (size > limit) done(new RequestTooLarge());
    };
    const onEnd = () => done(null);
    const onFailure = () => done(new Error("request body cut short"));
    const done = (error: Error | null) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onFailure);
      req.off("close", onFailure);
      if (error) reject(error);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onFailure);
    req.on("close", onFailure);
  });
}

function parseJsonObject(body: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Claude Code names its session in `metadata.user_id` (a JSON string) and in a header. */
function claudeSessionId(req: IncomingMessage, body: Record<string, unknown> | null): string | null {
  const metadata = body?.metadata;
  if (typeof metadata === "object" && metadata !== null) {
    const userId = (metadata as Record<string, unknown>).user_id;
    if (typeof userId === "string") {
      try {
        const parsed: unknown = JSON.parse(userId);
        if (typeof parsed === "object" && parsed !== null) {
          const sessionId = (parsed as Record<string, unknown>).session_id;
          if (typeof sessionId === "string") return sessionId;
        }
      } catch {
        const match = /session_([0-9a-f-]{36})/.exec(userId);
        if (match?.[1]) return match[1];
      }
    }
  }
  const header = req.headers["x-claude-code-session-id"];
  return typeof header === "string" ? header : null;
}

/**
 * Copies a response body to the client as it arrives and resolves when it ended (true; the
 * response is ended too), failed or the client went away (false). The upstream sends every event
 * as an HTTP chunk of its own and one socket read hands over many at once: what arrives in one
 * tick leaves as one write at the end of it (the same bytes; only the response's chunk framing
 * differs), not as a write per event, and is metered as one piece.
 */
function relayBody(
  body: UpstreamBody,
  res: ServerResponse,
  onChunk: ((chunk: Buffer) => void) | null,
): Promise<boolean> {
  return new Promise((resolve) => {
    let batch: Buffer[] = [];
    let batchBytes = 0;
    let done = false;
    /** The bytes that arrived since the last write. */
    const take = (): Buffer | null => {
      if (batch.length === 0) return null;
      const chunk = batch.length === 1 ? batch[0]! : Buffer.concat(batch, batchBytes);
      batch = [];
      batchBytes = 0;
      return chunk;
    };
    // Each piece is metered (what the upstream sent is billed) once it is on its way to the client.
    const flush = () => {
      const chunk = take();
      if (!chunk) return;
      if (!res.destroyed && !res.write(chunk)) body.pause();
      onChunk?.(chunk);
    };
    const onDrain = () => body.resume();
    const finish = (ended: boolean) => {
      if (done) return;
      done = true;
      const last = take();
      res.off("drain", onDrain);
      res.off("close", onClose);
      // The last bytes and the end of the response leave in one write.
      const complete = ended && !res.destroyed;
      if (complete) res.end(last);
      if (last) onChunk?.(last);
      resolve(complete);
    };
    const onClose = () => finish(false);
    res.on("drain", onDrain);
    res.once("close", onClose);
    body
      .consume((chunk) => {
        if (batch.length === 0) process.nextTick(flush);
        batch.push(chunk);
        batchBytes += chunk.length;
      })
      .then(finish);
  });
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const name = typeof code === "string" ? code : typeof cause?.code === "string" ? cause.code : error.name;
    return name;
  }
  return String(error);
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const secret = options.secret ?? newSecret("cf-gw");
  const presentsSecret = bearerMatcher(secret);
  const now = options.now ?? Date.now;
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  let caps = options.caps;
  const announced = new Set<string>();
  /** Models that answered without a price: with a cap set, what they cost could not be counted. */
  const answeredUnpriced = new Set<string>();
  /** A ledger that cannot be read or written must not take the gateway down; it is said once per reason. */
  const ledgerFailed = (error: FallbackError) =>
    announce(`ledger:${error.message}`, { kind: "ledger_error", message: error.message });
  const announce = (key: string, event: GatewayEvent) => {
    if (announced.has(key)) return;
    announced.add(key);
    try {
      options.onEvent?.(event);
    } catch {
      // Whoever listens (a notification, a ledger event row) must not break the request in flight.
    }
  };
  const pool = new Pool(options.upstream.origin, {
    connections: 32,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: options.headersTimeoutMs ?? 10 * 60_000,
    bodyTimeout: options.bodyTimeoutMs ?? 5 * 60_000,
    connectTimeout: 10_000,
  });
  let port = 0;

  // Rows are written a little after their response ended, with the others that ended meanwhile:
  // one commit per burst of requests instead of one per request, off the path of the next one.
  // This run's caps count a row from the moment it is queued; the run's end, the gateway's and the
  // process's write what is still queued. With a day or month cap, other runs check it against
  // the file, so each row is written at once.
  /** A day or month cap: checked against every run's rows in the ledger, by other runs too. */
  const capsSpanRuns = () => caps.cost_limit_per_day !== null || caps.cost_limit_per_month !== null;
  let writeTimer: NodeJS.Timeout | null = null;
  const writeRows = () => {
    if (writeTimer) clearTimeout(writeTimer);
    writeTimer = null;
    try {
      options.spend.flush();
    } catch (error) {
      // A row that cannot be written (a full disk) still counts in memory: the warnings and the
      // status line follow the spend all the same, and the row is written once the ledger can.
      if (!(error instanceof FallbackError)) throw error;
      ledgerFailed(error);
    }
  };
  const record = (request: Omit<RequestRecord, "runId">) => {
    options.spend.queue(request);
    if (capsSpanRuns()) writeRows();
    else writeTimer ??= setTimeout(writeRows, LEDGER_WRITE_DELAY_MS).unref();
  };
  const forgetExitHook = onProcessExit(() => {
    try {
      options.spend.flush();
    } catch {
      // The process is ending: the run's own end says what the ledger could not take.
    }
  });
  // Host headers already found to name this server (Claude Code sends the same one every time).
  let acceptedHost: string | undefined;
  const addressedHere = (host: string | undefined) => {
    if (host !== undefined && host === acceptedHost) return true;
    if (!isLoopbackHost(host, port)) return false;
    acceptedHost = host;
    return true;
  };

  // The ledger is read only for the caps that span runs; the session cap is in memory. This runs
  // before every forwarded request, so it stays off the database unless a day or month cap is set.
  const capSpend = (): CapSpend => {
    if (!capsSpanRuns()) {
      return { session: options.spend.runSpend().nanoUsd, day: 0, month: 0 };
    }
    const snapshot = options.spend.snapshot(now());
    return { session: snapshot.run.nanoUsd, day: snapshot.day.nanoUsd, month: snapshot.month.nanoUsd };
  };
  const anyCap = () =>
    caps.cost_limit_per_session !== null ||
    caps.cost_limit_per_day !== null ||
    caps.cost_limit_per_month !== null;

  const announceWarnings = () => {
    if (!anyCap()) return;
    for (const status of capsAtWarning(caps, capSpend())) {
      const reached = status.spentNanoUsd >= status.limitNanoUsd;
      if (reached) {
        announce(`reached:${status.cap}`, {
          kind: "cap_reached",
          cap: status,
          message: capCrossedMessage(status),
        });
      } else {
        announce(`warning:${status.cap}`, {
          kind: "cap_warning",
          cap: status,
          message: capWarningMessage(status),
        });
      }
    }
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = now();
    // Refused before the body is read: the connection is closed after the answer, so an unread
    // (possibly huge) body is not drained and nothing of it is taken for a next request.
    const refuse = (status: number, type: string, message: string) => {
      res.setHeader("connection", "close");
      sendApiError(res, status, type, `claude-fallback gateway: ${message}`);
    };
    if (!addressedHere(req.headers.host)) {
      refuse(403, "permission_error", "requests must be addressed to 127.0.0.1");
      return;
    }
    if (!presentsSecret(req.headers.authorization)) {
      refuse(401, "authentication_error", "missing or wrong gateway token");
      return;
    }
    const target = checkRequestTarget(req.url);
    if (!target.ok) {
      refuse(400, "invalid_request_error", target.reason);
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, maxRequestBytes);
    } catch (error) {
      if (error instanceof RequestTooLarge) {
        refuse(413, "request_too_large", `request larger than ${maxRequestBytes} bytes`);
      } else {
        res.destroy();
      }
      return;
    }

    const path = target.pathAndQuery.split("?")[0];
    const isMessages = req.method === "POST" && path === MESSAGES_PATH;
    // The whole body is parsed only to change it (api_model, the thinking retry); the rest needs
    // two top-level fields of what can be a conversation of hundreds of kilobytes.
    const fields = isMessages ? topLevelFields(body, ["model", "metadata"]) : null;
    const sessionId = claudeSessionId(req, fields);
    if (fields && options.apiModel) {
      const rewritten = parseJsonObject(body);
      if (rewritten) {
        body = Buffer.from(JSON.stringify({ ...rewritten, model: options.apiModel }));
        fields.model = options.apiModel;
      }
    }
    const requestedModel = typeof fields?.model === "string" ? fields.model : null;
    const base = { at: startedAt, claudeSessionId: sessionId, requestedModel };

    if (isMessages) {
      // Refused here, before anything reaches the upstream: Claude Code shows a 402 verbatim.
      const refuse = (message: string, key: string, event: GatewayEvent) => {
        sendApiError(res, 402, "billing_error", message);
        announce(key, event);
        record({
          ...base,
          httpStatus: 402,
          outcome: "refused_cap",
          errorType: "billing_error",
          durationMs: now() - startedAt,
          costNanoUsd: 0,
        });
      };
      const reached = anyCap() ? reachedCap(caps, capSpend()) : null;
      if (reached) {
        const message = capRefusalMessage(reached, options.capRefusalHint?.(reached) ?? undefined);
        refuse(message, `reached:${reached.cap}`, { kind: "cap_reached", cap: reached, message });
        return;
      }
      // A request to a model we cannot price would be billed without counting against the caps,
      // and so would any request after an answer from such a model (the spend is already
      // uncounted): with a cap set, both are refused until the model is priced in the config.
      const unpriced = anyCap()
        ? [requestedModel, ...answeredUnpriced].find((model) => model && !options.pricing.find(model))
        : undefined;
      if (unpriced) {
        const message = unpricedModelMessage(unpriced);
        refuse(message, `model:${unpriced}`, { kind: "unknown_model", model: unpriced, message });
        return;
      }
    }

    const cancellation = new Cancellation();
    res.on("close", () => {
      if (!res.writableFinished) cancellation.cancel();
    });
    const headers = upstreamRequestHeaders(req.headers, options.apiKey);
    const send = (payload: Buffer) =>
      sendUpstream(pool, {
        path: upstreamPath(options.upstream, target.pathAndQuery),
        method: (req.method ?? "GET") as "GET",
        headers,
        body: payload.length > 0 || req.method === "POST" ? payload : null,
        cancellation,
      });

    let upstream: UpstreamResponse;
    try {
      upstream = await send(body);
      if (fields && upstream.statusCode === 400) {
        const errorBody = await upstream.body.bytes();
        const json = isThinkingSignatureRejection(400, parseJsonObject(errorBody))
          ? parseJsonObject(body)
          : null;
        const stripped = json ? withoutEarlierThinking(json) : null;
        if (stripped) {
          upstream = await send(Buffer.from(JSON.stringify(stripped)));
        } else {
          res.writeHead(400, downstreamResponseHeaders(upstream.headers));
          res.end(errorBody);
          record({
            ...base,
            httpStatus: 400,
            outcome: "error",
            errorType: parseErrorType(errorBody),
            requestId: headerValue(upstream.headers["request-id"]),
            durationMs: now() - startedAt,
            costNanoUsd: 0,
          });
          return;
        }
      }
      if (upstream.statusCode === 401) {
        // Passed on as it is, a 401 makes Claude Code tell the user to /login — wrong advice on
        // API billing, where it is the configured key that was refused. Say so, and do not retry.
        await upstream.body.dump();
        const message = `claude-fallback gateway: the API at ${options.upstream.origin} refused the configured API key ${maskKey(options.apiKey)} (401); check CLAUDE_FALLBACK_API_KEY / api_key_command / api_key, or run \`claude-fallback use subscription\``;
        announce("upstream:401", { kind: "upstream_error", message });
        sendApiError(res, 402, "billing_error", message);
        if (isMessages) {
          record({
            ...base,
            httpStatus: 401,
            outcome: "error",
            errorType: "authentication_error",
            requestId: headerValue(upstream.headers["request-id"]),
            durationMs: now() - startedAt,
            costNanoUsd: 0,
          });
        }
        return;
      }
    } catch (error) {
      if (cancellation.cancelled) {
        if (isMessages) {
          record({
            ...base,
            outcome: "aborted",
            durationMs: now() - startedAt,
            costNanoUsd: 0,
          });
        }
        return;
      }
      const reason = describeNetworkError(error);
      const message = `claude-fallback gateway: the API at ${options.upstream.origin} did not answer (${reason})`;
      announce(`upstream:${reason}`, { kind: "upstream_error", message });
      const timedOut = /Timeout/i.test(reason);
      // The API's own types: 504 is `timeout_error`, a failed upstream `api_error`.
      sendApiError(res, timedOut ? 504 : 502, timedOut ? "timeout_error" : "api_error", message);
      if (isMessages) {
        record({
          ...base,
          httpStatus: timedOut ? 504 : 502,
          outcome: "upstream_error",
          errorType: timedOut ? "timeout_error" : "api_error",
          durationMs: now() - startedAt,
          costNanoUsd: 0,
        });
      }
      return;
    }

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
    const streamFailed = !ended && !cancellation.cancelled;
    if (!ended) {
      upstream.body.destroy();
      res.destroy();
    }
    if (!meter) return;

    const reading = meter.finish();
    const model = reading.model ?? requestedModel;
    const usage = reading.usage ? tokenUsageFromApi(reading.usage) : null;
    let costNanoUsd: number | null = 0;
    let longContext = false;
    if (usage && !model) {
      // Tokens were used but nothing names the model: the cost is unknown, never $0.
      costNanoUsd = null;
    } else if (usage && model) {
      const cost = options.pricing.cost(model, usage);
      if (cost.known) {
        costNanoUsd = cost.nanoUsd;
        longContext = cost.longContext;
      } else {
        costNanoUsd = null;
        answeredUnpriced.add(model);
        announce(`model:${model}`, {
          kind: "unknown_model",
          model,
          message: `no price known for model ${model}: its API cost is reported as unknown (add it under "pricing" in the config)`,
        });
      }
    }
    const ok = upstream.statusCode >= 200 && upstream.statusCode < 300;
    const outcome: RequestOutcome = cancellation.cancelled
      ? "aborted"
      : streamFailed
        ? "upstream_error"
        : !ok || reading.errorType
          ? "error"
          : // A 2xx that ended cleanly but without its last event (message_stop) was cut short.
            reading.complete
            ? "ok"
            : "upstream_error";
    record({
      ...base,
      model: reading.model,
      httpStatus: upstream.statusCode,
      outcome,
      errorType: reading.errorType,
      requestId: headerValue(upstream.headers["request-id"]),
      durationMs: now() - startedAt,
      inputTokens: usage?.input_tokens ?? 0,
      outputTokens: usage?.output_tokens ?? 0,
      cacheWrite5mTokens: usage?.cache_creation_5m_input_tokens ?? 0,
      cacheWrite1hTokens: usage?.cache_creation_1h_input_tokens ?? 0,
      cacheReadTokens: usage?.cache_read_input_tokens ?? 0,
      webSearchRequests: usage?.server_tool_use?.web_search_requests ?? 0,
      webFetchRequests: usage?.server_tool_use?.web_fetch_requests ?? 0,
      costNanoUsd,
      longContext,
    });
    announceWarnings();
    options.onMetered?.();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Our own errors (a ledger that cannot be read for the day and month caps) are one
      // user-facing line, no secret.
      const reason = error instanceof FallbackError ? error.message : "internal error";
      if (error instanceof FallbackError) ledgerFailed(error);
      if (!res.headersSent) sendApiError(res, 500, "api_error", `claude-fallback gateway: ${reason}`);
      // A response cut short must look cut short: ending it cleanly would pass it off as complete.
      else if (!res.writableEnded) res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  try {
    server.listen(options.port ?? 0, "127.0.0.1");
    await once(server, "listening");
  } catch (error) {
    await pool.close();
    throw error;
  }
  port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    secret,
    spentThisRun: () => options.spend.runSpend().nanoUsd,
    setCaps(next) {
      // A cap given a new limit warns and reports being reached again, against that limit.
      for (const cap of capNames) {
        if (next[capConfigKey(cap)] !== caps[capConfigKey(cap)]) {
          announced.delete(`warning:${cap}`);
          announced.delete(`reached:${cap}`);
        }
      }
      caps = next;
    },
    close() {
      // Idempotent: the wrapper may close on exit and again on a signal.
      closing ??= (async () => {
        writeRows();
        forgetExitHook();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await pool.close();
      })();
      return closing;
    },
  };
}

function unpricedModelMessage(model: string): string {
  return (
    `claude-fallback gateway: no price is known for model ${model}, so your API spending caps cannot be kept; ` +
    `nothing was sent to Anthropic. Add its prices under "pricing" in your claude-fallback config ` +
    `(e.g. "${model}": {"input": 3, "output": 15}, $ per million tokens), or set api_model to a priced model.`
  );
}

function headerValue(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

function parseErrorType(body: Buffer): string | null {
  const parsed = parseJsonObject(body);
  const error = parsed?.error;
  return typeof error === "object" && error !== null && typeof (error as { type?: unknown }).type === "string"
    ? (error as { type: string }).type
    : null;
}

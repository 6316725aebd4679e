/**
 * Sending an admitted request to the upstream (SPEC §6): the user's key instead of the run's
 * secret, the one retry without earlier thinking blocks when the upstream rejects their
 * signatures, and the answers of ours that replace an upstream's that would mislead Claude Code
 * (a refused key, a network failure).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import { maskKey } from "../config/secret.js";
import type { RunEvent } from "../notify/run-events.js";
import type { UnbilledOutcome } from "./accounting.js";
import { sendApiError } from "./errors.js";
import { downstreamResponseHeaders, upstreamRequestHeaders } from "./headers.js";
import { keyProblemMessage, keyProblemOf } from "./key-problems.js";
import { upstreamPath } from "./request-target.js";
import { isThinkingSignatureRejection, withoutEarlierThinking } from "./thinking.js";
import { type Cancellation, sendUpstream, type UpstreamResponse } from "./upstream.js";

export interface ForwardContext {
  pool: Dispatcher;
  upstream: URL;
  apiKey: string;
}

export type Forwarded =
  /** The upstream's response, to relay and meter. */
  | { kind: "response"; response: UpstreamResponse }
  /** Answered already (by the upstream's error passed on, or by ours); `row` says how, for a Messages request. */
  | { kind: "answered"; row: UnbilledOutcome; event?: RunEvent }
  /** The client went away before an answer came. */
  | { kind: "aborted" };

export function parseJsonObject(body: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

export function headerValue(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

function errorTypeOf(body: Buffer): string | null {
  const error = parseJsonObject(body)?.error;
  return typeof error === "object" && error !== null && typeof (error as { type?: unknown }).type === "string"
    ? (error as { type: string }).type
    : null;
}

/** Statuses an error about the key itself comes with (a 400 may be one too: see `answerError`). */
const KEY_PROBLEM_STATUSES = new Set([401, 402, 403, 404]);

/**
 * An upstream error read whole: a problem with the user's key is answered with one line of ours
 * (402 `billing_error`: Claude Code shows it and does not retry), anything else passed on as it came.
 */
function answerError(
  context: ForwardContext,
  res: ServerResponse,
  upstream: UpstreamResponse,
  errorBody: Buffer,
  requestedModel: string | null,
): Forwarded {
  const requestId = headerValue(upstream.headers["request-id"]);
  const status = upstream.statusCode;
  const problem = keyProblemOf(status, parseJsonObject(errorBody), requestedModel);
  if (problem) {
    const message = keyProblemMessage(problem, maskKey(context.apiKey), context.upstream.origin);
    sendApiError(res, 402, "billing_error", message);
    return {
      kind: "answered",
      row: {
        outcome: "error",
        httpStatus: status,
        errorType: errorTypeOf(errorBody) ?? "authentication_error",
        requestId,
      },
      event: { kind: "error", source: "key", message, refused: true },
    };
  }
  res.writeHead(status, downstreamResponseHeaders(upstream.headers));
  res.end(errorBody);
  return {
    kind: "answered",
    row: { outcome: "error", httpStatus: status, errorType: errorTypeOf(errorBody), requestId },
  };
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const cause = (error as { cause?: { code?: unknown } }).cause;
    return typeof code === "string" ? code : typeof cause?.code === "string" ? cause.code : error.name;
  }
  return String(error);
}

/**
 * Sends the request and returns the response to relay, or how it was answered instead.
 * `mayRetryThinking`: a Messages request read as JSON (its thinking blocks may need the retry).
 */
export async function forward(
  context: ForwardContext,
  req: IncomingMessage,
  res: ServerResponse,
  request: {
    pathAndQuery: string;
    body: Buffer;
    mayRetryThinking: boolean;
    requestedModel: string | null;
    cancellation: Cancellation;
  },
): Promise<Forwarded> {
  const headers = upstreamRequestHeaders(req.headers, context.apiKey);
  const send = (payload: Buffer) =>
    sendUpstream(context.pool, {
      path: upstreamPath(context.upstream, request.pathAndQuery),
      method: (req.method ?? "GET") as "GET",
      headers,
      body: payload.length > 0 || req.method === "POST" ? payload : null,
      cancellation: request.cancellation,
    });
  const origin = context.upstream.origin;
  try {
    let upstream = await send(request.body);
    if (request.mayRetryThinking && upstream.statusCode === 400) {
      const errorBody = await upstream.body.bytes();
      const json = isThinkingSignatureRejection(400, parseJsonObject(errorBody))
        ? parseJsonObject(request.body)
        : null;
      const stripped = json ? withoutEarlierThinking(json) : null;
      if (!stripped) return answerError(context, res, upstream, errorBody, request.requestedModel);
      upstream = await send(Buffer.from(JSON.stringify(stripped)));
    }
    if (KEY_PROBLEM_STATUSES.has(upstream.statusCode)) {
      return answerError(context, res, upstream, await upstream.body.bytes(), request.requestedModel);
    }
    return { kind: "response", response: upstream };
  } catch (error) {
    if (request.cancellation.cancelled) return { kind: "aborted" };
    const reason = describeNetworkError(error);
    const message = `claude-fallback gateway: the API at ${origin} did not answer (${reason})`;
    const timedOut = /Timeout/i.test(reason);
    // The API's own types: 504 is `timeout_error`, a failed upstream `api_error`.
    const [status, type] = timedOut ? [504, "timeout_error"] : [502, "api_error"];
    sendApiError(res, status, type, message);
    return {
      kind: "answered",
      row: { outcome: "upstream_error", httpStatus: status, errorType: type },
      event: { kind: "error", source: "upstream", message },
    };
  }
}

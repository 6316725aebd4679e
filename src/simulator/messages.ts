import type { ApiError } from "./api-errors.js";
import * as apiErrors from "./api-errors.js";
import type { Credential } from "./billing.js";
import type { Answer, Misbehaviour } from "./http-io.js";
import { type Answers, credentialFacts, type Facts, type Outcome } from "./outcome.js";
import { buildReply, type MessagesRequestBody, replyBody } from "./reply.js";
import type { ScriptQueue } from "./script-queue.js";
import { replyEvents } from "./sse.js";
import type { SubscriptionLimit } from "./subscription-limit.js";
import { findForeignThinkingBlock, firstThinkingBlock } from "./thinking-signature.js";
import type { BillingKind, ResponseScript, SimulatorSettings } from "./types.js";

/**
 * The Messages endpoints, `POST /v1/messages` and `POST /v1/messages/count_tokens`, for a request
 * whose credential the router has accepted: the subscription limit, the scripted faults, the reply.
 */

const DEFAULT_DROP_AFTER_EVENTS = 3;

/** What the messages endpoint shares with the rest of the simulator. */
export interface MessagesContext {
  readonly limit: SubscriptionLimit;
  readonly scripts: ScriptQueue;
  readonly answers: Answers;
  settings(): SimulatorSettings;
  /** Counts one more messages request and returns the count: the number reply texts show. */
  nextMessageSeq(): number;
}

export interface MessagesRequest {
  credential: Credential;
  /** Claude Code's session header, which a script may be aimed at. */
  sessionId: string | null;
  raw: Buffer;
  body: unknown;
  requestId: string;
}

function isMessagesBody(body: unknown): body is MessagesRequestBody {
  return (
    typeof body === "object" && body !== null && Array.isArray((body as { messages?: unknown }).messages)
  );
}

function missingMessages(answers: Answers, request: MessagesRequest): Outcome {
  const facts = credentialFacts(request.credential);
  return answers.failure(apiErrors.invalidRequest("messages: Field required"), request.requestId, facts);
}

export function countTokens(answers: Answers, request: MessagesRequest): Outcome {
  const { body, credential } = request;
  if (!isMessagesBody(body)) return missingMessages(answers, request);
  const model = typeof body.model === "string" ? body.model : null;
  const answer = answers.json(200, { input_tokens: Math.ceil(request.raw.length / 4) }, credential, model);
  return { answer, facts: { ...credentialFacts(credential), model, messageCount: body.messages.length } };
}

export function answerMessages(context: MessagesContext, request: MessagesRequest): Outcome {
  const { answers, limit } = context;
  const { body, credential, requestId } = request;
  if (!isMessagesBody(body)) return missingMessages(answers, request);
  const seq = context.nextMessageSeq();
  const { billing } = credential;
  const model = typeof body.model === "string" ? body.model : "";
  const facts: Facts = {
    ...credentialFacts(credential),
    model,
    stream: body.stream === true,
    messageCount: body.messages.length,
  };
  if (billing === "subscription" && limit.rejects(model)) {
    const headers = limit.headers(model, true);
    return {
      answer: answers.error(apiErrors.usageLimitReached, requestId, null, model, headers),
      facts: { ...facts, fault: "usage-limit" },
    };
  }
  const script = context.scripts.take(billing, request.sessionId);
  const misbehaviour: Misbehaviour = {
    firstByteDelayMs: script?.firstByteDelayMs,
    eventDelayMs: script?.eventDelayMs,
    dropAfterEvents:
      script?.fault === "drop" ? (script.dropAfterEvents ?? DEFAULT_DROP_AFTER_EVENTS) : undefined,
    errorAfterEvents:
      script?.fault === "stream-error" ? (script.dropAfterEvents ?? DEFAULT_DROP_AFTER_EVENTS) : undefined,
    malformed: script?.fault === "malformed",
  };
  const settings = context.settings();
  const found = refusal(script, body, billing, model, limit, settings);
  if (found) {
    const answer = answers.error(found.error, requestId, credential, model, found.headers);
    if (script?.retryAfterSeconds !== undefined)
      answer.headers["retry-after"] = String(script.retryAfterSeconds);
    return { answer, facts: { ...facts, fault: found.fault }, misbehaviour };
  }
  const reply = buildReply({
    body,
    bodyLength: request.raw.length,
    billing,
    seq,
    defaults: settings,
    script,
  });
  if (billing === "subscription") limit.record(model, reply.usage.inputTokens + reply.usage.outputTokens);
  const limitHeaders = answers.rateLimitHeaders(credential, model);
  const answer: Answer = facts.stream
    ? { kind: "stream", headers: limitHeaders, events: replyEvents(reply) }
    : { kind: "json", status: 200, headers: limitHeaders, body: replyBody(reply) };
  const slow = script?.firstByteDelayMs || script?.eventDelayMs ? "slow" : null;
  return {
    answer,
    facts: { ...facts, responseModel: reply.model, usage: reply.usage, fault: script?.fault ?? slow },
    misbehaviour,
  };
}

/** The error a messages request gets instead of a reply, from its script or a foreign thinking signature. */
function refusal(
  script: ResponseScript | undefined,
  body: MessagesRequestBody,
  billing: BillingKind,
  model: string,
  limit: SubscriptionLimit,
  settings: SimulatorSettings,
): { error: ApiError; fault: string; headers?: Record<string, string> } | undefined {
  switch (script?.fault) {
    case "overloaded":
      return { error: apiErrors.overloaded, fault: "overloaded" };
    case "stream-error":
      // Only a stream can break off with an error event; a JSON request is refused up front.
      if (body.stream !== true) return { error: apiErrors.overloaded, fault: "stream-error" };
      break;
    case "throttle":
      // Without the unified headers Claude Code reads a 429 as a server throttle, not a usage limit.
      return { error: apiErrors.serverThrottle, fault: "throttle", headers: {} };
    case "usage-limit":
      // What a subscription limit looks like, on any credentials: a proxy upstream may send it to an API key.
      return {
        error: apiErrors.usageLimitReached,
        fault: "usage-limit",
        headers: limit.headers(model, true),
      };
    case "credit-exhausted":
      return { error: apiErrors.creditExhausted, fault: "credit-exhausted" };
    case "spend-limit":
      return { error: apiErrors.workspaceSpendLimit("2026-12-31 at 00:00 UTC"), fault: "spend-limit" };
    case "thinking-signature": {
      const { messageIndex, blockIndex } = firstThinkingBlock(body);
      return {
        error: apiErrors.invalidThinkingSignature(messageIndex, blockIndex),
        fault: "thinking-signature",
      };
    }
  }
  const foreign = settings.rejectForeignThinkingSignatures
    ? findForeignThinkingBlock(body, billing)
    : undefined;
  if (!foreign) return undefined;
  const error = apiErrors.invalidThinkingSignature(foreign.messageIndex, foreign.blockIndex);
  return { error, fault: "foreign-thinking-signature" };
}

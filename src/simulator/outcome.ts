import { type ApiError, errorBody } from "./api-errors.js";
import { apiKeyRateLimitHeaders } from "./api-key-limits.js";
import { type Credential, maskCredential } from "./billing.js";
import type { Answer, Misbehaviour } from "./http-io.js";
import type { SubscriptionLimit } from "./subscription-limit.js";
import type { RequestLogEntry } from "./types.js";

/** What a handler learned about a request, for the record and the log. */
export type Facts = Omit<RequestLogEntry, "time" | "method" | "path" | "status" | "sessionId">;

/** What an endpoint returns: the answer to send and the facts to record. */
export interface Outcome {
  answer: Answer;
  facts: Facts;
  misbehaviour?: Misbehaviour;
}

export const NO_FACTS: Facts = {
  billing: null,
  credential: null,
  model: null,
  responseModel: null,
  stream: false,
  usage: null,
  fault: null,
  messageCount: null,
};

export function credentialFacts(credential: Credential): Facts {
  return { ...NO_FACTS, billing: credential.billing, credential: maskCredential(credential.secret) };
}

/**
 * Answers as the real API sends them: every answer to a known credential carries the rate-limit
 * headers that credential sees (the subscription's unified headers, or an API key's).
 */
export class Answers {
  constructor(
    private readonly limit: SubscriptionLimit,
    private readonly now: () => number,
  ) {}

  rateLimitHeaders(credential: Credential | null, model: string | null): Record<string, string> {
    if (!credential) return {};
    return credential.billing === "subscription"
      ? this.limit.headers(model ?? "", false)
      : apiKeyRateLimitHeaders(this.now());
  }

  json(status: number, body: unknown, credential: Credential, model: string | null): Answer {
    return {
      kind: "json",
      status,
      headers: this.rateLimitHeaders(credential, model),
      body: JSON.stringify(body),
    };
  }

  error(
    error: ApiError,
    requestId: string,
    credential: Credential | null,
    model: string | null,
    headers = this.rateLimitHeaders(credential, model),
  ): Answer {
    return { kind: "json", status: error.status, headers, body: errorBody(error, requestId) };
  }

  failure(error: ApiError, requestId: string, facts: Facts = NO_FACTS): Outcome {
    return { answer: this.error(error, requestId, null, null), facts };
  }
}

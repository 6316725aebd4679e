/** Error types of the Anthropic API, as sent in `error.type`. */
export type ApiErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "not_found_error"
  | "request_too_large"
  | "rate_limit_error"
  | "overloaded_error";

export interface ApiError {
  status: number;
  type: ApiErrorType;
  message: string;
}

/** The body the real API sends with every error. */
export function errorBody(error: ApiError, requestId: string): string {
  return JSON.stringify({
    type: "error",
    error: { type: error.type, message: error.message },
    request_id: requestId,
  });
}

/** The real API sends each error type with one HTTP status. */
const STATUS_OF: Readonly<Record<ApiErrorType, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  overloaded_error: 529,
};

export function apiError(type: ApiErrorType, message: string): ApiError {
  return { status: STATUS_OF[type], type, message };
}

export const usageLimitReached = apiError(
  "rate_limit_error",
  "This request would exceed your account's rate limit. Please try again later.",
);

export const serverThrottle = apiError(
  "rate_limit_error",
  "Number of concurrent connections has exceeded your rate limit. Please try again later.",
);

export const overloaded = apiError("overloaded_error", "Overloaded");

export const missingCredentials = apiError("authentication_error", "x-api-key header is required");

export const invalidApiKey = apiError("authentication_error", "invalid x-api-key");

/** The real message names the offending block by its place in the request. */
export function invalidThinkingSignature(messageIndex: number, blockIndex: number): ApiError {
  return invalidRequest(
    `messages.${messageIndex}.content.${blockIndex}: Invalid \`signature\` in \`thinking\` block`,
  );
}

export function invalidRequest(message: string): ApiError {
  return apiError("invalid_request_error", message);
}

export function notFound(message: string): ApiError {
  return apiError("not_found_error", message);
}

/** What an API organisation without prepaid credit is answered (Console billing). */
export const creditExhausted = apiError(
  "invalid_request_error",
  "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.",
);

/** What a workspace past its spend limit is answered, with the day it regains access. */
export function workspaceSpendLimit(regains: string): ApiError {
  return apiError(
    "invalid_request_error",
    `You have reached your specified workspace API usage limits. You will regain access on ${regains}.`,
  );
}

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

export const usageLimitReached: ApiError = {
  status: 429,
  type: "rate_limit_error",
  message: "This request would exceed your account's rate limit. Please try again later.",
};

export const serverThrottle: ApiError = {
  status: 429,
  type: "rate_limit_error",
  message: "Number of concurrent connections has exceeded your rate limit. Please try again later.",
};

export const overloaded: ApiError = { status: 529, type: "overloaded_error", message: "Overloaded" };

export const missingCredentials: ApiError = {
  status: 401,
  type: "authentication_error",
  message: "x-api-key header is required",
};

export const invalidApiKey: ApiError = {
  status: 401,
  type: "authentication_error",
  message: "invalid x-api-key",
};

/** The real message names the offending block by its place in the request. */
export function invalidThinkingSignature(messageIndex: number, blockIndex: number): ApiError {
  return {
    status: 400,
    type: "invalid_request_error",
    message: `messages.${messageIndex}.content.${blockIndex}: Invalid \`signature\` in \`thinking\` block`,
  };
}

export function invalidRequest(message: string): ApiError {
  return { status: 400, type: "invalid_request_error", message };
}

export function notFound(message: string): ApiError {
  return { status: 404, type: "not_found_error", message };
}

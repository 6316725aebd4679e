/**
 * The API's refusals that are about the user's key, not the request (SPEC §11): no credit left,
 * a workspace or organisation spend limit, a key that is invalid or revoked, no access to the
 * model. Passed on as they are, Claude Code shows the raw error (and for a 401 tells the user to
 * /login, wrong on API billing); the gateway answers with one line of ours instead, naming the
 * problem, the masked key and where to fix it. PURE.
 */

export type KeyProblemKind =
  | "credit_exhausted"
  | "spend_limit"
  | "invalid_key"
  | "no_permission"
  | "no_model_access";

export interface KeyProblem {
  kind: KeyProblemKind;
  /** What the API said, for the ledger (never a secret: the API does not echo keys). */
  apiMessage: string;
  /** A spend limit's "You will regain access on …" date, as the API gave it. */
  regainsAccess?: string;
  /** The model a no-access refusal is about. */
  model?: string;
}

function errorOf(body: unknown): { type: string; message: string } | null {
  if (typeof body !== "object" || body === null) return null;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== "object" || error === null) return null;
  const { type, message } = error as { type?: unknown; message?: unknown };
  return typeof type === "string" ? { type, message: typeof message === "string" ? message : "" } : null;
}

/** The key problem an upstream error is, or null for any other error (passed on as it is). */
export function keyProblemOf(
  status: number,
  body: unknown,
  requestedModel: string | null,
): KeyProblem | null {
  const error = errorOf(body);
  if (status === 401) return { kind: "invalid_key", apiMessage: error?.message ?? "" };
  if (!error) return null;
  const { type, message } = error;
  if (status === 402 || type === "billing_error" || /credit balance is too low/i.test(message)) {
    return { kind: "credit_exhausted", apiMessage: message };
  }
  const limit = /reached your specified (?:workspace )?API usage limits/i.test(message);
  if (limit) {
    const regains = /regain access on (.+?)\.?$/i.exec(message)?.[1];
    return { kind: "spend_limit", apiMessage: message, ...(regains ? { regainsAccess: regains } : {}) };
  }
  if (status === 403 || type === "permission_error") return { kind: "no_permission", apiMessage: message };
  if (status === 404 && type === "not_found_error" && /^model:/i.test(message)) {
    const model = message.replace(/^model:\s*/i, "").trim() || requestedModel || undefined;
    return { kind: "no_model_access", apiMessage: message, ...(model ? { model } : {}) };
  }
  return null;
}

const GO_BACK = "or go back to your subscription when its limit resets (`claude-fallback use subscription`)";

/** The one line Claude shows (and the notification says) for a key problem. */
export function keyProblemMessage(problem: KeyProblem, maskedKey: string, origin: string): string {
  const key = `your API key ${maskedKey}`;
  switch (problem.kind) {
    case "credit_exhausted":
      return `claude-fallback gateway: ${key} has no credit left (the API at ${origin}: credit balance too low); add credit in the Anthropic Console under Plans & Billing, ${GO_BACK}`;
    case "spend_limit": {
      const until = problem.regainsAccess ? ` until ${problem.regainsAccess}` : "";
      return `claude-fallback gateway: ${key} has reached its workspace or organisation spend limit and is refused${until}; raise the limit in the Anthropic Console under Limits, ${GO_BACK}`;
    }
    case "invalid_key":
      return `claude-fallback gateway: the API at ${origin} refused the configured API key ${maskedKey} (401); check CLAUDE_FALLBACK_API_KEY / api_key_command / api_key, ${GO_BACK}`;
    case "no_permission":
      return `claude-fallback gateway: the API at ${origin} refused ${key} (permission_error: ${problem.apiMessage}); check the key's workspace and permissions in the Anthropic Console, ${GO_BACK}`;
    case "no_model_access":
      return `claude-fallback gateway: ${key} has no access to model ${problem.model ?? "(unknown)"}; set api_model in your claude-fallback config to a model it can use, ${GO_BACK}`;
  }
}

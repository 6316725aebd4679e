import type { RecordedRequest, Simulator } from "../../../src/simulator/index.js";

/** The `POST /v1/messages` requests the simulator has seen, oldest first. */
export function messageRequests(simulator: Simulator): RecordedRequest[] {
  return simulator.requests.filter((request) => request.method === "POST" && request.path === "/v1/messages");
}

/** A request's `messages`, as one string to search for earlier turns. */
export function conversationOf(request: { body: unknown }): string {
  return JSON.stringify((request.body as { messages?: unknown[] }).messages ?? []);
}

/**
 * The Claude Code session a request belongs to: `metadata.user_id`'s `session_id` (JSON since
 * 2.1.78 at least, `user_…_session_<uuid>` before), else the `x-claude-code-session-id` header,
 * which older versions do not send (2.1.78 does not).
 */
export function sessionOf(request: {
  body: unknown;
  headers: Readonly<Record<string, unknown>>;
}): string | null {
  const userId = (request.body as { metadata?: { user_id?: unknown } } | undefined)?.metadata?.user_id;
  if (typeof userId === "string") {
    try {
      const parsed = JSON.parse(userId) as { session_id?: unknown };
      if (typeof parsed.session_id === "string") return parsed.session_id;
    } catch {
      const match = /session_([0-9a-f-]{36})/.exec(userId);
      if (match?.[1]) return match[1];
    }
  }
  const header = request.headers["x-claude-code-session-id"];
  return typeof header === "string" ? header : null;
}

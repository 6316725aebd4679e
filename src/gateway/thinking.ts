/**
 * Thinking blocks carry signatures that only the account which minted them can verify. A
 * conversation started on the subscription and continued on an API key therefore carries
 * blocks the API key's account rejects; the gateway retries such a request once without them.
 */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const thinkingTypes = new Set(["thinking", "redacted_thinking"]);

/** True for the API's 400 about an invalid thinking-block signature. */
export function isThinkingSignatureRejection(status: number, body: unknown): boolean {
  if (status !== 400 || !isRecord(body) || !isRecord(body.error)) return false;
  const message = typeof body.error.message === "string" ? body.error.message : "";
  return (
    body.error.type === "invalid_request_error" && /signature/i.test(message) && /thinking/i.test(message)
  );
}

/**
 * Returns a copy of a Messages request body without thinking blocks in earlier assistant turns,
 * or null when there is nothing to remove. The assistant turn of a tool-use loop still in
 * progress (the last assistant message, answered only by tool results) keeps its blocks: the API
 * requires them there.
 */
export function withoutEarlierThinking(body: Record<string, unknown>): Record<string, unknown> | null {
  if (!Array.isArray(body.messages)) return null;
  const messages = body.messages as unknown[];
  const last = messages.at(-1);
  // Claude Code puts text (reminders, a new prompt) beside tool results in the same user turn; any
  // tool result in it means the assistant turn before it is still going on.
  const inToolLoop =
    isRecord(last) &&
    last.role === "user" &&
    Array.isArray(last.content) &&
    last.content.some((block) => isRecord(block) && block.type === "tool_result");
  const keepIndex = inToolLoop ? messages.findLastIndex((m) => isRecord(m) && m.role === "assistant") : -1;
  let removed = 0;
  const stripped = messages.map((message, index) => {
    if (
      index === keepIndex ||
      !isRecord(message) ||
      message.role !== "assistant" ||
      !Array.isArray(message.content)
    ) {
      return message;
    }
    const content = message.content.filter(
      (block) => !(isRecord(block) && thinkingTypes.has(String(block.type))),
    );
    removed += message.content.length - content.length;
    // An assistant turn that was only thinking would become empty, which the API refuses.
    return {
      ...message,
      content: content.length > 0 ? content : [{ type: "text", text: "(thinking omitted)" }],
    };
  });
  return removed > 0 ? { ...body, messages: stripped } : null;
}

import { describe, expect, test } from "vitest";
import { isThinkingSignatureRejection, withoutEarlierThinking } from "./thinking.js";

const thinking = (sig: string) => ({ type: "thinking", thinking: "hmm", signature: sig });
const redacted = { type: "redacted_thinking", data: "opaque" };
const text = (t: string) => ({ type: "text", text: t });
const toolUse = { type: "tool_use", id: "toolu_1", name: "Read", input: { file_path: "/a" } };
const toolResult = { type: "tool_result", tool_use_id: "toolu_1", content: "file body" };

describe("withoutEarlierThinking", () => {
  test("removes thinking and redacted_thinking from every earlier assistant turn", () => {
    const body = {
      model: "claude-sonnet-4-5",
      thinking: { type: "enabled", budget_tokens: 2000 },
      messages: [
        { role: "user", content: "first" },
        { role: "assistant", content: [thinking("sub-1"), text("one")] },
        { role: "user", content: [text("second")] },
        { role: "assistant", content: [redacted, thinking("sub-2"), text("two")] },
        { role: "user", content: [text("Continue where you left off.")] },
      ],
    };
    const stripped = withoutEarlierThinking(body);
    expect(stripped).toEqual({
      ...body,
      messages: [
        { role: "user", content: "first" },
        { role: "assistant", content: [text("one")] },
        { role: "user", content: [text("second")] },
        { role: "assistant", content: [text("two")] },
        { role: "user", content: [text("Continue where you left off.")] },
      ],
    });
    // The original request is left as it was.
    expect(body.messages[1]).toEqual({ role: "assistant", content: [thinking("sub-1"), text("one")] });
  });

  test("an assistant turn that was only thinking keeps a placeholder, never empty content", () => {
    const stripped = withoutEarlierThinking({
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: [thinking("s")] },
        { role: "user", content: "again" },
      ],
    });
    const content = (stripped!.messages as Array<{ content: unknown[] }>)[1]?.content;
    expect(content).toHaveLength(1);
    expect(content?.[0]).toMatchObject({ type: "text" });
  });

  test("keeps the thinking of the last assistant turn in a tool loop in progress", () => {
    const body = {
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: [thinking("old"), text("a")] },
        { role: "user", content: "next" },
        { role: "assistant", content: [thinking("current"), toolUse] },
        { role: "user", content: [toolResult] },
      ],
    };
    const messages = withoutEarlierThinking(body)!.messages as Array<{ content: unknown[] }>;
    expect(messages[1]?.content).toEqual([text("a")]);
    expect(messages[3]?.content).toEqual([thinking("current"), toolUse]);
  });

  test("a tool result with text beside it (Claude Code's reminders) is still a tool loop", () => {
    const body = {
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: [thinking("old"), text("a")] },
        { role: "user", content: "next" },
        { role: "assistant", content: [thinking("current"), toolUse] },
        { role: "user", content: [toolResult, text("<system-reminder>x</system-reminder>")] },
      ],
    };
    const messages = withoutEarlierThinking(body)!.messages as Array<{ content: unknown[] }>;
    expect(messages[1]?.content).toEqual([text("a")]);
    expect(messages[3]?.content).toEqual([thinking("current"), toolUse]);
  });

  test("outside a tool loop the last assistant turn is stripped too", () => {
    const body = {
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: [thinking("last"), text("a")] },
        { role: "user", content: [text("next")] },
      ],
    };
    const messages = withoutEarlierThinking(body)!.messages as Array<{ content: unknown[] }>;
    expect(messages[1]?.content).toEqual([text("a")]);
  });

  test.each([
    ["no messages", { model: "m" }],
    ["messages not an array", { messages: "x" }],
    [
      "no thinking anywhere",
      {
        messages: [
          { role: "user", content: "q" },
          { role: "assistant", content: [text("a")] },
        ],
      },
    ],
    [
      "string assistant content",
      {
        messages: [
          { role: "assistant", content: "a" },
          { role: "user", content: "q" },
        ],
      },
    ],
    [
      "thinking only in the kept tool-loop turn",
      {
        messages: [
          { role: "user", content: "q" },
          { role: "assistant", content: [thinking("current"), toolUse] },
          { role: "user", content: [toolResult] },
        ],
      },
    ],
    [
      "thinking in a user turn (not ours to touch)",
      { messages: [{ role: "user", content: [thinking("x")] }] },
    ],
  ])("nothing to strip (%s) gives null", (_name, body) => {
    expect(withoutEarlierThinking(body as Record<string, unknown>)).toBeNull();
  });
});

describe("isThinkingSignatureRejection", () => {
  const rejection = (message: string, type = "invalid_request_error") => ({
    type: "error",
    error: { type, message },
  });
  test.each([
    [400, rejection("messages.1.content.0: Invalid `signature` in `thinking` block"), true],
    [400, rejection("messages.3.content.0: invalid signature in thinking block"), true],
    [
      400,
      rejection("messages.1.content.0: Invalid `signature` in `thinking` block", "authentication_error"),
      false,
    ],
    [400, rejection("max_tokens: must be greater than thinking.budget_tokens"), false],
    [400, rejection("prompt is too long"), false],
    [401, rejection("messages.1.content.0: Invalid `signature` in `thinking` block"), false],
    [400, { type: "error", error: "signature thinking" }, false],
    [400, null, false],
    [400, "Invalid signature in thinking block", false],
  ])("status %s, %j → %s", (status, body, expected) => {
    expect(isThinkingSignatureRejection(status, body)).toBe(expected);
  });
});

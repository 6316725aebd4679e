import { describe, expect, it } from "vitest";
import { buildReply, lastUserText, type ReplyRequest, replyBody } from "./reply.js";
import { signatureBilling } from "./thinking-signature.js";

function request(overrides: Partial<ReplyRequest> = {}): ReplyRequest {
  return {
    body: { model: "claude-sonnet-4-6", messages: [{ role: "user", content: "What is the answer?" }] },
    bodyLength: 400,
    billing: "subscription",
    seq: 7,
    defaults: { responseModel: null, usage: {}, replyBytes: null },
    script: undefined,
    ...overrides,
  };
}

describe("lastUserText", () => {
  it.each([
    { name: "string content", messages: [{ role: "user", content: "plain" }], expected: "plain" },
    {
      name: "the last non-reminder text block",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "<system-reminder>\ncontext\n</system-reminder>" },
            { type: "text", text: "typed by the user" },
            { type: "text", text: "  <system-reminder>later context</system-reminder>" },
          ],
        },
      ],
      expected: "typed by the user",
    },
    {
      name: "back past a tool-result-only turn and assistant turns",
      messages: [
        { role: "user", content: [{ type: "text", text: "run the tests" }] },
        { role: "assistant", content: [{ type: "text", text: "ok" }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "done" }] },
      ],
      expected: "run the tests",
    },
    {
      name: "not a system-role message",
      messages: [
        { role: "user", content: "mine" },
        { role: "system", content: [{ type: "text", text: "not mine" }] },
      ],
      expected: "mine",
    },
    { name: "nothing", messages: [], expected: "" },
  ])("finds $name", ({ messages, expected }) => {
    expect(lastUserText(messages)).toBe(expected);
  });
});

describe("buildReply", () => {
  it("names the request number, billing and the first 60 characters of the prompt", () => {
    const prompt = `Please   summarise\nthis ${"x".repeat(100)}`;
    const reply = buildReply(
      request({ billing: "api", body: { model: "m", messages: [{ role: "user", content: prompt }] } }),
    );
    const text = reply.blocks.find((block) => block.type === "text");
    expect(text).toMatchObject({ text: `Simulated reply 7 (api): Please summarise this ${"x".repeat(38)}` });
  });

  it("derives usage from the body length and the reply length", () => {
    const reply = buildReply(request({ bodyLength: 401 }));
    const text = "Simulated reply 7 (subscription): What is the answer?";
    expect(reply.usage).toEqual({
      inputTokens: 101,
      outputTokens: Math.ceil(text.length / 4),
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      cacheReadTokens: 0,
      webSearchRequests: 0,
    });
  });

  it("applies default usage, then the script's, field by field", () => {
    const reply = buildReply(
      request({
        defaults: { responseModel: null, usage: { inputTokens: 5, cacheReadTokens: 900 }, replyBytes: null },
        script: { usage: { inputTokens: 6, cacheWrite1hTokens: 70, webSearchRequests: 2 } },
      }),
    );
    expect(reply.usage).toMatchObject({
      inputTokens: 6,
      cacheReadTokens: 900,
      cacheWrite1hTokens: 70,
      cacheWrite5mTokens: 0,
      webSearchRequests: 2,
    });
  });

  it.each([
    {
      name: "the request's model",
      defaultModel: null,
      scriptModel: undefined,
      expected: "claude-sonnet-4-6",
    },
    {
      name: "the default override",
      defaultModel: "claude-opus-4-7",
      scriptModel: undefined,
      expected: "claude-opus-4-7",
    },
    {
      name: "the script's override",
      defaultModel: "claude-opus-4-7",
      scriptModel: "claude-haiku",
      expected: "claude-haiku",
    },
  ])("names $name", ({ defaultModel, scriptModel, expected }) => {
    const reply = buildReply(
      request({
        defaults: { responseModel: defaultModel, usage: {}, replyBytes: null },
        script: scriptModel ? { responseModel: scriptModel } : undefined,
      }),
    );
    expect(reply.model).toBe(expected);
  });

  it.each([
    { thinking: { type: "enabled", budget_tokens: 1024 }, text: "Thinking about reply 7." },
    { thinking: { type: "adaptive" }, text: "Thinking about reply 7." },
    { thinking: { type: "adaptive", display: "omitted" }, text: "" },
  ])("adds a signed thinking block first for $thinking", ({ thinking, text }) => {
    const reply = buildReply(request({ body: { model: "m", messages: [], thinking } }));
    const [first] = reply.blocks;
    expect(first).toMatchObject({ type: "thinking", thinking: text });
    expect(first?.type === "thinking" && signatureBilling(first.signature)).toBe("subscription");
  });

  it("has no thinking block when thinking is disabled or absent", () => {
    for (const thinking of [undefined, { type: "disabled" }]) {
      const reply = buildReply(request({ body: { model: "m", messages: [], thinking } }));
      expect(reply.blocks.map((block) => block.type)).toEqual(["text"]);
    }
  });

  it("adds a tool_use block and stops for it when the script asks", () => {
    const reply = buildReply(request({ script: { toolUse: { name: "Bash", input: { command: "ls" } } } }));
    expect(reply.stopReason).toBe("tool_use");
    expect(reply.blocks.at(-1)).toMatchObject({ type: "tool_use", name: "Bash", input: { command: "ls" } });
    expect(reply.blocks.at(-1)).toHaveProperty("id", expect.stringMatching(/^toolu_01\w{22}$/));
  });

  it("pads the text to replyBytes and counts the padding as output", () => {
    const reply = buildReply(request({ defaults: { responseModel: null, usage: {}, replyBytes: 100_000 } }));
    const body = JSON.parse(replyBody(reply));
    expect(body.content[0].text).toHaveLength(100_000);
    expect(body.content[0].text.startsWith("Simulated reply 7")).toBe(true);
    expect(reply.usage.outputTokens).toBe(25_000);
  });

  it("a script's replyBytes pads that reply over the setting", () => {
    const reply = buildReply(
      request({
        defaults: { responseModel: null, usage: {}, replyBytes: 100_000 },
        script: { text: "short", replyBytes: 2000 },
      }),
    );
    expect(JSON.parse(replyBody(reply)).content[0].text).toHaveLength(2000);
    expect(reply.usage.outputTokens).toBe(500);
  });
});

describe("replyBody", () => {
  it("is a complete message with the real fields", () => {
    const reply = buildReply(
      request({ script: { usage: { cacheWrite5mTokens: 3, cacheWrite1hTokens: 4 } } }),
    );
    expect(JSON.parse(replyBody(reply))).toEqual({
      model: "claude-sonnet-4-6",
      id: reply.id,
      type: "message",
      role: "assistant",
      content: [{ type: "text", text: "Simulated reply 7 (subscription): What is the answer?" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      stop_details: null,
      usage: {
        input_tokens: 100,
        cache_creation_input_tokens: 7,
        cache_read_input_tokens: 0,
        cache_creation: { ephemeral_5m_input_tokens: 3, ephemeral_1h_input_tokens: 4 },
        output_tokens: 14,
        service_tier: "standard",
        inference_geo: "not_available",
      },
    });
    expect(reply.id).toMatch(/^msg_01\w{22}$/);
  });

  it("reports server tool uses when there were some", () => {
    const reply = buildReply(request({ script: { usage: { webSearchRequests: 3 } } }));
    expect(JSON.parse(replyBody(reply)).usage.server_tool_use).toEqual({
      web_search_requests: 3,
      web_fetch_requests: 0,
    });
  });
});

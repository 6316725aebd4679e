import { createParser } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import { buildReply, type ReplyRequest } from "./reply.js";
import { encodeEvent, replyEvents, type StreamEvent } from "./sse.js";

function reply(overrides: Partial<ReplyRequest> = {}) {
  return buildReply({
    body: {
      model: "claude-sonnet-4-6",
      messages: [{ role: "user", content: "Tell me a long story please" }],
    },
    bodyLength: 80,
    billing: "api",
    seq: 1,
    defaults: { responseModel: null, usage: {}, replyBytes: null },
    script: undefined,
    ...overrides,
  });
}

describe("encodeEvent", () => {
  it("names the event after its type and parses back", () => {
    const wire = encodeEvent({
      type: "content_block_delta",
      index: 0,
      delta: { type: "text_delta", text: "a\nb" },
    });
    expect(wire.startsWith("event: content_block_delta\ndata: {")).toBe(true);
    const parsed: { event?: string; data: string }[] = [];
    createParser({ onEvent: (event) => parsed.push(event) }).feed(wire);
    expect(parsed).toEqual([
      { event: "content_block_delta", id: undefined, data: wire.split("data: ")[1]!.trim() },
    ]);
    expect(JSON.parse(parsed[0]!.data).delta.text).toBe("a\nb");
  });
});

describe("replyEvents", () => {
  it("yields the real sequence for thinking, text and tool use", () => {
    const events = [
      ...replyEvents(
        reply({
          body: { model: "m", messages: [{ role: "user", content: "hi" }], thinking: { type: "enabled" } },
          script: { toolUse: { name: "Read", input: { file_path: "/tmp/a.txt" } } },
        }),
      ),
    ];
    const shape = events.map((event) =>
      event.type === "content_block_delta"
        ? `${event.index}:${(event.delta as { type: string }).type}`
        : event.type,
    );
    const collapsed = shape.filter((name, i) => name !== shape[i - 1]);
    expect(collapsed).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "0:thinking_delta",
      "0:signature_delta",
      "content_block_stop",
      "content_block_start",
      "1:text_delta",
      "content_block_stop",
      "content_block_start",
      "2:input_json_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    const toolJson = events
      .filter((event) => event.type === "content_block_delta" && event.index === 2)
      .map((event) => (event.delta as { partial_json: string }).partial_json)
      .join("");
    expect(JSON.parse(toolJson)).toEqual({ file_path: "/tmp/a.txt" });
  });

  it("starts with an empty message and ends with the stop reason and cumulative usage", () => {
    const built = reply({ script: { usage: { inputTokens: 11, outputTokens: 22, cacheReadTokens: 33 } } });
    const events: StreamEvent[] = [...replyEvents(built)];
    expect(events[0]).toMatchObject({
      type: "message_start",
      message: {
        id: built.id,
        model: "claude-sonnet-4-6",
        content: [],
        stop_reason: null,
        usage: { input_tokens: 11, cache_read_input_tokens: 33, output_tokens: 1, service_tier: "standard" },
      },
    });
    expect(events.at(-2)).toEqual({
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null, stop_details: null },
      usage: {
        input_tokens: 11,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 33,
        output_tokens: 22,
      },
    });
    const text = events
      .filter((event) => event.type === "content_block_delta")
      .map((event) => (event.delta as { text: string }).text)
      .join("");
    expect(text).toBe("Simulated reply 1 (api): Tell me a long story please");
  });

  it("streams a padded reply in chunks of at most 16 KiB", () => {
    const events = [
      ...replyEvents(reply({ defaults: { responseModel: null, usage: {}, replyBytes: 1_000_000 } })),
    ];
    const texts = events
      .filter((event) => event.type === "content_block_delta")
      .map((event) => (event.delta as { text: string }).text);
    expect(texts.join("")).toHaveLength(1_000_000);
    expect(Math.max(...texts.map((text) => text.length))).toBe(16 * 1024);
  });

  it("streams the padding in deltas of replyDeltaBytes when set (Claude-shaped streams)", () => {
    const defaults = { responseModel: null, usage: {}, replyBytes: 10_000, replyDeltaBytes: 100 };
    const texts = [...replyEvents(reply({ defaults }))]
      .filter((event) => event.type === "content_block_delta")
      .map((event) => (event.delta as { text: string }).text);
    expect(texts.join("")).toHaveLength(10_000);
    expect(Math.max(...texts.map((text) => text.length))).toBe(100);
  });
});

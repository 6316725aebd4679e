import { describe, expect, test } from "vitest";
import { jsonMeter, type MeterReading, meterFor, type ResponseMeter, sseMeter } from "./meter.js";

const enc = new TextEncoder();

function sse(events: Array<Record<string, unknown>>, eol = "\n"): string {
  return events.map((e) => `event: ${String(e.type)}${eol}data: ${JSON.stringify(e)}${eol}${eol}`).join("");
}

const startUsage = {
  input_tokens: 1200,
  cache_creation_input_tokens: 3000,
  cache_read_input_tokens: 40_000,
  cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
  output_tokens: 1,
  service_tier: "standard",
};

/** A realistic stream whose text holds multi-byte UTF-8 (2, 3 and 4 bytes) to split inside. */
const STREAM = sse([
  {
    type: "message_start",
    message: {
      id: "msg_01ABC",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5-20250929",
      content: [],
      stop_reason: null,
      usage: startUsage,
    },
  },
  { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
  { type: "ping" },
  { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "héllo wörld ✓ " } },
  { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "😀 日本語 — done" } },
  { type: "content_block_stop", index: 0 },
  {
    type: "message_delta",
    delta: { stop_reason: "end_turn", stop_sequence: null },
    usage: {
      input_tokens: 1200,
      cache_creation_input_tokens: 3000,
      cache_read_input_tokens: 40_000,
      output_tokens: 345,
      server_tool_use: { web_search_requests: 2 },
    },
  },
  { type: "message_stop" },
]);

const EXPECTED: MeterReading = {
  model: "claude-sonnet-4-5-20250929",
  messageId: "msg_01ABC",
  usage: {
    ...startUsage,
    output_tokens: 345,
    server_tool_use: { web_search_requests: 2 },
  },
  complete: true,
  errorType: null,
};

function read(meter: ResponseMeter, chunks: Uint8Array[]): MeterReading {
  for (const chunk of chunks) meter.push(chunk);
  return meter.finish();
}

describe("sseMeter", () => {
  const bytes = enc.encode(STREAM);

  test("the fixture really has multi-byte characters to split inside", () => {
    expect(bytes.length).toBeGreaterThan(STREAM.length);
  });

  test("reads message_start, the final message_delta and message_stop", () => {
    expect(read(sseMeter(), [bytes])).toEqual(EXPECTED);
  });

  test("gives the same reading however the bytes are split in two (every boundary)", () => {
    for (let at = 0; at <= bytes.length; at++) {
      const reading = read(sseMeter(), [bytes.subarray(0, at), bytes.subarray(at)]);
      if (JSON.stringify(reading) !== JSON.stringify(EXPECTED)) {
        throw new Error(`split at byte ${at} gave ${JSON.stringify(reading)}`);
      }
    }
  });

  test("gives the same reading fed one byte at a time", () => {
    const chunks = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
    expect(read(sseMeter(), chunks)).toEqual(EXPECTED);
  });

  test("reads CRLF line endings too", () => {
    const crlf = enc.encode(STREAM.replaceAll("\n", "\r\n"));
    expect(read(sseMeter(), [crlf.subarray(0, 101), crlf.subarray(101)])).toEqual(EXPECTED);
  });

  test("the final message_delta's cumulative counts override message_start's", () => {
    const reading = read(sseMeter(), [
      enc.encode(
        sse([
          {
            type: "message_start",
            message: { model: "m", id: "x", usage: { input_tokens: 10, output_tokens: 1 } },
          },
          { type: "message_delta", usage: { output_tokens: 50 } },
          { type: "message_delta", usage: { input_tokens: 12, output_tokens: 99 } },
          { type: "message_stop" },
        ]),
      ),
    ]);
    expect(reading.usage).toEqual({ input_tokens: 12, output_tokens: 99 });
  });

  test("a null count in message_delta does not wipe message_start's", () => {
    const reading = read(sseMeter(), [
      enc.encode(
        sse([
          {
            type: "message_start",
            message: { model: "m", usage: { input_tokens: 10, cache_read_input_tokens: 7 } },
          },
          {
            type: "message_delta",
            usage: { input_tokens: null, cache_read_input_tokens: null, output_tokens: 5 },
          },
        ]),
      ),
    ]);
    expect(reading.usage).toEqual({ input_tokens: 10, cache_read_input_tokens: 7, output_tokens: 5 });
    expect(reading.complete).toBe(false);
  });

  test("an error event is reported with its type", () => {
    const reading = read(sseMeter(), [
      enc.encode(
        sse([
          { type: "message_start", message: { model: "m", usage: { input_tokens: 10, output_tokens: 1 } } },
          { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
        ]),
      ),
    ]);
    expect(reading).toMatchObject({
      errorType: "overloaded_error",
      complete: false,
      usage: { input_tokens: 10 },
    });
  });

  test("an error event without a type still counts as an error", () => {
    const reading = read(sseMeter(), [enc.encode(sse([{ type: "error" }]))]);
    expect(reading.errorType).toBe("error");
  });

  test("malformed data and unknown events are ignored; the good events still count", () => {
    const text =
      "event: message_start\ndata: {not json\n\n" +
      'data: ["an array"]\n\n' +
      "data: 42\n\n" +
      ": a comment\n\n" +
      'event: surprise\ndata: {"type":"surprise"}\n\n' +
      sse([
        {
          type: "message_start",
          message: { model: "m", id: "i", usage: { input_tokens: 3, output_tokens: 1 } },
        },
        { type: "message_delta", usage: "not an object" },
        { type: "message_stop" },
      ]);
    expect(read(sseMeter(), [enc.encode(text)])).toEqual({
      model: "m",
      messageId: "i",
      usage: { input_tokens: 3, output_tokens: 1 },
      complete: true,
      errorType: null,
    });
  });

  test("unnamed events are read by their data", () => {
    const text = STREAM.replace(/^event: .*\n/gm, "");
    expect(read(sseMeter(), [enc.encode(text)])).toEqual(EXPECTED);
  });

  test("a stream cut inside an event keeps what came before and is not complete", () => {
    const cut = bytes.subarray(0, Buffer.from(bytes).indexOf("event: message_stop") + 5);
    const reading = read(sseMeter(), [cut]);
    expect(reading.complete).toBe(false);
    expect(reading.usage).toMatchObject({ output_tokens: 345 });
  });

  test("invalid UTF-8 does not throw", () => {
    const reading = read(sseMeter(), [new Uint8Array([0xff, 0xfe, 0x0a, 0x0a]), bytes]);
    expect(reading).toEqual(EXPECTED);
  });
});

describe("jsonMeter", () => {
  const message = {
    id: "msg_01JSON",
    type: "message",
    role: "assistant",
    model: "claude-haiku-4-5-20251001",
    content: [{ type: "text", text: "ça va ✓" }],
    usage: { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 5 },
  };
  const body = enc.encode(JSON.stringify(message));

  test("reads model, id and usage of a message body split anywhere", () => {
    for (const at of [0, 1, 17, body.length - 3, body.length]) {
      expect(read(jsonMeter(), [body.subarray(0, at), body.subarray(at)])).toEqual({
        model: "claude-haiku-4-5-20251001",
        messageId: "msg_01JSON",
        usage: message.usage,
        complete: true,
        errorType: null,
      });
    }
  });

  test("reads an error body's type", () => {
    const error = enc.encode(
      JSON.stringify({ type: "error", error: { type: "invalid_request_error", message: "x" } }),
    );
    expect(read(jsonMeter(), [error])).toMatchObject({ errorType: "invalid_request_error", usage: null });
  });

  test.each([
    ["not JSON", "<html>502 Bad Gateway</html>"],
    ["an array", "[1,2]"],
    ["empty", ""],
  ])("%s gives an empty reading", (_name, text) => {
    expect(read(jsonMeter(), [enc.encode(text)])).toEqual({
      model: null,
      messageId: null,
      usage: null,
      complete: false,
      errorType: null,
    });
  });

  test("a body over the bound is not kept and gives an empty reading", () => {
    expect(read(jsonMeter(10), [body])).toMatchObject({ usage: null, model: null });
  });
});

describe("meterFor", () => {
  test("picks the SSE meter for event streams and the JSON meter otherwise", () => {
    const stream = enc.encode(STREAM);
    expect(read(meterFor("text/event-stream; charset=utf-8"), [stream]).complete).toBe(true);
    expect(read(meterFor("application/json"), [stream]).complete).toBe(false);
    expect(read(meterFor(undefined), [enc.encode('{"type":"message","model":"m"}')]).model).toBe("m");
  });
});

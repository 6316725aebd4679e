/**
 * Fuzzing the gateway's response metering with bad input (issue #6). A valid event stream gives
 * the same reading however its bytes are cut (inside multi-byte UTF-8, between CR and LF, inside
 * a field name), and that reading is the one the generated events stand for; garbage events,
 * malformed data lines and arbitrary bytes never throw and never invent usage. Fixed seeds,
 * bounded runs.
 */
import fc from "fast-check";
import { describe, expect, test, vi } from "vitest";
import { jsonMeter, type MeterReading, meterFor, type ResponseMeter, sseMeter } from "./meter.js";

// The runs are bounded, but the machine is shared with other test runs: generous time per test.
vi.setConfig({ testTimeout: 30_000 });

type Json = Record<string, unknown>;

function read(meter: ResponseMeter, chunks: readonly Uint8Array[]): MeterReading {
  for (const chunk of chunks) meter.push(chunk);
  return meter.finish();
}

const EMPTY: MeterReading = { model: null, messageId: null, usage: null, complete: false, errorType: null };

// ---------------------------------------------------------------------------------------------
// Valid streams and what they must read as.

const count = fc.integer({ min: 0, max: 5_000_000 });
const startUsage = fc.record(
  {
    input_tokens: count,
    output_tokens: count,
    cache_creation_input_tokens: count,
    cache_read_input_tokens: count,
    cache_creation: fc.record({ ephemeral_5m_input_tokens: count, ephemeral_1h_input_tokens: count }),
    service_tier: fc.constantFrom("standard", "priority"),
  },
  { requiredKeys: ["input_tokens", "output_tokens"] },
);
const deltaUsage = fc.record(
  {
    input_tokens: count,
    output_tokens: count,
    cache_read_input_tokens: count,
    server_tool_use: fc.record({ web_search_requests: count }),
  },
  { requiredKeys: ["output_tokens"] },
);
/** Reply text with 1- to 4-byte characters, CR, LF and quotes to escape. */
const text = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.constantFrom("é", "—", "日本語", "😀", "\r\n", "\r", "\n\n", '"data: x"', "event: message_stop"),
);
const contentEvents = fc.array(
  fc.oneof(
    text.map((chunk) => ({
      type: "content_block_delta",
      index: 0,
      delta: { type: "text_delta", text: chunk },
    })),
    fc.constant({ type: "ping" }),
    fc.constant({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
    fc.constant({ type: "content_block_stop", index: 0 }),
  ),
  { maxLength: 8 },
);

interface Stream {
  events: Json[];
  expected: MeterReading;
}

const stream: fc.Arbitrary<Stream> = fc
  .record({
    model: fc.constantFrom("claude-sonnet-4-5-20250929", "claude-opus-4-1", "m-é😀"),
    id: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 12 }).map((id) => `msg_${id}`),
    usage: startUsage,
    content: contentEvents,
    deltas: fc.array(deltaUsage, { minLength: 0, maxLength: 2 }),
    end: fc.constantFrom("stop", "error", "cut"),
  })
  .map(({ model, id, usage, content, deltas, end }) => {
    const events: Json[] = [
      {
        type: "message_start",
        message: { id, type: "message", role: "assistant", model, content: [], usage },
      },
      ...content,
      ...deltas.map((delta) => ({ type: "message_delta", delta: { stop_reason: "end_turn" }, usage: delta })),
    ];
    if (end === "stop") events.push({ type: "message_stop" });
    if (end === "error")
      events.push({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
    // The final message_delta's counts are cumulative: each one's fields replace the earlier ones.
    const merged: Json = Object.assign({}, usage, ...deltas);
    return {
      events,
      expected: {
        model,
        messageId: id,
        usage: merged,
        complete: end === "stop",
        errorType: end === "error" ? "overloaded_error" : null,
      },
    };
  });

type Eol = "lf" | "crlf" | "cr" | "mixed";

interface Format {
  eol: Eol;
  /** Per line, for "mixed": LF or CRLF (a CR followed by an LF would be one line end, not two). */
  mixed: boolean[];
  /** `event:` lines left out (the API always sends them; the data's type is what counts). */
  named: boolean;
  /** `event:x` / `data:x` without the optional space. */
  tight: boolean;
  /** The data pretty-printed over several `data:` lines (joined with "\n" by the parser). */
  multiline: boolean;
  /** Comments and `id:`/`retry:` fields sprinkled in. */
  extras: boolean;
  bom: boolean;
}

const format: fc.Arbitrary<Format> = fc.record({
  eol: fc.constantFrom<Eol>("lf", "crlf", "cr", "mixed"),
  mixed: fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }),
  named: fc.boolean(),
  tight: fc.boolean(),
  multiline: fc.boolean(),
  extras: fc.boolean(),
  bom: fc.boolean(),
});

function render(events: readonly Json[], f: Format): Uint8Array {
  let line = 0;
  const eol = () => {
    line++;
    if (f.eol === "mixed") return f.mixed[line % f.mixed.length] ? "\r\n" : "\n";
    return f.eol === "lf" ? "\n" : f.eol === "crlf" ? "\r\n" : "\r";
  };
  const space = f.tight ? "" : " ";
  let out = f.bom ? "\uFEFF" : "";
  events.forEach((event, index) => {
    if (f.extras && index % 3 === 0) out += `: keep-alive ${index}${eol()}`;
    if (f.named) out += `event:${space}${String(event.type)}${eol()}`;
    if (f.extras && index % 2 === 1) out += `id:${space}${index}${eol()}retry: nope${eol()}`;
    const data = f.multiline ? JSON.stringify(event, null, 1).split("\n") : [JSON.stringify(event)];
    for (const part of data) out += `data:${space}${part}${eol()}`;
    out += eol();
  });
  return new TextEncoder().encode(out);
}

/**
 * Cut points into `bytes`: anywhere, plus some chosen among the awkward places — inside a
 * multi-byte character, between a CR and its LF, right after a line end.
 */
const cutsFor = (bytes: Uint8Array) => {
  const awkward: number[] = [];
  bytes.forEach((byte, index) => {
    if ((byte & 0xc0) === 0x80 || (byte === 0x0a && bytes[index - 1] === 0x0d) || bytes[index - 1] === 0x0a)
      awkward.push(index);
  });
  return fc
    .tuple(
      fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 20 }),
      fc.subarray(awkward, { maxLength: Math.min(20, awkward.length) }),
      fc.boolean(),
    )
    .map(([anywhere, chosen, byteAtATime]) =>
      byteAtATime ? Array.from({ length: bytes.length + 1 }, (_, i) => i) : [...anywhere, ...chosen],
    );
};

function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts)].sort((a, b) => a - b);
  const bounds = [0, ...points, bytes.length];
  return bounds.slice(1).map((end, index) => bytes.subarray(bounds[index], end));
}

/** A stream, its rendering, and cuts into it. */
const chunkedStream = fc
  .tuple(stream, format)
  .map(([s, f]) => ({ ...s, bytes: render(s.events, f) }))
  .chain((s) => cutsFor(s.bytes).map((cuts) => ({ ...s, cuts })));

// ---------------------------------------------------------------------------------------------
// Garbage.

/** A line without line breaks: random bytes (invalid UTF-8 included) or text. */
const junkLine = fc
  .oneof(
    fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
    fc.string({ unit: "binary", maxLength: 60 }),
  )
  .map((line) => line.replace(/[\r\n]/g, ""));

/** Whole events that are not billing events, or are broken ones: the reader must let them pass. */
const garbageEvent = fc
  .oneof(
    fc.constantFrom(
      "event: message_start\ndata: {not json\n\n",
      'event: message_delta\ndata: {"type":"message_delta","usage":\n\n',
      'data: ["an array"]\n\n',
      "data: 42\n\n",
      'data: "a string"\n\n',
      "data: null\n\n",
      "data:\n\n",
      ": just a comment\n\n",
      "id: 7\nretry: 1000\n\n",
      'event: surprise\ndata: {"type":"surprise","usage":{"input_tokens":999}}\n\n',
      'data: {"type":"message_delta","usage":"not an object"}\n\n',
      'data: {"type":"message_delta","usage":[1,2]}\n\n',
      'data: {"type":"message_delta"}\n\n',
      'event: ping\ndata: {"type":"message_stop"}\n\n',
      'event: content_block_delta\ndata: {"type":"error","error":{"type":"x"}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta"\ndata: broken\n\n',
      "event: ping\n\n",
      "event: content_block_stop\n\n",
      "event: content_block_delta\nevent: message_start\ndata: {}\n\n",
      `data: ${"[".repeat(5000)}\n\n`,
    ),
    junkLine.map((line) => `data: ${line}\n\n`),
    junkLine.map((line) => `${line}\n\n`),
    fc
      .tuple(junkLine, junkLine)
      .map(([a, b]) => `event: ${a}\ndata: {"type":"${b.replace(/["\\]/g, "")}"}\n\n`),
  )
  // Random text can spell a billing event only by a miracle; exclude the few that could.
  .filter((event) => !/"type":"(message_start|message_stop|error)"/.test(event) || event.includes("ping"));

describe("sseMeter: a valid stream in any chunking", () => {
  test("every chunking reads as the unchunked stream, which reads as the events say", () => {
    fc.assert(
      fc.property(chunkedStream, ({ bytes, cuts, expected }) => {
        const whole = read(sseMeter(), [bytes]);
        expect(whole).toEqual(expected);
        expect(read(sseMeter(), split(bytes, cuts))).toEqual(whole);
      }),
      { seed: 6360, numRuns: 600 },
    );
  });

  test("complete garbage events between the valid ones change nothing (LF, CRLF or CR)", () => {
    const mixed = fc
      .tuple(
        stream,
        fc.array(fc.tuple(fc.nat(), garbageEvent), { maxLength: 8 }),
        fc.constantFrom("\n", "\r\n", "\r"),
      )
      .map(([s, junk, eol]) => {
        const parts = s.events.map(
          (event) => `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`,
        );
        for (const [at, event] of junk) parts.splice(at % (parts.length + 1), 0, event);
        // Junk lines hold no CR or LF of their own, so every "\n" here is a line end.
        return { ...s, bytes: new TextEncoder().encode(parts.join("").replaceAll("\n", eol)) };
      })
      .chain((s) => cutsFor(s.bytes).map((cuts) => ({ ...s, cuts })));
    fc.assert(
      fc.property(mixed, ({ bytes, cuts, expected }) => {
        expect(read(sseMeter(), [bytes])).toEqual(expected);
        expect(read(sseMeter(), split(bytes, cuts))).toEqual(expected);
      }),
      { seed: 6361, numRuns: 500 },
    );
  });

  test("a stream cut off anywhere keeps what its complete events said, never more", () => {
    fc.assert(
      fc.property(stream, fc.nat(), (s, at) => {
        const bytes = render(s.events, {
          eol: "lf",
          mixed: [false],
          named: true,
          tight: false,
          multiline: false,
          extras: false,
          bom: false,
        });
        const cut = bytes.subarray(0, at % (bytes.length + 1));
        const reading = read(sseMeter(), [cut]);
        // Only whole events count: the reading is that of the events whose blank line arrived.
        const text = new TextDecoder().decode(cut);
        const whole = text.slice(0, text.lastIndexOf("\n\n") + 2);
        expect(reading).toEqual(read(sseMeter(), [new TextEncoder().encode(whole)]));
        if (reading.usage !== null) expect(reading.model).toBe(s.expected.model);
        if (!whole.includes("message_stop")) expect(reading.complete).toBe(false);
      }),
      { seed: 6362, numRuns: 500 },
    );
  });
});

describe("sseMeter and jsonMeter on garbage", () => {
  test("arbitrary bytes: no throw, and nothing is read from them", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => {
        const pieces = split(
          bytes,
          cuts.map((cut) => cut % (bytes.length + 1)),
        );
        expect(read(sseMeter(), pieces)).toEqual(EMPTY);
        expect(read(jsonMeter(), pieces)).toEqual(EMPTY);
      }),
      { seed: 6363, numRuns: 1000 },
    );
  });

  test("only garbage events: no throw, nothing read", () => {
    fc.assert(
      fc.property(
        fc.array(garbageEvent, { maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (events, cuts) => {
          const bytes = new TextEncoder().encode(events.join(""));
          const reading = read(
            sseMeter(),
            split(
              bytes,
              cuts.map((cut) => cut % (bytes.length + 1)),
            ),
          );
          expect(reading).toEqual(EMPTY);
        },
      ),
      { seed: 6364, numRuns: 500 },
    );
  });

  test("arbitrary JSON bodies in data lines and in JSON responses: no throw", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        const json = JSON.stringify(value);
        read(sseMeter(), [new TextEncoder().encode(`data: ${json}\n\n`)]);
        const reading = read(jsonMeter(), [new TextEncoder().encode(json)]);
        if (typeof value !== "object" || value === null || Array.isArray(value))
          expect(reading).toEqual(EMPTY);
      }),
      { seed: 6365, numRuns: 1000 },
    );
  });

  test("wrongly typed fields of billing events are ignored, the others still read", () => {
    const wrong = fc.jsonValue({ maxDepth: 2 }).filter((value) => typeof value !== "string");
    fc.assert(
      fc.property(stream, wrong, wrong, ({ events, expected }, model, id) => {
        const start = events[0] as { message: Json };
        const broken = [{ ...start, message: { ...start.message, model, id } }, ...events.slice(1)];
        const bytes = new TextEncoder().encode(
          broken.map((event) => `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`).join(""),
        );
        expect(read(sseMeter(), [bytes])).toEqual({ ...expected, model: null, messageId: null });
      }),
      { seed: 6366, numRuns: 300 },
    );
  });

  test("jsonMeter: a message body in any chunking reads the same", () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 10 }), ({ expected }, cuts) => {
        const body = new TextEncoder().encode(
          JSON.stringify({
            id: expected.messageId,
            type: "message",
            model: expected.model,
            content: [{ type: "text", text: "é😀" }],
            usage: expected.usage,
          }),
        );
        const pieces = split(
          body,
          cuts.map((cut) => cut % (body.length + 1)),
        );
        expect(read(jsonMeter(), pieces)).toEqual({ ...expected, complete: true, errorType: null });
      }),
      { seed: 6367, numRuns: 300 },
    );
  });

  test("meterFor: any content type gives a working meter", () => {
    fc.assert(
      fc.property(fc.option(fc.string({ unit: "binary", maxLength: 40 }), { nil: undefined }), (type) => {
        expect(read(meterFor(type), [new TextEncoder().encode("{}")]).usage).toBeNull();
      }),
      { seed: 6368, numRuns: 300 },
    );
  });
});

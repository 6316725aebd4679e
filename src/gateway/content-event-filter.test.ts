import { createParser, type EventSourceMessage } from "eventsource-parser";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONTENT_EVENTS, ContentEventFilter } from "./content-event-filter.js";

const bytes = (text: string) => Buffer.from(text, "utf8");

/** What the filter passes on, as text, for `text` split at `cuts`. */
function passed(text: string, cuts: number[] = []): string {
  const out: Buffer[] = [];
  const filter = new ContentEventFilter((part) => out.push(Buffer.from(part)));
  const input = bytes(text);
  let from = 0;
  for (const cut of [...cuts, input.length]) {
    filter.push(input.subarray(from, cut));
    from = cut;
  }
  return Buffer.concat(out).toString("utf8");
}

/** The events a parser dispatches from the chunks, as `filtered` sees them or not. */
function events(chunks: Buffer[], filtered: boolean): EventSourceMessage[] {
  const seen: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => seen.push(event) });
  const decoder = new TextDecoder();
  const feed = (part: Uint8Array) => parser.feed(decoder.decode(part, { stream: true }));
  const filter = new ContentEventFilter(feed);
  for (const chunk of chunks) filtered ? filter.push(chunk) : feed(chunk);
  parser.feed(decoder.decode());
  return seen;
}

const billing = (name: string) => !CONTENT_EVENTS.includes(name);

describe("ContentEventFilter", () => {
  it.each([
    ["a content event is dropped whole", "event: content_block_delta\ndata: {}\n\n", ""],
    ["`event:` without the space", "event:ping\ndata: {}\n\n", ""],
    [
      "a billing event passes whole",
      "event: message_start\ndata: {}\n\n",
      "event: message_start\ndata: {}\n\n",
    ],
    [
      "content between billing events",
      "event: message_start\ndata: 1\n\nevent: content_block_delta\ndata: 2\n\nevent: message_stop\ndata: 3\n\n",
      "event: message_start\ndata: 1\n\nevent: message_stop\ndata: 3\n\n",
    ],
    [
      "CRLF line ends",
      "event: ping\r\ndata: x\r\n\r\nevent: error\r\ndata: e\r\n\r\n",
      "event: error\r\ndata: e\r\n\r\n",
    ],
    // A lone CR ending the event is completed with an LF: a parser would otherwise wait for one.
    ["CR line ends", "event: ping\rdata: x\r\revent: error\rdata: e\r\r", "event: error\rdata: e\r\r\n"],
    ["data before the event name passes", "data: {}\nevent: ping\n\n", "data: {}\nevent: ping\n\n"],
    ["a comment first passes", ": keep-alive\n\n", ": keep-alive\n\n"],
    [
      "a name that only starts like a content event passes",
      "event: pingpong\ndata: x\n\n",
      "event: pingpong\ndata: x\n\n",
    ],
    [
      "empty lines between events are dropped",
      "\n\nevent: message_stop\ndata: s\n\n",
      "event: message_stop\ndata: s\n\n",
    ],
    [
      "an unfinished billing event passes what it has",
      "event: message_delta\ndata: {",
      "event: message_delta\ndata: {",
    ],
    ["an unfinished content event passes nothing", "event: content_block_delta\ndata: {", ""],
    [
      "a long first line passes without waiting for its end",
      `data: ${"x".repeat(100)}`,
      `data: ${"x".repeat(100)}`,
    ],
  ])("%s", (_name, input, expected) => {
    expect(passed(input)).toBe(expected);
    // Every split of the input gives the same bytes.
    const length = bytes(input).length;
    for (let cut = 0; cut <= length; cut++) expect(passed(input, [cut])).toBe(expected);
  });

  it("holds a CRLF split across chunks as one line end", () => {
    const input = "event: ping\r\ndata: x\r\n\r\nevent: error\r\ndata: e\r\n\r\n";
    expect(passed(input, [12, 13, 22, 23, 24])).toBe("event: error\r\ndata: e\r\n\r\n");
  });

  const lineEnd = fc.constantFrom("\n", "\r\n", "\r");
  const name = fc.constantFrom(...CONTENT_EVENTS, "message_start", "message_delta", "message_stop", "error");
  const text = fc.string({ unit: "grapheme", maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, " "));
  const event = fc
    .record({
      name,
      data: fc.array(text, { minLength: 1, maxLength: 3 }),
      end: lineEnd,
      dataFirst: fc.boolean(),
    })
    .map(({ name, data, end, dataFirst }) => {
      const nameLine = `event: ${name}${end}`;
      const dataLines = data.map((line) => `data: ${line}${end}`).join("");
      return `${dataFirst ? dataLines + nameLine : nameLine + dataLines}${end}`;
    });

  it("leaves a parser the same billing events as the whole stream, however it is split", () => {
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (stream, cutSeeds) => {
          const input = bytes(stream.join(""));
          const cuts = [...new Set(cutSeeds.map((seed) => seed % (input.length + 1)))].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let from = 0;
          for (const cut of [...cuts, input.length]) {
            chunks.push(input.subarray(from, cut));
            from = cut;
          }
          // The trailing LF completes a final lone-CR line end, as the filter does.
          const whole = events([input, bytes("\n")], false).filter((e) => billing(e.event ?? ""));
          expect(events(chunks, true).filter((e) => billing(e.event ?? ""))).toEqual(whole);
        },
      ),
      { seed: 20261124, numRuns: 2000 },
    );
  });
});

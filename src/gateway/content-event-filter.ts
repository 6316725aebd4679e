/**
 * Drops the content events of an Anthropic event stream before anything decodes them.
 *
 * The gateway meters every response it streams, but billing facts live only in
 * `message_start`, `message_delta`, `message_stop` and `error`: the reply's text
 * (`content_block_*`) is nearly all of the bytes and none of the bill. Decoding and parsing it
 * cost the gateway more CPU than relaying it, so this filter works on raw bytes: it finds line
 * ends with native byte searches, reads only the first line of each event, and passes on the
 * bytes of every event whose first line does not name a content event. What it passes is
 * still a well-formed event stream (whole events, separators kept), parsed by
 * eventsource-parser as before.
 *
 * Line ends are LF, CRLF or CR (the SSE grammar); an event ends at an empty line. An event
 * whose first line is anything else (a comment, `data:` before `event:`, a byte-order mark) is
 * passed on whole, so the filter can only ever skip what its rule names.
 */
export const CONTENT_EVENTS = ["content_block_start", "content_block_delta", "content_block_stop", "ping"];

const LF = 0x0a;
const CR = 0x0d;
const LINE_FEED = Uint8Array.of(LF);
/** The first lines of the skipped events (`event: name`, the space optional), as bytes. */
const SKIPPED_FIRST_LINES = CONTENT_EVENTS.flatMap((name) => [`event: ${name}`, `event:${name}`]).map(
  (line) => Buffer.from(line, "latin1"),
);
/** Longer than any skipped first line: a first line this long is passed on without waiting for its end. */
const HEAD_LIMIT = 64;

/** Whether `bytes[start, end)` is the first line of a skipped event; compared in place, nothing copied. */
function isSkippedFirstLine(bytes: Uint8Array, start: number, end: number): boolean {
  const length = end - start;
  for (const line of SKIPPED_FIRST_LINES) {
    if (line.length !== length) continue;
    let i = 0;
    while (i < length && bytes[start + i] === line[i]) i++;
    if (i === length) return true;
  }
  return false;
}

/**
 * Finds line ends in one chunk. Each byte search runs on from the last one it found: a chunk of
 * many small events (or without any CR at all) is scanned once, not once per line.
 */
function lineEnds(chunk: Uint8Array): (from: number) => number {
  let lf = -2;
  let cr = -2;
  return (from) => {
    if (lf !== -1 && lf < from) lf = chunk.indexOf(LF, from);
    if (cr !== -1 && cr < from) cr = chunk.indexOf(CR, from);
    if (lf === -1) return cr;
    if (cr === -1) return lf;
    return Math.min(lf, cr);
  };
}

export class ContentEventFilter {
  /** head: reading an event's first line; skip: inside a content event; pass: inside any other. */
  #state: "head" | "skip" | "pass" = "head";
  readonly #head = new Uint8Array(HEAD_LIMIT);
  #headLength = 0;
  #atLineStart = true;
  /** The last byte seen was a CR: an LF right after it belongs to the same line end. */
  #afterCR = false;

  constructor(private readonly pass: (bytes: Uint8Array) => void) {}

  push(chunk: Uint8Array): void {
    const length = chunk.length;
    const nextLineEnd = lineEnds(chunk);
    let passFrom = this.#state === "pass" ? 0 : -1;
    let i = 0;
    while (i < length) {
      if (this.#afterCR) {
        this.#afterCR = false;
        if (chunk[i] === LF) {
          i += 1;
          continue;
        }
      }
      const end = nextLineEnd(i);
      const stop = end === -1 ? length : end;
      if (this.#state === "head") {
        if (stop - i > HEAD_LIMIT - this.#headLength) {
          this.#flushHead();
          this.#state = "pass";
          this.#atLineStart = false;
          passFrom = i;
          continue;
        }
        // A first line within this chunk is read where it is; one cut by the chunk's end is
        // gathered in #head first.
        const whole = this.#headLength === 0 && end !== -1;
        if (!whole) {
          this.#head.set(chunk.subarray(i, stop), this.#headLength);
          this.#headLength += stop - i;
        }
        if (end === -1) break;
        const lineStart = i;
        i = end + 1;
        this.#afterCR = chunk[end] === CR;
        // An empty line between events dispatches nothing: the parser does not need it.
        if (whole ? end === lineStart : this.#headLength === 0) continue;
        const skipped = whole
          ? isSkippedFirstLine(chunk, lineStart, end)
          : isSkippedFirstLine(this.#head, 0, this.#headLength);
        if (skipped) {
          this.#headLength = 0;
          this.#state = "skip";
        } else {
          // The line is passed on: from #head when it was gathered there, else where it is.
          this.#flushHead();
          this.#state = "pass";
          passFrom = whole ? lineStart : end;
        }
        this.#atLineStart = true;
        continue;
      }
      if (end === -1) {
        this.#atLineStart = false;
        break;
      }
      const emptyLine = end === i && this.#atLineStart;
      this.#atLineStart = true;
      this.#afterCR = chunk[end] === CR;
      i = end + 1;
      if (emptyLine) {
        if (this.#state === "pass") {
          this.pass(chunk.subarray(passFrom, i));
          // A parser holds a CR that ends its input (an LF may follow); the event is complete now.
          if (this.#afterCR) this.pass(LINE_FEED);
        }
        passFrom = -1;
        this.#state = "head";
      }
    }
    if (this.#state === "pass" && passFrom !== -1 && passFrom < length) this.pass(chunk.subarray(passFrom));
  }

  #flushHead(): void {
    if (this.#headLength > 0) this.pass(this.#head.slice(0, this.#headLength));
    this.#headLength = 0;
  }
}

/**
 * What a headless run (`claude -p`, SPEC §4.8) lets through of Claude's standard output while it
 * does not yet know whether the run will end at the subscription limit.
 *
 * - When the run cannot switch (no key, `auto_switch` off) nothing is held: output flows as it
 *   comes, and only its last bytes are kept, to read a limit from at the end.
 * - When it may switch, the output that the limit would make wrong is held until the run ends:
 *   in `text` and `json` that is all of it (Claude prints those only at the end anyway); in
 *   `stream-json` only the limit's own epilogue — from the first line that can be part of it
 *   (the rejected `rate_limit_event`, Claude's `<synthetic>` error message, the `result`) — so a
 *   streaming consumer sees every event of the run as it happens.
 *
 * At the end the caller either {@link release}s what was held (no switch) or drops it and
 * continues the stream with the resumed run's output ({@link continuation}).
 */
const TAIL_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

export type GateMode = "pass" | "hold" | "hold-epilogue";

/**
 * The first complete line of `data` for which `test` holds (its start, and its end past the
 * newline), and where the complete lines end: the rest is a line still coming.
 */
function scanLines(
  data: Buffer,
  test: (line: string) => boolean,
): { match: { start: number; end: number } | null; complete: number } {
  let start = 0;
  for (let newline = data.indexOf(NEWLINE); newline !== -1; newline = data.indexOf(NEWLINE, start)) {
    if (test(data.toString("utf8", start, newline)))
      return { match: { start, end: newline + 1 }, complete: start };
    start = newline + 1;
  }
  return { match: null, complete: start };
}

export function gateMode(outputFormat: string, maySwitch: boolean): GateMode {
  if (!maySwitch) return "pass";
  return outputFormat === "stream-json" ? "hold-epilogue" : "hold";
}

/** A stream-json line that can belong to the limit's epilogue (or ends the run). */
export function startsEpilogue(line: string): boolean {
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    return false;
  }
  if (typeof event !== "object" || event === null) return false;
  const { type, rate_limit_info: info, message } = event as Record<string, unknown>;
  if (type === "result") return true;
  if (type === "rate_limit_event") return (info as { status?: unknown } | undefined)?.status === "rejected";
  return type === "assistant" && (message as { model?: unknown } | undefined)?.model === "<synthetic>";
}

export class PrintOutputGate {
  #held: Buffer[] = [];
  /** stream-json: the bytes of a line not yet complete. */
  #partial = Buffer.alloc(0);
  #holding: boolean;
  #tail: Buffer = Buffer.alloc(0);

  constructor(
    private readonly mode: GateMode,
    private readonly write: (chunk: Buffer) => void,
  ) {
    this.#holding = mode === "hold";
  }

  push(chunk: Buffer): void {
    if (this.mode === "pass") {
      this.write(chunk);
      const joined = Buffer.concat([this.#tail, chunk]);
      this.#tail = joined.subarray(Math.max(0, joined.length - TAIL_BYTES));
      return;
    }
    if (this.#holding) {
      this.#held.push(chunk);
      return;
    }
    // stream-json, nothing held yet: complete lines go out unless one starts the epilogue.
    const data = this.#partial.length > 0 ? Buffer.concat([this.#partial, chunk]) : chunk;
    const { match, complete } = scanLines(data, startsEpilogue);
    const out = match ? match.start : complete;
    if (out > 0) this.write(data.subarray(0, out));
    if (match) {
      this.#holding = true;
      this.#held.push(data.subarray(match.start));
      this.#partial = Buffer.alloc(0);
    } else {
      this.#partial = Buffer.from(data.subarray(complete));
    }
  }

  /** What the end of the run is read from: the held output, or the last bytes that went through. */
  forDetection(): Buffer {
    if (this.mode === "pass") return this.#tail;
    return Buffer.concat([...this.#held, this.#partial]);
  }

  /** No switch after all: what was held goes out as it was. */
  release(): void {
    const held = this.forDetection();
    if (this.mode !== "pass" && held.length > 0) this.write(held);
    this.#held = [];
    this.#partial = Buffer.alloc(0);
  }
}

/**
 * The resumed run's output after a switch. In stream-json the run already announced itself: the
 * resumed run's own `system`/`init` event is left out, so the caller sees one run's events.
 */
export class Continuation {
  #partial = Buffer.alloc(0);
  #initSeen: boolean;

  constructor(
    outputFormat: string,
    private readonly write: (chunk: Buffer) => void,
  ) {
    this.#initSeen = outputFormat !== "stream-json";
  }

  push(chunk: Buffer): void {
    if (this.#initSeen) {
      this.write(chunk);
      return;
    }
    const data = this.#partial.length > 0 ? Buffer.concat([this.#partial, chunk]) : chunk;
    const { match, complete } = scanLines(data, isInit);
    if (match) {
      this.#initSeen = true;
      if (match.start > 0) this.write(data.subarray(0, match.start));
      if (match.end < data.length) this.write(data.subarray(match.end));
      this.#partial = Buffer.alloc(0);
      return;
    }
    if (complete > 0) this.write(data.subarray(0, complete));
    this.#partial = Buffer.from(data.subarray(complete));
  }

  /** The run ended: a last line without its newline goes out too. */
  end(): void {
    if (this.#partial.length > 0) this.write(this.#partial);
    this.#partial = Buffer.alloc(0);
  }
}

function isInit(line: string): boolean {
  try {
    const event = JSON.parse(line) as { type?: unknown; subtype?: unknown };
    return event.type === "system" && event.subtype === "init";
  } catch {
    return false;
  }
}

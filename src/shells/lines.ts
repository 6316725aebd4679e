const NEWLINE = 0x0a;

/**
 * Splits a byte stream into whole lines (newline included), as they complete: what a stream-json
 * peer writes, one JSON message a line. The bytes of each line are passed on as they came.
 */
export class LineSplitter {
  private partial: Buffer | null = null;

  constructor(private readonly onLine: (line: Buffer) => void) {}

  push(chunk: Buffer): void {
    let data = chunk;
    if (this.partial) {
      data = Buffer.concat([this.partial, chunk]);
      this.partial = null;
    }
    let start = 0;
    for (let newline = data.indexOf(NEWLINE); newline !== -1; newline = data.indexOf(NEWLINE, start)) {
      this.onLine(data.subarray(start, newline + 1));
      start = newline + 1;
    }
    if (start < data.length) this.partial = Buffer.from(data.subarray(start));
  }

  /** The stream ended: a last line without its newline is a line too. */
  end(): void {
    if (this.partial) this.onLine(this.partial);
    this.partial = null;
  }
}

/** A stream-json message, or null for a line that is not a JSON object. */
export function messageOf(line: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(line.toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

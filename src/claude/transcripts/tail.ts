/**
 * Following Claude Code transcripts (`<session-id>.jsonl`, one JSON record a line, appended to)
 * from where we last read: byte offsets per file, a trailing partial line kept for the next
 * read, and a bound on the first read of a file we have not seen (enough for the last turn, not
 * a whole long conversation). Synchronous and small: callers read when something may have been
 * appended (a hook, a poll tick, a file-watch event).
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** How much of a transcript is read the first time it is seen: enough for the last turn. */
export const FIRST_READ_BYTES = 256 * 1024;

export interface TranscriptTailOptions {
  /** Bytes read from the end of a file seen for the first time; default FIRST_READ_BYTES. */
  firstReadBytes?: number;
}

export class TranscriptTail {
  private readonly offsets = new Map<string, number>();
  private readonly firstReadBytes: number;

  constructor(options: TranscriptTailOptions = {}) {
    this.firstReadBytes = options.firstReadBytes ?? FIRST_READ_BYTES;
  }

  /** Whether this file has been read before. */
  has(path: string): boolean {
    return this.offsets.has(path);
  }

  /** Starts a file at its current end: only records appended from now on will be read. */
  skipToEnd(path: string): void {
    try {
      const fd = openSync(path, "r");
      try {
        this.offsets.set(path, fstatSync(fd).size);
      } finally {
        closeSync(fd);
      }
    } catch {
      this.offsets.set(path, 0);
    }
  }

  /**
   * The complete lines appended since the last read (a first read starts up to `firstReadBytes`
   * before the end, dropping the partial line it lands in). A line without its `\n` yet waits
   * for the next read. A file that shrank (rewritten) is read again from its start. A missing
   * file reads as nothing.
   */
  readLines(path: string): string[] {
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch {
      return [];
    }
    try {
      const stat = fstatSync(fd);
      // A directory (or anything else that is not a file) holds no lines; reading it would throw.
      if (!stat.isFile()) return [];
      const size = stat.size;
      let known = this.offsets.get(path);
      if (known !== undefined && size < known) known = 0;
      // A first read that lands inside the file starts one byte before its window: when that byte
      // is a "\n", the window begins with a whole line, which is kept.
      const landed = known === undefined && size > this.firstReadBytes;
      const start = known ?? (landed ? size - this.firstReadBytes - 1 : 0);
      if (size <= start) {
        this.offsets.set(path, size);
        return [];
      }
      const buffer = Buffer.alloc(size - start);
      const read = readSync(fd, buffer, 0, buffer.length, start);
      const bytes = buffer.subarray(0, read);
      // Split on the byte: a multi-byte character is never cut by a "\n" (0x0a is never a continuation).
      const complete = bytes.lastIndexOf(0x0a) + 1;
      this.offsets.set(path, start + complete);
      let from = 0;
      if (landed) from = bytes.indexOf(0x0a) + 1;
      if (complete <= from) return [];
      return bytes
        .subarray(from, complete)
        .toString("utf8")
        .split("\n")
        .filter((line) => line.trim() !== "");
    } finally {
      closeSync(fd);
    }
  }

  /** Like `readLines`, each line parsed as JSON; lines that are not JSON are skipped. */
  readRecords(path: string): unknown[] {
    const records: unknown[] = [];
    for (const line of this.readLines(path)) {
      try {
        records.push(JSON.parse(line));
      } catch {
        // Not a record (a torn write we will not see completed): skip it.
      }
    }
    return records;
  }

  /** Forgets a file (e.g. a session that ended). */
  forget(path: string): void {
    this.offsets.delete(path);
  }
}

import { closeSync, openSync, writeSync } from "node:fs";
import type { RequestLogEntry } from "./types.js";

/**
 * The JSONL request log. Written synchronously, one line per request before its response goes out, so a
 * reader that has its response also finds its line.
 */
export class RequestLog {
  private fd: number | null;

  constructor(path: string) {
    this.fd = openSync(path, "a", 0o600);
  }

  append(entry: RequestLogEntry): void {
    if (this.fd !== null) writeSync(this.fd, `${JSON.stringify(entry)}\n`);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { TranscriptTail } from "./tail.js";

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-tail-"));
  file = join(dir, "s.jsonl");
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const line = (n: number) => `${JSON.stringify({ n })}\n`;

describe("TranscriptTail", () => {
  test("reads appended records once each", () => {
    const tail = new TranscriptTail();
    writeFileSync(file, line(1) + line(2));
    expect(tail.readRecords(file)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(tail.readRecords(file)).toEqual([]);
    appendFileSync(file, line(3));
    expect(tail.readRecords(file)).toEqual([{ n: 3 }]);
  });

  test("a partial line waits for its end", () => {
    const tail = new TranscriptTail();
    writeFileSync(file, `${line(1)}{"n":`);
    expect(tail.readRecords(file)).toEqual([{ n: 1 }]);
    appendFileSync(file, "2}");
    expect(tail.readRecords(file)).toEqual([]);
    appendFileSync(file, `\n${line(3)}`);
    expect(tail.readRecords(file)).toEqual([{ n: 2 }, { n: 3 }]);
  });

  test("multi-byte characters split across reads survive", () => {
    const tail = new TranscriptTail();
    const text = `${JSON.stringify({ t: "resets · 3pm — ✓" })}\n`;
    const bytes = Buffer.from(text);
    const cut = bytes.indexOf(Buffer.from("·")) + 1;
    writeFileSync(file, bytes.subarray(0, cut));
    expect(tail.readRecords(file)).toEqual([]);
    appendFileSync(file, bytes.subarray(cut));
    expect(tail.readRecords(file)).toEqual([{ t: "resets · 3pm — ✓" }]);
  });

  test("the first read is bounded and drops the line it lands in", () => {
    const tail = new TranscriptTail({ firstReadBytes: line(9).length + 3 });
    writeFileSync(file, line(1) + line(2) + line(9));
    expect(tail.readRecords(file)).toEqual([{ n: 9 }]);
    appendFileSync(file, line(10));
    expect(tail.readRecords(file)).toEqual([{ n: 10 }]);
  });

  test("skipToEnd reads only what comes later", () => {
    const tail = new TranscriptTail();
    writeFileSync(file, line(1));
    tail.skipToEnd(file);
    expect(tail.has(file)).toBe(true);
    appendFileSync(file, line(2));
    expect(tail.readRecords(file)).toEqual([{ n: 2 }]);
  });

  test("a missing file is empty; a rewritten (shorter) file starts again; junk lines are skipped", () => {
    const tail = new TranscriptTail();
    expect(tail.readRecords(join(dir, "none.jsonl"))).toEqual([]);
    writeFileSync(file, line(1) + line(2) + line(3));
    tail.readRecords(file);
    writeFileSync(file, `not json\n${line(4)}`);
    expect(tail.readRecords(file)).toEqual([{ n: 4 }]);
    tail.forget(file);
    expect(tail.has(file)).toBe(false);
  });
});

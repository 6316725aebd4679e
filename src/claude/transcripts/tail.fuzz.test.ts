/**
 * Fuzzing the transcript tail (what the wrapper and `monitor` read limits from) with bad input
 * (issue #6): arbitrary bytes appended in arbitrary pieces (cut inside lines, inside multi-byte
 * characters, between CR and LF), torn lines, bounded first reads, rewritten files. It never throws,
 * never returns a line twice or loses one, and what it returns feeds the transcript detector
 * without throwing. Fixed seeds, bounded runs.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { fromTranscriptRecord } from "../../detect/signals.js";
import { TranscriptTail } from "./tail.js";

// The runs are bounded, but the machine is shared with other test runs: generous time per test.
vi.setConfig({ testTimeout: 30_000 });

let dir: string;
let files = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-tail-fuzz-"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const freshFile = () => join(dir, `t-${files++}.jsonl`);

/** The non-blank complete lines of `bytes` from `from` on, as the tail returns them. */
function completeLines(bytes: Buffer, from = 0): string[] {
  const complete = bytes.lastIndexOf(0x0a) + 1;
  if (complete <= from) return [];
  return bytes
    .subarray(from, complete)
    .toString("utf8")
    .split("\n")
    .filter((line) => line.trim() !== "");
}

/** Transcript-like content: JSON records (multi-byte text), garbage bytes, blank and CRLF lines. */
const content = fc
  .array(
    fc.oneof(
      fc
        .record({ type: fc.constantFrom("assistant", "user"), text: fc.string({ maxLength: 30 }) })
        .map((record) => Buffer.from(`${JSON.stringify(record)}\n`)),
      fc.string({ unit: "grapheme", maxLength: 20 }).map((text) => Buffer.from(`${text}\r\n`)),
      fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
      fc.constantFrom("\n", "\r\n", "   \n", "\u00e9\u2014\u{1f600}").map((text) => Buffer.from(text)),
    ),
    { maxLength: 30 },
  )
  .map((parts) => Buffer.concat(parts));

/** Cut points into `bytes`, sorted, as pieces to append one after another. */
function pieces(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const bounds = [0, ...points, bytes.length];
  return bounds.slice(1).map((end, index) => bytes.subarray(bounds[index], end));
}

describe("TranscriptTail.readLines on appended bytes", () => {
  test("appended in any pieces: every complete line exactly once, in order; a partial one waits", () => {
    fc.assert(
      fc.property(
        content,
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(fc.boolean()),
        (bytes, cuts, extra) => {
          const path = freshFile();
          writeFileSync(path, "");
          const tail = new TranscriptTail();
          const seen: string[] = [];
          let written = Buffer.alloc(0);
          pieces(bytes, cuts).forEach((piece, index) => {
            appendFileSync(path, piece);
            written = Buffer.concat([written, piece]);
            seen.push(...tail.readLines(path));
            // Reading again with nothing new returns nothing.
            if (extra[index]) expect(tail.readLines(path)).toEqual([]);
            // What has been returned so far is exactly the complete lines written so far.
            expect(seen).toEqual(completeLines(written));
          });
        },
      ),
      { seed: 6340, numRuns: 300 },
    );
  });

  test("a bounded first read returns exactly the complete lines that begin inside its window", () => {
    fc.assert(
      fc.property(content, fc.integer({ min: 1, max: 600 }), (bytes, firstReadBytes) => {
        const path = freshFile();
        writeFileSync(path, bytes);
        const tail = new TranscriptTail({ firstReadBytes });
        const start = Math.max(0, bytes.length - firstReadBytes);
        // The first line beginning at or after `start`: at `start` itself when a line ends just before.
        const from =
          start === 0 || bytes[start - 1] === 0x0a ? start : bytes.indexOf(0x0a, start) + 1 || bytes.length;
        expect(tail.readLines(path)).toEqual(completeLines(bytes, from));
        expect(tail.readLines(path)).toEqual([]);
      }),
      { seed: 6341, numRuns: 500 },
    );
  });

  // The tail keeps only its read offset: a rewrite is seen when the file becomes shorter than what
  // was read (a rewrite to a size at or past that offset reads as an append; transcripts are
  // append-only, so that is not worth a hash).
  test("a file rewritten shorter than what was read is read again from its start", () => {
    fc.assert(
      fc.property(content, content, (before, after) => {
        fc.pre(after.length < before.lastIndexOf(0x0a) + 1);
        const path = freshFile();
        writeFileSync(path, before);
        const tail = new TranscriptTail();
        tail.readLines(path);
        writeFileSync(path, after);
        expect(tail.readLines(path)).toEqual(completeLines(after));
      }),
      { seed: 6342, numRuns: 200 },
    );
  });
});

describe("TranscriptTail.readRecords", () => {
  test("arbitrary bytes: no throw; each record is a parsed line; the detector takes every one", () => {
    fc.assert(
      fc.property(content, fc.boolean(), (bytes, skipFirst) => {
        const path = freshFile();
        writeFileSync(path, bytes);
        const tail = new TranscriptTail();
        if (skipFirst) tail.skipToEnd(path);
        appendFileSync(path, bytes);
        const records = tail.readRecords(path);
        const parsable = completeLines(Buffer.concat(skipFirst ? [bytes] : [bytes, bytes])).flatMap(
          (line) => {
            try {
              return [JSON.parse(line) as unknown];
            } catch {
              return [];
            }
          },
        );
        expect(records).toEqual(parsable);
        for (const record of records) fromTranscriptRecord(record, { now: 0, zone: "UTC" });
      }),
      { seed: 6343, numRuns: 300 },
    );
  });

  // Regression (found by this suite): a directory threw EISDIR out of readRecords.
  test("missing files and directories read as nothing", () => {
    const tail = new TranscriptTail();
    expect(tail.readRecords(join(dir, "missing.jsonl"))).toEqual([]);
    expect(tail.readRecords(dir)).toEqual([]);
    expect(tail.readRecords(dir)).toEqual([]);
  });

  // Regression (found with seed 6341): a first read whose window began exactly at a line start
  // dropped that whole line as if it were the partial line it lands in.
  test("a first read whose window begins exactly at a line keeps that line", () => {
    const path = freshFile();
    const last = `${JSON.stringify({ n: 2 })}\n`;
    writeFileSync(path, `${JSON.stringify({ n: 1 })}\n${last}`);
    expect(new TranscriptTail({ firstReadBytes: last.length }).readRecords(path)).toEqual([{ n: 2 }]);
    expect(new TranscriptTail({ firstReadBytes: last.length - 1 }).readRecords(path)).toEqual([]);
    expect(new TranscriptTail({ firstReadBytes: last.length + 1 }).readRecords(path)).toEqual([{ n: 2 }]);
  });
});

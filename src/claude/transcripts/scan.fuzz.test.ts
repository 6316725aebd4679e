/**
 * Fuzzing the transcript reader behind `usage --subscription` with bad input (issue #6): valid
 * assistant records mixed with torn lines, random bytes, records of the wrong shape, CRLF, empty
 * files and giant lines, spread over several files. The scan never throws, and its counts and
 * totals are exactly those of the valid records the generator wrote (its ground truth), whatever
 * garbage surrounds them. Fixed seeds, bounded runs.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { scanCandidateLines, scanTranscripts } from "./scan.js";

// The runs are bounded, but the machine is shared with other test runs: generous time per test.
vi.setConfig({ testTimeout: 30_000 });

let root: string;
let runs = 0;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "cf-transcripts-fuzz-"));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A fresh config directory for one property run. */
function configDir(): string {
  const dir = join(root, `run-${runs++}`);
  mkdirSync(join(dir, "projects"), { recursive: true });
  return dir;
}

// ---------------------------------------------------------------------------------------------
// The generator's ground truth.

/** A valid assistant record as Claude Code writes it, and what it must count for. */
interface ValidRecord {
  kind: "valid";
  messageId: string | undefined;
  requestId: string | undefined;
  model: string | undefined;
  sessionId: string | undefined;
  at: number;
  input: unknown;
  output: unknown;
  cacheRead: unknown;
  text: string;
}

/** A line that must never count: `candidate` when it holds the marker the scanner looks for. */
interface Garbage {
  kind: "garbage";
  bytes: Buffer;
}

type Item = ValidRecord | Garbage;

const ids = (prefix: string) =>
  fc.option(
    fc.integer({ min: 1, max: 4 }).map((n) => `${prefix}_${n}`),
    { nil: undefined, freq: 6 },
  );

/** Token counts: mostly real ones, sometimes values the reader must count as 0. */
const tokens = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 2_000_000 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      -5,
      1.5,
      "12",
      null,
      true,
      [],
      {},
      2 ** 60,
      Number.MAX_SAFE_INTEGER + 2,
    ),
  },
);

const validRecord: fc.Arbitrary<ValidRecord> = fc.record({
  kind: fc.constant("valid" as const),
  messageId: ids("msg"),
  requestId: ids("req"),
  model: fc.option(fc.constantFrom("claude-sonnet-4-5-20250929", "claude-haiku-4-5", "<synthetic>", ""), {
    nil: undefined,
  }),
  sessionId: fc.option(fc.constantFrom("sess-1", "sess-2"), { nil: undefined }),
  at: fc.integer({ min: Date.parse("2020-01-01"), max: Date.parse("2030-01-01") }),
  input: tokens,
  output: tokens,
  cacheRead: tokens,
  // Text of any kind (multi-byte, separators, a quoted marker): inside a JSON string it is escaped.
  text: fc.string({ unit: "binary", maxLength: 40 }),
});

function recordJson(record: ValidRecord): string {
  return JSON.stringify({
    parentUuid: null,
    ...(record.sessionId !== undefined && { sessionId: record.sessionId }),
    message: {
      ...(record.model !== undefined && { model: record.model }),
      ...(record.messageId !== undefined && { id: record.messageId }),
      type: "message",
      role: "assistant",
      content: [{ type: "text", text: record.text }],
      usage: {
        input_tokens: record.input,
        output_tokens: record.output,
        cache_read_input_tokens: record.cacheRead,
      },
    },
    ...(record.requestId !== undefined && { requestId: record.requestId }),
    type: "assistant",
    timestamp: new Date(record.at).toISOString(),
  });
}

/** Records that mention the marker but are not a usable assistant record. */
const wrongShape = fc
  .tuple(validRecord, fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 8))
  .map(([record, variant]) => {
    const good = JSON.parse(recordJson(record)) as Record<string, unknown>;
    const message = good.message as Record<string, unknown>;
    switch (variant) {
      case 0:
        return { ...good, message: "not an object" };
      case 1:
        return { ...good, message: { ...message, usage: [1, 2] } };
      case 2:
        return { ...good, message: { ...message, usage: null } };
      case 3:
        return { ...good, timestamp: 1767196800 };
      case 4:
        return { ...good, timestamp: "yesterday" };
      case 5: {
        const { timestamp: _, ...rest } = good;
        return rest;
      }
      case 6:
        return [good];
      case 7:
        // The marker nested in another record (a sub-agent's progress): not a response of ours.
        return { type: "progress", data: good };
      default:
        return { ...good, message: { ...message, usage: undefined } };
    }
  })
  .map((value) => Buffer.from(JSON.stringify(value)));

const MARKER = '"type":"assistant"';

const garbage: fc.Arbitrary<Garbage> = fc
  .oneof(
    // Random bytes (invalid UTF-8 included), with or without the marker in them.
    fc.uint8Array({ maxLength: 120 }).map((bytes) => Buffer.from(bytes)),
    fc
      .tuple(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }))
      .map(([a, b]) => Buffer.concat([Buffer.from(a), Buffer.from(MARKER), Buffer.from(b)])),
    // A torn write: a valid record cut anywhere (never the whole of it).
    fc.tuple(validRecord, fc.nat()).map(([record, at]) => {
      const bytes = Buffer.from(recordJson(record));
      return bytes.subarray(0, at % bytes.length);
    }),
    wrongShape,
    fc
      .constantFrom("", "   ", "\t", "{}", "null", "[]", '{"type":"assistant"}', "\uFEFF")
      .map((text) => Buffer.from(text)),
  )
  // A line is what lies between newlines: garbage holds none (a CR is allowed).
  .map((bytes) => ({ kind: "garbage" as const, bytes: Buffer.from(bytes.filter((byte) => byte !== 0x0a)) }));

const item: fc.Arbitrary<Item> = fc.oneof(
  { weight: 3, arbitrary: validRecord },
  { weight: 2, arbitrary: garbage },
);

interface File {
  name: string;
  items: Item[];
  crlf: boolean;
  /** The last line is left without its newline. */
  unterminated: boolean;
}

const fileNames = ["-p/a.jsonl", "-p/b.jsonl", "-p/a/sub/agent-1.jsonl", "-q/z.jsonl"];
const files = fc.uniqueArray(
  fc.record({
    name: fc.constantFrom(...fileNames),
    items: fc.array(item, { maxLength: 25 }),
    crlf: fc.boolean(),
    unterminated: fc.boolean(),
  }),
  { selector: (file) => file.name, minLength: 1, maxLength: 4 },
);

function fileBytes(file: File): Buffer {
  const eol = Buffer.from(file.crlf ? "\r\n" : "\n");
  const parts = file.items.flatMap((entry, index) => {
    const line = entry.kind === "valid" ? Buffer.from(recordJson(entry)) : entry.bytes;
    const last = index === file.items.length - 1;
    return last && file.unterminated ? [line] : [line, eol];
  });
  return Buffer.concat(parts);
}

function writeFiles(dir: string, list: readonly File[]): void {
  for (const file of list) {
    const path = join(dir, "projects", file.name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, fileBytes(file));
  }
}

/** The reader's rule for a count: a positive safe integer, else 0. */
const counted = (value: unknown) =>
  typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? value : 0;

interface Expected {
  records: number;
  duplicates: number;
  synthetic: number;
  withoutIds: number;
  apiBilled: number;
  entries: number;
  input: number;
  output: number;
  cacheRead: number;
}

/** What the scan must report, from the valid records alone, in file order (files by path). */
function expectedScan(list: readonly File[], apiRequestIds: ReadonlySet<string>): Expected {
  const ordered = [...list].sort((a, b) => (a.name < b.name ? -1 : 1));
  const records = ordered.flatMap((file) => file.items.filter((entry) => entry.kind === "valid"));
  const lastOfRequest = new Map<string, ValidRecord>();
  const loose: ValidRecord[] = [];
  let duplicates = 0;
  let apiBilled = 0;
  for (const record of records) {
    if (record.requestId !== undefined && apiRequestIds.has(record.requestId)) {
      apiBilled++;
      continue;
    }
    if (record.messageId === undefined || record.requestId === undefined) {
      loose.push(record);
      continue;
    }
    const key = `${record.messageId}/${record.requestId}`;
    if (lastOfRequest.has(key)) duplicates++;
    lastOfRequest.set(key, record);
  }
  const billable = [...lastOfRequest.values(), ...loose].filter((record) => record.model !== "<synthetic>");
  const sum = (pick: (record: ValidRecord) => unknown) =>
    billable.reduce((total, record) => total + counted(pick(record)), 0);
  const notApi = records.filter(
    (record) => record.requestId === undefined || !apiRequestIds.has(record.requestId),
  );
  return {
    records: records.length,
    duplicates,
    synthetic: notApi.filter((record) => record.model === "<synthetic>").length,
    withoutIds: loose.length,
    apiBilled,
    entries: billable.length,
    input: sum((record) => record.input),
    output: sum((record) => record.output),
    cacheRead: sum((record) => record.cacheRead),
  };
}

function actualScan(dir: string, apiRequestIds: ReadonlySet<string>): Expected {
  const scan = scanTranscripts([dir], [dir], apiRequestIds);
  const sum = (pick: (usage: (typeof scan.entries)[number]["usage"]) => number) =>
    scan.entries.reduce((total, entry) => total + pick(entry.usage), 0);
  return {
    records: scan.records,
    duplicates: scan.duplicates,
    synthetic: scan.synthetic,
    withoutIds: scan.withoutIds,
    apiBilled: scan.apiBilled,
    entries: scan.entries.length,
    input: sum((usage) => usage.input_tokens),
    output: sum((usage) => usage.output_tokens),
    cacheRead: sum((usage) => usage.cache_read_input_tokens),
  };
}

describe("scanTranscripts on valid records mixed with garbage", () => {
  test("counts and totals are exactly the valid records' (torn lines, bytes, wrong shapes, CRLF)", () => {
    fc.assert(
      fc.property(files, fc.subarray(["req_1", "req_2", "req_3", "req_4"]), (list, api) => {
        const dir = configDir();
        writeFiles(dir, list);
        const apiIds = new Set(api);
        expect(actualScan(dir, apiIds)).toEqual(expectedScan(list, apiIds));
      }),
      { seed: 6330, numRuns: 100 },
    );
  }, 60_000);

  test("entries carry the record's time, model and session as written", () => {
    fc.assert(
      fc.property(fc.array(validRecord, { minLength: 1, maxLength: 5 }), garbage, (records, junk) => {
        const unique = records.map((record, index) => ({
          ...record,
          messageId: `msg_u${index}`,
          requestId: `req_u${index}`,
        }));
        const dir = configDir();
        writeFiles(dir, [
          { name: "-p/a.jsonl", items: [junk, ...unique, junk], crlf: true, unterminated: true },
        ]);
        const scan = scanTranscripts([dir]);
        const expected = unique
          .filter((record) => record.model !== "<synthetic>")
          .map((record) => ({
            at: record.at,
            model: record.model === undefined || record.model === "" ? null : record.model,
            sessionId: record.sessionId ?? null,
          }));
        expect(scan.entries.map(({ at, model, sessionId }) => ({ at, model, sessionId }))).toEqual(expected);
      }),
      { seed: 6331, numRuns: 100 },
    );
  }, 60_000);

  test("empty files, blank files and files of nothing but garbage count nothing", () => {
    fc.assert(
      fc.property(fc.array(garbage, { maxLength: 10 }), fc.boolean(), (junk, crlf) => {
        const dir = configDir();
        writeFiles(dir, [
          { name: "-p/a.jsonl", items: [], crlf, unterminated: false },
          { name: "-p/b.jsonl", items: junk, crlf, unterminated: false },
        ]);
        const scan = scanTranscripts([dir]);
        expect(scan).toMatchObject({ files: 2, records: 0, entries: [] });
      }),
      { seed: 6332, numRuns: 60 },
    );
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// Giant lines: the reader takes 4 MiB at a time and grows its buffer for a longer line.

const CHUNK = 4 * 1024 * 1024;

describe("scanCandidateLines across its 4 MiB reads", () => {
  test("a record straddling a read boundary, and a line longer than the buffer, are read whole", () => {
    fc.assert(
      fc.property(
        validRecord,
        fc.integer({ min: -400, max: 400 }),
        fc.constantFrom(0, 1, 2),
        fc.boolean(),
        (record, shift, giant, crlf) => {
          const eol = crlf ? "\r\n" : "\n";
          const line = recordJson({ ...record, messageId: "msg_g", requestId: "req_g", model: "m" });
          // Filler up to a little before or after the boundary, then the record across it.
          const filler = "x".repeat(Math.max(0, CHUNK - 200 + shift));
          // A giant record: its text alone is longer than one read (or two).
          const big = recordJson({
            ...record,
            messageId: "msg_big",
            requestId: "req_big",
            model: "m",
            text: "é".repeat((giant * CHUNK) / 2 + 10),
          });
          const dir = configDir();
          const path = join(dir, "projects", "-p", "big.jsonl");
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, `${filler}${eol}${line}${eol}${big}${eol}${line}`);
          const lines: string[] = [];
          scanCandidateLines(path, (text) => lines.push(text));
          // Latin-1 decoding: one character per byte; a CR stays at the end of its line.
          const cr = crlf ? 1 : 0;
          expect(lines.map((text) => text.length)).toEqual([
            Buffer.byteLength(line) + cr,
            Buffer.byteLength(big) + cr,
            Buffer.byteLength(line),
          ]);
          const scan = scanTranscripts([dir]);
          expect(scan).toMatchObject({ records: 3, duplicates: 1, skipped: 0 });
          expect(scan.entries).toHaveLength(2);
        },
      ),
      { seed: 6333, numRuns: 8 },
    );
  }, 60_000);
});

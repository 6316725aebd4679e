import { fork } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { recordRow } from "../../test/support/ledger.js";
import { FallbackError } from "../errors.js";
import { type Ledger, ledgerPath, moveLedgerAside, openExistingLedger, openLedger } from "./ledger.js";
import { LedgerDamagedError } from "./ledger-errors.js";
import type { RequestRecord } from "./ledger-records.js";
import { LEDGER_SCHEMA_VERSION } from "./ledger-schema.js";
import { SpendTracker } from "./spend.js";

let dir: string;
let file: string;
const open: Ledger[] = [];

function ledger(options: { logUsage?: boolean } = {}): Ledger {
  const opened = openLedger(file, options);
  open.push(opened);
  return opened;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-ledger-"));
  file = ledgerPath(join(dir, "data", "claude-fallback"));
});

afterEach(() => {
  for (const opened of open.splice(0)) opened.close();
  rmSync(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0); // 2026-11-24T12:00:00Z

function request(runId: string, overrides: Partial<RequestRecord> = {}): RequestRecord {
  return { runId, at: T0, outcome: "ok", model: "claude-sonnet-4-5", costNanoUsd: 1_000, ...overrides };
}

/** What the gateway does with each request: count it, and write its row. */
function record(tracker: SpendTracker, request: Omit<RequestRecord, "runId">): void {
  tracker.queue(request);
  tracker.flush();
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

describe("opening", () => {
  test("creates the directory 0700, the file 0600, in WAL mode, at the current schema version", () => {
    const l = ledger();
    expect(mode(dirname(file))).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(l.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(l.db.pragma("user_version", { simple: true })).toBe(LEDGER_SCHEMA_VERSION);
    expect(l.db.pragma("synchronous", { simple: true })).toBe(1); // NORMAL
    expect(l.db.pragma("busy_timeout", { simple: true })).toBeGreaterThanOrEqual(5_000);
    const tables = l.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
    expect(tables).toEqual(["events", "requests", "runs"]);
    recordRow(l, request(l.startRun({ startedAt: T0, initialMode: "api" })));
    expect(mode(`${file}-wal`)).toBe(0o600);
  });

  test("re-opening keeps the rows and does not migrate again", () => {
    const first = ledger();
    const runId = first.startRun({ startedAt: T0, initialMode: "subscription" });
    recordRow(first, request(runId, { costNanoUsd: 42 }));
    first.close();
    const second = ledger();
    expect(second.runSpend(runId)).toEqual({ nanoUsd: 42, requests: 1, unknownCostRequests: 0 });
    expect(second.db.pragma("user_version", { simple: true })).toBe(LEDGER_SCHEMA_VERSION);
  });

  test("openExistingLedger does not create a missing file", () => {
    expect(openExistingLedger(file)).toBeNull();
    expect(() => statSync(file)).toThrow();
  });

  test("a ledger from a newer release is refused and left untouched", () => {
    ledger().close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${LEDGER_SCHEMA_VERSION + 5}`);
    raw.exec("DROP TABLE events");
    raw.close();
    const before = readFileSync(file);
    expect(() => openLedger(file)).toThrow(FallbackError);
    expect(() => openLedger(file)).toThrow(
      `usage ledger ${file} has schema version ${LEDGER_SCHEMA_VERSION + 5}, newer than this claude-fallback understands (${LEDGER_SCHEMA_VERSION}); upgrade claude-fallback`,
    );
    const check = new Database(file, { readonly: true });
    expect(check.pragma("user_version", { simple: true })).toBe(LEDGER_SCHEMA_VERSION + 5);
    expect(check.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'events'").pluck().get()).toBe(0);
    check.close();
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  test("a corrupt file is a one-line FallbackError naming the file", () => {
    ledger().close();
    writeFileSync(file, Buffer.alloc(8192, "this is not sqlite "));
    rmSync(`${file}-wal`, { force: true });
    rmSync(`${file}-shm`, { force: true });
    let error: unknown;
    try {
      openLedger(file);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LedgerDamagedError);
    const message = (error as Error).message;
    expect(message).toContain(file);
    expect(message).toContain("damaged or not a SQLite database");
    expect(message).not.toContain("\n");
  });

  test("a truncated file is a LedgerDamagedError; moved aside, a new ledger opens in its place", () => {
    const l = ledger();
    const runId = l.startRun({ startedAt: T0, initialMode: "api" });
    for (let i = 0; i < 200; i++) recordRow(l, request(runId, { requestId: `req_${i}`.padEnd(200, "x") }));
    l.db.pragma("wal_checkpoint(TRUNCATE)");
    l.close();
    const size = statSync(file).size;
    truncateSync(file, Math.floor(size / 2));
    expect(() => openLedger(file)).toThrow(LedgerDamagedError);
    const truncated = readFileSync(file);

    const aside = moveLedgerAside(file, T0);
    expect(aside).toBe(`${file}.corrupt-20261124T120000Z`);
    expect(readFileSync(aside!).equals(truncated)).toBe(true);
    for (const suffix of ["", "-wal", "-shm"]) expect(existsSync(`${file}${suffix}`)).toBe(false);
    const fresh = ledger();
    expect(fresh.spendSince(0)).toEqual({ nanoUsd: 0, requests: 0, unknownCostRequests: 0 });
    // Another wrapper that found it damaged too moves nothing: the ledger in place now is sound.
    expect(moveLedgerAside(file, T0 + 1)).toBeNull();
    expect(readdirSync(dirname(file)).filter((name) => name.includes("corrupt"))).toEqual([
      "usage.db.corrupt-20261124T120000Z",
    ]);
  });

  test("a directory that cannot be created is a FallbackError naming the file", () => {
    writeFileSync(join(dir, "blocker"), "a file, not a directory");
    const blocked = join(dir, "blocker", "usage.db");
    expect(() => openLedger(blocked)).toThrow(FallbackError);
    expect(() => openLedger(blocked)).toThrow(blocked);
  });
});

describe("runs, requests and events", () => {
  test("stores a run from start to end", () => {
    const l = ledger();
    const runId = l.startRun({
      startedAt: T0,
      pid: 4242,
      cwd: "/home/dev/project",
      initialMode: "subscription",
      claudeVersion: "2.1.330",
    });
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    l.endRun(runId, { endedAt: T0 + 60_000, exitCode: 0 });
    expect(l.db.prepare("SELECT * FROM runs").all()).toEqual([
      {
        id: runId,
        started_at: T0,
        ended_at: T0 + 60_000,
        pid: 4242,
        cwd: "/home/dev/project",
        initial_mode: "subscription",
        claude_version: "2.1.330",
        exit_code: 0,
      },
    ]);
  });

  test("stores every field of a request, unknown cost as NULL", () => {
    const l = ledger();
    const runId = l.startRun({ id: "run-1", startedAt: T0, initialMode: "api" });
    const rowId = recordRow(l, {
      runId,
      at: T0 + 5,
      claudeSessionId: "0f1e2d3c-0000-4000-8000-000000000001",
      requestedModel: "claude-opus-4-1",
      model: "claude-opus-4-1-20250805",
      httpStatus: 200,
      outcome: "ok",
      requestId: "req_011",
      durationMs: 1234,
      inputTokens: 10,
      outputTokens: 20,
      cacheWrite5mTokens: 30,
      cacheWrite1hTokens: 40,
      cacheReadTokens: 50,
      webSearchRequests: 2,
      webFetchRequests: 1,
      costNanoUsd: null,
      longContext: true,
    });
    expect(rowId).toBe(1);
    expect(l.db.prepare("SELECT * FROM requests").all()).toEqual([
      {
        id: 1,
        run_id: "run-1",
        at: T0 + 5,
        claude_session_id: "0f1e2d3c-0000-4000-8000-000000000001",
        requested_model: "claude-opus-4-1",
        model: "claude-opus-4-1-20250805",
        billing: "api",
        http_status: 200,
        outcome: "ok",
        error_type: null,
        request_id: "req_011",
        duration_ms: 1234,
        input_tokens: 10,
        output_tokens: 20,
        cache_write_5m_tokens: 30,
        cache_write_1h_tokens: 40,
        cache_read_tokens: 50,
        web_search_requests: 2,
        web_fetch_requests: 1,
        cost_nanousd: null,
        long_context: 1,
      },
    ]);
  });

  test("stores events with their JSON detail", () => {
    const l = ledger();
    const runId = l.startRun({ startedAt: T0, initialMode: "subscription" });
    l.recordEvent({
      runId,
      at: T0,
      kind: "limit_detected",
      detail: { source: "stop_failure", resetsAt: T0 + 1 },
    });
    l.recordEvent({ runId, at: T0 + 1, kind: "switched" });
    l.recordEvent({ runId: null, at: T0 + 2, kind: "unknown_model", detail: { model: "claude-x" } });
    const rows = l.db.prepare("SELECT run_id, at, kind, detail FROM events ORDER BY id").all() as {
      detail: string | null;
    }[];
    expect(rows).toEqual([
      {
        run_id: runId,
        at: T0,
        kind: "limit_detected",
        detail: JSON.stringify({ source: "stop_failure", resetsAt: T0 + 1 }),
      },
      { run_id: runId, at: T0 + 1, kind: "switched", detail: null },
      { run_id: null, at: T0 + 2, kind: "unknown_model", detail: '{"model":"claude-x"}' },
    ]);
  });

  test("rejects costs and counts that are not non-negative integers", () => {
    const l = ledger();
    const runId = l.startRun({ startedAt: T0, initialMode: "api" });
    expect(() => recordRow(l, request(runId, { costNanoUsd: 1.5 }))).toThrow(RangeError);
    expect(() => recordRow(l, request(runId, { costNanoUsd: -1 }))).toThrow(RangeError);
    expect(() => recordRow(l, request(runId, { inputTokens: -3 }))).toThrow(RangeError);
    expect(l.db.prepare("SELECT count(*) FROM requests").pluck().get()).toBe(0);
  });

  test("a request of an unknown run is a FallbackError (foreign key), not a silent orphan", () => {
    const l = ledger();
    expect(() => recordRow(l, request("no-such-run"))).toThrow(FallbackError);
    // Not kept to be written later: it never could be, and would block every row after it.
    expect(l.pendingSpend().requests).toBe(0);
    const runId = l.startRun({ startedAt: T0, initialMode: "api" });
    expect(recordRow(l, request(runId))).toBeTypeOf("number");
  });

  test("queued rows count for their run and the day before they are written, then go in one transaction", () => {
    const l = ledger();
    const reader = ledger();
    const runId = l.startRun({ startedAt: T0, initialMode: "api" });
    const otherRun = l.startRun({ startedAt: T0, initialMode: "api" });
    for (const [run, cost] of [
      [runId, 10],
      [runId, 20],
      [otherRun, 4],
    ] as const) {
      expect(l.queueRequest(request(run, { costNanoUsd: cost }))).toBe(true);
    }
    expect(l.runSpend(runId)).toEqual({ nanoUsd: 30, requests: 2, unknownCostRequests: 0 });
    expect(l.pendingSpend()).toEqual({ nanoUsd: 34, requests: 3, unknownCostRequests: 0 });
    expect(reader.db.prepare("SELECT count(*) FROM requests").pluck().get()).toBe(0);
    const before = reader.db.pragma("data_version", { simple: true }) as number;
    expect(l.flushPending()).toBeTypeOf("number");
    // One commit by another connection moves data_version once.
    expect(reader.db.pragma("data_version", { simple: true })).toBe(before + 1);
    expect(reader.runSpend(runId)).toEqual({ nanoUsd: 30, requests: 2, unknownCostRequests: 0 });
    expect(l.runSpend(runId)).toEqual({ nanoUsd: 30, requests: 2, unknownCostRequests: 0 });
    expect(l.pendingSpend().requests).toBe(0);
  });

  test("a queued row the database rejects is dropped; the rows around it are written", () => {
    const l = ledger();
    const runId = l.startRun({ startedAt: T0, initialMode: "api" });
    l.queueRequest(request(runId, { costNanoUsd: 1 }));
    l.queueRequest(request("no-such-run", { costNanoUsd: 100 }));
    l.queueRequest(request(runId, { costNanoUsd: 2 }));
    expect(() => l.flushPending()).toThrow(FallbackError);
    expect(l.pendingSpend().requests).toBe(0);
    expect(l.db.prepare("SELECT cost_nanousd FROM requests ORDER BY id").pluck().all()).toEqual([1, 2]);
  });

  test("log_usage: false stores no request rows but still runs and events", () => {
    const l = ledger({ logUsage: false });
    const runId = l.startRun({ startedAt: T0, initialMode: "api" });
    expect(recordRow(l, request(runId))).toBeNull();
    l.recordEvent({ runId, at: T0, kind: "cap_warning" });
    l.endRun(runId, { endedAt: T0 + 1, exitCode: 3 });
    expect(l.db.prepare("SELECT count(*) FROM requests").pluck().get()).toBe(0);
    expect(l.db.prepare("SELECT count(*) FROM events").pluck().get()).toBe(1);
    expect(l.db.prepare("SELECT exit_code FROM runs").pluck().get()).toBe(3);
  });

  test("the caps a run raised: each at its last amount, that run's alone, details of another shape left out", () => {
    const l = ledger();
    const runId = l.startRun({ startedAt: T0, initialMode: "api" });
    const other = l.startRun({ startedAt: T0, initialMode: "api" });
    const raised = (run: string, detail: unknown) =>
      l.recordEvent({ runId: run, at: T0, kind: "cap_raised", detail });
    raised(runId, { cap: "day", from_usd: 5, to_usd: 10 });
    raised(runId, { cap: "session", from_usd: 10, to_usd: 20 });
    raised(runId, { cap: "day", from_usd: 10, to_usd: 15 });
    raised(other, { cap: "month", from_usd: 50, to_usd: 100 });
    l.recordEvent({ runId, at: T0, kind: "cap_warning", detail: { cap: "month", to_usd: 1 } });
    for (const detail of ['"text"', "null", '{"cap":"month"}', '{"cap":"month","to_usd":"100"}']) {
      l.db
        .prepare("INSERT INTO events (run_id, at, kind, detail) VALUES (?, ?, 'cap_raised', ?)")
        .run(runId, T0, detail);
    }
    expect(l.capsRaised(runId)).toEqual([
      { cap: "day", usd: 15 },
      { cap: "session", usd: 20 },
    ]);
    expect(l.capsRaised("no-such-run")).toEqual([]);
  });
});

describe("spend", () => {
  test("sums are exact integers over the half-open range, unknown costs counted apart", () => {
    const l = ledger();
    const runA = l.startRun({ startedAt: T0, initialMode: "api" });
    const runB = l.startRun({ startedAt: T0, initialMode: "api" });
    // 0.1 + 0.2 style amounts that floats would not add exactly.
    const costs = [100_000_000, 200_000_000, 300_000_001, 7, 999_999_999_999];
    costs.forEach((cost, i) => {
      recordRow(l, request(i % 2 ? runA : runB, { at: T0 + i * 1000, costNanoUsd: cost }));
    });
    recordRow(l, request(runA, { at: T0 + 500, costNanoUsd: null, model: "claude-unknown" }));
    recordRow(l, request(runA, { at: T0 - 1, costNanoUsd: 5 })); // before the range
    recordRow(l, request(runB, { at: T0 + 5000, costNanoUsd: 11 })); // at the exclusive end

    expect(l.spendSince(T0, T0 + 5000)).toEqual({
      nanoUsd: 100_000_000 + 200_000_000 + 300_000_001 + 7 + 999_999_999_999,
      requests: 6,
      unknownCostRequests: 1,
    });
    expect(l.spendSince(T0)).toEqual({
      nanoUsd: 1_000_600_000_007 + 11,
      requests: 7,
      unknownCostRequests: 1,
    });
    expect(l.spendSince(T0 + 10_000)).toEqual({ nanoUsd: 0, requests: 0, unknownCostRequests: 0 });
    expect(l.runSpend(runA)).toEqual({
      nanoUsd: 200_000_000 + 7 + 5,
      requests: 4,
      unknownCostRequests: 1,
    });
    expect(l.runSpend(runB)).toEqual({
      nanoUsd: 100_000_000 + 300_000_001 + 999_999_999_999 + 11,
      requests: 4,
      unknownCostRequests: 0,
    });
  });

  test("the spend query is one covering-index range scan", () => {
    const l = ledger();
    const plan = l.db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT COALESCE(SUM(cost_nanousd), 0), COUNT(*), SUM(cost_nanousd IS NULL) FROM requests WHERE at >= ?",
      )
      .all(T0) as { detail: string }[];
    expect(plan.map((row) => row.detail).join(" | ")).toMatch(
      /USING COVERING INDEX requests_at_cost \(at>\?\)/,
    );
  });
});

describe("SpendTracker", () => {
  test("run spend in memory, day and month from every writer of the ledger, in the local zone", () => {
    const mine = ledger();
    const other = ledger(); // a second wrapper on the same file
    const zone = "Pacific/Auckland"; // UTC+13 in November
    const myRun = mine.startRun({ startedAt: T0, initialMode: "api" });
    const otherRun = other.startRun({ startedAt: T0, initialMode: "api" });
    const tracker = new SpendTracker(mine, myRun, { zone });

    // 2026-11-24T10:30Z = 2026-11-24 23:30 in Auckland; 11:30Z = 2026-11-25 00:30 there.
    const lateOn24 = Date.UTC(2026, 10, 24, 10, 30);
    const earlyOn25 = Date.UTC(2026, 10, 24, 11, 30);
    const lastMonth = Date.UTC(2026, 9, 31, 10, 0); // 2026-10-31 23:00 in Auckland
    record(tracker, { at: lateOn24, outcome: "ok", costNanoUsd: 1_000 });
    record(tracker, { at: earlyOn25, outcome: "ok", costNanoUsd: 20_000 });
    recordRow(other, request(otherRun, { at: earlyOn25 + 1, costNanoUsd: 300_000 }));
    recordRow(other, request(otherRun, { at: lastMonth, costNanoUsd: 4_000_000 }));
    recordRow(other, request(otherRun, { at: earlyOn25 + 2, costNanoUsd: null }));

    const snapshot = tracker.snapshot(earlyOn25 + 10);
    expect(snapshot.run).toEqual({ nanoUsd: 21_000, requests: 2, unknownCostRequests: 0 });
    expect(snapshot.day).toEqual({ nanoUsd: 320_000, requests: 3, unknownCostRequests: 1 });
    expect(snapshot.month).toEqual({ nanoUsd: 321_000, requests: 4, unknownCostRequests: 1 });

    // The same instants seen from UTC: all on the 24th, and October's request is in another month.
    const utc = new SpendTracker(mine, myRun, { zone: "UTC" }).snapshot(earlyOn25 + 10);
    expect(utc.run).toEqual(snapshot.run);
    expect(utc.day).toEqual({ nanoUsd: 321_000, requests: 4, unknownCostRequests: 1 });
    expect(utc.month).toEqual({ nanoUsd: 321_000, requests: 4, unknownCostRequests: 1 });
  });

  test("defaults to the process zone, without naming it (TZ=UTC in tests)", () => {
    const l = ledger();
    const tracker = new SpendTracker(l, l.startRun({ startedAt: T0, initialMode: "api" }));
    expect(process.env.TZ).toBe("UTC");
    expect(tracker.zone).toBeUndefined();
  });

  test("finds the process zone's days and months without ICU (its first formatter is ~20 ms of a run)", () => {
    const l = ledger();
    const formatters = vi.spyOn(Intl, "DateTimeFormat");
    const savedTz = process.env.TZ;
    try {
      // Another zone than the tests' UTC: 23:30 UTC on the 24th is the 25th in Paris.
      process.env.TZ = "Europe/Paris";
      const tracker = new SpendTracker(l, l.startRun({ startedAt: T0, initialMode: "api" }));
      const lateOn24 = Date.parse("2026-11-24T23:30:00Z");
      record(tracker, { at: lateOn24 - 2 * 3_600_000, outcome: "ok", costNanoUsd: 5_000 });
      record(tracker, { at: lateOn24, outcome: "ok", costNanoUsd: 7_000 });
      expect(tracker.snapshot(lateOn24 + 10).day.nanoUsd).toBe(7_000);
      expect(tracker.snapshot(lateOn24 + 10).month.nanoUsd).toBe(12_000);
      expect(formatters).not.toHaveBeenCalled();
    } finally {
      formatters.mockRestore();
      if (savedTz === undefined) delete process.env.TZ;
      else process.env.TZ = savedTz;
    }
  });

  test("log_usage: false keeps caps working from memory, with other wrappers' rows added", () => {
    const quiet = ledger({ logUsage: false });
    const loud = ledger();
    const quietRun = quiet.startRun({ startedAt: T0, initialMode: "api" });
    const loudRun = loud.startRun({ startedAt: T0, initialMode: "api" });
    const tracker = new SpendTracker(quiet, quietRun, { zone: "UTC" });
    record(tracker, { at: T0, outcome: "ok", costNanoUsd: 7_000 });
    record(tracker, { at: T0 + 1, outcome: "ok", costNanoUsd: null });
    record(tracker, { at: Date.UTC(2026, 10, 23), outcome: "ok", costNanoUsd: 50 }); // yesterday
    recordRow(loud, request(loudRun, { at: T0 + 2, costNanoUsd: 100 }));
    expect(quiet.db.prepare("SELECT count(*) FROM requests WHERE run_id = ?").pluck().get(quietRun)).toBe(0);
    const snapshot = tracker.snapshot(T0 + 10);
    expect(snapshot.run).toEqual({ nanoUsd: 7_050, requests: 3, unknownCostRequests: 1 });
    expect(snapshot.day).toEqual({ nanoUsd: 7_100, requests: 3, unknownCostRequests: 1 });
    expect(snapshot.month).toEqual({ nanoUsd: 7_150, requests: 4, unknownCostRequests: 1 });
  });

  test("log_usage: false over days and months: each cap period counts only its own requests, in the tracker's zone", () => {
    const quiet = ledger({ logUsage: false });
    const tracker = new SpendTracker(quiet, quiet.startRun({ startedAt: T0, initialMode: "api" }), {
      zone: "America/New_York",
    });
    // 2026-10-31 23:30 in New York (UTC-4) is already November in UTC.
    const halloweenNight = Date.UTC(2026, 10, 1, 3, 30);
    const novemberFirst = Date.UTC(2026, 10, 1, 14);
    record(tracker, { at: halloweenNight, outcome: "ok", costNanoUsd: 1 });
    expect(tracker.snapshot(halloweenNight).day.nanoUsd).toBe(1);
    record(tracker, { at: novemberFirst, outcome: "ok", costNanoUsd: 20 });
    let snapshot = tracker.snapshot(novemberFirst);
    expect([snapshot.day.nanoUsd, snapshot.month.nanoUsd, snapshot.run.nanoUsd]).toEqual([20, 20, 21]);
    // A request that started before the next midnight and is recorded after it counts for its own day.
    const nextMorning = Date.UTC(2026, 10, 2, 14);
    record(tracker, { at: Date.UTC(2026, 10, 2, 3, 59), outcome: "ok", costNanoUsd: 300 });
    record(tracker, { at: nextMorning, outcome: "ok", costNanoUsd: 4_000 });
    snapshot = tracker.snapshot(nextMorning);
    expect([snapshot.day.nanoUsd, snapshot.month.nanoUsd]).toEqual([4_000, 4_320]);
    // Asked about an earlier day after a later one, the tracker has let the earlier one go.
    expect(tracker.snapshot(novemberFirst).day.nanoUsd).toBe(4_000);
  });

  test("a tracker re-created for a run starts from the run's stored spend", () => {
    const l = ledger();
    const runId = l.startRun({ startedAt: T0, initialMode: "api" });
    record(new SpendTracker(l, runId), { at: T0, outcome: "ok", costNanoUsd: 123 });
    const again = new SpendTracker(l, runId);
    record(again, { at: T0 + 1, outcome: "ok", costNanoUsd: 1 });
    expect(again.snapshot(T0 + 2).run).toEqual({ nanoUsd: 124, requests: 2, unknownCostRequests: 0 });
    expect(again.snapshot(T0 + 2).day.nanoUsd).toBe(124); // stored rows are not counted twice
  });

  test("a full disk surfaces as a FallbackError, keeps the cost in the caps, and loses no committed row", () => {
    const l = ledger();
    const runId = l.startRun({ startedAt: T0, initialMode: "api" });
    const tracker = new SpendTracker(l, runId, { zone: "UTC" });
    record(tracker, { at: T0, outcome: "ok", costNanoUsd: 10 });
    const pages = l.db.pragma("page_count", { simple: true }) as number;
    l.db.pragma(`max_page_count = ${pages}`);
    const big = "x".repeat(64 * 1024);
    let error: unknown;
    try {
      for (let i = 0; i < 10; i++)
        record(tracker, { at: T0 + 1, outcome: "ok", requestId: big, costNanoUsd: 5 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FallbackError);
    expect((error as Error).message).toBe(
      `could not write the usage ledger ${file}: the disk is full; API spend is still counted against your caps, and written once the ledger can take it; fix: free some space on its disk, or set CLAUDE_FALLBACK_HOME or XDG_DATA_HOME to another place`,
    );
    expect(tracker.snapshot(T0 + 2).day).toEqual({ nanoUsd: 15, requests: 2, unknownCostRequests: 0 });
    expect(l.pendingSpend()).toEqual({ nanoUsd: 5, requests: 1, unknownCostRequests: 0 });
    l.close();
    const reopened = ledger();
    expect(reopened.runSpend(runId)).toEqual({ nanoUsd: 10, requests: 1, unknownCostRequests: 0 });
  });

  test("rows a full disk refused are written, in order and once, when it has room again", () => {
    const l = ledger();
    const other = ledger();
    const runId = l.startRun({ startedAt: T0, initialMode: "api" });
    const otherRun = other.startRun({ startedAt: T0, initialMode: "api" });
    const tracker = new SpendTracker(l, runId, { zone: "UTC" });
    record(tracker, { at: T0, outcome: "ok", costNanoUsd: 1 });
    const pages = l.db.pragma("page_count", { simple: true }) as number;
    l.db.pragma(`max_page_count = ${pages}`);
    const big = (i: number) => `req_${i}_`.padEnd(64 * 1024, "x");
    const failures: unknown[] = [];
    for (let i = 1; i <= 4; i++) {
      try {
        record(tracker, { at: T0 + i, outcome: "ok", requestId: big(i), costNanoUsd: 10 ** i });
      } catch (error) {
        failures.push(error);
      }
    }
    expect(failures.length).toBeGreaterThanOrEqual(3);
    const waiting = l.pendingSpend();
    expect(waiting.requests).toBe(failures.length);
    // Caps see every cost once: stored rows, rows waiting, other wrappers' rows.
    recordRow(other, request(otherRun, { at: T0 + 5, costNanoUsd: 7 }));
    expect(tracker.snapshot(T0 + 10).day).toEqual({ nanoUsd: 11_118, requests: 6, unknownCostRequests: 0 });
    expect(l.pendingSpend(T0 + 3).requests).toBe(Math.min(2, failures.length));

    l.db.pragma("max_page_count = 1000000");
    record(tracker, { at: T0 + 6, outcome: "ok", requestId: "after", costNanoUsd: 100_000 });
    expect(l.pendingSpend()).toEqual({ nanoUsd: 0, requests: 0, unknownCostRequests: 0 });
    const rows = l.db
      .prepare("SELECT at, cost_nanousd AS cost FROM requests WHERE run_id = ? ORDER BY id")
      .all(runId) as { at: number; cost: number }[];
    expect(rows).toEqual([0, 1, 2, 3, 4, 6].map((i) => ({ at: T0 + i, cost: i === 6 ? 100_000 : 10 ** i })));
    expect(tracker.snapshot(T0 + 10).day).toEqual({ nanoUsd: 111_118, requests: 7, unknownCostRequests: 0 });
    expect(tracker.runSpend()).toEqual({ nanoUsd: 111_111, requests: 6, unknownCostRequests: 0 });
  });

  test("flushPending writes what waits, and throws while the ledger still refuses", () => {
    const l = ledger();
    const runId = l.startRun({ startedAt: T0, initialMode: "api" });
    l.db.pragma(`max_page_count = ${l.db.pragma("page_count", { simple: true }) as number}`);
    expect(() => recordRow(l, request(runId, { requestId: "x".repeat(64 * 1024) }))).toThrow(
      "the disk is full",
    );
    expect(() => l.flushPending()).toThrow(`could not write the usage ledger ${file}: the disk is full`);
    expect(l.pendingSpend().requests).toBe(1);
    l.db.pragma("max_page_count = 1000000");
    expect(l.flushPending()).toBeTypeOf("number");
    expect(l.flushPending()).toBeNull();
    expect(l.runSpend(runId)).toEqual({ nanoUsd: 1_000, requests: 1, unknownCostRequests: 0 });
  });

  test("a malformed request is a RangeError and is not kept to be written later", () => {
    const l = ledger();
    const runId = l.startRun({ startedAt: T0, initialMode: "api" });
    const tracker = new SpendTracker(l, runId);
    expect(() => record(tracker, { at: T0, outcome: "ok", inputTokens: -1, costNanoUsd: 1 })).toThrow(
      RangeError,
    );
    expect(l.pendingSpend().requests).toBe(0);
    expect(tracker.runSpend().requests).toBe(0);
  });

  test("a read-only ledger surfaces as a FallbackError", () => {
    const l = ledger();
    const runId = l.startRun({ startedAt: T0, initialMode: "api" });
    l.db.pragma("query_only = ON");
    expect(() => recordRow(l, request(runId))).toThrow(FallbackError);
    expect(() => recordRow(l, request(runId))).toThrow(
      `could not write the usage ledger ${file}: not writable (attempt to write a readonly database); fix: set CLAUDE_FALLBACK_HOME or XDG_DATA_HOME to another place`,
    );
    expect(() => l.recordEvent({ runId, at: T0, kind: "error" })).toThrow(FallbackError);
  });
});

/**
 * SPEC §7, a ledger shared by concurrent wrappers: 8 real processes open the same new file at the
 * same moment (all racing to create and migrate it), then each writes its rows; every row must
 * be there once and the sums exact.
 */
describe("several writer processes", () => {
  const WRITERS = 8;
  const ROWS = 150;
  const costOf = (writer: number, i: number) => 1_000_000_007 * (writer + 1) + i * 333_333_333 + 1;

  async function bundleChild(outDir: string): Promise<string> {
    const require = createRequire(import.meta.url);
    const esbuild = await import("esbuild");
    const sqlitePath = require.resolve("better-sqlite3");
    const out = join(outDir, "writer.mjs");
    await esbuild.build({
      stdin: {
        contents: `
          import { openLedger } from "./ledger.ts";
          const [file, writer, rows] = process.argv.slice(2);
          process.on("message", (message) => {
            if (message !== "go") return;
            const ledger = openLedger(file);
            const runId = ledger.startRun({ id: "writer-" + writer, startedAt: Date.now(), pid: process.pid, initialMode: "api" });
            for (let i = 0; i < Number(rows); i++) {
              ledger.queueRequest({ runId, at: 1_800_000_000_000 + i, requestId: writer + ":" + i, outcome: "ok",
                inputTokens: i, costNanoUsd: (${costOf.toString()})(Number(writer), i) });
              ledger.flushPending();
            }
            ledger.close();
            process.send("done", () => process.exit(0));
          });
          process.send("ready");
        `,
        resolveDir: dirname(fileURLToPath(import.meta.url)),
        sourcefile: "writer-entry.ts",
        loader: "ts",
      },
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outfile: out,
      logLevel: "silent",
      plugins: [
        {
          name: "native-external",
          setup(build) {
            build.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: sqlitePath, external: true }));
          },
        },
      ],
    });
    return out;
  }

  test(`${WRITERS} concurrent writers: every row once, totals exact`, async () => {
    const script = await bundleChild(dir);
    const children = Array.from({ length: WRITERS }, (_, writer) =>
      fork(script, [file, String(writer), String(ROWS)], {
        execArgv: [],
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      }),
    );
    const exits = children.map(
      (child) =>
        new Promise<number | null>((resolve, reject) => {
          child.on("error", reject);
          child.on("exit", (code) => resolve(code));
        }),
    );
    // Barrier: start all writers only when every one of them is loaded.
    await Promise.all(
      children.map((child) => new Promise<void>((resolve) => child.once("message", () => resolve()))),
    );
    for (const child of children) child.send("go");
    expect(await Promise.all(exits)).toEqual(Array(WRITERS).fill(0));

    const l = ledger();
    let expected = 0n;
    for (let writer = 0; writer < WRITERS; writer++) {
      for (let i = 0; i < ROWS; i++) expected += BigInt(costOf(writer, i));
    }
    expect(Number.isSafeInteger(Number(expected))).toBe(true);
    expect(l.spendSince(0)).toEqual({
      nanoUsd: Number(expected),
      requests: WRITERS * ROWS,
      unknownCostRequests: 0,
    });
    expect(l.db.prepare("SELECT count(DISTINCT request_id) FROM requests").pluck().get()).toBe(
      WRITERS * ROWS,
    );
    expect(l.db.prepare("SELECT count(*) FROM runs").pluck().get()).toBe(WRITERS);
    for (let writer = 0; writer < WRITERS; writer++) {
      let runTotal = 0;
      for (let i = 0; i < ROWS; i++) runTotal += costOf(writer, i);
      expect(l.runSpend(`writer-${writer}`)).toEqual({
        nanoUsd: runTotal,
        requests: ROWS,
        unknownCostRequests: 0,
      });
    }
    const sum = l.db.prepare("SELECT sum(input_tokens) FROM requests").pluck().get();
    expect(sum).toBe((WRITERS * ROWS * (ROWS - 1)) / 2);
    expect(l.db.pragma("integrity_check", { simple: true })).toBe("ok");
  }, 60_000);
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { recordRow } from "../../test/support/ledger.js";
import { UsageError } from "../errors.js";
import { type Ledger, openLedger } from "./ledger.js";
import type { RequestRecord } from "./ledger-records.js";
import { buildUsageReport, type ReportOptions } from "./report.js";
import { renderReportCsv, renderReportJson } from "./report-export.js";
import { renderReportTable } from "./report-table.js";

let dir: string;
let ledger: Ledger;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-report-"));
  ledger = openLedger(join(dir, "usage.db"));
});

afterEach(() => {
  ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

const SONNET = "claude-sonnet-4-5-20250929";
const OPUS = "claude-opus-4-1-20250805";
const S1 = "11111111-1111-4111-8111-111111111111";
const S2 = "22222222-2222-4222-8222-222222222222";

function add(runId: string, at: string, overrides: Partial<RequestRecord> = {}): void {
  recordRow(ledger, {
    runId,
    at: Date.parse(at),
    outcome: "ok",
    model: SONNET,
    claudeSessionId: S1,
    inputTokens: 100,
    outputTokens: 10,
    costNanoUsd: 1_000_000,
    ...overrides,
  });
}

function report(options: Partial<ReportOptions> = {}) {
  return buildUsageReport(ledger, { kind: "daily", zone: "UTC", ...options });
}

/** A small history over two days and two months, two runs, two sessions. */
function seed(): { runA: string; runB: string } {
  const runA = ledger.startRun({
    id: "run-a",
    startedAt: Date.parse("2026-10-31T20:00:00Z"),
    initialMode: "api",
  });
  const runB = ledger.startRun({
    id: "run-b",
    startedAt: Date.parse("2026-11-24T08:00:00Z"),
    initialMode: "api",
  });
  add(runA, "2026-10-31T22:00:00Z", { costNanoUsd: 5_000_000_000 }); // $5
  add(runB, "2026-11-24T09:00:00Z", {
    inputTokens: 1000,
    outputTokens: 200,
    cacheWrite5mTokens: 300,
    cacheWrite1hTokens: 40,
    cacheReadTokens: 5000,
    costNanoUsd: 1_234_567_891,
  });
  add(runB, "2026-11-24T10:00:00Z", { model: OPUS, claudeSessionId: S2, costNanoUsd: 2_500_000_000 });
  add(runB, "2026-11-24T23:30:00Z", { claudeSessionId: S2, costNanoUsd: 10_000_000 });
  return { runA, runB };
}

describe("grouping", () => {
  test("daily: by UTC day, by model within the day, exact totals", () => {
    seed();
    const r = report();
    expect(r.rows.map((row) => [row.key, row.requests, row.cost_nanousd])).toEqual([
      ["2026-10-31", 1, 5_000_000_000],
      ["2026-11-24", 3, 1_234_567_891 + 2_500_000_000 + 10_000_000],
    ]);
    expect(r.rows[1]!.models.map((model) => [model.model, model.requests, model.cost_nanousd])).toEqual([
      [OPUS, 1, 2_500_000_000],
      [SONNET, 2, 1_244_567_891],
    ]);
    expect(r.totals.cost_nanousd).toBe(8_744_567_891);
    expect(r.totals.cost_usd).toBe(8.744567891);
    expect(r.totals.requests).toBe(4);
    expect(r.totals.cache_write_5m_tokens).toBe(300);
    expect(r.totals.cache_write_1h_tokens).toBe(40);
    expect(r.totals.cache_read_tokens).toBe(5000);
  });

  test("daily in Pacific/Auckland: 23:30 UTC is the next day there", () => {
    seed();
    const r = report({ zone: "Pacific/Auckland" });
    expect(r.timezone).toBe("Pacific/Auckland");
    // 2026-10-31T22:00Z = Nov 1 11:00 NZDT; 09:00Z and 10:00Z = Nov 24 22:00/23:00; 23:30Z = Nov 25 12:30.
    expect(r.rows.map((row) => [row.key, row.requests])).toEqual([
      ["2026-11-01", 1],
      ["2026-11-24", 2],
      ["2026-11-25", 1],
    ]);
    expect(r.rows[2]!.first_request_at).toBe("2026-11-25T12:30:00.000+13:00");
  });

  test("a 25-hour DST day is one day (America/New_York, 2026-11-01)", () => {
    const run = ledger.startRun({ startedAt: 0, initialMode: "api" });
    add(run, "2026-11-01T04:00:00Z"); // 00:00 EDT, first instant of Nov 1
    add(run, "2026-11-02T04:59:59Z"); // 23:59:59 EST, last second of Nov 1
    add(run, "2026-11-02T05:00:00Z"); // 00:00 EST Nov 2
    const r = report({ zone: "America/New_York" });
    expect(r.rows.map((row) => [row.key, row.requests])).toEqual([
      ["2026-11-01", 2],
      ["2026-11-02", 1],
    ]);
  });

  test("empty stretches are skipped: rows decades apart make two rows", () => {
    const run = ledger.startRun({ startedAt: 0, initialMode: "api" });
    add(run, "1970-01-01T00:00:00Z");
    add(run, "2026-11-24T10:00:00Z");
    expect(report().rows.map((row) => row.key)).toEqual(["1970-01-01", "2026-11-24"]);
    expect(report({ kind: "monthly" }).rows.map((row) => row.key)).toEqual(["1970-01", "2026-11"]);
  });

  test("monthly", () => {
    seed();
    expect(report({ kind: "monthly" }).rows.map((row) => [row.key, row.requests])).toEqual([
      ["2026-10", 1],
      ["2026-11", 3],
    ]);
    // In Auckland the October request is already November.
    expect(
      report({ kind: "monthly", zone: "Pacific/Auckland" }).rows.map((row) => [row.key, row.requests]),
    ).toEqual([["2026-11", 4]]);
  });

  test("session: by Claude session id in order of first use; no session id is its own group", () => {
    const { runB } = seed();
    add(runB, "2026-11-24T11:00:00Z", { claudeSessionId: null, costNanoUsd: 7 });
    const r = report({ kind: "session" });
    expect(r.rows.map((row) => [row.key, row.requests, row.cost_nanousd])).toEqual([
      [S1, 2, 5_000_000_000 + 1_234_567_891],
      [S2, 2, 2_510_000_000],
      [null, 1, 7],
    ]);
    expect(r.rows[1]!.models.map((model) => model.model)).toEqual([OPUS, SONNET]);
  });

  test("run: by wrapper run", () => {
    seed();
    const r = report({ kind: "run" });
    expect(r.rows.map((row) => [row.key, row.requests, row.cost_nanousd])).toEqual([
      ["run-a", 1, 5_000_000_000],
      ["run-b", 3, 3_744_567_891],
    ]);
  });

  test("an error row without a response model is grouped under the requested model", () => {
    const run = ledger.startRun({ startedAt: 0, initialMode: "api" });
    add(run, "2026-11-24T10:00:00Z", {
      model: null,
      requestedModel: "claude-haiku-4-5",
      outcome: "upstream_error",
      httpStatus: 529,
      costNanoUsd: 0,
    });
    add(run, "2026-11-24T10:01:00Z", {
      model: null,
      requestedModel: null,
      outcome: "aborted",
      costNanoUsd: 0,
    });
    expect(report().rows[0]!.models.map((model) => [model.model, model.requests])).toEqual([
      ["claude-haiku-4-5", 1],
      [null, 1],
    ]);
  });
});

describe("ranges", () => {
  test("--since and --until are inclusive local days", () => {
    seed();
    expect(report({ since: "2026-11-24" }).rows.map((row) => row.key)).toEqual(["2026-11-24"]);
    expect(report({ until: "2026-11-23" }).rows.map((row) => row.key)).toEqual(["2026-10-31"]);
    expect(report({ since: "2026-11-24", until: "2026-11-24" }).totals.requests).toBe(3);
    expect(report({ since: "2026-11-25" }).rows).toEqual([]);
    // The Auckland day 2026-11-25 starts at 2026-11-24T11:00Z.
    expect(report({ since: "2026-11-25", zone: "Pacific/Auckland" }).totals.requests).toBe(1);
  });

  test("dates as ccusage writes them (YYYYMMDD) and whole months (YYYY-MM, YYYYMM)", () => {
    seed();
    const keys = (options: Partial<Parameters<typeof report>[0]>) =>
      report(options).rows.map((row) => row.key);
    expect(keys({ since: "20261124" })).toEqual(["2026-11-24"]);
    expect(keys({ until: "20261123" })).toEqual(["2026-10-31"]);
    // A month: --since from its first day, --until to its last.
    expect(keys({ kind: "monthly", since: "2026-11" })).toEqual(["2026-11"]);
    expect(keys({ kind: "monthly", until: "202610" })).toEqual(["2026-10"]);
    expect(keys({ since: "2026-10", until: "2026-10" })).toEqual(["2026-10-31"]);
    expect(keys({ since: "2026-11-24", until: "2026-11" })).toEqual(["2026-11-24"]);
    for (const typo of ["2026-1124", "202611-24", "2026-13", "20261"]) {
      expect(() => report({ since: typo })).toThrow(`--since: "${typo}" is not a date`);
    }
  });

  test("a monthly report clips its months to the range", () => {
    seed();
    const r = report({ kind: "monthly", since: "2026-11-24", until: "2026-11-24" });
    expect(r.rows.map((row) => [row.key, row.requests])).toEqual([["2026-11", 3]]);
    expect(report({ kind: "monthly", until: "2026-10-30" }).rows).toEqual([]);
  });

  test("bad dates are UsageErrors naming the flag", () => {
    expect(() => report({ since: "2026-02-30" })).toThrow(UsageError);
    expect(() => report({ since: "2026-02-30" })).toThrow(
      '--since: "2026-02-30" is not a date (expected YYYY-MM-DD, YYYYMMDD, or a month: YYYY-MM)',
    );
    expect(() => report({ until: "24/11/2026" })).toThrow('--until: "24/11/2026" is not a date');
    expect(() => report({ since: "2026-11-25", until: "2026-11-24" })).toThrow(
      "--since 2026-11-25 is after --until 2026-11-24",
    );
  });
});

describe("unknown costs", () => {
  test("are never $0: all unknown → null, partly unknown → the known sum and a count", () => {
    const run = ledger.startRun({ startedAt: 0, initialMode: "api" });
    add(run, "2026-11-24T10:00:00Z", { model: "claude-future", costNanoUsd: null });
    add(run, "2026-11-25T10:00:00Z", { model: "claude-future", costNanoUsd: null });
    add(run, "2026-11-25T11:00:00Z", { costNanoUsd: 20_000_000 });
    const r = report();
    expect(r.rows[0]).toMatchObject({
      key: "2026-11-24",
      cost_nanousd: null,
      cost_usd: null,
      unknown_cost_requests: 1,
    });
    expect(r.rows[1]).toMatchObject({ cost_nanousd: 20_000_000, cost_usd: 0.02, unknown_cost_requests: 1 });
    expect(r.rows[1]!.models[0]).toMatchObject({
      model: "claude-future",
      cost_usd: null,
      unknown_cost_requests: 1,
    });
    expect(r.totals).toMatchObject({ cost_nanousd: 20_000_000, unknown_cost_requests: 2, requests: 3 });
    const table = renderReportTable(r);
    expect(table).toMatch(/2026-11-24\s+claude-future\s+1\s+100\s+10\s+0\s+0\s+\?\n/);
    expect(table).toMatch(/all models\s+2\s+200\s+20\s+0\s+0\s+\$0\.02\+\?\n/);
    expect(table).toContain("? = cost unknown for 2 requests (model not in the price table)");
    expect(table).not.toMatch(/claude-future.*\$0\.00/);
    expect(renderReportCsv(r)).toContain("2026-11-24,claude-future,1,100,10,0,0,0,0,0,,1\n");
  });

  test("totals of only unknown costs are null", () => {
    const run = ledger.startRun({ startedAt: 0, initialMode: "api" });
    add(run, "2026-11-24T10:00:00Z", { costNanoUsd: null });
    expect(report().totals).toMatchObject({ cost_nanousd: null, cost_usd: null, unknown_cost_requests: 1 });
  });
});

describe("output", () => {
  test("the JSON shape is pinned", () => {
    seed();
    const json = renderReportJson(
      report({ zone: "Pacific/Auckland", since: "2026-11-24", until: "2026-11-30" }),
    );
    expect(json.endsWith("}\n")).toBe(true);
    const counters = (requests: number, input: number, output: number, nano: number) => ({
      requests,
      input_tokens: input,
      output_tokens: output,
      cache_write_5m_tokens: 0,
      cache_write_1h_tokens: 0,
      cache_read_tokens: 0,
      web_search_requests: 0,
      web_fetch_requests: 0,
      cost_nanousd: nano,
      cost_usd: nano / 1e9,
      unknown_cost_requests: 0,
    });
    const parsed = JSON.parse(json);
    expect(parsed).toEqual({
      report: "daily",
      timezone: "Pacific/Auckland",
      since: "2026-11-24",
      until: "2026-11-30",
      rows: [
        {
          key: "2026-11-24",
          first_request_at: "2026-11-24T22:00:00.000+13:00",
          last_request_at: "2026-11-24T23:00:00.000+13:00",
          ...counters(2, 1100, 210, 3_734_567_891),
          cache_write_5m_tokens: 300,
          cache_write_1h_tokens: 40,
          cache_read_tokens: 5000,
          models: [
            { model: OPUS, ...counters(1, 100, 10, 2_500_000_000) },
            {
              model: SONNET,
              ...counters(1, 1000, 200, 1_234_567_891),
              cache_write_5m_tokens: 300,
              cache_write_1h_tokens: 40,
              cache_read_tokens: 5000,
            },
          ],
        },
        {
          key: "2026-11-25",
          first_request_at: "2026-11-25T12:30:00.000+13:00",
          last_request_at: "2026-11-25T12:30:00.000+13:00",
          ...counters(1, 100, 10, 10_000_000),
          models: [{ model: SONNET, ...counters(1, 100, 10, 10_000_000) }],
        },
      ],
      totals: {
        ...counters(3, 1200, 220, 3_744_567_891),
        cache_write_5m_tokens: 300,
        cache_write_1h_tokens: 40,
        cache_read_tokens: 5000,
      },
    });
    // Key order is part of the contract too.
    expect(Object.keys(parsed)).toEqual(["report", "timezone", "since", "until", "rows", "totals"]);
    expect(Object.keys(parsed.rows[0])).toEqual([
      "key",
      "first_request_at",
      "last_request_at",
      "requests",
      "input_tokens",
      "output_tokens",
      "cache_write_5m_tokens",
      "cache_write_1h_tokens",
      "cache_read_tokens",
      "web_search_requests",
      "web_fetch_requests",
      "cost_nanousd",
      "cost_usd",
      "unknown_cost_requests",
      "models",
    ]);
    expect(Object.keys(parsed.rows[0].models[0])[0]).toBe("model");
    expect(parsed.rows[0].cost_usd).toBe(3.734567891);
  });

  test("the people's table", () => {
    seed();
    expect(renderReportTable(report())).toBe(
      [
        "API spend by day, all time (UTC)",
        "",
        "Day         Model                       Requests  Input  Output  Cache write  Cache read   Cost",
        "2026-10-31  claude-sonnet-4-5-20250929         1    100      10            0           0  $5.00",
        "2026-11-24  claude-opus-4-1-20250805           1    100      10            0           0  $2.50",
        "            claude-sonnet-4-5-20250929         2  1,100     210          340       5,000  $1.24",
        "            all models                         3  1,200     220          340       5,000  $3.74",
        "-".repeat(95),
        "Total                                          4  1,300     230          340       5,000  $8.74",
        "",
      ].join("\n"),
    );
  });

  test("CSV: a header, one line per group and model, exact decimal dollars", () => {
    seed();
    expect(renderReportCsv(report({ kind: "run" }))).toBe(
      [
        "run,model,requests,input_tokens,output_tokens,cache_write_5m_tokens,cache_write_1h_tokens,cache_read_tokens,web_search_requests,web_fetch_requests,cost_usd,unknown_cost_requests",
        `run-a,${SONNET},1,100,10,0,0,0,0,0,5,0`,
        `run-b,${OPUS},1,100,10,0,0,0,0,0,2.5,0`,
        `run-b,${SONNET},2,1100,210,300,40,5000,0,0,1.244567891,0`,
        "",
      ].join("\n"),
    );
  });

  test("CSV quotes fields that need it", () => {
    const run = ledger.startRun({ startedAt: 0, initialMode: "api" });
    add(run, "2026-11-24T10:00:00Z", { model: 'odd,"model"' });
    expect(renderReportCsv(report())).toContain('2026-11-24,"odd,""model""",1,');
  });

  test("an empty ledger or no ledger: an empty report and a friendly line", () => {
    const empty = report();
    expect(empty.rows).toEqual([]);
    expect(empty.totals).toMatchObject({
      requests: 0,
      cost_nanousd: 0,
      cost_usd: 0,
      unknown_cost_requests: 0,
    });
    expect(buildUsageReport(null, { kind: "session", zone: "UTC" })).toEqual({ ...empty, report: "session" });
    expect(renderReportTable(empty)).toBe("API spend by day, all time (UTC)\nNo API usage recorded yet.\n");
    expect(renderReportTable(report({ since: "2026-01-01" }))).toContain(
      "No API usage recorded in this range.",
    );
    expect(renderReportCsv(empty).split("\n")).toHaveLength(2);
  });
});

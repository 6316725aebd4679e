import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { recordRow } from "../../test/support/ledger.js";
import { UsageError } from "../errors.js";
import { type Ledger, openLedger } from "./ledger.js";
import { buildUsageReport, type ReportKind } from "./report.js";
import { renderReportTable } from "./report-table.js";

let dir: string;
let ledger: Ledger;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-report-table-"));
  ledger = openLedger(join(dir, "usage.db"));
});

afterEach(() => {
  ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

const RUN = "3f2b8c1e-7d4a-4e9b-a1c2-5d6e7f8a9b0c";
const SESSION = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";

/** A day of real-looking use: two models, six-figure token counts, a project deep in the home directory. */
function seed(): void {
  ledger.startRun({
    id: RUN,
    startedAt: Date.parse("2026-11-24T09:14:00Z"),
    cwd: "/home/someone/code/clients/acme/billing-service",
    initialMode: "api",
  });
  const request = (at: string, model: string, input: number, cost: number) =>
    recordRow(ledger, {
      runId: RUN,
      at: Date.parse(at),
      outcome: "ok",
      model,
      claudeSessionId: SESSION,
      inputTokens: input,
      outputTokens: 12_345,
      cacheWrite5mTokens: 123_456,
      cacheReadTokens: 1_234_567,
      costNanoUsd: cost,
    });
  request("2026-11-24T09:15:02Z", "claude-sonnet-4-5-20250929", 234_567, 1_234_560_000);
  request("2026-11-24T09:17:40Z", "claude-opus-4-1-20250805", 45_678, 12_345_670_000);
}

function table(kind: ReportKind, width: number | null, runId?: string): string {
  return renderReportTable(buildUsageReport(ledger, { kind, zone: "UTC", runId }), width);
}

const widest = (text: string) => Math.max(...text.split("\n").map((line) => line.length));

describe("the usage tables fit the terminal", () => {
  test.each(["daily", "monthly", "session", "run"] as const)(
    "%s: within 80 columns, cache columns dropped and said so",
    (kind) => {
      seed();
      const text = table(kind, 80);
      expect(widest(text)).toBeLessThanOrEqual(80);
      expect(text).not.toContain("Cache read");
      expect(text).toContain("Narrowed to 80 columns");
      expect(text).toContain("$13.58");
    },
  );

  test.each(["daily", "monthly", "session", "run"] as const)(
    "%s: narrower than its narrowest form, it says so instead of claiming to fit",
    (kind) => {
      seed();
      const text = table(kind, 40);
      expect(widest(text)).toBeGreaterThan(40);
      expect(text).toContain("(Narrowed toward 40 columns, still wider: no cache tokens;");
      expect(text).not.toContain("Narrowed to 40 columns");
      // The rule above the totals underlines the whole table, not the 40 columns it could not fit.
      const lines = text.split("\n");
      const rule = lines.findIndex((line) => /^-+$/.test(line));
      const tableLines = lines.slice(0, lines.indexOf("", rule));
      expect(lines[rule]!.length).toBe(
        Math.max(...tableLines.filter((l) => !/^-+$/.test(l)).map((l) => l.length)),
      );
    },
  );

  test.each(["daily", "monthly", "session", "run"] as const)(
    "%s: at 120 columns (and with no limit) every column",
    (kind) => {
      seed();
      expect(table(kind, 120)).toBe(table(kind, null));
      expect(table(kind, 120)).toContain("Cache read");
      expect(widest(table(kind, 120))).toBeLessThanOrEqual(120);
    },
  );

  test("daily at 80 columns", () => {
    seed();
    expect(table("daily", 80)).toBe(
      [
        "API spend by day, all time (UTC)",
        "",
        "Day         Model                Requests    Input  Output    Cost",
        "2026-11-24  opus-4-1-20250805           1   45,678  12,345  $12.35",
        "            sonnet-4-5-20250929         1  234,567  12,345   $1.23",
        "            all models                  2  280,245  24,690  $13.58",
        "------------------------------------------------------------------",
        "Total                                   2  280,245  24,690  $13.58",
        "",
        "(Narrowed to 80 columns: no cache tokens; --json or --csv has them.)",
        "",
      ].join("\n"),
    );
  });

  test("session and run rows say when and where, with the whole id to copy", () => {
    seed();
    const lines = table("session", 120).split("\n");
    expect(lines).toContain(`${SESSION}  2026-11-24 09:15  /home/someone/code/clients/acme/billing-service`);
    expect(table("run", 120)).toContain(
      `${RUN}  2026-11-24 09:15  /home/someone/code/clients/acme/billing-service`,
    );
    // On 80 columns the directory is cut, not the line wrapped.
    expect(table("run", 80)).toContain(`${RUN}  2026-11-24 09:15  …ts/acme/billing-service`);
  });
});

describe("usage run RUN_ID", () => {
  test("lists the run's requests, one a line", () => {
    seed();
    const text = table("run", 120, RUN);
    expect(text).toContain("Requests of this run:");
    expect(text).toMatch(
      /09:15:02 {2}claude-sonnet-4-5-20250929 {2}ok +234,567 +12,345 +123,456 +1,234,567 +\$1\.23/,
    );
    expect(text).toMatch(/09:17:40 {2}claude-opus-4-1-20250805 +ok +45,678/);
    expect(widest(table("run", 80, RUN))).toBeLessThanOrEqual(80);
  });

  test("a run over midnight: each request with its date, not a time that could be either day", () => {
    seed();
    recordRow(ledger, {
      runId: RUN,
      at: Date.parse("2026-11-25T00:02:09Z"),
      outcome: "ok",
      model: "claude-sonnet-4-5-20250929",
      costNanoUsd: 10_000_000,
    });
    const text = table("run", 120, RUN);
    expect(text).toMatch(/2026-11-24 09:15:02 {2}claude-sonnet-4-5-20250929/);
    expect(text).toMatch(/2026-11-25 00:02:09 {2}claude-sonnet-4-5-20250929/);
    expect(widest(table("run", 80, RUN))).toBeLessThanOrEqual(80);
  });

  test("a run the ledger does not know is a usage error naming it", () => {
    seed();
    expect(() => table("run", null, "no-such-run")).toThrow(UsageError);
    expect(() => table("run", null, "no-such-run")).toThrow(/no wrapper run no-such-run/);
  });
});

// log_usage false keeps request rows out (SPEC §7): the report says so rather than "no requests".
describe("with log_usage false in the config", () => {
  const render = (kind: ReportKind, logUsage: boolean, runId?: string) =>
    renderReportTable(buildUsageReport(ledger, { kind, zone: "UTC", runId }), null, logUsage);
  const runOnly = () =>
    ledger.startRun({ id: RUN, startedAt: Date.parse("2026-11-24T09:14:00Z"), initialMode: "api" });

  test.each([
    ["a run without rows", runOnly, "run", RUN, true, "No API requests in this run."],
    [
      "a run without rows",
      runOnly,
      "run",
      RUN,
      false,
      "Nothing to list: API requests are not kept in the usage ledger while log_usage is false.",
    ],
    ["an empty ledger", () => {}, "daily", undefined, true, "No API usage recorded yet."],
    [
      "an empty ledger",
      () => {},
      "daily",
      undefined,
      false,
      "No API usage recorded yet; API requests are not kept in the usage ledger while log_usage is false.",
    ],
    [
      "rows of earlier runs",
      seed,
      "daily",
      undefined,
      false,
      "Runs with log_usage false are not in these figures: API requests are not kept in the usage ledger while log_usage is false.",
    ],
  ] as const)("%s, %s report %s, log_usage %s", (_name, fill, kind, runId, logUsage, line) => {
    fill();
    const lines = render(kind, logUsage, runId).split("\n");
    expect(lines).toContain(line);
    if (logUsage) expect(lines.join("\n")).not.toContain("log_usage");
  });
});

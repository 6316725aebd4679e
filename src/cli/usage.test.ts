import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { FallbackError, UsageError } from "../errors.js";
import { resolvePaths } from "../state/paths.js";
import { ledgerPath, openLedger } from "../usage/ledger.js";
import { registerUsage, runUsageCommand, type UsageFlags } from "./usage.js";

let dir: string;
let dbPath: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-usage-cli-"));
  dbPath = ledgerPath(resolvePaths({ CLAUDE_FALLBACK_HOME: dir }).dataDir);
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

function seed(): void {
  const ledger = openLedger(dbPath);
  const runId = ledger.startRun({ id: "run-1", startedAt: 0, initialMode: "api" });
  for (const [at, cost] of [
    ["2026-11-24T09:00:00Z", 1_500_000_000],
    ["2026-11-24T23:30:00Z", 250_000_000],
  ] as const) {
    ledger.recordRequest({
      runId,
      at: Date.parse(at),
      outcome: "ok",
      model: "claude-sonnet-4-5",
      claudeSessionId: "s-1",
      inputTokens: 10,
      outputTokens: 5,
      costNanoUsd: cost,
    });
  }
  ledger.close();
}

function run(report: string | undefined, flags: UsageFlags = {}, zone?: string): string {
  let out = "";
  runUsageCommand(report, flags, { dbPath, zone, write: (text) => (out += text) });
  return out;
}

describe("runUsageCommand", () => {
  test("no ledger yet: a friendly line, exit 0, and no file created", () => {
    expect(run(undefined)).toBe("API spend by day, all time (UTC)\nNo API usage recorded yet.\n");
    expect(JSON.parse(run("monthly", { json: true }))).toMatchObject({ report: "monthly", rows: [] });
    expect(run("session", { csv: true })).toMatch(/^session,model,requests,.*\n$/);
    expect(existsSync(dbPath)).toBe(false);
  });

  test("daily by default, as a table with dollars to the cent", () => {
    seed();
    const out = run(undefined);
    expect(out).toContain("API spend by day, all time (UTC)");
    expect(out).toMatch(/\n2026-11-24\s+claude-sonnet-4-5\s+2\s+20\s+10\s+0\s+0\s+\$1\.75\n/);
    expect(out).toMatch(/\nTotal\s+2\s+20\s+10\s+0\s+0\s+\$1\.75\n$/);
  });

  test("--tz moves 23:30 UTC to the next day in Pacific/Auckland; the default zone is injectable", () => {
    seed();
    const keys = (text: string) => JSON.parse(text).rows.map((row: { key: string }) => row.key);
    expect(keys(run("daily", { json: true }))).toEqual(["2026-11-24"]);
    expect(keys(run("daily", { json: true, tz: "Pacific/Auckland" }))).toEqual(["2026-11-24", "2026-11-25"]);
    expect(keys(run("daily", { json: true }, "Pacific/Auckland"))).toEqual(["2026-11-24", "2026-11-25"]);
    expect(JSON.parse(run("daily", { json: true, tz: "Pacific/Auckland" }, "UTC")).timezone).toBe(
      "Pacific/Auckland",
    );
  });

  test("--json, --csv, --since/--until", () => {
    seed();
    const json = JSON.parse(run("run", { json: true, since: "2026-11-24", until: "2026-11-24" }));
    expect(json).toMatchObject({ report: "run", since: "2026-11-24", until: "2026-11-24", timezone: "UTC" });
    expect(json.rows).toHaveLength(1);
    expect(json.totals).toMatchObject({ requests: 2, cost_nanousd: 1_750_000_000, cost_usd: 1.75 });
    expect(run("session", { csv: true })).toBe(
      "session,model,requests,input_tokens,output_tokens,cache_write_5m_tokens,cache_write_1h_tokens,cache_read_tokens,web_search_requests,web_fetch_requests,cost_usd,unknown_cost_requests\n" +
        "s-1,claude-sonnet-4-5,2,20,10,0,0,0,0,0,1.75,0\n",
    );
    expect(run("daily", { since: "2026-11-25" })).toContain("No API usage recorded in this range.");
  });

  test("usage errors exit 2 with one line", () => {
    seed();
    expect(() => run("weekly")).toThrow(UsageError);
    expect(() => run("weekly")).toThrow(
      'unknown report "weekly" (expected one of: daily, monthly, session, run)',
    );
    expect(() => run("daily", { json: true, csv: true })).toThrow("--json and --csv cannot be used together");
    expect(() => run("daily", { tz: "Mars/Olympus" })).toThrow(
      '--tz: unknown time zone "Mars/Olympus" (expected an IANA zone such as Europe/Paris or UTC)',
    );
    expect(() => run("daily", { since: "yesterday" })).toThrow(UsageError);
  });

  test("a corrupt ledger is a FallbackError naming the file", () => {
    seed();
    writeFileSync(dbPath, "garbage ".repeat(1000));
    rmSync(`${dbPath}-wal`, { force: true });
    rmSync(`${dbPath}-shm`, { force: true });
    expect(() => run("daily")).toThrow(FallbackError);
    expect(() => run("daily")).toThrow(dbPath);
  });
});

describe("registerUsage", () => {
  function program(): Command {
    const root = new Command("claude-fallback").exitOverride().configureOutput({ writeErr: () => {} });
    registerUsage(root);
    return root;
  }

  test("finds the ledger under CLAUDE_FALLBACK_HOME and prints the report", async () => {
    vi.stubEnv("CLAUDE_FALLBACK_HOME", dir);
    seed();
    const chunks: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      chunks.push(String(chunk));
      return true;
    });
    await program().parseAsync(["usage", "monthly", "--json", "--tz", "UTC"], { from: "user" });
    const report = JSON.parse(chunks.join(""));
    expect(report).toMatchObject({ report: "monthly", timezone: "UTC" });
    expect(report.rows.map((row: { key: string }) => row.key)).toEqual(["2026-11"]);
  });

  test("rejects an unknown report name before doing anything", async () => {
    await expect(program().parseAsync(["usage", "yearly"], { from: "user" })).rejects.toBeInstanceOf(
      CommanderError,
    );
  });
});

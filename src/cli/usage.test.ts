import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Command, CommanderError } from "commander";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { recordRow } from "../../test/support/ledger.js";
import { fieldNames, fieldPaths, readmeJsonDocs } from "../../test/support/readme.js";
import { FallbackError, UsageError } from "../errors.js";
import { resolvePaths } from "../state/paths.js";
import { ledgerPath, openLedger } from "../usage/ledger.js";
import { registerUsage, runUsageCommand, terminalWidth, type UsageFlags } from "./usage.js";

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
    recordRow(ledger, {
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

  test("a ledger that is there but cannot be read is an error with the path and the fix, not an empty report", () => {
    seed();
    rmSync(dbPath);
    symlinkSync("usage.db", dbPath); // A symlink loop: ELOOP, unreadable even to root.
    expect(() => run("daily")).toThrow(FallbackError);
    expect(() => run("daily")).toThrow(
      new RegExp(
        `^usage ledger: cannot read ${dbPath} \\(ELOOP: .*\\); fix: let your user read it \\(chmod u\\+rwx ${dirname(dbPath)}\\), or set CLAUDE_FALLBACK_HOME or XDG_DATA_HOME to another place$`,
      ),
    );
  });

  test("a file where the data directory should be is an error naming it, not an empty report", () => {
    const dataDir = dirname(dbPath);
    writeFileSync(dataDir, "not a directory");
    expect(() => run("daily")).toThrow(FallbackError);
    expect(() => run("daily")).toThrow(
      `usage ledger: cannot read ${dbPath}: ${dataDir} is a file, not a directory; move it aside`,
    );
    // The same a level up: $CLAUDE_FALLBACK_HOME itself a file.
    rmSync(dir, { recursive: true });
    writeFileSync(dir, "");
    expect(() => run("daily", { json: true })).toThrow(`${dir} is a file, not a directory`);
    rmSync(dir);
    mkdirSync(dir);
  });
});

/** A hand-written Claude Code config dir: one response streamed as two records, one haiku response. */
function seedTranscripts(): string {
  const claudeDir = join(dir, "claude-config");
  const file = join(claudeDir, "projects", "-home-me-project", "sess-9.jsonl");
  mkdirSync(join(file, ".."), { recursive: true });
  const record = (id: string, model: string, at: string, input: number, output: number) =>
    JSON.stringify({
      sessionId: "sess-9",
      message: {
        model,
        id,
        type: "message",
        role: "assistant",
        content: [],
        usage: { input_tokens: input, output_tokens: output },
      },
      requestId: `req-${id}`,
      type: "assistant",
      timestamp: at,
    });
  writeFileSync(
    file,
    [
      record("m1", "claude-sonnet-4-5", "2026-11-24T10:00:00Z", 1000, 1),
      record("m1", "claude-sonnet-4-5", "2026-11-24T10:00:01Z", 1000, 2000), // the last one counts
      record("m2", "claude-haiku-4-5", "2026-11-24T23:30:00Z", 2000, 100),
      '{"type":"assistant","message":{"usa', // a torn write
    ].join("\n"),
  );
  return claudeDir;
}

describe("usage --subscription", () => {
  // sonnet 1000×$3 + 2000×$15 per MTok = $0.033; haiku 2000×$1 + 100×$5 = $0.0025.
  const runSub = (report: string | undefined, flags: UsageFlags, zone?: string) => {
    const env = { CLAUDE_CONFIG_DIR: seedTranscripts(), HOME: dir };
    let out = "";
    runUsageCommand(
      report,
      { ...flags, subscription: true },
      { dbPath, zone, env, write: (t) => (out += t) },
    );
    return out;
  };

  test("turns the ledger shows were billed to the API key are not counted as subscription use", () => {
    const ledger = openLedger(dbPath);
    const runId = ledger.startRun({ id: "run-api", startedAt: 0, initialMode: "api" });
    // The haiku response of the fixture went through the gateway: its request id is in the ledger.
    recordRow(ledger, {
      runId,
      at: Date.parse("2026-11-24T23:30:00Z"),
      outcome: "ok",
      requestId: "req-m2",
      costNanoUsd: 1,
    });
    ledger.close();
    const json = JSON.parse(runSub("daily", { json: true, tz: "UTC" }));
    expect(json.subscription.api_billed_records).toBe(1);
    expect(
      json.subscription.rows.flatMap((row: { models: { model: string }[] }) =>
        row.models.map((m) => m.model),
      ),
    ).toEqual(["claude-sonnet-4-5"]);
  });

  test("--json adds a labelled subscription section and leaves the API spend as it was", () => {
    seed();
    const plain = JSON.parse(run("daily", { json: true }));
    expect(plain).not.toHaveProperty("subscription");
    const json = JSON.parse(runSub("daily", { json: true }));
    expect({ ...json, subscription: undefined }).toEqual({ ...plain, subscription: undefined });
    expect(json.subscription).toMatchObject({
      description: "what your subscription usage would have cost at API prices",
      source: "claude_code_transcripts",
      files: 1,
      records: 3,
      duplicate_records: 1,
      skipped_lines: 1,
      totals: {
        requests: 2,
        input_tokens: 3000,
        output_tokens: 2100,
        cost_nanousd: 35_500_000,
        cost_usd: 0.0355,
      },
    });
    expect(json.subscription.rows.map((row: { key: string }) => row.key)).toEqual(["2026-11-24"]);
    const akl = JSON.parse(runSub("daily", { json: true }, "Pacific/Auckland"));
    expect(akl.subscription.rows.map((row: { key: string }) => row.key)).toEqual([
      "2026-11-24",
      "2026-11-25",
    ]);
  });

  test("--csv adds a source column; the table shows a second, separately labelled section", () => {
    seed();
    const csv = runSub("session", { csv: true }).split("\n");
    expect(csv[0]).toMatch(/,cost_usd,unknown_cost_requests,source$/);
    expect(csv).toContain("s-1,claude-sonnet-4-5,2,20,10,0,0,0,0,0,1.75,0,api");
    expect(csv).toContain(
      "sess-9,claude-sonnet-4-5,1,1000,2000,0,0,0,0,0,0.033,0,subscription_at_api_prices",
    );
    const table = runSub("daily", {});
    expect(table).toContain("API spend by day, all time (UTC)");
    expect(table).toContain("Subscription usage at API prices, by day, all time (UTC)");
    expect(table).toContain("what your subscription usage would have cost at API prices");
    expect(table).toMatch(/\nTotal\s+2\s+3,000\s+2,100\s+0\s+0\s+\$0\.04\n/);
    expect(table).toContain("1 duplicate streaming record dropped; 1 unreadable line skipped.");
  });

  test("no transcripts: says where it looked; run grouping is a usage error", () => {
    let out = "";
    const env = { CLAUDE_CONFIG_DIR: join(dir, "missing"), HOME: dir };
    runUsageCommand("daily", { subscription: true }, { dbPath, env, write: (t) => (out += t) });
    expect(out).toContain(`No Claude Code transcripts found (looked in ${join(dir, "missing")}).`);
    expect(() => runSub("run", {})).toThrow(UsageError);
    expect(() => runSub("run", {})).toThrow("--subscription cannot be grouped by wrapper run");
  });
});

test("README.md's JSON output section documents exactly the fields `usage --json` prints", () => {
  seed();
  const plain = JSON.parse(run("daily", { json: true }));
  const env = { CLAUDE_CONFIG_DIR: seedTranscripts(), HOME: dir };
  let out = "";
  runUsageCommand("daily", { json: true, subscription: true }, { dbPath, env, write: (t) => (out += t) });
  const withSubscription = JSON.parse(out);
  // Session and run reports add each group's directory, `usage run RUN_ID` the run's requests.
  const oneRun = JSON.parse(run("session", { json: true }));
  out = "";
  runUsageCommand("run", { json: true }, { dbPath, write: (t) => (out += t) }, "run-1");
  const withRequests = JSON.parse(out);
  const docs = readmeJsonDocs("### `usage --json`");
  expect(docs.examples).toHaveLength(2);
  const [example, subscriptionExample] = docs.examples;
  // The examples have the real shapes, every nested field included…
  expect([...fieldPaths(example)].sort()).toEqual([...fieldPaths(plain)].sort());
  expect([...fieldPaths(subscriptionExample)].sort()).toEqual(
    [...fieldPaths({ subscription: withSubscription.subscription })].sort(),
  );
  // …and the table describes each field name, and no other.
  const printed = new Set([
    ...fieldNames(withSubscription),
    ...fieldNames(oneRun),
    ...fieldNames(withRequests),
  ]);
  expect([...docs.fields].sort()).toEqual([...printed].sort());
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

  test("usage run RUN_ID lists that run's requests; an id after another report is refused", async () => {
    vi.stubEnv("CLAUDE_FALLBACK_HOME", dir);
    vi.stubEnv("COLUMNS", "80");
    seed();
    const chunks: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      chunks.push(String(chunk));
      return true;
    });
    await program().parseAsync(["usage", "run", "run-1", "--tz", "UTC"], { from: "user" });
    expect(chunks.join("")).toContain("Requests of this run:");
    expect(chunks.join("")).toMatch(/23:30:00 {2}(claude-)?sonnet-4-5 +ok/);
    await expect(program().parseAsync(["usage", "daily", "run-1"], { from: "user" })).rejects.toThrow(
      /usage daily takes no id/,
    );
  });

  test("the width to fit: COLUMNS, else the terminal's, else none", () => {
    expect(terminalWidth({ COLUMNS: "80" }, 200)).toBe(80);
    expect(terminalWidth({ COLUMNS: "wide" }, 132)).toBe(132);
    expect(terminalWidth({}, undefined)).toBeNull();
  });

  test("--subscription reads CLAUDE_CONFIG_DIR and prices with the config's pricing", async () => {
    const configFile = join(dir, "config.json");
    writeFileSync(configFile, JSON.stringify({ pricing: { "claude-haiku-4-5": { input: 10, output: 10 } } }));
    vi.stubEnv("CLAUDE_FALLBACK_HOME", dir);
    vi.stubEnv("CLAUDE_FALLBACK_CONFIG", configFile);
    vi.stubEnv("CLAUDE_CONFIG_DIR", seedTranscripts());
    const chunks: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      chunks.push(String(chunk));
      return true;
    });
    await program().parseAsync(["usage", "--subscription", "--json", "--tz", "UTC"], { from: "user" });
    const haiku = JSON.parse(chunks.join("")).subscription.rows[0].models[0];
    // 2100 tokens at the overridden $10/MTok.
    expect(haiku).toMatchObject({ model: "claude-haiku-4-5", cost_nanousd: 21_000_000 });
  });

  test("--help points to the README's JSON output section", () => {
    const usage = program().commands.find((command) => command.name() === "usage");
    expect(usage?.helpInformation().replace(/\s+/g, " ")).toContain(
      '--json machine-readable JSON (stable; documented in the README, section "JSON output")',
    );
  });

  test("rejects an unknown report name before doing anything", async () => {
    await expect(program().parseAsync(["usage", "yearly"], { from: "user" })).rejects.toBeInstanceOf(
      CommanderError,
    );
  });
});

import { chmodSync, closeSync, existsSync, mkdirSync, openSync, renameSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { FallbackError } from "../errors.js";
import { asidePath } from "../platform/atomic-file.js";
import { cannotAccessText } from "../state/paths.js";
import { type CapName, capNames } from "./caps.js";
import { accessProblem, BUSY_TIMEOUT_MS, LedgerDamagedError, ledgerError } from "./ledger-errors.js";
import type { EventRecord, LedgerRequestRow, RequestRecord, RunEnd, RunStart } from "./ledger-records.js";
import { migrate } from "./ledger-schema.js";
import { addSpend, type Spend, spendOfRequest, ZERO_SPEND } from "./spend.js";

/**
 * The usage ledger (SPEC §7): one SQLite file, `<dataDir>/usage.db`, with the runs of the wrapper,
 * one row per metered API request, and the events worth a report (limits, prompts, switches, caps).
 *
 * Several wrappers write at once: the file is in WAL mode (readers never block the writer) and
 * every connection waits up to {@link BUSY_TIMEOUT_MS} for the write lock instead of failing.
 * Request rows are written in `BEGIN IMMEDIATE` transactions of INSERTs only (several rows in one
 * commit, see {@link Ledger.flushPending}), and other rows are autocommit INSERTs, so no
 * transaction reads before it writes and none can hit SQLITE_BUSY_SNAPSHOT. `synchronous =
 * NORMAL` (WAL): a committed row survives a crash of any process; only a power cut or OS crash can
 * lose the last commits. FULL would fsync on every commit, and better-sqlite3 is synchronous:
 * measured, that fsync blocked the wrapper's event loop (pty pass-through, other streams) for
 * several milliseconds per request.
 *
 * Money is INTEGER nano-dollars (10⁻⁹ USD) per request, as `pricing/cost.ts` computes it, and
 * `NULL` when the cost is unknown (a model missing from the price table) — never 0. Sums are exact
 * integer sums (SQLite SUM over INTEGER), so "today's spend" is the same number however many rows
 * make it up; dollars are made only for display. JS numbers hold these integers exactly up to
 * 2⁵³ n$ ≈ $9 million.
 *
 * Every failure reaches the caller as a FallbackError naming the file (corrupt file, full or
 * read-only disk, lock timeout); the caller decides whether to go on.
 */

export const LEDGER_FILE_NAME = "usage.db";

/** `<dataDir>/usage.db`; `dataDir` is `resolvePaths(env).dataDir`. */
export function ledgerPath(dataDir: string): string {
  return join(dataDir, LEDGER_FILE_NAME);
}

export interface LedgerOptions {
  /** `log_usage` (SPEC §10): false keeps request rows out; runs and events are still recorded. */
  logUsage?: boolean;
}

function count(name: string, value: number | undefined): number {
  const n = value ?? 0;
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
  return n;
}

function optionalInt(name: string, value: number | null | undefined): number | null {
  if (value === undefined || value === null) return null;
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be an integer, got ${value}`);
  return value;
}

interface SpendRow {
  nano: number | null;
  requests: number;
  unknown: number | null;
}

function spendOf(row: SpendRow | undefined): Spend {
  return { nanoUsd: row?.nano ?? 0, requests: row?.requests ?? 0, unknownCostRequests: row?.unknown ?? 0 };
}

const SPEND_COLUMNS =
  "COALESCE(SUM(cost_nanousd), 0) AS nano, COUNT(*) AS requests, SUM(cost_nanousd IS NULL) AS unknown";

type RequestParams = ReturnType<typeof requestParams>;

/** The INSERT parameters of a request row; throws RangeError for counts or money that are not integers. */
function requestParams(request: RequestRecord) {
  const cost = request.costNanoUsd;
  if (cost !== null && (!Number.isSafeInteger(cost) || cost < 0)) {
    throw new RangeError(`costNanoUsd must be a non-negative integer or null, got ${cost}`);
  }
  return {
    runId: request.runId,
    at: optionalInt("at", request.at) as number,
    claudeSessionId: request.claudeSessionId ?? null,
    requestedModel: request.requestedModel ?? null,
    model: request.model ?? null,
    httpStatus: optionalInt("httpStatus", request.httpStatus),
    outcome: request.outcome,
    errorType: request.errorType ?? null,
    requestId: request.requestId ?? null,
    durationMs: optionalInt("durationMs", request.durationMs),
    inputTokens: count("inputTokens", request.inputTokens),
    outputTokens: count("outputTokens", request.outputTokens),
    cacheWrite5mTokens: count("cacheWrite5mTokens", request.cacheWrite5mTokens),
    cacheWrite1hTokens: count("cacheWrite1hTokens", request.cacheWrite1hTokens),
    cacheReadTokens: count("cacheReadTokens", request.cacheReadTokens),
    webSearchRequests: count("webSearchRequests", request.webSearchRequests),
    webFetchRequests: count("webFetchRequests", request.webFetchRequests),
    costNanoUsd: cost,
    longContext: request.longContext ? 1 : 0,
  };
}

/** Prepares the directory (0700) and the file (0600) so the database never exists with wider modes. */
function prepareFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  if (existsSync(file)) return;
  try {
    closeSync(openSync(file, "wx", 0o600));
    chmodSync(file, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}

function prepareStatements(db: Database.Database) {
  return {
    startRun: db.prepare(
      `INSERT INTO runs (id, started_at, pid, cwd, initial_mode, claude_version)
       VALUES (@id, @startedAt, @pid, @cwd, @initialMode, @claudeVersion)`,
    ),
    endRun: db.prepare("UPDATE runs SET ended_at = @endedAt, exit_code = @exitCode WHERE id = @id"),
    request: db.prepare(
      `INSERT INTO requests (run_id, at, claude_session_id, requested_model, model, http_status, outcome,
         error_type, request_id, duration_ms, input_tokens, output_tokens, cache_write_5m_tokens,
         cache_write_1h_tokens, cache_read_tokens, web_search_requests, web_fetch_requests, cost_nanousd,
         long_context)
       VALUES (@runId, @at, @claudeSessionId, @requestedModel, @model, @httpStatus, @outcome, @errorType,
         @requestId, @durationMs, @inputTokens, @outputTokens, @cacheWrite5mTokens, @cacheWrite1hTokens,
         @cacheReadTokens, @webSearchRequests, @webFetchRequests, @costNanoUsd, @longContext)`,
    ),
    event: db.prepare("INSERT INTO events (run_id, at, kind, detail) VALUES (?, ?, ?, ?)"),
    spendSince: db.prepare(`SELECT ${SPEND_COLUMNS} FROM requests WHERE at >= ?`),
    spendBetween: db.prepare(`SELECT ${SPEND_COLUMNS} FROM requests WHERE at >= ? AND at < ?`),
    runSpend: db.prepare(`SELECT ${SPEND_COLUMNS} FROM requests WHERE run_id = ?`),
    capsRaised: db.prepare("SELECT detail FROM events WHERE run_id = ? AND kind = 'cap_raised' ORDER BY id"),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

export class Ledger {
  readonly file: string;
  readonly logUsage: boolean;
  /** The open connection, for the report queries in `usage/report.ts` and for tests. */
  readonly db: Database.Database;
  private readonly statements: Statements;
  /** Request rows not written yet (queued, or refused by a full disk), oldest first. */
  private readonly pending: { params: RequestParams; spend: Spend }[] = [];

  /** Runs its argument in one transaction that holds the write lock from its start (rolled back if it throws). */
  private readonly writeRows: (write: () => void) => void;

  /** Use {@link openLedger} / {@link openExistingLedger}. */
  constructor(file: string, db: Database.Database, options: LedgerOptions) {
    this.file = file;
    this.db = db;
    this.logUsage = options.logUsage ?? true;
    this.statements = prepareStatements(db);
    const transaction = db.transaction((write: () => void) => write());
    this.writeRows = (write) => transaction.immediate(write);
  }

  private guard<T>(doing: string, action: () => T): T {
    try {
      return action();
    } catch (error) {
      if (error instanceof RangeError || error instanceof TypeError) throw error;
      throw ledgerError(this.file, doing, error);
    }
  }

  /** Records the start of a wrapper run; returns its id. */
  startRun(run: RunStart): string {
    // Web Crypto's, loaded on first use: reading the ledger (`status`, `usage`) does not need it.
    const id = run.id ?? globalThis.crypto.randomUUID();
    this.guard("write", () =>
      this.statements.startRun.run({
        id,
        startedAt: optionalInt("startedAt", run.startedAt),
        pid: optionalInt("pid", run.pid),
        cwd: run.cwd ?? null,
        initialMode: run.initialMode,
        claudeVersion: run.claudeVersion ?? null,
      }),
    );
    return id;
  }

  endRun(id: string, end: RunEnd): void {
    this.guard("write", () =>
      this.statements.endRun.run({
        id,
        endedAt: optionalInt("endedAt", end.endedAt),
        exitCode: optionalInt("exitCode", end.exitCode),
      }),
    );
  }

  /**
   * Keeps one request row for the next {@link flushPending} and returns true, or returns false
   * when `logUsage` is off (nothing kept). Until it is written, the row counts in
   * {@link pendingSpend} and {@link runSpend}: a row the ledger cannot take yet (a full disk) is
   * not lost, and neither is one that waits to be written with others.
   */
  queueRequest(request: RequestRecord): boolean {
    const params = requestParams(request);
    if (!this.logUsage) return false;
    this.pending.push({ params, spend: spendOfRequest(request) });
    return true;
  }

  /**
   * Writes the request rows still waiting, oldest first, in one transaction, and returns the last
   * one's rowid (null: none waited). One commit however many rows: each commit appends every page
   * a row touched (the table and its three indexes) to the WAL, and takes the file locks again.
   * When the ledger refuses, the rows keep waiting and a FallbackError is thrown; a row the database
   * rejects (a constraint) can never be written, so it is dropped and the others are written.
   */
  flushPending(): number | null {
    if (this.pending.length === 0) return null;
    let writing = 0;
    let rowid: number | null = null;
    try {
      this.writeRows(() => {
        for (writing = 0; writing < this.pending.length; writing++) {
          rowid = Number(this.statements.request.run(this.pending[writing]!.params).lastInsertRowid);
        }
      });
    } catch (error) {
      if (String((error as { code?: unknown }).code).startsWith("SQLITE_CONSTRAINT")) {
        this.pending.splice(writing, 1);
        try {
          this.flushPending();
        } catch {
          // Still refused: the rows wait for the next flush, which says why.
        }
      }
      throw ledgerError(this.file, "write", error);
    }
    this.pending.length = 0;
    return rowid;
  }

  /** The spend of the request rows not written yet with `at >= sinceMs` (all of them by default). */
  pendingSpend(sinceMs = Number.NEGATIVE_INFINITY): Spend {
    let total: Spend = ZERO_SPEND;
    for (const { params, spend } of this.pending) if (params.at >= sinceMs) total = addSpend(total, spend);
    return total;
  }

  recordEvent(event: EventRecord): void {
    const detail = event.detail === undefined ? null : JSON.stringify(event.detail);
    this.guard("write", () =>
      this.statements.event.run(event.runId, optionalInt("at", event.at), event.kind, detail ?? null),
    );
  }

  /**
   * API spend of every run's requests with `sinceMs <= at < untilMs` (no upper bound when
   * `untilMs` is omitted). One SUM over the covering index `requests_at_cost`: cheap enough to run
   * before every forwarded request, which keeps day and month caps right with several wrappers.
   */
  spendSince(sinceMs: number, untilMs?: number): Spend {
    return this.guard("read", () =>
      spendOf(
        (untilMs === undefined
          ? this.statements.spendSince.get(sinceMs)
          : this.statements.spendBetween.get(sinceMs, untilMs)) as SpendRow | undefined,
      ),
    );
  }

  /** The upstream request ids of every API request recorded (to tell API turns in transcripts). */
  apiRequestIds(): string[] {
    return this.guard("read", () =>
      (
        this.db.prepare("SELECT request_id FROM requests WHERE request_id IS NOT NULL").all() as {
          request_id: string;
        }[]
      ).map((row) => row.request_id),
    );
  }

  /**
   * The request rows since `sinceMs` with their run's working directory (the forecast's history
   * billed to the API key), oldest first.
   */
  requestRowsSince(sinceMs: number): LedgerRequestRow[] {
    return this.guard(
      "read",
      () =>
        this.db
          .prepare(
            `SELECT r.at, r.model, r.requested_model, r.outcome, r.cost_nanousd, r.input_tokens, r.output_tokens,
                    r.cache_write_5m_tokens, r.cache_write_1h_tokens, r.cache_read_tokens, r.web_search_requests,
                    r.web_fetch_requests, r.claude_session_id, runs.cwd
               FROM requests r JOIN runs ON runs.id = r.run_id
              WHERE r.at >= ? ORDER BY r.at`,
          )
          .all(sinceMs) as LedgerRequestRow[],
    );
  }

  /** API spend of one run's requests, stored or waiting to be. */
  runSpend(runId: string): Spend {
    let total = this.guard("read", () =>
      spendOf(this.statements.runSpend.get(runId) as SpendRow | undefined),
    );
    for (const { params, spend } of this.pending) if (params.runId === runId) total = addSpend(total, spend);
    return total;
  }

  /**
   * The caps a run raised for itself from the menu (SPEC §4.7), each at the dollars it was raised
   * to last, in the order first raised: they hold for that run alone, so the config does not show them.
   */
  capsRaised(runId: string): { cap: CapName; usd: number }[] {
    const rows = this.guard(
      "read",
      () => this.statements.capsRaised.all(runId) as { detail: string | null }[],
    );
    const raised = new Map<CapName, number>();
    for (const { detail } of rows) {
      const { cap, to_usd: usd } = parsedDetail(detail);
      const name = capNames.find((known) => known === cap);
      if (name && typeof usd === "number") raised.set(name, usd);
    }
    return [...raised].map(([cap, usd]) => ({ cap, usd }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** An event's detail object (JSON, as the table's CHECK holds); empty when there is none, or it is not an object. */
function parsedDetail(detail: string | null): Record<string, unknown> {
  const parsed: unknown = JSON.parse(detail ?? "{}");
  return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
}

/** Where npm's build of better-sqlite3 puts SQLite's native module; null when it is not there. */
let addonPath: string | null | undefined;

/**
 * SQLite's native module for better-sqlite3, named: left to find it, better-sqlite3 asks the
 * `bindings` package, which tries one place after another, each miss a failed `require` (~4 ms of
 * every start that opens the ledger). Where it is not in its usual place, better-sqlite3 looks.
 */
function sqliteAddon(): string | undefined {
  if (addonPath === undefined) {
    try {
      addonPath = createRequire(import.meta.url).resolve("better-sqlite3/build/Release/better_sqlite3.node");
    } catch {
      addonPath = null;
    }
  }
  return addonPath ?? undefined;
}

function open(file: string, options: LedgerOptions): Ledger {
  let db: Database.Database | undefined;
  try {
    const nativeBinding = sqliteAddon();
    db = new Database(file, {
      fileMustExist: true,
      timeout: BUSY_TIMEOUT_MS,
      ...(nativeBinding === undefined ? {} : { nativeBinding }),
    });
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    migrate(db, file);
    return new Ledger(file, db, options);
  } catch (error) {
    db?.close();
    throw accessProblem(file, error) ?? ledgerError(file, "open", error);
  }
}

/**
 * Opens (creating it, its directory 0700 and the file 0600 when missing) and migrates the ledger.
 * Throws FallbackError naming the file for a corrupt or newer-than-known database.
 */
export function openLedger(file: string, options: LedgerOptions = {}): Ledger {
  try {
    prepareFile(file);
  } catch (error) {
    throw ledgerError(file, "create", error);
  }
  return open(file, options);
}

/**
 * Moves a damaged ledger (with its WAL and shared-memory files) aside to `<file>.corrupt-<UTC time>`
 * so that a new one can be made in its place, and returns that path. Returns null, moving nothing,
 * when the file opens fine after all (another wrapper moved the damaged one first and made a new one).
 */
export function moveLedgerAside(file: string, nowMs: number): string | null {
  if (!existsSync(file)) return null;
  try {
    open(file, {}).close();
    return null;
  } catch (error) {
    if (!(error instanceof LedgerDamagedError)) throw error;
  }
  const aside = asidePath(file, "corrupt", nowMs);
  for (const suffix of ["", "-wal", "-shm"]) {
    if (existsSync(`${file}${suffix}`)) renameSync(`${file}${suffix}`, `${aside}${suffix}`);
  }
  return aside;
}

/**
 * Like {@link openLedger} but returns null instead of creating a missing file (for reports). A
 * ledger that may be there but cannot be looked at (a directory without read permission, a file in
 * the way of its directory, a symlink loop) is a FallbackError naming it and the fix: reading it
 * as "no ledger" would show its spend as nothing.
 */
export function openExistingLedger(file: string, options: LedgerOptions = {}): Ledger | null {
  try {
    statSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new FallbackError(
      `usage ledger: ${cannotAccessText("read", file, dirname(file), error, "XDG_DATA_HOME")}`,
    );
  }
  return open(file, options);
}

import type { Database } from "better-sqlite3";
import { FallbackError } from "../errors.js";

/**
 * The usage ledger's schema, versioned with `PRAGMA user_version` (SPEC §7).
 *
 * `MIGRATIONS[i]` takes a database from version `i` to `i + 1`; never edit a shipped entry, append
 * a new one. `migrate` applies the missing ones in one IMMEDIATE transaction (so two wrappers
 * opening a fresh file at once do not both run them) and refuses a file from a newer release
 * instead of touching it.
 *
 * Conventions: STRICT tables; times are epoch milliseconds (INTEGER); money is INTEGER
 * nano-dollars (10⁻⁹ USD, see `pricing/cost.ts` for why) and NULL means "cost unknown", never 0;
 * booleans are 0/1.
 */
export const MIGRATIONS: readonly string[] = [
  // v1
  `
  CREATE TABLE runs (
    id             TEXT PRIMARY KEY,
    started_at     INTEGER NOT NULL,
    ended_at       INTEGER,
    pid            INTEGER,
    cwd            TEXT,
    initial_mode   TEXT NOT NULL CHECK (initial_mode IN ('subscription', 'api')),
    claude_version TEXT,
    exit_code      INTEGER
  ) STRICT;

  CREATE TABLE requests (
    id                    INTEGER PRIMARY KEY,
    run_id                TEXT NOT NULL REFERENCES runs (id),
    at                    INTEGER NOT NULL,
    claude_session_id     TEXT,
    requested_model       TEXT,
    model                 TEXT,
    billing               TEXT NOT NULL DEFAULT 'api' CHECK (billing IN ('api')),
    http_status           INTEGER,
    outcome               TEXT NOT NULL
                          CHECK (outcome IN ('ok', 'error', 'aborted', 'refused_cap', 'upstream_error')),
    error_type            TEXT,
    request_id            TEXT,
    duration_ms           INTEGER,
    input_tokens          INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    output_tokens         INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    cache_write_5m_tokens INTEGER NOT NULL DEFAULT 0 CHECK (cache_write_5m_tokens >= 0),
    cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0 CHECK (cache_write_1h_tokens >= 0),
    cache_read_tokens     INTEGER NOT NULL DEFAULT 0 CHECK (cache_read_tokens >= 0),
    web_search_requests   INTEGER NOT NULL DEFAULT 0 CHECK (web_search_requests >= 0),
    web_fetch_requests    INTEGER NOT NULL DEFAULT 0 CHECK (web_fetch_requests >= 0),
    cost_nanousd          INTEGER CHECK (cost_nanousd IS NULL OR cost_nanousd >= 0),
    long_context          INTEGER NOT NULL DEFAULT 0 CHECK (long_context IN (0, 1))
  ) STRICT;

  -- Day/month caps and daily/monthly reports: a range on "at". Covering for the spend SUM.
  CREATE INDEX requests_at_cost ON requests (at, cost_nanousd);
  -- Per-run cap and the run report.
  CREATE INDEX requests_run ON requests (run_id, at);
  -- The session report.
  CREATE INDEX requests_session ON requests (claude_session_id, at);

  CREATE TABLE events (
    id     INTEGER PRIMARY KEY,
    run_id TEXT REFERENCES runs (id),
    at     INTEGER NOT NULL,
    kind   TEXT NOT NULL,
    detail TEXT CHECK (detail IS NULL OR json_valid(detail))
  ) STRICT;

  CREATE INDEX events_run ON events (run_id, at);
  CREATE INDEX events_kind ON events (kind, at);
  `,
];

/** The schema version this build writes and understands. */
export const LEDGER_SCHEMA_VERSION = MIGRATIONS.length;

function userVersion(db: Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

function tooNew(file: string, version: number): FallbackError {
  return new FallbackError(
    `usage ledger ${file} has schema version ${version}, newer than this claude-fallback understands (${LEDGER_SCHEMA_VERSION}); upgrade claude-fallback`,
  );
}

/** Brings `db` to {@link LEDGER_SCHEMA_VERSION}. Throws FallbackError for a newer file. */
export function migrate(db: Database, file: string): void {
  const seen = userVersion(db);
  if (seen > LEDGER_SCHEMA_VERSION) throw tooNew(file, seen);
  if (seen === LEDGER_SCHEMA_VERSION) return;
  db.transaction(() => {
    // Re-read under the write lock: another process may have migrated in between.
    const version = userVersion(db);
    if (version > LEDGER_SCHEMA_VERSION) throw tooNew(file, version);
    for (let next = version; next < LEDGER_SCHEMA_VERSION; next++) db.exec(MIGRATIONS[next]!);
    db.pragma(`user_version = ${LEDGER_SCHEMA_VERSION}`);
  }).immediate();
}

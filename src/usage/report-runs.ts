/**
 * What the session and run reports add to their groups: where each group's work was done (the
 * working directory of the run of its first request), and for `usage run RUN_ID` the run's
 * requests one by one.
 */
import { UsageError } from "../errors.js";
import type { Ledger } from "./ledger.js";
import { ledgerError } from "./ledger-errors.js";
import { isoInZone } from "./periods.js";
import type { UsageRow } from "./report.js";

/** One API request of a run, as `usage run RUN_ID` lists it. */
export interface RunRequestLine {
  at: string;
  model: string | null;
  /** `ok`, `error`, `aborted`, `refused_cap`, `upstream_error` (the ledger's outcome). */
  outcome: string;
  input_tokens: number;
  output_tokens: number;
  cache_write_tokens: number;
  cache_read_tokens: number;
  cost_nanousd: number | null;
}

/** Sets `cwd` on each session or run row: the working directory of the run of its first request. */
export function addGroupPlaces(
  ledger: Ledger,
  column: "claude_session_id" | "run_id",
  rows: UsageRow[],
): void {
  const place = ledger.db
    .prepare(
      `SELECT runs.cwd FROM requests JOIN runs ON runs.id = requests.run_id
       WHERE requests.${column} IS ? ORDER BY requests.at LIMIT 1`,
    )
    .pluck();
  try {
    for (const row of rows) row.cwd = (place.get(row.key) as string | null | undefined) ?? null;
  } catch (error) {
    throw ledgerError(ledger.file, "read", error);
  }
}

/** The requests of one run, in order; throws UsageError for a run the ledger does not know. */
export function runRequestLines(ledger: Ledger | null, runId: string, zone: string): RunRequestLine[] {
  const known = ledger?.db.prepare("SELECT 1 FROM runs WHERE id = ?").pluck().get(runId);
  if (!ledger || known === undefined) {
    throw new UsageError(
      `no wrapper run ${runId} in the usage ledger (claude-fallback usage run lists the runs with API requests)`,
    );
  }
  try {
    const rows = ledger.db
      .prepare(
        `SELECT at, COALESCE(model, requested_model) AS model, outcome, input_tokens, output_tokens,
           cache_write_5m_tokens + cache_write_1h_tokens AS cache_write_tokens, cache_read_tokens, cost_nanousd
         FROM requests WHERE run_id = ? ORDER BY at, id`,
      )
      .all(runId) as (Omit<RunRequestLine, "at"> & { at: number })[];
    return rows.map((row) => ({ ...row, at: isoInZone(row.at, zone) }));
  } catch (error) {
    throw ledgerError(ledger.file, "read", error);
  }
}

import type { Ledger } from "../../src/usage/ledger.js";
import type { RequestRecord } from "../../src/usage/ledger-records.js";

/**
 * Writes one request row now, as a test's fixture or as one of several writers: queued and written
 * at once. Returns its rowid, or null with `log_usage: false` (nothing stored); a row the ledger
 * refuses stays queued and the failure is thrown (see `Ledger.flushPending`).
 */
export function recordRow(ledger: Ledger, request: RequestRecord): number | null {
  return ledger.queueRequest(request) ? ledger.flushPending() : null;
}

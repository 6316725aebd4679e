import type { TranscriptScan } from "../claude/transcripts/scan.js";
import { EARLIEST_DATE_MS, LATEST_DATE_MS } from "../dates.js";
import { UsageError } from "../errors.js";
import { NANO_PER_USD } from "../money.js";
import { knownCostNanoUsd, type Pricing } from "../pricing/pricing.js";
import type { Ledger } from "./ledger.js";
import { ledgerError } from "./ledger-errors.js";
import { isoInZone, type Period, type PeriodUnit, parseDay, periodOf } from "./periods.js";
import { addGroupPlaces, type RunRequestLine, runRequestLines } from "./report-runs.js";

/**
 * API spend reports from the usage ledger (SPEC §7): by local day, by local month, by Claude
 * session id, or by wrapper run, and by model within each group. This module builds them; the
 * table for people is `report-table.ts`, the JSON and CSV for programs `report-export.ts`.
 *
 * The `--json` shape (stable; fields are only ever added) is `renderReportJson` in
 * `report-export.ts`; every field is documented in the README ("JSON output", `usage --json`),
 * held to the real output by the drift test in `cli/usage.test.ts`.
 *
 * Rows of daily/monthly reports are in date order and only days/months with requests appear;
 * session and run rows are in order of their first request. An unknown cost is never reported as
 * 0: a group whose costs are all unknown has `cost_usd: null`, and a partly unknown group has the
 * known sum plus `unknown_cost_requests > 0`.
 */
export type ReportKind = "daily" | "monthly" | "session" | "run";

export const REPORT_KINDS: readonly ReportKind[] = ["daily", "monthly", "session", "run"];

export interface UsageCounters {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cache_write_5m_tokens: number;
  cache_write_1h_tokens: number;
  cache_read_tokens: number;
  web_search_requests: number;
  web_fetch_requests: number;
  cost_nanousd: number | null;
  cost_usd: number | null;
  unknown_cost_requests: number;
}

export interface UsageModelRow extends UsageCounters {
  model: string | null;
}

export interface UsageRow extends UsageCounters {
  key: string | null;
  first_request_at: string;
  last_request_at: string;
  /** Session and run reports: the working directory of the run of the group's first request; null: not recorded. */
  cwd?: string | null;
  models: UsageModelRow[];
}

export const SUBSCRIPTION_BY_RUN_ERROR =
  "--subscription cannot be grouped by wrapper run (Claude Code's transcripts do not record runs); use daily, monthly or session";

export const SUBSCRIPTION_DESCRIPTION = "what your subscription usage would have cost at API prices";

/** `usage --subscription`: the subscription's usage from Claude Code's transcripts, at API prices. */
export interface SubscriptionSection {
  description: typeof SUBSCRIPTION_DESCRIPTION;
  source: "claude_code_transcripts";
  config_dirs: string[];
  searched: string[];
  files: number;
  bytes: number;
  records: number;
  duplicate_records: number;
  synthetic_records: number;
  skipped_lines: number;
  records_without_ids: number;
  api_billed_records: number;
  /** Transcript files and folders that could not be read: their requests are not in the rows. */
  unreadable: string[];
  rows: UsageRow[];
  totals: UsageCounters;
}

export interface UsageReport {
  report: ReportKind;
  timezone: string;
  since: string | null;
  until: string | null;
  rows: UsageRow[];
  totals: UsageCounters;
  /** Present only when asked for (`--subscription`). */
  subscription?: SubscriptionSection;
  /** Present only for one run (`usage run RUN_ID`): its requests, in order. */
  run_requests?: RunRequestLine[];
}

export interface ReportOptions {
  kind: ReportKind;
  /** IANA zone, already checked (`resolveZone`). */
  zone: string;
  /** `YYYY-MM-DD`, inclusive. */
  since?: string | undefined;
  /** `YYYY-MM-DD`, inclusive. */
  until?: string | undefined;
  /** The run report of this one run, with its requests listed. */
  runId?: string | undefined;
}

/** The counters a row sums, in the order of the JSON object and the CSV columns. */
export const COUNTER_COLUMNS = [
  "input_tokens",
  "output_tokens",
  "cache_write_5m_tokens",
  "cache_write_1h_tokens",
  "cache_read_tokens",
  "web_search_requests",
  "web_fetch_requests",
] as const;

const AGGREGATES = `COUNT(*) AS requests,
  ${COUNTER_COLUMNS.map((column) => `SUM(${column}) AS ${column}`).join(",\n  ")},
  SUM(cost_nanousd) AS cost_nanousd,
  SUM(cost_nanousd IS NULL) AS unknown_cost_requests,
  MIN(at) AS first_at,
  MAX(at) AS last_at`;

/** The billed model; an error without a response falls back to the requested one. */
const MODEL = "COALESCE(model, requested_model)";

/** One (key, model) group as the queries return it; dollars are made from it later. */
interface AggregateRow extends Omit<UsageCounters, "cost_usd"> {
  key?: string | null;
  model: string | null;
  first_at: number;
  last_at: number;
}

function emptyCounters(): UsageCounters {
  return {
    requests: 0,
    input_tokens: 0,
    output_tokens: 0,
    cache_write_5m_tokens: 0,
    cache_write_1h_tokens: 0,
    cache_read_tokens: 0,
    web_search_requests: 0,
    web_fetch_requests: 0,
    cost_nanousd: null,
    cost_usd: null,
    unknown_cost_requests: 0,
  };
}

/** Adds `b` into `a`. A known cost plus an unknown one stays the known sum. */
function accumulate(a: UsageCounters, b: UsageCounters | AggregateRow): void {
  a.requests += b.requests;
  for (const column of COUNTER_COLUMNS) a[column] += b[column];
  if (b.cost_nanousd !== null) a.cost_nanousd = (a.cost_nanousd ?? 0) + b.cost_nanousd;
  a.cost_usd = a.cost_nanousd === null ? null : a.cost_nanousd / NANO_PER_USD;
  a.unknown_cost_requests += b.unknown_cost_requests;
}

/** Totals of a set of rows; an empty set costs a known $0. */
function totalsOf(rows: readonly UsageCounters[]): UsageCounters {
  const totals = emptyCounters();
  for (const row of rows) accumulate(totals, row);
  if (totals.requests === 0 || totals.unknown_cost_requests < totals.requests) {
    totals.cost_nanousd ??= 0;
    totals.cost_usd = totals.cost_nanousd / NANO_PER_USD;
  }
  return totals;
}

function compareModels(a: UsageModelRow, b: UsageModelRow): number {
  if (a.model === b.model) return 0;
  if (a.model === null) return 1;
  if (b.model === null) return -1;
  return a.model < b.model ? -1 : 1;
}

/** Folds (key, model) aggregate rows into report rows, in the order keys first appear. */
function groupRows(aggregates: readonly AggregateRow[], zone: string): UsageRow[] {
  const groups = new Map<string | null, { models: UsageModelRow[]; first: number; last: number }>();
  for (const aggregate of aggregates) {
    const key = aggregate.key ?? null;
    let group = groups.get(key);
    if (!group) {
      group = { models: [], first: aggregate.first_at, last: aggregate.last_at };
      groups.set(key, group);
    }
    group.first = Math.min(group.first, aggregate.first_at);
    group.last = Math.max(group.last, aggregate.last_at);
    const model: UsageModelRow = { model: aggregate.model, ...emptyCounters() };
    accumulate(model, aggregate);
    group.models.push(model);
  }
  return [...groups].map(([key, group]) => {
    const models = group.models.sort(compareModels);
    return {
      key,
      first_request_at: isoInZone(group.first, zone),
      last_request_at: isoInZone(group.last, zone),
      ...totalsOf(models),
      models,
    };
  });
}

/** The requested `[fromMs, untilMs)` range, or undefined for an unbounded side. */
function requestedRange(options: ReportOptions): { fromMs?: number; untilMs?: number } {
  const since = options.since === undefined ? undefined : parseDay(options.since, options.zone, "--since");
  const until = options.until === undefined ? undefined : parseDay(options.until, options.zone, "--until");
  if (since && until && since.startMs >= until.endMs) {
    throw new UsageError(`--since ${options.since} is after --until ${options.until}`);
  }
  return { fromMs: since?.startMs, untilMs: until?.endMs };
}

/** One query per day or month that has requests, jumping over empty stretches. */
function periodAggregates(ledger: Ledger, unit: PeriodUnit, fromMs: number, untilMs: number, zone: string) {
  const firstFrom = ledger.db.prepare("SELECT MIN(at) FROM requests WHERE at >= ? AND at < ?").pluck();
  const statement = ledger.db.prepare(
    `SELECT ${MODEL} AS model, ${AGGREGATES} FROM requests WHERE at >= ? AND at < ? GROUP BY 1`,
  );
  const rows: AggregateRow[] = [];
  let next = firstFrom.get(fromMs, untilMs) as number | null;
  while (next !== null) {
    const period = periodOf(unit, next, zone);
    const until = Math.min(period.endMs, untilMs);
    for (const row of statement.all(Math.max(period.startMs, fromMs), until) as AggregateRow[]) {
      rows.push({ ...row, key: period.key });
    }
    next = until < untilMs ? (firstFrom.get(until, untilMs) as number | null) : null;
  }
  return rows;
}

function keyedAggregates(
  ledger: Ledger,
  column: "claude_session_id" | "run_id",
  fromMs: number,
  untilMs: number,
  runId: string | undefined,
) {
  return ledger.db
    .prepare(
      `SELECT ${column} AS key, ${MODEL} AS model, ${AGGREGATES}
       FROM requests WHERE at >= ? AND at < ? AND (? IS NULL OR run_id = ?)
       GROUP BY 1, 2 ORDER BY MIN(at), 1, 2`,
    )
    .all(fromMs, untilMs, runId ?? null, runId ?? null) as AggregateRow[];
}

/**
 * Builds a report. `ledger` null (no database yet) gives an empty report. Throws UsageError for a
 * bad `since` / `until`, FallbackError if the ledger cannot be read.
 */
export function buildUsageReport(ledger: Ledger | null, options: ReportOptions): UsageReport {
  const { fromMs = EARLIEST_DATE_MS, untilMs = LATEST_DATE_MS } = requestedRange(options);
  let aggregates: AggregateRow[] = [];
  if (ledger) {
    try {
      aggregates =
        options.kind === "daily" || options.kind === "monthly"
          ? periodAggregates(
              ledger,
              options.kind === "daily" ? "day" : "month",
              fromMs,
              untilMs,
              options.zone,
            )
          : keyedAggregates(
              ledger,
              options.kind === "session" ? "claude_session_id" : "run_id",
              fromMs,
              untilMs,
              options.runId,
            );
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw ledgerError(ledger.file, "read", error);
    }
  }
  const rows = groupRows(aggregates, options.zone);
  if (ledger && (options.kind === "session" || options.kind === "run")) {
    addGroupPlaces(ledger, options.kind === "session" ? "claude_session_id" : "run_id", rows);
  }
  const report: UsageReport = {
    report: options.kind,
    timezone: options.zone,
    since: options.since ?? null,
    until: options.until ?? null,
    rows,
    totals: totalsOf(rows),
  };
  if (options.runId !== undefined) report.run_requests = runRequestLines(ledger, options.runId, options.zone);
  return report;
}

/**
 * The `--subscription` section: transcript entries priced with `pricing`, filtered by
 * `since` / `until` and grouped like the ledger report (day, month or Claude session, then model).
 * There is no per-run grouping: transcripts do not know wrapper runs. Throws UsageError for a bad
 * date or for `kind: "run"`.
 */
export function buildSubscriptionSection(
  scan: TranscriptScan,
  options: ReportOptions,
  pricing: Pricing,
): SubscriptionSection {
  if (options.kind === "run") {
    throw new UsageError(SUBSCRIPTION_BY_RUN_ERROR);
  }
  const { fromMs = EARLIEST_DATE_MS, untilMs = LATEST_DATE_MS } = requestedRange(options);
  const entries = scan.entries.filter((entry) => entry.at >= fromMs && entry.at < untilMs);
  entries.sort((a, b) => a.at - b.at);
  const unit: PeriodUnit | undefined =
    options.kind === "daily" ? "day" : options.kind === "monthly" ? "month" : undefined;
  // Insertion-ordered: keys appear in order of their first request, i.e. in date order.
  const groups = new Map<string | null, Map<string | null, AggregateRow>>();
  let period: Period | undefined;
  for (const entry of entries) {
    let key: string | null;
    if (unit) {
      if (!period || entry.at >= period.endMs) period = periodOf(unit, entry.at, options.zone);
      key = period.key;
    } else {
      key = entry.sessionId;
    }
    let models = groups.get(key);
    if (!models) {
      models = new Map();
      groups.set(key, models);
    }
    let row = models.get(entry.model);
    if (!row) {
      const { cost_usd: _dollarsComeLater, ...counters } = emptyCounters();
      row = { key, model: entry.model, ...counters, first_at: entry.at, last_at: entry.at };
      models.set(entry.model, row);
    }
    const usage = entry.usage;
    row.requests++;
    row.input_tokens += usage.input_tokens;
    row.output_tokens += usage.output_tokens;
    row.cache_write_5m_tokens += usage.cache_creation_5m_input_tokens;
    row.cache_write_1h_tokens += usage.cache_creation_1h_input_tokens;
    row.cache_read_tokens += usage.cache_read_input_tokens;
    row.web_search_requests += usage.server_tool_use?.web_search_requests ?? 0;
    row.web_fetch_requests += usage.server_tool_use?.web_fetch_requests ?? 0;
    row.last_at = entry.at;
    const cost = knownCostNanoUsd(pricing, entry.model, usage);
    if (cost !== null) row.cost_nanousd = (row.cost_nanousd ?? 0) + cost;
    else row.unknown_cost_requests++;
  }
  const aggregates: AggregateRow[] = [];
  for (const models of groups.values()) aggregates.push(...models.values());
  const rows = groupRows(aggregates, options.zone);
  return {
    description: SUBSCRIPTION_DESCRIPTION,
    source: "claude_code_transcripts",
    config_dirs: scan.configDirs,
    searched: scan.searched,
    files: scan.files,
    bytes: scan.bytes,
    records: scan.records,
    duplicate_records: scan.duplicates,
    synthetic_records: scan.synthetic,
    skipped_lines: scan.skipped,
    records_without_ids: scan.withoutIds,
    api_billed_records: scan.apiBilled,
    unreadable: scan.unreadable,
    rows,
    totals: totalsOf(rows),
  };
}

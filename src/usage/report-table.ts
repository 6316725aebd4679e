/**
 * The usage report for people (`usage` without `--json` or `--csv`): aligned columns, dollars to
 * the cent.
 */

import { costText, formatCents, grouped, unknownCostLegend } from "../money.js";
import { REQUEST_ROWS_NOT_KEPT } from "./ledger-records.js";
import {
  type ReportKind,
  SUBSCRIPTION_DESCRIPTION,
  type SubscriptionSection,
  type UsageCounters,
  type UsageModelRow,
  type UsageReport,
  type UsageRow,
} from "./report.js";
import type { RunRequestLine } from "./report-runs.js";

/** "?" when no cost is known, "$1.23+?" when some are not, else "$1.23". */
function costCell(counters: UsageCounters): string {
  return costText(counters.cost_nanousd, counters.requests, counters.unknown_cost_requests);
}

const TITLES: Record<ReportKind, [title: string, keyHeader: string]> = {
  daily: ["API spend by day", "Day"],
  monthly: ["API spend by month", "Month"],
  session: ["API spend by Claude session", "Session"],
  run: ["API spend by wrapper run", "Run"],
};

function rangeText(report: UsageReport): string {
  if (report.since && report.until) return `from ${report.since} to ${report.until}`;
  if (report.since) return `since ${report.since}`;
  if (report.until) return `until ${report.until}`;
  return "all time";
}

/** A line of its own above a group's rows: `lead` whole, then `place` shortened from the left to fit. */
interface Heading {
  lead: string;
  place: string;
}

/** A table's columns: the first `left` are text (left-aligned), the rest figures (right-aligned). */
interface Table {
  header: string[];
  body: (string[] | Heading)[];
  footer: string[][];
  left: number;
}

/** The cache columns a table drops to fit a narrow terminal, as ccusage's compact mode does. */
const CACHE_HEADERS = new Set(["Cache write", "Cache read"]);

function shortModel(name: string): string {
  return name.replace(/^(\s*)claude-/, "$1");
}

/**
 * The lines of a table, with a heading line above each group of rows that has one (a session or run).
 * Wider than `width`, it drops the cache columns and the models' "claude-" and says so.
 */
function tableText(table: Table, width: number | null): string[] {
  const full = alignedLines(table, width);
  if (width === null || full.every((line) => line.length <= width)) return full;
  const kept = table.header
    .map((text, column) => (CACHE_HEADERS.has(text) ? -1 : column))
    .filter((c) => c >= 0);
  const modelColumn = table.header.indexOf("Model");
  const pick = (line: string[]) =>
    kept.map((column) => (column === modelColumn ? shortModel(line[column]!) : line[column]!));
  const compact: Table = {
    header: pick(table.header),
    body: table.body.map((line) => (Array.isArray(line) ? pick(line) : line)),
    footer: table.footer.map(pick),
    left: table.left,
  };
  const narrowed = alignedLines(compact, width);
  // What cannot be narrowed further (a long model name, a big figure) is not claimed to fit.
  const fits = narrowed.every((line) => line.length <= width);
  return [
    ...narrowed,
    "",
    fits
      ? `(Narrowed to ${width} columns: no cache tokens; --json or --csv has them.)`
      : `(Narrowed toward ${width} columns, still wider: no cache tokens; --json or --csv has them.)`,
  ];
}

function alignedLines(table: Table, width: number | null): string[] {
  const rows = table.body.filter((line): line is string[] => Array.isArray(line));
  const all = [table.header, ...rows, ...table.footer];
  const widths = table.header.map((_, column) => Math.max(...all.map((line) => line[column]!.length)));
  const format = (line: string[]) =>
    line
      .map((text, column) =>
        column < table.left ? text.padEnd(widths[column]!) : text.padStart(widths[column]!),
      )
      .join("  ")
      .trimEnd();
  const tableWidth = widths.reduce((sum, w) => sum + w, 0) + 2 * (widths.length - 1);
  // As wide as the table, which may not fit `width` (said below it): a rule cut shorter would not underline it.
  const rule = "-".repeat(tableWidth);
  return [
    format(table.header),
    ...table.body.map((line) => (Array.isArray(line) ? format(line) : headingText(line, width))),
    ...(table.footer.length > 0 ? [rule, ...table.footer.map(format)] : []),
  ];
}

/** A heading within `width`: the place loses its start ("…/acme/billing-service"), its most telling part kept. */
function headingText(heading: Heading, width: number | null): string {
  if (heading.place === "") return heading.lead;
  const whole = `${heading.lead}  ${heading.place}`;
  if (width === null || whole.length <= width) return whole;
  const room = width - heading.lead.length - 3;
  return room < 8 ? heading.lead : `${heading.lead}  …${heading.place.slice(-room)}`;
}

function counterCells(counters: UsageCounters): string[] {
  return [
    grouped(counters.requests),
    grouped(counters.input_tokens),
    grouped(counters.output_tokens),
    grouped(counters.cache_write_5m_tokens + counters.cache_write_1h_tokens),
    grouped(counters.cache_read_tokens),
    costCell(counters),
  ];
}

const COUNTER_HEADERS = ["Requests", "Input", "Output", "Cache write", "Cache read", "Cost"];

/** "2026-11-24 10:14" of an ISO instant in the report's zone. */
function minuteOf(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/** A session or run's heading: its id, when it began and in which directory. */
function groupHeading(row: UsageRow): Heading {
  return { lead: `${row.key ?? "(no session id)"}  ${minuteOf(row.first_request_at)}`, place: row.cwd ?? "" };
}

function unknownNote(totalsRow: UsageCounters): string[] {
  const unknown = totalsRow.unknown_cost_requests;
  return unknown > 0 ? ["", `${unknownCostLegend(unknown)}; not included in the amounts.`] : [];
}

function tableLines(
  kind: ReportKind,
  rows: readonly UsageRow[],
  totalsRow: UsageCounters,
  width: number | null,
): string[] {
  const modelName = (model: UsageModelRow) => model.model ?? "(unknown model)";
  const byGroup = kind === "session" || kind === "run";
  if (byGroup) {
    // The id is too long to be a column on 80 columns: each group is a heading line, its models below.
    const body: (string[] | Heading)[] = [];
    for (const row of rows) {
      body.push(groupHeading(row));
      for (const model of row.models) body.push([`  ${modelName(model)}`, ...counterCells(model)]);
      if (row.models.length > 1) body.push(["  all models", ...counterCells(row)]);
    }
    const table = {
      header: ["Model", ...COUNTER_HEADERS],
      body,
      footer: [["Total", ...counterCells(totalsRow)]],
      left: 1,
    };
    return [...tableText(table, width), ...unknownNote(totalsRow)];
  }
  const body: string[][] = [];
  for (const row of rows) {
    row.models.forEach((model, index) => {
      body.push([index === 0 ? (row.key ?? "") : "", modelName(model), ...counterCells(model)]);
    });
    if (row.models.length > 1) body.push(["", "all models", ...counterCells(row)]);
  }
  const table = {
    header: [TITLES[kind][1], "Model", ...COUNTER_HEADERS],
    body,
    footer: [["Total", "", ...counterCells(totalsRow)]],
    left: 2,
  };
  return [...tableText(table, width), ...unknownNote(totalsRow)];
}

/** `usage run RUN_ID`: the run's requests, one a line. */
function requestLines(
  requests: readonly RunRequestLine[],
  width: number | null,
  logUsage: boolean,
): string[] {
  if (requests.length === 0)
    return [logUsage ? "No API requests in this run." : `Nothing to list: ${REQUEST_ROWS_NOT_KEPT}.`];
  // The time alone while the run stays within one day (its date is the run's); a run over midnight
  // gives each request its date, or 00:02 could be either day's.
  const oneDay = requests.every((request) => request.at.slice(0, 10) === requests[0]?.at.slice(0, 10));
  const table: Table = {
    header: ["Time", "Model", "Outcome", "Input", "Output", "Cache write", "Cache read", "Cost"],
    body: requests.map((request) => [
      oneDay ? request.at.slice(11, 19) : `${request.at.slice(0, 10)} ${request.at.slice(11, 19)}`,
      request.model ?? "(unknown model)",
      request.outcome,
      grouped(request.input_tokens),
      grouped(request.output_tokens),
      grouped(request.cache_write_tokens),
      grouped(request.cache_read_tokens),
      request.cost_nanousd === null ? "?" : formatCents(request.cost_nanousd),
    ]),
    footer: [],
    left: 3,
  };
  return tableText(table, width);
}

const SUBSCRIPTION_TITLES: Record<ReportKind, string> = {
  daily: "by day",
  monthly: "by month",
  session: "by Claude session",
  run: "by wrapper run",
};

function plural(n: number, word: string, words = `${word}s`): string {
  return `${grouped(n)} ${n === 1 ? word : words}`;
}

function subscriptionLines(
  report: UsageReport,
  section: SubscriptionSection,
  width: number | null,
): string[] {
  const lines = [
    `Subscription usage at API prices, ${SUBSCRIPTION_TITLES[report.report]}, ${rangeText(report)} (${report.timezone})`,
    `This is ${SUBSCRIPTION_DESCRIPTION}, from Claude Code's transcripts; it is not money spent.`,
  ];
  const closed = section.unreadable.length;
  if (section.config_dirs.length === 0 && closed === 0) {
    lines.push(`No Claude Code transcripts found (looked in ${section.searched.join(", ")}).`);
    return lines;
  }
  // What could not be read is not nothing used: the figures are a floor, said as such.
  const missing = `${plural(closed, "transcript file or folder", "transcript files or folders")} could not be read`;
  const read = `Read ${plural(section.files, "transcript file")} in ${section.config_dirs.join(", ")}: ${plural(
    section.records,
    "record",
  )}, ${plural(section.duplicate_records, "duplicate streaming record")} dropped`;
  const extras = [
    section.synthetic_records > 0
      ? `${plural(section.synthetic_records, "synthetic record")} not billed`
      : "",
    section.skipped_lines > 0 ? `${plural(section.skipped_lines, "unreadable line")} skipped` : "",
  ].filter((text) => text !== "");
  if (section.rows.length === 0) {
    lines.push(
      closed > 0
        ? `Not known: ${missing} (named on stderr).`
        : `No subscription usage${report.since || report.until ? " in this range" : ""}.`,
    );
  } else {
    lines.push("", ...tableLines(report.report, section.rows, section.totals, width));
    if (closed > 0) lines.push(`Incomplete: ${missing} (named on stderr); their requests are not counted.`);
  }
  if (section.config_dirs.length > 0) lines.push("", `${[read, ...extras].join("; ")}.`);
  return lines;
}

/**
 * The people's table: aligned columns, dollars to the cent, a subtotal per group of several models,
 * totals; with `--subscription`, a second, separately labelled table of the subscription's value;
 * for one run, its requests. Fits `width` columns when it can (null: no limit).
 */
/**
 * `logUsage`: the config's `log_usage`; false: the report says the requests of runs with it off
 * are not in it (SPEC §7, §14), rather than "no requests".
 */
export function renderReportTable(report: UsageReport, width: number | null = null, logUsage = true): string {
  const [title] = TITLES[report.report];
  const heading = `${title}, ${rangeText(report)} (${report.timezone})`;
  const notKept = logUsage ? "" : `; ${REQUEST_ROWS_NOT_KEPT}`;
  const lines =
    report.rows.length === 0
      ? [
          heading,
          `No API usage recorded${report.since || report.until ? " in this range" : " yet"}${notKept}.`,
        ]
      : [heading, "", ...tableLines(report.report, report.rows, report.totals, width)];
  if (report.rows.length > 0 && !logUsage)
    lines.push("", `Runs with log_usage false are not in these figures: ${REQUEST_ROWS_NOT_KEPT}.`);
  if (report.run_requests)
    lines.push("", "Requests of this run:", "", ...requestLines(report.run_requests, width, logUsage));
  if (report.subscription) lines.push("", ...subscriptionLines(report, report.subscription, width));
  return `${lines.join("\n")}\n`;
}

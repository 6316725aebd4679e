/**
 * The usage report for people (`usage` without `--json` or `--csv`): aligned columns, dollars to
 * the cent.
 */

import { formatCents, grouped } from "../money.js";
import {
  type ReportKind,
  SUBSCRIPTION_DESCRIPTION,
  type SubscriptionSection,
  type UsageCounters,
  type UsageReport,
  type UsageRow,
} from "./report.js";

/** "?" when no cost is known, "$1.23+?" when some are not, else "$1.23". */
function costCell(counters: UsageCounters): string {
  if (counters.cost_nanousd === null) return counters.requests === 0 ? formatCents(0) : "?";
  const known = formatCents(counters.cost_nanousd);
  return counters.unknown_cost_requests > 0 ? `${known}+?` : known;
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

function cells(first: string, second: string, counters: UsageCounters): string[] {
  return [
    first,
    second,
    grouped(counters.requests),
    grouped(counters.input_tokens),
    grouped(counters.output_tokens),
    grouped(counters.cache_write_5m_tokens + counters.cache_write_1h_tokens),
    grouped(counters.cache_read_tokens),
    costCell(counters),
  ];
}

function tableLines(keyHeader: string, rows: readonly UsageRow[], totalsRow: UsageCounters): string[] {
  const header = [keyHeader, "Model", "Requests", "Input", "Output", "Cache write", "Cache read", "Cost"];
  const body: string[][] = [];
  for (const row of rows) {
    const key = row.key ?? "(no session id)";
    row.models.forEach((model, index) => {
      body.push(cells(index === 0 ? key : "", model.model ?? "(unknown model)", model));
    });
    if (row.models.length > 1) body.push(cells("", "all models", row));
  }
  const totals = cells("Total", "", totalsRow);
  const widths = header.map((text, column) =>
    Math.max(text.length, totals[column]!.length, ...body.map((line) => line[column]!.length)),
  );
  const format = (line: string[]) =>
    line
      .map((text, column) => (column < 2 ? text.padEnd(widths[column]!) : text.padStart(widths[column]!)))
      .join("  ")
      .trimEnd();
  const rule = "-".repeat(widths.reduce((sum, width) => sum + width, 0) + 2 * (widths.length - 1));
  const lines = [format(header), ...body.map(format), rule, format(totals)];
  const unknown = totalsRow.unknown_cost_requests;
  if (unknown > 0) {
    lines.push(
      "",
      `? = cost unknown for ${unknown} request${unknown === 1 ? "" : "s"} (model not in the price table); not included in the amounts.`,
    );
  }
  return lines;
}

const SUBSCRIPTION_TITLES: Record<ReportKind, string> = {
  daily: "by day",
  monthly: "by month",
  session: "by Claude session",
  run: "by wrapper run",
};

function plural(n: number, word: string): string {
  return `${grouped(n)} ${word}${n === 1 ? "" : "s"}`;
}

function subscriptionLines(report: UsageReport, section: SubscriptionSection): string[] {
  const [, keyHeader] = TITLES[report.report];
  const lines = [
    `Subscription usage at API prices, ${SUBSCRIPTION_TITLES[report.report]}, ${rangeText(report)} (${report.timezone})`,
    `This is ${SUBSCRIPTION_DESCRIPTION}, from Claude Code's transcripts; it is not money spent.`,
  ];
  if (section.config_dirs.length === 0) {
    lines.push(`No Claude Code transcripts found (looked in ${section.searched.join(", ")}).`);
    return lines;
  }
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
    lines.push(`No subscription usage${report.since || report.until ? " in this range" : ""}.`);
  } else {
    lines.push("", ...tableLines(keyHeader, section.rows, section.totals));
  }
  lines.push("", `${[read, ...extras].join("; ")}.`);
  return lines;
}

/**
 * The people's table: aligned columns, dollars to the cent, a subtotal per group of several models,
 * totals; with `--subscription`, a second, separately labelled table of the subscription's value.
 */
export function renderReportTable(report: UsageReport): string {
  const [title, keyHeader] = TITLES[report.report];
  const heading = `${title}, ${rangeText(report)} (${report.timezone})`;
  const lines =
    report.rows.length === 0
      ? [heading, `No API usage recorded${report.since || report.until ? " in this range" : " yet"}.`]
      : [heading, "", ...tableLines(keyHeader, report.rows, report.totals)];
  if (report.subscription) lines.push("", ...subscriptionLines(report, report.subscription));
  return `${lines.join("\n")}\n`;
}

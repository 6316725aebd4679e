/**
 * The usage report for programs: `--json` (the shape documented in `report.ts`) and `--csv`.
 */

import { nanoToDecimalUsd } from "../money.js";
import { COUNTER_COLUMNS, type ReportKind, type UsageReport, type UsageRow } from "./report.js";

/** `--json`: the report as documented above, two-space indented, with a final newline. */
export function renderReportJson(report: UsageReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const CSV_KEY_HEADER: Record<ReportKind, string> = {
  daily: "day",
  monthly: "month",
  session: "session",
  run: "run",
};

function csvField(value: string | number | null): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * `--csv`: a header row, then one row per group and model (no subtotal or total rows, so a
 * spreadsheet can sum any column). Columns: `<day|month|session|run>,model,requests,input_tokens,
 * output_tokens,cache_write_5m_tokens,cache_write_1h_tokens,cache_read_tokens,web_search_requests,
 * web_fetch_requests,cost_usd,unknown_cost_requests`; `cost_usd` is the exact decimal of the known
 * costs, empty when none is known. With `--subscription` a last column `source` is added: `api`
 * for the API spend rows, `subscription_at_api_prices` for the subscription's value at API prices
 * (not money spent; sum the two separately).
 */
export function renderReportCsv(report: UsageReport): string {
  const withSource = report.subscription !== undefined;
  const header = [
    CSV_KEY_HEADER[report.report],
    "model",
    "requests",
    ...COUNTER_COLUMNS,
    "cost_usd",
    "unknown_cost_requests",
    ...(withSource ? ["source"] : []),
  ];
  const lines = [header.join(",")];
  const addRows = (rows: readonly UsageRow[], source: string | undefined) => {
    for (const row of rows) {
      for (const model of row.models) {
        lines.push(
          [
            row.key,
            model.model,
            model.requests,
            ...COUNTER_COLUMNS.map((column) => model[column]),
            model.cost_nanousd === null ? null : nanoToDecimalUsd(model.cost_nanousd),
            model.unknown_cost_requests,
            ...(source === undefined ? [] : [source]),
          ]
            .map(csvField)
            .join(","),
        );
      }
    }
  };
  addRows(report.rows, withSource ? "api" : undefined);
  if (report.subscription) addRows(report.subscription.rows, "subscription_at_api_prices");
  return `${lines.join("\n")}\n`;
}

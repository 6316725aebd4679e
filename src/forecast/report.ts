/**
 * The forecast as `forecast [--json]` and `status [--json]` show it (SPEC §11): for the limit in
 * force, else for each window's reset from the last `rate_limits`, with the caps as they stand,
 * and the next request of each live session. Both commands print the same object; one computed in
 * the last {@link CACHE_FRESH_MS} for the same question is reused (reading weeks of transcripts is
 * the slow part), so `status` stays quick.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config/schema.js";
import { usdToNano } from "../money.js";
import { writeFileAtomicSync } from "../platform/atomic-file.js";
import type { LiveRun } from "../state/runs.js";
import type { SharedState } from "../state/store.js";
import type { CapConfig } from "../usage/caps.js";
import type { Spend } from "../usage/spend.js";
import type { CapInput } from "./forecast.js";
import { gatherForecast, type TranscriptHistory } from "./gather.js";
import type { Forecast, NextRequest, UntilReset } from "./output.js";

export const CACHE_FRESH_MS = 5 * 60_000;

/**
 * The caps the forecast says about (when each would be reached at the pace), from the config and
 * the spend; none when the spend could not be read (a cap's room is then unknown, not all of it).
 */
export function capInputsFor(
  caps: CapConfig,
  spend: { run: Spend; day: Spend; month: Spend; untilReset: Spend | null } | null,
): CapInput[] {
  if (!spend) return [];
  const entries: [string, number | null, number, CapInput["period"]][] = [
    ["session", caps.cost_limit_per_session, spend.run.nanoUsd, null],
    ["day", caps.cost_limit_per_day, spend.day.nanoUsd, "day"],
    ["month", caps.cost_limit_per_month, spend.month.nanoUsd, "month"],
    ["until_reset", caps.cost_limit_until_reset, spend.untilReset?.nanoUsd ?? 0, null],
  ];
  return entries.flatMap(([name, limit, spent, period]) =>
    limit === null ? [] : [{ name, limitNanoUsd: usdToNano(limit), spentNanoUsd: spent, period }],
  );
}

export interface ForecastReport extends Forecast {
  format: 1;
  /** Without a limit in force: what each window's reset would bring (from the last `rate_limits`). */
  windows: { window: string; until_reset: UntilReset }[];
  /** The next request of each live wrapped session. */
  sessions: { session_id: string; next_request: NextRequest | null }[];
  /** What could not be read, each with why: the figures leave it out. */
  unreadable: string[];
}

export interface ReportQuery {
  env: Record<string, string | undefined>;
  config: Config;
  dataDir: string;
  stateDir: string;
  /** IANA zone, or `undefined` for this process's zone (then `zoneName` is its name). */
  zone: string | undefined;
  zoneName: string;
  now: number;
  project: string | null;
  state: SharedState;
  caps: CapInput[];
  runs: readonly LiveRun[];
}

function cacheFile(stateDir: string): string {
  return join(stateDir, "forecast.json");
}

/** The question a report answers: a cached report answers it only if nothing here differs. */
function questionOf(query: ReportQuery, resets: (number | null)[]): string {
  return JSON.stringify({
    project: query.project,
    zone: query.zoneName,
    resets,
    caps: query.caps,
    sessions: query.runs.map((run) => run.sessionId),
    model: query.config.api_model,
    pricing: query.config.pricing,
  });
}

function cached(query: ReportQuery, question: string): ForecastReport | null {
  try {
    const entry = JSON.parse(readFileSync(cacheFile(query.stateDir), "utf8")) as {
      at: number;
      question: string;
      report: ForecastReport;
    };
    // A report with something unreadable is not kept: it may be readable now (the fix applied).
    const fresh = query.now - entry.at >= 0 && query.now - entry.at < CACHE_FRESH_MS;
    return entry.question === question && fresh && entry.report.unreadable.length === 0 ? entry.report : null;
  } catch {
    return null;
  }
}

/** The resets the report is about: the limit in force, else each window's. */
function resetsOf(state: SharedState, now: number): { limit: number | null; windows: [string, number][] } {
  const limit = state.last_limit && state.last_limit.resets_at > now ? state.last_limit.resets_at : null;
  const windows = Object.entries(state.utilisation?.windows ?? {}).flatMap(([name, window]) =>
    window.resets_at !== null && window.resets_at > now ? [[name, window.resets_at] as [string, number]] : [],
  );
  return { limit, windows: limit === null ? windows : [] };
}

export async function forecastReport(query: ReportQuery): Promise<ForecastReport> {
  const resets = resetsOf(query.state, query.now);
  const question = questionOf(query, [resets.limit, ...resets.windows.map(([, at]) => at)]);
  const hit = cached(query, question);
  if (hit) return hit;
  const base = {
    env: query.env,
    dataDir: query.dataDir,
    zone: query.zone,
    zoneName: query.zoneName,
    now: query.now,
    pricing: query.config.pricing,
    model: query.config.api_model,
    project: query.project,
    caps: query.caps,
    codebase: query.project !== null,
  };
  const main = await gatherForecast({ ...base, resetsAt: resets.limit });
  const transcripts: TranscriptHistory = main.transcripts;
  const windows = [];
  for (const [window, resetsAt] of resets.windows) {
    const { forecast } = await gatherForecast({ ...base, resetsAt }, transcripts);
    windows.push({ window, until_reset: forecast.until_reset });
  }
  const sessions = [];
  for (const run of query.runs) {
    if (!run.sessionId) continue;
    const { forecast } = await gatherForecast(
      { ...base, resetsAt: resets.limit, sessionId: run.sessionId },
      transcripts,
    );
    sessions.push({ session_id: run.sessionId, next_request: forecast.next_request });
  }
  const report: ForecastReport = {
    format: 1,
    ...main.forecast,
    windows,
    sessions,
    unreadable: main.unreadable,
  };
  try {
    mkdirSync(query.stateDir, { recursive: true, mode: 0o700 });
    writeFileAtomicSync(cacheFile(query.stateDir), JSON.stringify({ at: query.now, question, report }));
  } catch {
    // A state directory that cannot be written: the next report computes again.
  }
  return report;
}

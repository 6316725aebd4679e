import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { zoneOfTZ } from "../dates.js";
import { windowLabel } from "../detect/windows.js";
import { FallbackError } from "../errors.js";
import { capInputsFor, type ForecastReport, forecastReport } from "../forecast/report.js";
import { basisText, capStopText, nextRequestText, paceText, untilResetText } from "../forecast/words.js";
import { formatUsd } from "../money.js";
import { listLiveRuns } from "../state/runs.js";
import { readStateChecked, stateFile } from "../state/store.js";
import { type CapName, capLabel } from "../usage/caps.js";
import { ledgerPath, openExistingLedger } from "../usage/ledger.js";
import { processZone } from "../usage/local-zone.js";
import { resolveZone } from "../usage/periods.js";
import { type SpendSnapshot, SpendTracker, ZERO_SPEND } from "../usage/spend.js";
import { type ContextOptions, loadContext } from "./context.js";

/**
 * `claude-fallback forecast [--json] [--project DIR]` (SPEC §11): what continuing on API billing
 * would cost — the pace, until the reset of the limit in force (else of each window), when each
 * cap would stop it, the next request of each live session, and what the figures come from.
 * `status` shows the same object (`forecast`). Documented in README.md, "JSON output".
 */
export interface ForecastFlags {
  json?: boolean | undefined;
  project?: string | undefined;
  tz?: string | undefined;
}

export interface ForecastIo {
  env: Record<string, string | undefined>;
  cwd: string;
  now: number;
  stderr: (text: string) => void;
}

/** The report for `opts`; the caps with their spend as the ledger has it (all runs). */
export async function collectForecast(
  opts: ContextOptions & ForecastFlags,
  io: ForecastIo,
): Promise<ForecastReport> {
  const ctx = loadContext(opts, io.env, io.stderr, io.cwd);
  // This process's zone (no --tz, the env's TZ is its own), when it is the one `Date` works in: its
  // days and instants need no ICU (`undefined`), and its names are remembered. UTC stays luxon's own
  // UTC zone, whose instants end in Z.
  const own =
    opts.tz === undefined && io.env.TZ === process.env.TZ ? await processZone(ctx.paths.cacheDir) : null;
  const zoneName =
    own?.named ??
    resolveZone(opts.tz ?? zoneOfTZ(io.env.TZ, realpathSync), opts.tz === undefined ? "TZ" : "--tz");
  const local = own !== null && own.named === own.inEffect;
  const zone = local && zoneName !== "UTC" ? undefined : zoneName;
  // A damaged or unreadable state hides the limit in force and its reset: said, never taken as none.
  const { state, problem: stateProblem } = readStateChecked(stateFile(ctx.paths.stateDir));
  const limitSince = state.last_limit && state.last_limit.resets_at > io.now ? state.last_limit.at : null;
  let spend: SpendSnapshot | null = null;
  try {
    const ledger = openExistingLedger(ledgerPath(ctx.paths.dataDir));
    try {
      // The same days either way; a zone given by name would be checked again through ICU.
      const spendZone = local ? undefined : zone;
      spend = ledger
        ? new SpendTracker(ledger, null, { zone: spendZone }).snapshot(io.now, limitSince)
        : emptySpend();
    } finally {
      ledger?.close();
    }
  } catch (error) {
    // The report names the unreadable ledger; without its spend the caps' room is not known.
    if (!(error instanceof FallbackError)) throw error;
  }
  const report = await forecastReport({
    env: io.env,
    config: ctx.config,
    dataDir: ctx.paths.dataDir,
    stateDir: ctx.paths.stateDir,
    zone,
    zoneName,
    now: io.now,
    project: opts.project ? resolve(io.cwd, opts.project) : null,
    state,
    caps: capInputsFor(ctx.config, spend),
    runs: listLiveRuns(ctx.paths.stateDir),
  });
  if (stateProblem !== null) report.unreadable.push(stateProblem);
  return report;
}

const LABEL = (name: string) => capLabel(name as CapName);

/** No ledger yet: nothing spent (a missing ledger is an empty one, not an unreadable one). */
function emptySpend(): SpendSnapshot {
  return { run: ZERO_SPEND, day: ZERO_SPEND, month: ZERO_SPEND, untilReset: ZERO_SPEND };
}

/** The report for people: one line per fact, each saying what it comes from. */
export function renderForecastText(report: ForecastReport): string {
  const lines = [
    `Forecast:      ${basisText(report)}${report.project ? ` (project ${report.project})` : ""}`,
  ];
  lines.push(`Pace:          ${paceText(report) ?? "not known"}`);
  const until = untilResetText(report);
  if (until) lines.push(`Until reset:   ${until}`);
  for (const window of report.windows) {
    const one = untilResetText({ ...report, until_reset: window.until_reset });
    if (one) lines.push(`  ${windowLabel(window.window)}: ${one}`);
  }
  const stop = capStopText(report, LABEL);
  if (stop) lines.push(`Caps:          ${stop}`);
  for (const session of report.sessions) {
    const next = nextRequestText({ ...report, next_request: session.next_request });
    lines.push(`Session:       ${session.session_id}: ${next ?? "its next request cannot be priced yet"}`);
  }
  const projects = report.projects.slice(0, 5).map((p) => `${p.project} ${formatUsd(p.usd_per_hour)}/h`);
  // Too little history for a pace is too little for a project's rate (--json has them all the same).
  if (projects.length > 0 && report.basis.kind !== "none")
    lines.push(`Projects:      ${projects.join(" · ")}`);
  return `${lines.join("\n")}\n`;
}

/** Prints the report; exit 1 when something could not be read (said on stderr, never taken as no history). */
export async function forecastCommand(
  opts: ContextOptions & ForecastFlags,
  io: ForecastIo & { write: (text: string) => void },
): Promise<number> {
  const report = await collectForecast(opts, io);
  io.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderForecastText(report));
  for (const what of report.unreadable) io.stderr(`claude-fallback: ${what}; the forecast leaves it out\n`);
  return report.unreadable.length > 0 ? 1 : 0;
}

export function registerForecast(program: Command): void {
  program
    .command("forecast")
    .description(
      "what continuing on API billing would cost: pace, until the reset, when a cap stops it, the next request",
    )
    .option("--json", 'machine-readable JSON (stable; documented in the README, section "JSON output")')
    .option("--project <dir>", "focus on one project (a directory); default: all projects")
    .option("--tz <zone>", "IANA time zone for the times shown (default: TZ / the system's)")
    .action(async (_opts: ForecastFlags, command: Command) => {
      process.exitCode = await forecastCommand(command.optsWithGlobals<ContextOptions & ForecastFlags>(), {
        env: process.env,
        cwd: process.cwd(),
        now: Date.now(),
        stderr: (text) => process.stderr.write(text),
        write: (text) => process.stdout.write(text),
      });
    });
}

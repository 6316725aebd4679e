import type { Command } from "commander";
import { apiKeyProblem } from "../config/schema.js";
import { apiKeySource, maskKey } from "../config/secret.js";
import { percentText, windowHasReset, windowLabel } from "../detect/windows.js";
import { FallbackError } from "../errors.js";
import type { ForecastReport } from "../forecast/report.js";
import { basisText, forecastSummary } from "../forecast/words.js";
import { formatUsd, NANO_PER_USD, usdToNano } from "../money.js";
import { startingMode } from "../session/policy.js";
import { startReasonText } from "../session/wording.js";
import { readLiveRuns } from "../state/runs.js";
import { readStateChecked, stateFile } from "../state/store.js";
import { localeIsUtf8 } from "../statusline/segment.js";
import { type CapName, capLabel } from "../usage/caps.js";
import { processZone } from "../usage/local-zone.js";
import { periodOf } from "../usage/periods.js";
import { type Spend, SpendTracker } from "../usage/spend.js";
import { globalValues, wordsAfterCommand } from "./command-word.js";
import { type ContextOptions, loadContext } from "./context.js";
import { runPlain } from "./failure.js";
import { collectForecast } from "./forecast.js";

/**
 * `claude-fallback status [--json]` (also `claude-fallback --status`, SPEC §3): what billing new
 * runs start on and why, the last subscription limit, utilisation, API spend against the caps,
 * live wrapped sessions, the config file and where the key comes from. Never runs
 * `api_key_command` and never prints a key (only `maskKey` of a key held in config or env).
 *
 * `--json` is stable (fields are only ever added) and documented in README.md, "JSON output";
 * `status.test.ts` holds that section equal to what this command prints.
 */
export interface StatusReport {
  format: 1;
  generated_at: string;
  timezone: string;
  mode: "subscription" | "api";
  mode_reason: string;
  preferred_mode: "subscription" | "api" | null;
  preferred_mode_set_at: string | null;
  limit: {
    detected_at: string;
    resets_at: string;
    window: string | null;
    reset_assumed: boolean;
    in_force: boolean;
  } | null;
  subscription: {
    updated_at: string;
    windows: { name: string; used_percentage: number; resets_at: string | null }[];
  } | null;
  api_spend: {
    day: PeriodSpend;
    month: PeriodSpend;
    /** Every run's spend since the subscription's limit in force was hit; null without one. */
    until_reset: (SpendJson & { since: string }) | null;
    run_cap_usd: number | null;
    /** The config's `log_usage`; false: runs with it off keep no request rows, so the figures leave their spend out. */
    log_usage: boolean;
    /** Why the usage ledger could not be read (its spend fields are then null); null: read. */
    problem: string | null;
  };
  sessions: StatusSession[];
  /** Why the live runs could not all be read (path and fix): `sessions` may then miss some; null: read. */
  sessions_problem: string | null;
  /** What continuing on API billing would cost: the same object as `forecast --json`. */
  forecast: ForecastReport;
  config: { path: string; source: "flag" | "env" | "default"; exists: boolean };
  /** `problem`: why state.json could not be used (damaged, unreadable): `limit` and `preferred_mode` are then not known. */
  state: { path: string; problem: string | null };
  /** `problem`: why a run would refuse the key in $CLAUDE_FALLBACK_API_KEY (a config key is checked when it loads). */
  api_key: { source: "env" | "command" | "config" | null; masked: string | null; problem: string | null };
}

/** The spend figures are null when the ledger could not be read (`api_spend.problem`): unknown, never 0. */
export interface SpendJson {
  cost_usd: number | null;
  cost_nanousd: number | null;
  requests: number | null;
  unknown_cost_requests: number | null;
  cap_usd: number | null;
}

export interface PeriodSpend extends SpendJson {
  period: string;
}

export interface StatusSession {
  run_id: string;
  pid: number;
  claude_pid: number | null;
  cwd: string;
  mode: "subscription" | "api";
  session_id: string | null;
  started_at: string;
  pending: string | null;
  /** How Claude was started: in a terminal (`pty`), headless (`print`), or by a program (`stream-json`). */
  shell: "pty" | "print" | "stream-json" | null;
  spend: SpendJson;
  /** The caps this run raised for itself from the menu, at the dollars they stand at; null: not known (the ledger could not be read). */
  caps_raised: { cap: CapName; cap_usd: number }[] | null;
}

export interface StatusIo {
  env: Record<string, string | undefined>;
  cwd: string;
  /** Epoch ms. */
  now: number;
  /** IANA zone of the day / month periods and the text output; default `TZ` / the system zone. */
  zone?: string | undefined;
  /** Load warnings (config permissions). */
  stderr: (text: string) => void;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const ZERO: Spend = { nanoUsd: 0, requests: 0, unknownCostRequests: 0 };

function spendJson(spend: Spend | null, cap: number | null): SpendJson {
  if (spend === null) {
    return { cost_usd: null, cost_nanousd: null, requests: null, unknown_cost_requests: null, cap_usd: cap };
  }
  return {
    cost_usd: spend.nanoUsd / NANO_PER_USD,
    cost_nanousd: spend.nanoUsd,
    requests: spend.requests,
    unknown_cost_requests: spend.unknownCostRequests,
    cap_usd: cap,
  };
}

/**
 * Reads everything `status` shows. Throws UsageError for a bad config. A ledger or state file that
 * cannot be read makes what it holds unknown (`api_spend.problem`, `state.problem`), never zero or none.
 */
export async function collectStatus(opts: ContextOptions, io: StatusIo): Promise<StatusReport> {
  const ctx = loadContext(opts, io.env, io.stderr, io.cwd);
  // Without `io.zone`, the zone `Date` works in (what the caps of a run count in): its days need no
  // ICU, and its name is remembered between starts (a bad TZ is refused there, as the forecast did).
  const zone = io.zone || undefined;
  const zoneName = zone ?? (await processZone(ctx.paths.cacheDir)).inEffect;
  const stateReading = readStateChecked(stateFile(ctx.paths.stateDir));
  const shared = stateReading.state;
  const source = apiKeySource(ctx.config, ctx.env);
  const envKey = ctx.env.CLAUDE_FALLBACK_API_KEY;
  const problem = source === "env" && envKey ? apiKeyProblem(envKey) : null;
  const masked =
    source === "env" && envKey
      ? maskKey(envKey)
      : source === "config" && ctx.config.api_key
        ? maskKey(ctx.config.api_key)
        : null;

  const preferred = shared.preferred_mode;
  const setAt = shared.preferred_mode_set_at;
  // The same answer a run started now would give (`run` asks the same function).
  const start = startingMode({
    forceApi: false,
    hasKey: source !== null,
    autoSwitch: ctx.config.auto_switch,
    state: shared,
    now: io.now,
  });

  const { runs, problem: runsProblem } = readLiveRuns(ctx.paths.stateDir);
  const day = periodOf("day", io.now, zone);
  const month = periodOf("month", io.now, zone);
  let daySpend: Spend | null = ZERO;
  let monthSpend: Spend | null = ZERO;
  const limitSince = shared.last_limit && shared.last_limit.resets_at > io.now ? shared.last_limit.at : null;
  let untilResetSpend: Spend | null = limitSince === null ? null : ZERO;
  const runSpend = new Map<string, Spend>();
  const runCapsRaised = new Map<string, { cap: CapName; cap_usd: number }[]>();
  let ledgerProblem: string | null = null;
  const { ledgerPath, openExistingLedger } = await import("../usage/ledger.js");
  try {
    const ledger = openExistingLedger(ledgerPath(ctx.paths.dataDir));
    if (ledger) {
      try {
        // The same view of the spend the caps are checked against (queued and unlogged spend aside: those are a run's own).
        const snapshot = new SpendTracker(ledger, null, { zone }).snapshot(io.now, limitSince);
        daySpend = snapshot.day;
        monthSpend = snapshot.month;
        untilResetSpend = snapshot.untilReset;
        for (const run of runs) {
          runSpend.set(run.runId, ledger.runSpend(run.runId));
          runCapsRaised.set(
            run.runId,
            ledger.capsRaised(run.runId).map(({ cap, usd }) => ({ cap, cap_usd: usd })),
          );
        }
      } finally {
        ledger.close();
      }
    }
  } catch (error) {
    if (!(error instanceof FallbackError)) throw error;
    ledgerProblem = error.message;
    daySpend = null;
    monthSpend = null;
    untilResetSpend = null;
  }
  const sessionCap = ctx.config.cost_limit_per_session;
  return {
    format: 1,
    generated_at: iso(io.now),
    timezone: zoneName,
    mode: start.mode,
    mode_reason:
      stateReading.problem === null
        ? startReasonText(start, io.now, zone)
        : `${startReasonText(start, io.now, zone)} (the state file could not be read: a \`use\` preference it holds is not known)`,
    preferred_mode: preferred,
    preferred_mode_set_at: setAt !== null ? iso(setAt) : null,
    limit: shared.last_limit
      ? {
          detected_at: iso(shared.last_limit.at),
          resets_at: iso(shared.last_limit.resets_at),
          window: shared.last_limit.window,
          reset_assumed: shared.last_limit.assumed,
          in_force: shared.last_limit.resets_at > io.now,
        }
      : null,
    subscription: shared.utilisation
      ? {
          updated_at: iso(shared.utilisation.at),
          windows: Object.entries(shared.utilisation.windows).map(([name, window]) => ({
            name,
            used_percentage: window.used_percentage,
            resets_at: window.resets_at !== null ? iso(window.resets_at) : null,
          })),
        }
      : null,
    api_spend: {
      day: { period: day.key, ...spendJson(daySpend, ctx.config.cost_limit_per_day) },
      month: { period: month.key, ...spendJson(monthSpend, ctx.config.cost_limit_per_month) },
      until_reset:
        limitSince === null
          ? null
          : { since: iso(limitSince), ...spendJson(untilResetSpend, ctx.config.cost_limit_until_reset) },
      run_cap_usd: sessionCap,
      log_usage: ctx.config.log_usage,
      problem: ledgerProblem,
    },
    sessions: runs.map((run) => {
      const capsRaised = ledgerProblem === null ? (runCapsRaised.get(run.runId) ?? []) : null;
      const runCap = capsRaised?.find(({ cap }) => cap === "session")?.cap_usd ?? sessionCap;
      return {
        run_id: run.runId,
        pid: run.pid,
        claude_pid: run.claudePid,
        cwd: run.cwd,
        mode: run.mode,
        session_id: run.sessionId,
        started_at: iso(run.startedAt),
        pending: run.pending,
        shell: run.shell ?? null,
        spend: spendJson(ledgerProblem === null ? (runSpend.get(run.runId) ?? ZERO) : null, runCap),
        caps_raised: capsRaised,
      };
    }),
    sessions_problem: runsProblem,
    forecast: await collectForecast(opts, { env: io.env, cwd: io.cwd, now: io.now, stderr: io.stderr }),
    config: { path: ctx.configPath, source: ctx.configSource, exists: ctx.configExists },
    state: { path: stateFile(ctx.paths.stateDir), problem: stateReading.problem },
    api_key: { source, masked, problem },
  };
}

function localTime(isoText: string, zone: string): string {
  const format = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  const parts = Object.fromEntries(format.formatToParts(new Date(isoText)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** The characters of the text output that have an ASCII stand-in (doctor and statusline do the same). */
interface Glyphs {
  dash: string;
  ellipsis: string;
}

const UNICODE: Glyphs = { dash: "—", ellipsis: "…" };
const ASCII: Glyphs = { dash: "--", ellipsis: "..." };

/**
 * `$1.24 of $5.00 cap`, and `— cap reached` once the spend has reached the cap: the gateway then
 * refuses every request that counts against it (`reachedCap` in gateway/caps.ts, the same `>=`).
 */
function money(spend: SpendJson, glyphs: Glyphs): string {
  if (spend.cost_usd === null || spend.cost_nanousd === null) return "unknown";
  const unknown =
    (spend.unknown_cost_requests ?? 0) > 0 ? ` (+${spend.unknown_cost_requests} of unknown cost)` : "";
  const cap = spend.cap_usd !== null ? ` of ${formatUsd(spend.cap_usd)} cap` : " (no cap)";
  const reached =
    spend.cap_usd !== null && spend.cost_nanousd >= usdToNano(spend.cap_usd)
      ? ` ${glyphs.dash} cap reached`
      : "";
  return `${formatUsd(spend.cost_usd)}${cap}${unknown}${reached}`;
}

const KEY_SOURCE_LABEL = {
  env: "$CLAUDE_FALLBACK_API_KEY",
  command: "api_key_command (not run by status)",
  config: "api_key in the config file",
} as const;

/** The human form of the report; `unicode` false (a locale that is not UTF-8): ASCII for our own characters. */
export function renderStatusText(report: StatusReport, unicode: boolean): string {
  const zone = report.timezone;
  const glyphs = unicode ? UNICODE : ASCII;
  const lines: string[] = [];
  // The time a `use` preference was set, when it is what decides the mode.
  const setAt = report.preferred_mode_set_at;
  const since =
    setAt !== null && report.preferred_mode === report.mode ? ` (since ${localTime(setAt, zone)})` : "";
  lines.push(`Mode:          ${report.mode} ${glyphs.dash} ${report.mode_reason}${since}`);
  if (report.limit) {
    const window = report.limit.window ? `${windowLabel(report.limit.window)} ` : "";
    const resets = `${localTime(report.limit.resets_at, zone)}${report.limit.reset_assumed ? " (assumed)" : ""}`;
    lines.push(
      report.limit.in_force
        ? `Limit:         ${window}limit reached ${localTime(report.limit.detected_at, zone)}, resets ${resets}`
        : `Limit:         none in force (last: ${window}limit, reset ${resets})`,
    );
  } else {
    lines.push(
      report.state.problem === null
        ? "Limit:         none seen"
        : `Limit:         unknown ${glyphs.dash} ${report.state.problem}`,
    );
  }
  if (report.subscription && report.subscription.windows.length > 0) {
    const now = Date.parse(report.generated_at);
    const windows = report.subscription.windows.map((window) => {
      // A window that has reset since: what it was at is no longer its use (100 % would read as limited).
      if (window.resets_at && windowHasReset(Date.parse(window.resets_at), now)) {
        return `${windowLabel(window.name)} reset at ${localTime(window.resets_at, zone)}, use since not known`;
      }
      const resets = window.resets_at ? `, resets ${localTime(window.resets_at, zone)}` : "";
      return `${windowLabel(window.name)} ${percentText(window.used_percentage)}%${resets}`;
    });
    lines.push(
      `Subscription:  ${windows.join("; ")} (as of ${localTime(report.subscription.updated_at, zone)})`,
    );
  } else {
    lines.push(
      report.state.problem === null
        ? "Subscription:  utilisation not known yet (a wrapped run learns it from the status line)"
        : `Subscription:  utilisation not known ${glyphs.dash} the state file holding it could not be read`,
    );
  }
  const runCap = report.api_spend.run_cap_usd;
  const ledgerProblem =
    report.api_spend.problem === null ? "" : ` ${glyphs.dash} ${report.api_spend.problem}`;
  // Spend of runs with log_usage false is in no ledger: not shown as if nothing was spent (SPEC §7, §14).
  const uncounted = report.api_spend.log_usage ? "" : " (runs with log_usage false are not counted)";
  lines.push(`API today:     ${money(report.api_spend.day, glyphs)}${uncounted}${ledgerProblem}`);
  lines.push(`API month:     ${money(report.api_spend.month, glyphs)}${uncounted}`);
  lines.push(`API per run:   ${runCap !== null ? `cap ${formatUsd(runCap)}` : "no cap"}`);
  const untilReset = report.api_spend.until_reset;
  if (untilReset) lines.push(`API to reset:  ${money(untilReset, glyphs)}${uncounted}`);
  lines.push(`Forecast:      ${forecastSummary(report.forecast) ?? basisText(report.forecast)}`);
  const runsProblem = report.sessions_problem === null ? "" : ` ${glyphs.dash} ${report.sessions_problem}`;
  if (report.sessions.length === 0) {
    lines.push(
      report.sessions_problem === null ? "Live sessions: none" : `Live sessions: unknown${runsProblem}`,
    );
  } else {
    lines.push(`Live sessions: ${report.sessions.length}${runsProblem && ` (and unknown${runsProblem})`}`);
    for (const session of report.sessions) {
      const pending = session.pending ? `, switch pending: ${session.pending}` : "";
      const raised = session.caps_raised?.length
        ? `, raised for this run: ${session.caps_raised.map(({ cap, cap_usd }) => `${capLabel(cap)} cap ${formatUsd(cap_usd)}`).join(", ")}`
        : "";
      lines.push(
        `  pid ${session.pid}  ${session.mode}  session ${session.session_id ?? "(not known yet)"}  ${session.cwd}  spend ${money(session.spend, glyphs)}${raised}${pending}`,
      );
    }
  }
  lines.push(
    `Config:        ${report.config.path}${report.config.exists ? "" : " (not found: defaults apply)"}`,
  );
  const key = report.api_key;
  lines.push(
    key.source === null
      ? "API key:       none (add one with `claude-fallback config init` or $CLAUDE_FALLBACK_API_KEY)"
      : `API key:       ${KEY_SOURCE_LABEL[key.source]}${key.masked ? ` ${key.masked.replace("…", glyphs.ellipsis)}` : ""}${key.problem ? ` (a run refuses it: ${key.problem})` : ""}`,
  );
  return `${lines.join("\n")}\n`;
}

export interface StatusFlags {
  json?: boolean | undefined;
}

export async function statusCommand(
  opts: ContextOptions & StatusFlags,
  io: StatusIo & { write: (text: string) => void },
): Promise<void> {
  const report = await collectStatus(opts, io);
  io.write(
    opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatusText(report, localeIsUtf8(io.env)),
  );
}

/** What `status` works with when run from the command line. */
export function processStatusIo(): StatusIo & { write: (text: string) => void } {
  return {
    env: process.env,
    cwd: process.cwd(),
    now: Date.now(),
    stderr: (text) => process.stderr.write(text),
    write: (text) => process.stdout.write(text),
  };
}

/**
 * A plain `status` (`--json` or nothing after it, global value options before: what `startKind`
 * sends to the light program), run without commander: ~7 ms of a start, with the
 * node:child_process it loads. Returns the exit code.
 */
export function plainStatusMain(argv: readonly string[]): Promise<number> {
  return runPlain(() =>
    statusCommand(
      { ...globalValues(argv), json: wordsAfterCommand(argv).includes("--json") },
      processStatusIo(),
    ),
  );
}

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description(
      "billing mode and why, last limit and reset, subscription utilisation, API spend vs caps, live sessions, key source",
    )
    .option("--json", 'machine-readable JSON (stable; documented in the README, section "JSON output")')
    .action(async (_opts: StatusFlags, command: Command) => {
      await statusCommand(command.optsWithGlobals<ContextOptions & StatusFlags>(), processStatusIo());
    });
}

import { realpathSync } from "node:fs";
import { Argument, type Command } from "commander";
import { readClaudeTranscripts, unreadableTranscriptText } from "../claude/transcripts/scan.js";
import { zoneOfTZ } from "../dates.js";
import { UsageError } from "../errors.js";
import { createPricing, type Pricing } from "../pricing/pricing.js";
import { ledgerPath, openExistingLedger } from "../usage/ledger.js";
import { resolveZone } from "../usage/periods.js";
import {
  buildSubscriptionSection,
  buildUsageReport,
  REPORT_KINDS,
  type ReportKind,
  SUBSCRIPTION_BY_RUN_ERROR,
} from "../usage/report.js";
import { renderReportCsv, renderReportJson } from "../usage/report-export.js";
import { renderReportTable } from "../usage/report-table.js";
import { loadContext } from "./context.js";

/** The flags of `claude-fallback usage` (SPEC §3, §7). */
export interface UsageFlags {
  since?: string | undefined;
  until?: string | undefined;
  tz?: string | undefined;
  json?: boolean | undefined;
  csv?: boolean | undefined;
  /** Add what the subscription usage (Claude Code's transcripts) would have cost at API prices. */
  subscription?: boolean | undefined;
}

export interface UsageCommandIo {
  /** The ledger file, `<dataDir>/usage.db`; it need not exist. */
  dbPath: string;
  /** Zone used without `--tz`; default `TZ` / the system zone. */
  zone?: string | undefined;
  write: (text: string) => void;
  /** Where unreadable transcripts are named; default process.stderr. */
  stderr?: ((text: string) => void) | undefined;
  /** Environment for finding Claude Code's transcripts (`CLAUDE_CONFIG_DIR`, `HOME`); default process.env. */
  env?: Record<string, string | undefined> | undefined;
  /** Prices for `--subscription` (the config's `pricing` applied); default the shipped table. */
  pricing?: Pricing | undefined;
  /** The config's `log_usage`; false: the table says request rows are not kept (default true). */
  logUsage?: boolean | undefined;
  /** Columns the table must fit in (`terminalWidth`); null: no limit. */
  width?: number | null | undefined;
}

/** The width to fit: `COLUMNS` when it is a positive number, else the terminal's; null when writing to no terminal. */
export function terminalWidth(env: NodeJS.ProcessEnv, stdoutColumns: number | undefined): number | null {
  const fromEnv = Number(env.COLUMNS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return stdoutColumns && stdoutColumns > 0 ? stdoutColumns : null;
}

function isReportKind(value: string): value is ReportKind {
  return (REPORT_KINDS as readonly string[]).includes(value);
}

/**
 * `claude-fallback usage [daily|monthly|session|run]`: prints the report (with `--subscription`, also the
 * subscription's value at API prices; not for `run`). Throws UsageError
 * (exit 2) for a bad report name, date or zone, FallbackError (exit 1) for an unreadable ledger
 * or a file in the way of its directory. A missing ledger is an empty report, not an error.
 * Returns the exit code: 1 when a transcript `--subscription` reads could not be read (each named
 * on stderr, the report printed from the rest).
 */
export function runUsageCommand(
  report: string | undefined,
  flags: UsageFlags,
  io: UsageCommandIo,
  runId?: string,
): number {
  const kind = report ?? "daily";
  if (!isReportKind(kind)) {
    throw new UsageError(`unknown report "${kind}" (expected one of: ${REPORT_KINDS.join(", ")})`);
  }
  if (runId !== undefined && kind !== "run") {
    throw new UsageError(`usage ${kind} takes no id (only usage run RUN_ID: one run's requests)`);
  }
  if (flags.json && flags.csv) throw new UsageError("--json and --csv cannot be used together");
  const zone = resolveZone(flags.tz ?? io.zone, flags.tz === undefined ? "TZ" : "--tz");
  if (flags.subscription && kind === "run") throw new UsageError(SUBSCRIPTION_BY_RUN_ERROR);
  const ledger = openExistingLedger(io.dbPath);
  try {
    const options = { kind, zone, since: flags.since, until: flags.until, runId };
    const result = buildUsageReport(ledger, options);
    if (flags.subscription) {
      result.subscription = buildSubscriptionSection(
        readClaudeTranscripts(io.env ?? process.env, new Set(ledger?.apiRequestIds() ?? [])),
        options,
        io.pricing ?? createPricing(),
      );
    }
    io.write(
      flags.json
        ? renderReportJson(result)
        : flags.csv
          ? renderReportCsv(result)
          : renderReportTable(result, io.width ?? null, io.logUsage ?? true),
    );
    const unreadable = result.subscription?.unreadable ?? [];
    for (const path of unreadable) {
      (io.stderr ?? ((text) => process.stderr.write(text)))(
        `claude-fallback: ${unreadableTranscriptText(path)}; the subscription's figures leave it out\n`,
      );
    }
    return unreadable.length > 0 ? 1 : 0;
  } finally {
    ledger?.close();
  }
}

export function registerUsage(program: Command): void {
  program
    .command("usage")
    .description(
      "API spend from the usage ledger, by day, month, Claude session or wrapper run, and by model",
    )
    .addArgument(new Argument("[report]", "how to group the spend").choices(REPORT_KINDS).default("daily"))
    .addArgument(new Argument("[run-id]", "with run: that one run, its requests listed"))
    .option(
      "--since <date>",
      "first day to include: YYYY-MM-DD or YYYYMMDD, or a month YYYY-MM (from its first day; local time)",
    )
    .option(
      "--until <date>",
      "last day to include: YYYY-MM-DD or YYYYMMDD, or a month YYYY-MM (to its last day; local time)",
    )
    .option("--tz <zone>", "IANA time zone for day and month boundaries (default: TZ / the system zone)")
    .option("--json", 'machine-readable JSON (stable; documented in the README, section "JSON output")')
    .option("--csv", "CSV with a header row, one line per group and model")
    .option(
      "--subscription",
      "also show what your subscription usage would have cost at API prices (from Claude Code's transcripts; CLAUDE_CONFIG_DIR honoured)",
    )
    .action((report: string, runId: string | undefined, flags: UsageFlags, command: Command) => {
      // A broken config is exit 2 here as for every other command, though only `--subscription` uses it (`pricing`).
      const { config, paths } = loadContext(command.optsWithGlobals());
      const dbPath = ledgerPath(paths.dataDir);
      const pricing = flags.subscription ? createPricing(config.pricing) : undefined;
      const width = terminalWidth(process.env, process.stdout.isTTY ? process.stdout.columns : undefined);
      process.exitCode = runUsageCommand(
        report,
        flags,
        {
          dbPath,
          pricing,
          width,
          logUsage: config.log_usage,
          zone: zoneOfTZ(process.env.TZ, realpathSync),
          write: (text) => process.stdout.write(text),
          stderr: (text) => process.stderr.write(text),
        },
        runId,
      );
    });
}

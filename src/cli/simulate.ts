import type { Command } from "commander";
import { UsageError } from "../errors.js";
import {
  DEFAULT_SETTINGS,
  FAULT_SPEC_SYNTAX,
  LIMIT_CLAIMS,
  type LimitClaim,
  maskCredential,
  parseFaultSpec,
  type RequestLogEntry,
  type ResponseScript,
  type SimulatorOptions,
  startSimulator,
} from "../simulator/index.js";

/** The options of `simulate` as commander hands them over: strings, validated here. */
export interface SimulateFlags {
  port?: string;
  limitAfter?: string;
  limitAfterTokens?: string;
  limitClaim?: string;
  resetIn?: string;
  resetAt?: string;
  warnAt?: string;
  log?: string;
  model?: string;
  fault?: string[];
  apiKey?: string;
  replyBytes?: string;
  replyDeltaBytes?: string;
  rejectForeignSignatures?: boolean;
  quiet?: boolean;
}

export interface SimulateIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

function integer(flag: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const parsed = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(parsed >= min && parsed <= max)) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

function positiveNumber(flag: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  const parsed = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(parsed > 0 && parsed <= max)) {
    throw new UsageError(`${flag} must be a number above 0 and at most ${max}, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

function claim(value: string): LimitClaim {
  const found = LIMIT_CLAIMS.find((known) => known === value);
  if (!found)
    throw new UsageError(
      `--limit-claim must be one of ${LIMIT_CLAIMS.join(", ")}, got ${JSON.stringify(value)}`,
    );
  return found;
}

/** Validates the flags into simulator options and the scripts the `--fault` flags ask for. */
export function simulatorOptionsFrom(flags: SimulateFlags): {
  options: SimulatorOptions;
  scripts: ResponseScript[];
} {
  const options: SimulatorOptions = {
    port: flags.port === undefined ? 0 : integer("--port", flags.port, 0, 65535),
    rejectForeignThinkingSignatures: flags.rejectForeignSignatures === true,
  };
  if (flags.limitAfter !== undefined)
    options.limitAfterRequests = integer("--limit-after", flags.limitAfter, 0);
  if (flags.limitAfterTokens !== undefined) {
    options.limitAfterTokens = integer("--limit-after-tokens", flags.limitAfterTokens, 0);
  }
  if (flags.limitClaim !== undefined) options.limitClaim = claim(flags.limitClaim);
  if (flags.resetIn !== undefined) options.resetInSeconds = positiveNumber("--reset-in", flags.resetIn);
  if (flags.resetAt !== undefined) options.resetAt = integer("--reset-at", flags.resetAt, 0);
  if (flags.warnAt !== undefined) {
    options.warnAtUtilization = positiveNumber("--warn-at", flags.warnAt.replace(/%$/, ""), 100) / 100;
  }
  if (flags.log !== undefined) options.logFile = flags.log;
  if (flags.model !== undefined) options.responseModel = flags.model;
  if (flags.apiKey !== undefined) options.requireApiKey = flags.apiKey;
  if (flags.replyBytes !== undefined) options.replyBytes = integer("--reply-bytes", flags.replyBytes, 0);
  if (flags.replyDeltaBytes !== undefined) {
    options.replyDeltaBytes = integer("--reply-delta-bytes", flags.replyDeltaBytes, 1);
  }
  const scripts = (flags.fault ?? []).flatMap(parseFaultSpec);
  return { options, scripts };
}

function requestLine(entry: RequestLogEntry): string {
  const usage = entry.usage ? ` in=${entry.usage.inputTokens} out=${entry.usage.outputTokens}` : "";
  const fault = entry.fault ? ` [${entry.fault}]` : "";
  const who = entry.billing ? ` ${entry.billing} ${entry.credential}` : "";
  const model = entry.responseModel ?? entry.model;
  return `${entry.time} ${entry.method} ${entry.path}${who}${model ? ` ${model}` : ""} ${entry.status}${usage}${fault}\n`;
}

/**
 * Runs the simulator until `stop` aborts. The first stdout line is exactly the base URL; one line per
 * request follows on stderr unless `quiet`.
 */
export async function runSimulateCommand(
  flags: SimulateFlags,
  io: SimulateIo,
  stop: AbortSignal,
): Promise<void> {
  const { options, scripts } = simulatorOptionsFrom(flags);
  if (!flags.quiet) options.onRequest = (entry) => io.stderr(requestLine(entry));
  const simulator = await startSimulator(options).catch((error: NodeJS.ErrnoException) => {
    if (error.path) throw new UsageError(`cannot open the --log file ${error.path} (${error.code})`);
    if (error.code) throw new UsageError(`cannot listen on 127.0.0.1:${options.port} (${error.code})`);
    throw error;
  });
  simulator.enqueue(...scripts);
  io.stdout(`${simulator.url}\n`);
  if (options.requireApiKey)
    io.stderr(`accepting only the API key ${maskCredential(options.requireApiKey)}\n`);
  if (!stop.aborted) await new Promise((resolve) => stop.addEventListener("abort", resolve, { once: true }));
  await simulator.close();
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerSimulate(
  program: Command,
  io: SimulateIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  },
): void {
  program
    .command("simulate")
    .description(
      "run the Anthropic API simulator on 127.0.0.1 (first stdout line: its base URL; control API under /_simulator/)",
    )
    .option("--port <n>", "port to listen on; 0 = any free port", "0")
    .option("--limit-after <n>", "subscription message requests allowed before the usage limit")
    .option("--limit-after-tokens <n>", "subscription tokens (input + output) allowed before the usage limit")
    .option(
      "--limit-claim <claim>",
      `the window that runs out: ${LIMIT_CLAIMS.join(", ")}`,
      DEFAULT_SETTINGS.limitClaim,
    )
    .option(
      "--reset-in <seconds>",
      "seconds from hitting the limit until it resets",
      String(DEFAULT_SETTINGS.resetInSeconds),
    )
    .option("--reset-at <epoch>", "reset the limit at this instant (epoch seconds) instead")
    .option(
      "--warn-at <pct>",
      "utilisation percentage from which responses say allowed_warning",
      String(DEFAULT_SETTINGS.warnAtUtilization * 100),
    )
    .option("--log <file>", "append one JSON line per request to this file (credentials masked)")
    .option("--model <model>", "the model every response names, whatever was requested")
    .option(
      "--fault <spec>",
      `inject a fault into the next requests (repeatable): ${FAULT_SPEC_SYNTAX}`,
      collect,
    )
    .option("--api-key <key>", "accept only this API key (401 otherwise)")
    .option("--reply-bytes <n>", "pad every reply text to this many bytes (throughput benchmarks)")
    .option("--reply-delta-bytes <n>", "stream the padding in text deltas of this many bytes (default 16384)")
    .option(
      "--reject-foreign-signatures",
      "400 for API-key requests replaying thinking signed under the subscription",
    )
    .option("--quiet", "no line per request on stderr")
    .action(async (flags: SimulateFlags) => {
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        await runSimulateCommand(flags, io, stop.signal);
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}

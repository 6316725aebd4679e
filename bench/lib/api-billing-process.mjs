// The metering gateway started as a wrapped run in api mode starts it (LazyApiBilling →
// startApiBilling, the default config, the key from CLAUDE_FALLBACK_API_KEY, the ledger on), in a
// process of its own. Prints "<url> <secret>"; SIGTERM closes the gateway, ends the run, exits.
// Usage: node api-billing-process.mjs <upstream-url> <api-key> <ledger-file>
//   The session cap is raised to $1,000,000 so that a benchmark's traffic never reaches it: every
//   request still goes through the cap check, none is refused for spend.
import { DEFAULT_CONFIG } from "../../dist/config/schema.js";
import { createKeyProvider } from "../../dist/config/secret.js";
import { LazyApiBilling } from "../../dist/session/api-billing.js";
import { RunSpending } from "../../dist/session/run-spend.js";
import { openLedger } from "../../dist/usage/ledger.js";

const BENCH_SESSION_CAP_USD = 1_000_000;

const [upstream, apiKey, ledgerFile] = process.argv.slice(2);
const config = { ...DEFAULT_CONFIG, upstream_url: upstream, cost_limit_per_session: BENCH_SESSION_CAP_USD };
const env = { CLAUDE_FALLBACK_API_KEY: apiKey };
const ledger = openLedger(ledgerFile, { logUsage: config.log_usage });
const runId = ledger.startRun({ startedAt: Date.now(), pid: process.pid, initialMode: "api" });
// The run's spend and caps as RunCore makes them (session/run-core.ts).
const spending = new RunSpending(ledger, runId, config, Date.now, () => null);
const billing = new LazyApiBilling({
  config,
  keys: createKeyProvider(config, env),
  env,
  spend: () => spending.tracker,
  caps: () => spending.caps(),
  limitSince: () => spending.limitSince(),
  onEvent: (event) => process.stderr.write(`gateway event: ${event.message}\n`),
});
const gateway = await billing.ensure();
process.stdout.write(`${gateway.url} ${gateway.secret}\n`);
process.on("SIGTERM", async () => {
  await billing.close();
  ledger.endRun(runId, { endedAt: Date.now(), exitCode: 0 });
  ledger.close();
  process.exit(0);
});

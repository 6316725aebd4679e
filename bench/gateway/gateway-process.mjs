// A metering gateway in a process of its own, as in a wrapped run: prints its URL and secret.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGateway } from "../../dist/gateway/server.js";
import { openLedger, SpendTracker } from "../../dist/usage/ledger.js";
import { createPricing } from "../../dist/usage/pricing.js";

const [upstream, apiKey] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), "cf-bench-gw-"));
const ledger = openLedger(join(dir, "usage.db"), { logUsage: true });
const runId = ledger.startRun({ startedAt: Date.now(), initialMode: "api" });
const gateway = await startGateway({
  upstream: new URL(upstream),
  apiKey,
  pricing: createPricing(),
  spend: new SpendTracker(ledger, runId),
  caps: { cost_limit_per_session: null, cost_limit_per_day: null, cost_limit_per_month: null },
});
process.stdout.write(`${gateway.url} ${gateway.secret}\n`);
process.on("SIGTERM", async () => {
  await gateway.close();
  ledger.close();
  process.exit(0);
});

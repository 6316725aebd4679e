import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { NO_CAPS } from "../../test/support/caps.js";
import { recordRow } from "../../test/support/ledger.js";
import { type Config, DEFAULT_CONFIG } from "../config/schema.js";
import { type Ledger, openLedger } from "../usage/ledger.js";
import { RunSpending } from "./run-spend.js";

const NOW = Date.UTC(2026, 5, 15, 12);
const LIMIT_AT = NOW - 3_600_000;
const USD = 1_000_000_000;

let dir: string;
let ledger: Ledger;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-run-spend-"));
  ledger = openLedger(join(dir, "usage.db"));
});
afterEach(() => {
  ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A run that has spent `usd` on API billing since the subscription's limit was hit. */
function spendingAfter(usd: number, caps: Partial<Config>): RunSpending {
  const runId = ledger.startRun({ startedAt: LIMIT_AT, initialMode: "subscription" });
  const config: Config = { ...DEFAULT_CONFIG, ...NO_CAPS, ...caps };
  const spending = new RunSpending(
    ledger,
    runId,
    config,
    () => NOW,
    () => LIMIT_AT,
  );
  spendSinceLimit(runId, 60_000, usd);
  return spending;
}

/** A request of `runId`'s, `afterMs` after the limit was hit, that cost `usd`. */
function spendSinceLimit(runId: string, afterMs: number, usd: number): void {
  recordRow(ledger, {
    runId,
    at: LIMIT_AT + afterMs,
    outcome: "ok",
    model: "claude-sonnet-4-5",
    costNanoUsd: usd * USD,
  });
}

test("the until-reset cap reached is seen by the run (the menu's raise, a switch at the limit), as the gateway sees it", () => {
  const spending = spendingAfter(0.06, { cost_limit_until_reset: 0.05 });
  const reached = spending.reachedCap();
  expect(reached).toMatchObject({ cap: "until_reset", limitNanoUsd: 0.05 * USD, spentNanoUsd: 0.06 * USD });
  expect(spending.raiseTo(reached!)).toBe(0.1);
  spending.raise(reached!);
  expect(spending.reachedCap()).toBeNull();
});

test("under the until-reset cap, or without one, nothing is reached", () => {
  expect(spendingAfter(0.04, { cost_limit_until_reset: 0.05 }).reachedCap()).toBeNull();
  expect(spendingAfter(1, {}).snapshot()?.untilReset).toBeNull();
});

test("another run's spend since the limit counts too", () => {
  spendSinceLimit(ledger.startRun({ startedAt: LIMIT_AT, initialMode: "api" }), 120_000, 0.03);
  expect(spendingAfter(0.03, { cost_limit_until_reset: 0.05 }).reachedCap()?.cap).toBe("until_reset");
});

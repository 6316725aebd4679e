import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { NO_CAPS } from "../../test/support/caps.js";
import { createPricing } from "../pricing/pricing.js";
import type { CapConfig } from "../usage/caps.js";
import { type Ledger, openLedger } from "../usage/ledger.js";
import { SpendTracker } from "../usage/spend.js";
import { CapGuard } from "./cap-guard.js";

const NOW = Date.UTC(2026, 5, 15, 12);
const LIMIT_AT = NOW - 3_600_000;
const USD = 1_000_000_000;

let dir: string;
let ledger: Ledger;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cf-cap-guard-"));
  ledger = openLedger(join(dir, "usage.db"));
});
afterEach(() => {
  ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A guard over a run that has spent `usd` since the limit (in another run: the cap spans runs). */
function guardAfter(usd: number, caps: Partial<CapConfig>): CapGuard {
  const other = ledger.startRun({ startedAt: LIMIT_AT, initialMode: "api" });
  const tracker = new SpendTracker(ledger, other, { zone: "UTC" });
  tracker.queue({ at: LIMIT_AT + 60_000, outcome: "ok", model: "claude-sonnet-4-5", costNanoUsd: usd * USD });
  tracker.flush();
  const runId = ledger.startRun({ startedAt: NOW, initialMode: "api" });
  return new CapGuard({
    caps: () => ({ ...NO_CAPS, ...caps }),
    spend: new SpendTracker(ledger, runId, { zone: "UTC" }),
    pricing: createPricing(),
    now: () => NOW,
    limitSince: () => LIMIT_AT,
  });
}

describe("cost_limit_until_reset", () => {
  test.each([
    ["alone", {}],
    ["beside a session cap", { cost_limit_per_session: 100 }],
  ])(
    "%s: refuses the request once the spend since the limit reaches it, and says so after the response",
    (_name, others) => {
      const guard = guardAfter(0.6, { cost_limit_until_reset: 0.4, ...others });
      const refusal = guard.check("claude-sonnet-4-5");
      expect(refusal?.event).toMatchObject({ kind: "cap_reached", refused: true });
      expect(refusal?.message).toMatch(/until-reset API spending cap of \$0\.40 is reached \(\$0\.60 spent/);
      expect(guard.afterResponse()).toEqual([expect.objectContaining({ kind: "cap_reached" })]);
    },
  );

  test("alone, under it: the request goes, with the warning at 80 %", () => {
    const guard = guardAfter(0.35, { cost_limit_until_reset: 0.4 });
    expect(guard.check("claude-sonnet-4-5")).toBeNull();
    expect(guard.afterResponse()).toEqual([expect.objectContaining({ kind: "cap_warning" })]);
  });

  test("alone, it refuses a model without a price: its cost could not be counted against it", () => {
    const guard = guardAfter(0, { cost_limit_until_reset: 0.4 });
    expect(guard.check("claude-opus-9-preview")?.event).toMatchObject({
      source: "unknown_model",
      refused: true,
    });
  });
});

test("no cap at all: nothing is refused or said", () => {
  const guard = guardAfter(1_000, {});
  expect(guard.check("claude-opus-9-preview")).toBeNull();
  expect(guard.afterResponse()).toEqual([]);
});

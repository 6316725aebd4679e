import type { Config } from "../config/schema.js";
import { type CapConfig, type CapStatus, capSpendOf, RunCaps, reachedCap } from "../usage/caps.js";
import type { Ledger } from "../usage/ledger.js";
import { type SpendSnapshot, SpendTracker } from "../usage/spend.js";

/**
 * One run's money: its spend (the gateway queues every request into it; the caps, the menu and
 * the status line read it, `log_usage: false` spend and rows not yet written included) and its
 * caps (raised for the run from the menu in one place).
 */
export class RunSpending {
  readonly tracker: SpendTracker;
  private readonly runCaps: RunCaps;

  constructor(
    ledger: Ledger,
    runId: string,
    config: Config,
    private readonly now: () => number,
    /** When the subscription's limit in force was hit, for `cost_limit_until_reset`; null: none. */
    readonly limitSince: () => number | null,
  ) {
    this.tracker = new SpendTracker(ledger, runId);
    this.runCaps = new RunCaps(config);
  }

  caps(): CapConfig {
    return this.runCaps.current();
  }

  /** This run's spend, nano-dollars (from memory). */
  runNano(): number {
    return this.tracker.runSpend().nanoUsd;
  }

  /**
   * Run, day and month spend, and since the limit in force was hit (what `cost_limit_until_reset`
   * counts, as the gateway does: else the menu had no raise for it and a switch did not see it
   * reached); null when the ledger cannot be read (never shown as $0.00).
   */
  snapshot(): SpendSnapshot | null {
    try {
      const since = this.caps().cost_limit_until_reset !== null ? this.limitSince() : null;
      return this.tracker.snapshot(this.now(), since);
    } catch {
      return null;
    }
  }

  /** The cap an API request of this run would be refused by now, if any. */
  reachedCap(): CapStatus | null {
    const spend = this.snapshot();
    return spend ? reachedCap(this.caps(), capSpendOf(spend)) : null;
  }

  raiseTo(cap: CapStatus): number | null {
    return this.runCaps.raiseTo(cap);
  }

  raise(cap: CapStatus): number | null {
    return this.runCaps.raise(cap);
  }
}

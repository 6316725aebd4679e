import { FallbackError } from "../errors.js";
import type { Ledger } from "./ledger.js";
import type { RequestRecord } from "./ledger-records.js";
import { type Period, type PeriodUnit, periodOf, resolveZone } from "./periods.js";

const HOUR_MS = 3_600_000;

/** API spend over some set of requests. */
export interface Spend {
  /** Exact sum of the known costs, integer nano-dollars. */
  nanoUsd: number;
  /** Requests counted (including those of unknown cost). */
  requests: number;
  /** Requests whose cost is unknown and therefore not in `nanoUsd`. */
  unknownCostRequests: number;
}

export const ZERO_SPEND: Readonly<Spend> = Object.freeze({ nanoUsd: 0, requests: 0, unknownCostRequests: 0 });

export function addSpend(a: Spend, b: Spend): Spend {
  return {
    nanoUsd: a.nanoUsd + b.nanoUsd,
    requests: a.requests + b.requests,
    unknownCostRequests: a.unknownCostRequests + b.unknownCostRequests,
  };
}

/** What one request adds to a {@link Spend}. */
export function spendOfRequest(request: Pick<RequestRecord, "costNanoUsd">): Spend {
  return {
    nanoUsd: request.costNanoUsd ?? 0,
    requests: 1,
    unknownCostRequests: request.costNanoUsd === null ? 1 : 0,
  };
}

export interface SpendSnapshot {
  /** This run: every request it made, stored or not. */
  run: Spend;
  /** All runs, today (local day of `zone`). */
  day: Spend;
  /** All runs, this month. */
  month: Spend;
  /** All runs since the subscription's limit in force was hit; null when none is asked for. */
  untilReset: Spend | null;
}

/**
 * Spend summed by the local day (or month) of each request. Caps ask only for the current period
 * and later ones, so earlier sums are dropped when asked: memory stays a few entries however long
 * the run.
 */
class SpendByPeriod {
  readonly #sums = new Map<string, Spend>();

  constructor(
    private readonly unit: PeriodUnit,
    private readonly zone: string | undefined,
  ) {}

  add(at: number, spend: Spend): void {
    const key = periodOf(this.unit, at, this.zone).key;
    this.#sums.set(key, addSpend(this.#sums.get(key) ?? ZERO_SPEND, spend));
  }

  /** The spend of `period` and of any later one (a clock set back); forgets earlier periods. */
  since(period: Period): Spend {
    let total: Spend = ZERO_SPEND;
    for (const [key, spend] of this.#sums) {
      // Keys are yyyy-MM-dd / yyyy-MM: as strings they sort as the periods do.
      if (key < period.key) this.#sums.delete(key);
      else total = addSpend(total, spend);
    }
    return total;
  }
}

/**
 * The spend a run's caps are checked against (SPEC §6), kept by the process that forwards the
 * run's requests.
 *
 * - Run spend is in memory: this process is the only writer of its run, so memory is exact and
 *   holds even with `log_usage: false`. It starts from the run's rows already in the ledger, so a
 *   tracker re-created for the same run continues where the last one stopped.
 * - Day and month spend cover every wrapper, so they are read from the ledger at each
 *   {@link snapshot} (two indexed SUMs, a few microseconds each), plus this run's requests that are
 *   not in the ledger (`log_usage: false`, or a write that failed and waits): a cap never forgets a cost.
 * - Day and month are local to `zone` (default: `TZ` / the system zone).
 */
export class SpendTracker {
  readonly runId: string;
  /** The IANA zone of days and months; `undefined`, this process's zone (`TZ`, else the system's). */
  readonly zone: string | undefined;
  private run: Spend;
  /** This run's requests with `log_usage: false`, never in the ledger, by day and by month. */
  private readonly unloggedByDay: SpendByPeriod;
  private readonly unloggedByMonth: SpendByPeriod;
  /** The same by hour, for a cap since an instant (to the hour: an unlogged request is never forgotten, at worst counted early). */
  private readonly unloggedByHour = new Map<number, Spend>();

  /** `runId` null: a view of every run's spend, for a command that is not a run (`status`). */
  constructor(
    private readonly ledger: Ledger,
    runId: string | null,
    options: { zone?: string } = {},
  ) {
    this.runId = runId ?? "";
    this.zone = options.zone === undefined ? undefined : resolveZone(options.zone, "time zone");
    this.unloggedByDay = new SpendByPeriod("day", this.zone);
    this.unloggedByMonth = new SpendByPeriod("month", this.zone);
    this.run = runId === null ? { ...ZERO_SPEND } : ledger.runSpend(runId);
  }

  /**
   * Records a request of this run in memory; its row is written by the next {@link flush} (or by
   * the ledger's next write). Caps count it at once, in this process and, once written, in others.
   */
  queue(request: Omit<RequestRecord, "runId">): void {
    const spend = spendOfRequest(request);
    const kept = this.ledger.queueRequest({ ...request, runId: this.runId });
    this.run = addSpend(this.run, spend);
    if (!kept) {
      this.unloggedByDay.add(request.at, spend);
      this.unloggedByMonth.add(request.at, spend);
      const hour = Math.floor(request.at / HOUR_MS);
      this.unloggedByHour.set(hour, addSpend(this.unloggedByHour.get(hour) ?? ZERO_SPEND, spend));
    }
  }

  /** Writes the rows {@link queue} kept; throws a FallbackError while the ledger refuses them. */
  flush(): void {
    try {
      this.ledger.flushPending();
    } catch (error) {
      if (!(error instanceof FallbackError)) throw error;
      // A notice over Claude's screen, cut to its width: what goes on comes before the fix.
      const [problem, fix] = error.message.split("; fix: ");
      throw new FallbackError(
        `${problem}; API spend is still counted against your caps, and written once the ledger can take it${fix ? `; fix: ${fix}` : ""}`,
      );
    }
  }

  /** Spend since `period` began: the ledger's rows, rows still waiting to be written, and unlogged requests. */
  private spendSince(period: Period, unlogged: SpendByPeriod): Spend {
    return addSpend(
      addSpend(this.ledger.spendSince(period.startMs), this.ledger.pendingSpend(period.startMs)),
      unlogged.since(period),
    );
  }

  /** This run's spend, from memory (no query). */
  runSpend(): Spend {
    return { ...this.run };
  }

  /** Every run's spend since `sinceMs` (the moment a limit was hit). */
  private spendSinceInstant(sinceMs: number): Spend {
    let unlogged: Spend = ZERO_SPEND;
    for (const [hour, spend] of this.unloggedByHour) {
      if (hour >= Math.floor(sinceMs / HOUR_MS)) unlogged = addSpend(unlogged, spend);
    }
    return addSpend(addSpend(this.ledger.spendSince(sinceMs), this.ledger.pendingSpend(sinceMs)), unlogged);
  }

  /**
   * Run, day and month spend at `nowMs`, and since `limitSinceMs` when a limit is in force.
   * Throws FallbackError if the ledger cannot be read.
   */
  snapshot(nowMs: number, limitSinceMs: number | null = null): SpendSnapshot {
    const day = periodOf("day", nowMs, this.zone);
    const month = periodOf("month", nowMs, this.zone);
    return {
      run: { ...this.run },
      day: this.spendSince(day, this.unloggedByDay),
      month: this.spendSince(month, this.unloggedByMonth),
      untilReset: limitSinceMs === null ? null : this.spendSinceInstant(limitSinceMs),
    };
  }
}

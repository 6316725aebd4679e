/**
 * The caps of SPEC §6 (and §11's `cost_limit_until_reset`) at the gateway: before a Messages
 * request is forwarded, is a cap reached, or would it go to a model whose cost cannot be counted
 * against the caps? After a response is metered, which caps are at their warning or reached.
 */
import type { RunEvent } from "../notify/run-events.js";
import type { Pricing } from "../pricing/pricing.js";
import {
  type CapConfig,
  type CapSpend,
  type CapStatus,
  capCrossedMessage,
  capRefusalMessage,
  capSpendOf,
  capsAtWarning,
  capsSpanRuns,
  reachedCap,
} from "../usage/caps.js";
import type { SpendTracker } from "../usage/spend.js";

export interface CapGuardOptions {
  /** The caps as they are now (raised for the run from the menu, too). */
  caps: () => CapConfig;
  spend: SpendTracker;
  pricing: Pricing;
  now: () => number;
  /** Appended to a cap refusal: where to raise that cap in this run, when it can be (null: it cannot). */
  refusalHint?: ((cap: CapStatus) => string | null) | undefined;
  /** When the subscription's limit in force was hit (epoch ms), for `cost_limit_until_reset`; null: none. */
  limitSince?: (() => number | null) | undefined;
}

export interface Refusal {
  /** What Claude shows (a 402 `billing_error`, verbatim, not retried). */
  message: string;
  event: RunEvent;
}

export class CapGuard {
  /** Models that answered without a price: with a cap set, what they cost could not be counted. */
  private readonly answeredUnpriced = new Set<string>();

  constructor(private readonly options: CapGuardOptions) {}

  /** A day or month cap: checked against every run's rows in the ledger, by other runs too. */
  spansRuns(): boolean {
    return capsSpanRuns(this.options.caps());
  }

  private anyCap(caps: CapConfig): boolean {
    return caps.cost_limit_per_session !== null || capsSpanRuns(caps);
  }

  /**
   * The ledger is read only for the caps that span runs; the session cap is in memory. This runs
   * before every forwarded request, so it stays off the database unless a day or month cap is set.
   */
  private spent(caps: CapConfig): CapSpend {
    const { spend } = this.options;
    if (!capsSpanRuns(caps)) return { session: spend.runSpend().nanoUsd, day: 0, month: 0, untilReset: null };
    const since = caps.cost_limit_until_reset !== null ? (this.options.limitSince?.() ?? null) : null;
    return capSpendOf(spend.snapshot(this.options.now(), since));
  }

  /** Why this request must not reach the upstream, or null. */
  check(requestedModel: string | null): Refusal | null {
    const caps = this.options.caps();
    if (!this.anyCap(caps)) return null;
    const reached = reachedCap(caps, this.spent(caps));
    if (reached) {
      const message = capRefusalMessage(reached, this.options.refusalHint?.(reached) ?? undefined);
      return { message, event: { kind: "cap_reached", cap: reached, message, refused: true } };
    }
    // A request to a model we cannot price would be billed without counting against the caps, and
    // so would any request after an answer from such a model (the spend is already uncounted):
    // with a cap set, both are refused until the model is priced in the config.
    const unpriced = [requestedModel, ...this.answeredUnpriced].find(
      (model) => model && !this.options.pricing.find(model),
    );
    if (unpriced) {
      const message = unpricedModelMessage(unpriced);
      return {
        message,
        event: { kind: "error", source: "unknown_model", model: unpriced, message, refused: true },
      };
    }
    return null;
  }

  /** A model answered without a price: its cost is reported as unknown. */
  answeredWithoutPrice(model: string): RunEvent {
    this.answeredUnpriced.add(model);
    return {
      kind: "error",
      source: "unknown_model",
      model,
      message: `no price known for model ${model}: its API cost is reported as unknown (add it under "pricing" in the config)`,
    };
  }

  /** After a metered response: the caps at their warning, or reached by it. */
  afterResponse(): RunEvent[] {
    const caps = this.options.caps();
    if (!this.anyCap(caps)) return [];
    return capsAtWarning(caps, this.spent(caps)).map((status) =>
      status.spentNanoUsd >= status.limitNanoUsd
        ? { kind: "cap_reached", cap: status, message: capCrossedMessage(status) }
        : { kind: "cap_warning", cap: status },
    );
  }
}

function unpricedModelMessage(model: string): string {
  return (
    `claude-fallback gateway: no price is known for model ${model}, so your API spending caps cannot be kept; ` +
    `nothing was sent to Anthropic. Add its prices under "pricing" in your claude-fallback config ` +
    `(e.g. "${model}": {"input": 3, "output": 15}, $ per million tokens), or set api_model to a priced model.`
  );
}

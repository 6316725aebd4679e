import { formatCents, nanoToDecimalUsd } from "../money.js";

/** The demo's steps, in order; the narration numbers them `▶ n/5`. */
export const DEMO_STEPS = [
  "Claude Code starts under claude-fallback, on the subscription",
  "a prompt on the subscription",
  "a second prompt hits the subscription's 5-hour limit: auto_switch switches to API billing",
  "the same conversation continues on API billing, through the metering gateway",
  "the limit resets: back to the subscription, and a last prompt goes there",
] as const;

export function stepLine(index: number, detail = ""): string {
  const text = DEMO_STEPS[index] ?? "";
  return `▶ ${index + 1}/${DEMO_STEPS.length} ${text}${detail ? ` ${detail}` : ""}…`;
}

export function doneLine(text: string): string {
  return `  ✓ ${text}`;
}

export function failLine(text: string): string {
  return `  ✗ ${text}`;
}

/** What the demo saw, from the simulator's request log and the ledger. */
export interface DemoFacts {
  /** Claude Code's session id on the subscription before the switch, on API billing, and after the revert. */
  sessionIds: { subscription: string | null; api: string | null; afterRevert: string | null };
  requests: { subscription: number; limited: number; api: number };
  /** Exact API spend of the run, integer nano-dollars, from the ledger. */
  costNanoUsd: number;
  /** API requests whose cost the price table does not know (not in `costNanoUsd`). */
  unknownCostRequests: number;
  /** Billing and HTTP status of the last prompt (after the reset). */
  lastPrompt: { billing: string | null; status: number | null };
  elapsedMs: number;
}

export function costText(nanoUsd: number, unknownCostRequests = 0): string {
  const unknown = unknownCostRequests > 0 ? ` + ${unknownCostRequests} request(s) of unknown cost` : "";
  return `${formatCents(nanoUsd)} (exactly $${nanoToDecimalUsd(nanoUsd)}, ${nanoUsd.toLocaleString("en-US")} nano-dollars)${unknown}`;
}

/** True when the facts tell the whole story: same session throughout, API used and paid, back on the subscription. */
export function storyHolds(facts: DemoFacts): boolean {
  const { sessionIds: ids } = facts;
  return (
    ids.subscription !== null &&
    ids.subscription === ids.api &&
    ids.api === ids.afterRevert &&
    facts.requests.api > 0 &&
    facts.requests.limited > 0 &&
    facts.lastPrompt.billing === "subscription" &&
    facts.lastPrompt.status === 200
  );
}

/** The closing summary, one fact per line. */
export function summaryLines(facts: DemoFacts): string[] {
  const ids = facts.sessionIds;
  const same = ids.subscription !== null && ids.subscription === ids.api && ids.api === ids.afterRevert;
  const sessionLine = same
    ? `${ids.subscription} — the same before the switch, on API billing and after the revert`
    : `subscription ${ids.subscription ?? "?"}, api ${ids.api ?? "?"}, after the revert ${ids.afterRevert ?? "?"} — NOT the same`;
  const last =
    facts.lastPrompt.billing === "subscription" && facts.lastPrompt.status === 200
      ? "the last prompt went back to the subscription (HTTP 200)"
      : `the last prompt went to ${facts.lastPrompt.billing ?? "nowhere"} (HTTP ${facts.lastPrompt.status ?? "-"})`;
  const rows: [string, string][] = [
    ["Claude session", sessionLine],
    [
      "Requests",
      `subscription ${facts.requests.subscription} (${facts.requests.limited} refused at the limit) · api ${facts.requests.api}`,
    ],
    ["API cost", `${costText(facts.costNanoUsd, facts.unknownCostRequests)}, from the ledger`],
    ["After the reset", last],
    ["Wall time", `${(facts.elapsedMs / 1000).toFixed(1)} s`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return [
    storyHolds(facts) ? "Summary: the whole story, offline" : "Summary: the story did NOT hold",
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
  ];
}

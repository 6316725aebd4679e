/** Who pays for Claude's requests (SPEC §2): the user's subscription login, or their API key through our gateway. */
export type BillingMode = "subscription" | "api";

export const BILLING_MODES: readonly BillingMode[] = ["subscription", "api"];

/** "your subscription", "API billing": how a mode is named in a sentence. */
export function billingModeName(mode: BillingMode): string {
  return mode === "api" ? "API billing" : "your subscription";
}

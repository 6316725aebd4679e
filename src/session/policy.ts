import type { Config } from "../config/schema.js";

/** A headless run without auto_switch: it cannot ask. */
export const AUTO_SWITCH_OFF_REASON = "a headless run cannot ask, and auto_switch is off";

/** What to do when the subscription limit is hit (SPEC §4.4). */
export type LimitDecision = "auto" | "ask" | "notify";

export interface PolicyInput {
  config: Pick<Config, "auto_switch" | "prompt_before_switch">;
  /** An API key is configured (the command is not run to find out). */
  hasKey: boolean;
  /** No terminal to ask on (`claude -p`). */
  headless: boolean;
  /** The user already agreed in this run ("yes for this run", or a yes before a revert). */
  approvedThisRun: boolean;
  /** Why API billing could not take a single request now (a cap already reached), if so. */
  apiRefusal?: string | null;
}

export interface PolicyOutcome {
  decision: LimitDecision;
  /** Why, in words a notification can use. */
  reason: string;
}

/** SPEC §4.9: without a key a limit only notifies, and says how to add one. */
export const NO_KEY_REASON =
  "no API key is configured for API billing: set CLAUDE_FALLBACK_API_KEY, or api_key_command / api_key in the config (claude-fallback config init)";

export function decideOnLimit(input: PolicyInput): PolicyOutcome {
  if (!input.hasKey) return { decision: "notify", reason: NO_KEY_REASON };
  // Switching would only trade the limit for a refusal.
  if (input.apiRefusal) return { decision: "notify", reason: input.apiRefusal };
  if (input.config.auto_switch) return { decision: "auto", reason: "auto_switch is on" };
  if (input.approvedThisRun)
    return { decision: "auto", reason: "you agreed to API billing earlier in this run" };
  if (input.headless) return { decision: "notify", reason: AUTO_SWITCH_OFF_REASON };
  if (input.config.prompt_before_switch) return { decision: "ask", reason: "prompt_before_switch is on" };
  return { decision: "notify", reason: "auto_switch and prompt_before_switch are off" };
}

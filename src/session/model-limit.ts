/**
 * The free option first (SPEC §11): a per-model weekly limit ("You've hit your Opus limit") stops
 * only that family of models, so the same conversation can go on with another model on the
 * subscription, for nothing. PURE.
 */

import type { Config } from "../config/schema.js";
import type { LimitInfo } from "../detect/limit.js";
import { windowModelFamily } from "../detect/windows.js";

export interface ModelLimitConfig {
  onModelLimit: Config["on_model_limit"];
  /** `fallback_model`; null: Sonnet for an Opus limit, Opus for a Sonnet limit. */
  fallbackModel: string | null;
}

/** The model a limit of `family` continues on. */
export function fallbackModelFor(family: "opus" | "sonnet", configured: string | null): string {
  return configured ?? (family === "opus" ? "sonnet" : "opus");
}

/**
 * The free model for this limit, when there is one to offer: a per-model window, reached while
 * Claude runs on the user's own model on the subscription, and a rule other than "api".
 */
export function freeModelFor(
  limit: LimitInfo,
  config: ModelLimitConfig | undefined,
  state: { mode: string; model: string | null },
): string | null {
  const family = windowModelFamily(limit.window);
  if (!family || !config || config.onModelLimit === "api") return null;
  if (state.mode !== "subscription" || state.model !== null) return null;
  return fallbackModelFor(family, config.fallbackModel);
}

/**
 * The subscription's usage windows as people read them, one table for every place that names
 * one (prompt, notices, `status`, `monitor`, the menu). The words follow Claude Code's own
 * ("You've hit your weekly limit", "You've hit your Opus limit").
 */
import type { LimitWindow } from "./messages.js";

const WINDOW_LABELS: Record<LimitWindow, string> = {
  five_hour: "5-hour",
  seven_day: "weekly",
  seven_day_opus: "weekly Opus",
  seven_day_sonnet: "weekly Sonnet",
  seven_day_overage_included: "weekly (overage included)",
  extra_usage: "extra usage",
  spending_cap: "spending cap",
  credit: "usage credit",
};

/** "5-hour", "weekly Opus"; an unknown id with its underscores as spaces; "usage" when none is known. */
export function windowLabel(window: string | null): string {
  if (window === null) return "usage";
  return (WINDOW_LABELS as Record<string, string>)[window] ?? window.replaceAll("_", " ");
}

/** The model family a per-model window limits ("opus", "sonnet"), or null for a shared window. */
export function windowModelFamily(window: string | null): "opus" | "sonnet" | null {
  if (window === "seven_day_opus") return "opus";
  if (window === "seven_day_sonnet") return "sonnet";
  return null;
}

/**
 * A window's use as people read it, a whole percentage 0–100: rounded, but 100 only once it is all
 * used — 99.6 % shown as 100 would read as the limit reached while the subscription still answers.
 */
export function percentText(usedPercentage: number): number {
  if (usedPercentage >= 100) return 100;
  return Math.min(99, Math.max(0, Math.round(usedPercentage)));
}

/**
 * A window whose reset has passed is a new window: the use last seen of it no longer holds (after
 * a revert at the reset, Claude Code still reports the 100 % that limited it). Unknown resets never pass.
 */
export function windowHasReset(resetsAt: number | null, now: number): boolean {
  return resetsAt !== null && resetsAt <= now;
}

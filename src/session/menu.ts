/**
 * The wrapper's overlays as pure functions (SPEC §4.4, §4.7): the limit prompt and the menu
 * pages are drawn from the run's state ({@link pageFor}), and a key on a page is turned into
 * what it does ({@link actionFor}). Only the keys a page shows do anything.
 */
import type { BillingMode } from "../billing.js";
import { windowLabel } from "../detect/windows.js";
import type { RateWindow } from "../hooks/status-input.js";
import { formatUsd, nanoToUsd } from "../money.js";
import { type CapConfig, type CapStatus, capLabel, capReachedText } from "../usage/caps.js";
import type { SpendSnapshot } from "../usage/spend.js";
import { type PromptContext, promptLines } from "./wording.js";

/**
 * `armed`: the prompt takes answers. It is drawn unarmed and armed once it has been seen and the
 * keyboard is still (the pty shell times it): a letter typed on for Claude as the prompt appears
 * must never answer it.
 */
export type Overlay =
  | { kind: "prompt"; prompt: PromptContext; armed: boolean }
  | { kind: "menu"; page: "main" | "usage" };

export interface KeyHint {
  key: string;
  label: string;
}

export interface Page {
  title: string;
  lines: string[];
  keys: KeyHint[];
}

/** What the menu pages are drawn from. */
export interface MenuView {
  /** Where Claude runs, or will once the switch under way (or waiting) is done. */
  mode: BillingMode;
  heading: BillingMode;
  pendingTo: BillingMode | null;
  /** The cap API requests are refused by now, and what it can be raised to for the run (null: it cannot). */
  reachedCap: CapStatus | null;
  raiseTo: number | null;
  caps: CapConfig;
  /** Null when the ledger cannot be read: the spend is then unknown, never $0.00. */
  spend: SpendSnapshot | null;
  /** The subscription's windows as last seen. */
  windows: readonly RateWindow[];
}

export type MenuAction =
  | { type: "answer"; answer: "yes" | "no" | "always" | "model" }
  | { type: "close" }
  | { type: "raise" }
  | { type: "switch"; to: BillingMode }
  | { type: "show"; page: "main" | "usage" }
  /** The prompt is not armed yet: the key is kept for Claude. */
  | { type: "hold" }
  | { type: "none" };

function spendLine(label: string, nano: number | null, cap: number | null): string {
  const amount = nano === null ? "unknown (the usage ledger cannot be read)" : formatUsd(nanoToUsd(nano));
  return `${label}: ${amount}${cap !== null ? ` of ${formatUsd(cap)}` : ""}`;
}

export function pageFor(overlay: Overlay, view: MenuView): Page {
  if (overlay.kind === "prompt") {
    return {
      title: "claude-fallback: subscription limit reached",
      lines: promptLines(overlay.prompt),
      keys: overlay.armed
        ? [
            ...(overlay.prompt.freeModel ? [{ key: "m", label: `free: ${overlay.prompt.freeModel}` }] : []),
            { key: "y", label: "yes" },
            { key: "n", label: "no" },
            { key: "a", label: "yes for this run" },
          ]
        : [
            {
              key: "",
              label: "(the keys to answer come in a moment; what you type until then goes to Claude)",
            },
          ],
    };
  }
  if (overlay.page === "usage") {
    const { spend, caps } = view;
    const windows = view.windows.map((w) => `${windowLabel(w.name)}: ${Math.round(w.usedPercentage)}% used`);
    return {
      title: "claude-fallback: usage and spend",
      lines: [
        `Billing now: ${view.mode === "api" ? "API key" : "subscription"}`,
        spendLine("API spend this run", spend?.run.nanoUsd ?? null, caps.cost_limit_per_session),
        spendLine("API spend today", spend?.day.nanoUsd ?? null, caps.cost_limit_per_day),
        spendLine("API spend this month", spend?.month.nanoUsd ?? null, caps.cost_limit_per_month),
        ...(windows.length > 0 ? [`Subscription: ${windows.join(", ")}`] : []),
      ],
      keys: [{ key: "c", label: "close" }],
    };
  }
  const billing = view.mode === "api" ? "API billing (your key)" : "your subscription";
  const cap = view.reachedCap;
  return {
    title: "claude-fallback",
    lines: [
      `Claude is running on ${billing}.`,
      view.pendingTo ? `A switch to ${view.pendingTo} waits for Claude's turn to end.` : "",
      cap ? `API requests are refused: ${capReachedText(cap)}.` : "",
    ].filter(Boolean),
    keys: [
      ...(cap && view.raiseTo !== null
        ? [
            {
              key: "r",
              label: `raise the ${capLabel(cap.cap)} cap to ${formatUsd(view.raiseTo)} for this run`,
            },
          ]
        : []),
      // The switch offered is the one away from where Claude runs or is about to; none to API
      // billing while a cap refuses every request there.
      ...(view.heading === "api"
        ? [{ key: "s", label: "back to subscription" }]
        : cap
          ? []
          : [{ key: "a", label: "switch to API" }]),
      { key: "u", label: "usage and spend" },
      { key: "c", label: "close" },
    ],
  };
}

/** What `key` does on `page` of `overlay`. */
export function actionFor(overlay: Overlay, page: Page, key: string): MenuAction {
  if (overlay.kind === "prompt") {
    // Saying no costs nothing, so Escape (Ctrl-C) needs no arming: a double Ctrl-C held and given
    // to Claude later would end it.
    if (key === "escape") return { type: "answer", answer: "no" };
    if (!overlay.armed) return { type: "hold" };
    if (key === "m" && overlay.prompt.freeModel) return { type: "answer", answer: "model" };
    if (key === "y") return { type: "answer", answer: "yes" };
    if (key === "a") return { type: "answer", answer: "always" };
    if (key === "n") return { type: "answer", answer: "no" };
    return { type: "none" };
  }
  if (key === "c" || key === "escape" || key === "q") return { type: "close" };
  if (!page.keys.some((shown) => shown.key === key)) return { type: "none" };
  switch (key) {
    case "r":
      return { type: "raise" };
    case "a":
      return { type: "switch", to: "api" };
    case "s":
      return { type: "switch", to: "subscription" };
    case "u":
      return { type: "show", page: "usage" };
    default:
      return { type: "none" };
  }
}

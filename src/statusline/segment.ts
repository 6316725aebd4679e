/**
 * Our status-line segment (SPEC §8), PURE: state in, one short line out. Examples:
 *
 *   SUB 63% ⟳15:00        subscription, highest window utilisation, that window's reset
 *   SUB                   subscription, nothing known (a window that has reset is left out)
 *   SUB limit ⟳15:00      subscription limit reached, resets at 15:00
 *   API $1.24/$10         API billing: this run's spend / the session cap
 *   API $1.24             … without a cap
 *   API cap $10.02/$10    the cap is reached
 *   API daily cap $5.01/$5   a cap over all runs (daily, monthly, until-reset) is reached
 *   API <$0.01/$10        under half a cent spent (never $0.00 for money spent)
 *
 * Below the cap the spend never reads as reaching it ($9.996 of $10 is `API $9.99/$10`): "cap" is
 * shown from the exact comparison in nano-dollars, as `status` and the gateway decide it.
 * Resets more than a day away carry the weekday (`⟳Mon 15:00`). Without a UTF-8 locale the
 * reset mark is `@` instead of `⟳`.
 */

import { LATEST_DATE_MS } from "../dates.js";
import { percentText, windowHasReset } from "../detect/windows.js";
import type { RateWindow } from "../hooks/status-input.js";
import { formatUsdNoZeroCents, formatUsdShort, formatUsdShortBelow, usdToNano } from "../money.js";

export type SegmentState =
  | {
      mode: "subscription";
      /** From the status line's `rate_limits`; any order. */
      windows?: readonly RateWindow[];
      /** The subscription limit in force; `resetsAt` epoch ms, null when unknown. */
      limit?: { resetsAt: number | null } | null;
    }
  | {
      mode: "api";
      /** This run's API spend, USD. */
      spendUsd: number;
      /** More spend expected until the subscription's reset at the recent pace (the forecast), USD. */
      projectedUsd?: number | null;
      /** `cost_limit_per_session`; null for none. */
      capUsd: number | null;
      /** When the subscription comes back, epoch ms (shown as `⟳HH:MM`). */
      subscriptionResetsAt?: number | null;
      /**
       * A cap over more than this run (`daily`, `monthly`, `until-reset`) that refuses API requests
       * now: shown instead of the session's spend, which can be far below its own cap meanwhile.
       */
      reachedCap?: { label: string; spentUsd: number; capUsd: number } | null;
    };

export interface SegmentOptions {
  /** Now, epoch ms. */
  now: number;
  /** IANA zone for reset times; the system's zone when omitted or unknown. */
  zone?: string | undefined;
  /** False when the terminal's locale is not UTF-8: ASCII only. */
  unicode: boolean;
}

type Env = Record<string, string | undefined>;

/** Whether the locale (`LC_ALL`, else `LC_CTYPE`, else `LANG`) is UTF-8. */
export function localeIsUtf8(env: Env): boolean {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || "";
  return /utf-?8/i.test(locale);
}

const ASCII_FOR: [string, string][] = [
  ["…", "..."],
  ["–", "-"],
  ["—", "--"],
  ["≥", ">="],
  ["≤", "<="],
];

/** `text` for a terminal whose locale is not UTF-8: the punctuation we use, in ASCII. */
export function asciiPunctuation(text: string): string {
  // Strings, not a character class: the shipped bundle is ASCII, and esbuild escapes only strings.
  return ASCII_FOR.reduce((result, [glyph, ascii]) => result.replaceAll(glyph, ascii), text);
}

const DAY_MS = 24 * 60 * 60 * 1000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string | undefined, weekday: boolean): Intl.DateTimeFormat {
  const key = `${zone ?? ""}|${weekday}`;
  let format = formatters.get(key);
  if (!format) {
    const options: Intl.DateTimeFormatOptions = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    if (weekday) options.weekday = "short";
    try {
      format = new Intl.DateTimeFormat("en-US", { ...options, timeZone: zone });
    } catch {
      format = new Intl.DateTimeFormat("en-US", options);
    }
    formatters.set(key, format);
  }
  return format;
}

/** `15:00`, or `Mon 15:00` when a day or more away; "" for an unknown, past or impossible instant. */
export function resetLabel(resetsAt: number | null | undefined, options: SegmentOptions): string {
  if (resetsAt === null || resetsAt === undefined || !(resetsAt <= LATEST_DATE_MS) || resetsAt <= options.now)
    return "";
  const far = resetsAt - options.now >= DAY_MS;
  const parts = formatter(options.zone, far).formatToParts(new Date(resetsAt));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  const time = `${part("hour")}:${part("minute")}`;
  return `${options.unicode ? "⟳" : "@"}${far ? `${part("weekday")} ` : ""}${time}`;
}

function join(...parts: string[]): string {
  return parts.filter((part) => part !== "").join(" ");
}

export function formatSegment(state: SegmentState, options: SegmentOptions): string {
  if (state.mode === "api") {
    const { spendUsd, capUsd, reachedCap } = state;
    if (reachedCap)
      return `API ${reachedCap.label} cap ${formatUsdShort(reachedCap.spentUsd)}/${formatUsdNoZeroCents(reachedCap.capUsd)}`;
    const reset = resetLabel(state.subscriptionResetsAt, options);
    // `→$19`: what the spend comes to by the reset at the recent pace.
    const projected =
      state.projectedUsd && reset !== ""
        ? `${options.unicode ? "→" : "->"}${formatUsdShort(spendUsd + state.projectedUsd)}`
        : "";
    if (capUsd === null || !Number.isFinite(capUsd))
      return join("API", formatUsdShort(spendUsd), projected, reset);
    const reached = Number.isFinite(spendUsd) && usdToNano(spendUsd) >= usdToNano(capUsd);
    const spend = `${reached ? formatUsdShort(spendUsd) : formatUsdShortBelow(spendUsd, capUsd)}/${formatUsdNoZeroCents(capUsd)}`;
    return reached ? join("API cap", spend) : join("API", spend, projected, reset);
  }
  if (state.limit) return join("SUB limit", resetLabel(state.limit.resetsAt, options));
  const windows = (state.windows ?? []).filter(
    (window) => Number.isFinite(window.usedPercentage) && !windowHasReset(window.resetsAt, options.now),
  );
  const highest = windows.reduce<RateWindow | null>(
    (best, window) => (best === null || window.usedPercentage > best.usedPercentage ? window : best),
    null,
  );
  if (!highest) return "SUB";
  return join("SUB", `${percentText(highest.usedPercentage)}%`, resetLabel(highest.resetsAt, options));
}

import { DateTime } from "luxon";
import { LATEST_DATE_MS } from "../dates.js";
import { classifyText, type LineClassification, strongest } from "./classify.js";
import type { LimitWindow } from "./messages.js";
import { DEFAULT_RESET_MS, defaultReset, parseResetTime } from "./reset-time.js";

/**
 * The four sources of SPEC §5, most reliable first, normalised to one `LimitSignal`. The first
 * three read one structured record each and live here; the fourth, the screen, needs a scanner
 * that keeps state across chunks (screen.ts).
 * Everything here is pure: the caller passes the instant and the local zone.
 */

export type SignalSource = "stop_failure" | "status_line" | "transcript" | "screen";

/** A window of the message table, or a `rate_limits` key of the status line (`five_hour`, `spend_limit`…). */
export type WindowName = LimitWindow | (string & {});

export interface LimitSignal {
  source: SignalSource;
  /** `limit`: the subscription refused work. `warning`: utilisation is high (notify, never switch). */
  kind: "limit" | "warning";
  window: WindowName | null;
  /**
   * Epoch ms of the reset. A limit always has one: when nothing says when, it is the detection
   * instant + 5 h and `resetAssumed` is true (SPEC §5: the user is told). A warning may have none (null).
   */
  resetsAt: number | null;
  resetAssumed: boolean;
  percent?: number;
  /** The line (or message) the signal came from, for the user and the event log. */
  text?: string;
  /** The message-table entry that matched, when one did. */
  entryId?: string;
}

export interface DetectContext {
  /** Epoch ms of detection (or of the message, when it carries its own time). */
  now: number;
  /** The local IANA zone: reset times printed without a zone are in it. */
  zone: string;
}

const MAX_TEXT = 500;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The signal a table classification stands for; null for throttles (never a limit). */
export function signalFromClassification(
  classification: LineClassification,
  source: SignalSource,
  ctx: DetectContext,
): LimitSignal | null {
  if (classification.kind === "throttle") return null;
  const parsed = classification.resetText === null ? null : parseResetTime(classification.resetText, ctx);
  const signal: LimitSignal = {
    source,
    kind: classification.kind,
    window: classification.window,
    resetsAt: parsed?.at ?? null,
    resetAssumed: parsed?.assumed === true,
    text: classification.line,
    entryId: classification.entryId,
  };
  if (classification.kind === "limit" && parsed === null) {
    signal.resetsAt = defaultReset(ctx.now, ctx.zone).at;
    signal.resetAssumed = true;
  }
  if (classification.percent !== undefined) signal.percent = classification.percent;
  return signal;
}

/**
 * A message that Claude Code ended with `error: "rate_limit"` (StopFailure, or a transcript API
 * error). Claude Code uses that error for more than the subscription limit: a server throttle
 * (429 without the unified headers, "Server is temporarily limiting requests (not your usage
 * limit)"), "Opus is experiencing high load", "Request rejected (429)". Those are recognised by
 * the table as throttles and are not limits. Any other text counts as a limit; its window and
 * reset come from the table when a line matches, else unknown (reset assumed).
 */
function rateLimitSignal(text: string, source: SignalSource, ctx: DetectContext): LimitSignal | null {
  const found = classifyText(text);
  const limit = found.find((classification) => classification.kind === "limit");
  if (limit) return signalFromClassification(limit, source, ctx);
  if (found.some((classification) => classification.kind === "throttle")) return null;
  const signal: LimitSignal = {
    source,
    kind: "limit",
    window: null,
    resetsAt: defaultReset(ctx.now, ctx.zone).at,
    resetAssumed: true,
  };
  const trimmed = text.trim();
  if (trimmed !== "") signal.text = trimmed.slice(0, MAX_TEXT);
  return signal;
}

/**
 * Source 1: the `StopFailure` hook input (`{hook_event_name, error, error_details?,
 * last_assistant_message?}`). `error: "rate_limit"` is a limit unless the message is a
 * throttle; every other error (`overloaded`, `billing_error`, `authentication_failed`, …) is
 * not a subscription limit: null.
 */
export function fromStopFailure(hookInput: unknown, ctx: DetectContext): LimitSignal | null {
  if (!isObject(hookInput)) return null;
  if (hookInput.hook_event_name !== undefined && hookInput.hook_event_name !== "StopFailure") return null;
  if (hookInput.error !== "rate_limit") return null;
  const text = typeof hookInput.last_assistant_message === "string" ? hookInput.last_assistant_message : "";
  return rateLimitSignal(text, "stop_failure", ctx);
}

// ---- status line -------------------------------------------------------------------------------

export interface WindowUtilisation {
  window: WindowName;
  /** `used_percentage` as Claude Code sends it: 0–100, one decimal. */
  percent: number;
  resetsAt: number | null;
}

export interface UtilisationSnapshot {
  /** When it was read (`ctx.now`). */
  at: number;
  /** Known windows first (five_hour, seven_day, seven_day_opus, seven_day_sonnet), then the others by name. */
  windows: WindowUtilisation[];
}

export interface StatusLineReading {
  snapshot: UtilisationSnapshot;
  /** One warning per window at or above `warnAtPercent`, one limit per window at or above 100. */
  signals: LimitSignal[];
}

export interface StatusLineOptions {
  /** `notify_at_percentage` (1–100). */
  warnAtPercent: number;
}

const WINDOW_ORDER = ["five_hour", "seven_day", "seven_day_opus", "seven_day_sonnet"];

/**
 * Source 2: the status-line input's `rate_limits` (Claude Code ≥ 2.1.80; subscriptions only,
 * and only once a response carried the unified utilisation headers). Each window:
 * `{ used_percentage: number, resets_at: epoch seconds }`; `resets_at` may also come as a string
 * of a number, and ISO 8601 strings and epoch milliseconds are accepted too. Windows with an
 * unreadable `used_percentage` are left out; an unreadable `resets_at` is null. Null when there
 * is no usable window at all.
 *
 * A window at ≥ 100 % is reported as kind `limit` with source `status_line`: Claude Code shows
 * 100 % once the window is spent, which is exactly when the next request is refused, but a
 * snapshot is not a refusal. The caller decides whether that alone is enough to act (e.g. act
 * on it when idle, or wait for StopFailure); the hook and transcript remain the authority.
 */
export function fromStatusLine(
  statusInput: unknown,
  ctx: DetectContext,
  options: StatusLineOptions,
): StatusLineReading | null {
  if (!isObject(statusInput) || !isObject(statusInput.rate_limits)) return null;
  const windows: WindowUtilisation[] = [];
  for (const [name, value] of Object.entries(statusInput.rate_limits)) {
    if (!isObject(value)) continue;
    const percent = readNumber(value.used_percentage);
    if (percent === null || percent < 0) continue;
    windows.push({ window: name, percent, resetsAt: readInstant(value.resets_at) });
  }
  if (windows.length === 0) return null;
  const rank = (name: string) => {
    const index = WINDOW_ORDER.indexOf(name);
    return index === -1 ? WINDOW_ORDER.length : index;
  };
  windows.sort((a, b) => rank(a.window) - rank(b.window) || (a.window < b.window ? -1 : 1));

  const signals: LimitSignal[] = [];
  for (const window of windows) {
    const limit = window.percent >= 100;
    if (!limit && !(window.percent >= options.warnAtPercent)) continue;
    const assumed = limit && window.resetsAt === null;
    signals.push({
      source: "status_line",
      kind: limit ? "limit" : "warning",
      window: window.window,
      resetsAt: assumed ? defaultReset(ctx.now, ctx.zone).at : window.resetsAt,
      resetAssumed: assumed,
      percent: window.percent,
    });
  }
  return { snapshot: { at: ctx.now, windows }, signals };
}

function readNumber(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" && /^\s*-?\d+(?:\.\d+)?\s*$/.test(value)) return Number(value);
  return null;
}

/** Epoch seconds (number or numeric string), epoch ms (≥ 1e12), or ISO 8601; null otherwise. */
export function readInstant(value: unknown): number | null {
  const number = readNumber(value);
  if (number !== null) {
    if (number <= 0) return null;
    const ms = Math.round(number >= 1e12 ? number : number * 1000);
    return ms <= LATEST_DATE_MS ? ms : null;
  }
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value.trim())) {
    const parsed = DateTime.fromISO(value.trim(), { zone: "UTC" });
    return parsed.isValid ? parsed.toMillis() : null;
  }
  return null;
}

// ---- transcript ----------------------------------------------------------------------------------

/**
 * Source 3: one record of Claude Code's transcript (JSONL). Only Claude Code's own messages
 * count: an assistant record with `isApiErrorMessage: true` or `message.model: "<synthetic>"`.
 * With `error: "rate_limit"` it is read like StopFailure (a limit unless a throttle); otherwise
 * a synthetic/API-error record counts when its text matches the table (limits and warnings).
 * A normal assistant message never yields a signal, whatever its text quotes.
 *
 * The record's own `timestamp` (when present and valid) is the message instant used for the
 * reset and the default reset; else `ctx.now`.
 */
export function fromTranscriptRecord(record: unknown, ctx: DetectContext): LimitSignal | null {
  if (!isObject(record) || record.type !== "assistant" || !isObject(record.message)) return null;
  const apiError = record.isApiErrorMessage === true;
  const synthetic = record.message.model === "<synthetic>";
  if (!apiError && !synthetic) return null;

  const stamp = typeof record.timestamp === "string" ? Date.parse(record.timestamp) : Number.NaN;
  // A stamp at the end of the Date range (year 275760) is no real one: its default reset could not be a date.
  const usable = Number.isFinite(stamp) && stamp + DEFAULT_RESET_MS <= LATEST_DATE_MS;
  const at: DetectContext = { now: usable ? stamp : ctx.now, zone: ctx.zone };
  const text = messageText(record.message.content);
  if (record.error === "rate_limit") return rateLimitSignal(text, "transcript", at);
  const found = strongest(classifyText(text));
  return found ? signalFromClassification(found, "transcript", at) : null;
}

function messageText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter(
      (block): block is Json => isObject(block) && block.type === "text" && typeof block.text === "string",
    )
    .map((block) => block.text as string)
    .join("\n");
}

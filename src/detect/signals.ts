import { DateTime } from "luxon";
import { LATEST_DATE_MS } from "../dates.js";
import { classifyLine, classifyText, type LineClassification, strongest } from "./classify.js";
import type { LimitWindow } from "./messages.js";
import { DEFAULT_RESET_MS, defaultReset, parseResetTime } from "./reset-time.js";

/**
 * The four sources of SPEC §5, most reliable first, normalised to one `LimitSignal`.
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
   * instant + 5 h and `resetAssumed` is true (SPEC: "say so"). A warning may have none (null).
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

// ---- screen --------------------------------------------------------------------------------------

export interface ScreenScannerOptions {
  /** The local IANA zone (the zone `claude` runs in). */
  zone: string;
  /** Longest partial line kept between chunks; longer lines are dropped whole. Default 2048. */
  maxLineLength?: number;
  /** How many distinct notices are remembered for de-duplication. Default 256. */
  maxRemembered?: number;
}

/** Where the ANSI state machine is: text, after ESC, in ESC + intermediates, in CSI, in a string (OSC…). */
type Mode = "ground" | "escape" | "escape-intermediate" | "csi" | "string" | "string-escape";

/**
 * Source 4: Claude Code's terminal output, as the strings a pty delivers, in any chunking.
 *
 * - The caller decodes bytes to text (node-pty does; otherwise a streaming `TextDecoder`): a
 *   chunk may end inside a line, inside an escape sequence, or between the two halves of a
 *   surrogate pair — all joined with the next chunk.
 * - ANSI is stripped with a small state machine that survives chunk boundaries: CSI (SGR,
 *   modes, bracketed-paste markers `ESC[200~`/`ESC[201~`), OSC (titles, hyperlinks; BEL or ST),
 *   DCS/SOS/PM/APC strings, charset designations (`ESC(B`), two-byte escapes (`ESC7`).
 * - Claude Code's Ink UI draws by moving the cursor. Pragmatically: moves to another row or
 *   position (CUU/CUD/CNL/CPL/CUP/HVP/VPA, `ESC8`, scroll) end the line, like `\n` and `\r`;
 *   horizontal moves within the row (CUF `ESC[nC`, CHA `ESC[nG`, HPR) are a space, because Ink
 *   uses them to skip blank cells between words (`Simulated ESC[13Greply`).
 * - Only whole lines that match the table count (classify.ts); throttles produce nothing.
 * - Redraws: the same notice (entry + normalised line, so also its reset text) yields one
 *   signal; and a limit whose (non-assumed) reset instant was already reported by another line
 *   (`You've hit your 5-hour limit · resets 9:07am (UTC)`, then `Usage limit reached · set to
 *   continue automatically at 9:07am`) is not reported again. `forget()` clears that memory.
 * - Bounded memory: the partial line is capped (`maxLineLength`), as is the de-duplication memory.
 */
export class ScreenScanner {
  private readonly zone: string;
  private readonly maxLineLength: number;
  private readonly maxRemembered: number;
  private mode: Mode = "ground";
  private line = "";
  private overflow = false;
  private params = "";
  private readonly seenNotices = new Set<string>();
  private readonly seenResets = new Set<number>();

  constructor(options: ScreenScannerOptions) {
    this.zone = options.zone;
    this.maxLineLength = Math.max(64, options.maxLineLength ?? 2048);
    this.maxRemembered = Math.max(1, options.maxRemembered ?? 256);
  }

  /** Feeds a chunk of output; returns the signals of the lines it completed. */
  push(chunk: string, now: number): LimitSignal[] {
    const signals: LimitSignal[] = [];
    const ctx: DetectContext = { now, zone: this.zone };
    // Runs of plain text (most of the output) are taken a slice at a time, not a character at a time.
    let index = 0;
    while (index < chunk.length) {
      if (this.mode === "ground" || this.mode === "string") {
        const end = this.mode === "ground" ? plainTextEnd(chunk, index) : stringPayloadEnd(chunk, index);
        if (end > index) {
          if (this.mode === "ground") this.appendText(chunk.slice(index, end));
          index = end;
          continue;
        }
      }
      this.step(chunk[index]!, signals, ctx);
      index++;
    }
    return signals;
  }

  /** End of output: the pending partial line counts as complete. */
  flush(now: number): LimitSignal[] {
    const signals: LimitSignal[] = [];
    this.endLine(signals, { now, zone: this.zone });
    this.mode = "ground";
    return signals;
  }

  /** Forgets the notices already reported (e.g. after the limit reset). */
  forget(): void {
    this.seenNotices.clear();
    this.seenResets.clear();
  }

  private step(char: string, signals: LimitSignal[], ctx: DetectContext): void {
    switch (this.mode) {
      case "ground":
        this.ground(char, signals, ctx);
        return;
      case "escape":
        this.escape(char, signals, ctx);
        return;
      case "escape-intermediate":
        // ESC ( B, ESC # 8, ESC % G …: intermediates 0x20–0x2F, then one final byte.
        if (char < " " || char > "/") this.mode = "ground";
        return;
      case "csi":
        this.csi(char, signals, ctx);
        return;
      case "string":
        // OSC / DCS / SOS / PM / APC payload: ends with BEL, ST (ESC \) or C1 ST.
        if (char === "\x07" || char === "\x9c") this.mode = "ground";
        else if (char === "\x1b") this.mode = "string-escape";
        return;
      case "string-escape":
        if (char === "\\") {
          this.mode = "ground";
          return;
        }
        // An ESC inside a string ends it and starts a new sequence.
        this.mode = "escape";
        this.escape(char, signals, ctx);
        return;
    }
  }

  private ground(char: string, signals: LimitSignal[], ctx: DetectContext): void {
    switch (char) {
      case "\x1b":
        this.mode = "escape";
        return;
      case "\x9b":
        this.params = "";
        this.mode = "csi";
        return;
      case "\x9d":
      case "\x90":
      case "\x98":
      case "\x9e":
      case "\x9f":
        this.mode = "string";
        return;
      case "\n":
      case "\r":
      case "\v":
      case "\f":
        this.endLine(signals, ctx);
        return;
      case "\t":
        this.append(" ");
        return;
      case "\b":
        if (!this.overflow) this.line = this.line.slice(0, -1);
        return;
    }
    if (char < " " || char === "\x7f" || (char >= "\x80" && char < "\xa0")) return;
    this.append(char);
  }

  private escape(char: string, signals: LimitSignal[], ctx: DetectContext): void {
    this.mode = "ground";
    switch (char) {
      case "[":
        this.params = "";
        this.mode = "csi";
        return;
      case "]":
      case "P":
      case "X":
      case "^":
      case "_":
        this.mode = "string";
        return;
      case "\x1b":
        this.mode = "escape";
        return;
      // Restore cursor, index, next line, reverse index, full reset: the cursor leaves the row.
      case "8":
      case "D":
      case "E":
      case "M":
      case "c":
        this.endLine(signals, ctx);
        return;
    }
    if (char >= " " && char <= "/") this.mode = "escape-intermediate";
  }

  private csi(char: string, signals: LimitSignal[], ctx: DetectContext): void {
    if (char >= " " && char <= "?") {
      if (this.params.length < 32) this.params += char;
      return;
    }
    if (char === "\x1b") {
      this.mode = "escape";
      return;
    }
    if (char === "\x18" || char === "\x1a" || char < " ") {
      this.mode = "ground";
      return;
    }
    this.mode = "ground";
    // Private sequences (ESC[?25l, ESC[>0q, ESC[?u) and SGR, modes, erases within the row,
    // bracketed-paste markers (ESC[200~) leave the text alone.
    if (/^[?>=<]/.test(this.params)) return;
    switch (char) {
      case "C": // cursor forward
      case "G": // cursor horizontal absolute
      case "`": // horizontal position absolute
      case "a": // horizontal position relative
        this.append(" ");
        return;
      case "A": // up
      case "B": // down
      case "D": // back: the row is redrawn from there
      case "E": // next line
      case "F": // previous line
      case "H": // position
      case "f": // position
      case "d": // vertical position absolute
      case "e": // vertical position relative
      case "J": // erase display
      case "L": // insert lines
      case "M": // delete lines
      case "S": // scroll up
      case "T": // scroll down
      case "r": // scroll region (homes the cursor)
      case "u": // restore cursor
        this.endLine(signals, ctx);
        return;
    }
  }

  private append(char: string): void {
    this.appendText(char);
  }

  private appendText(text: string): void {
    if (this.overflow) return;
    if (this.line.length + text.length > this.maxLineLength) {
      this.overflow = true;
      this.line = "";
      return;
    }
    this.line += text;
  }

  private endLine(signals: LimitSignal[], ctx: DetectContext): void {
    const raw = this.line;
    const overflowed = this.overflow;
    this.line = "";
    this.overflow = false;
    if (overflowed || raw.trim() === "") return;
    const classified = classifyLine(raw);
    if (!classified) return;
    const noticeKey = `${classified.entryId}\u0000${classified.line}`;
    if (this.seenNotices.has(noticeKey)) return;
    remember(this.seenNotices, noticeKey, this.maxRemembered);
    const signal = signalFromClassification(classified, "screen", ctx);
    if (!signal) return;
    if (signal.kind === "limit" && !signal.resetAssumed && signal.resetsAt !== null) {
      if (this.seenResets.has(signal.resetsAt)) return;
      remember(this.seenResets, signal.resetsAt, this.maxRemembered);
    }
    signals.push(signal);
  }
}

/** End of the run of printable characters from `start`: the next control, DEL or C1 character. */
function plainTextEnd(text: string, start: number): number {
  let index = start;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)) break;
    index++;
  }
  return index;
}

/** End of a string sequence's payload from `start`: the next BEL, ESC or C1 ST. */
function stringPayloadEnd(text: string, start: number): number {
  let index = start;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === 0x07 || code === 0x1b || code === 0x9c) break;
    index++;
  }
  return index;
}

function remember<T>(set: Set<T>, value: T, max: number): void {
  set.add(value);
  while (set.size > max) {
    const oldest = set.values().next();
    if (oldest.done) return;
    set.delete(oldest.value);
  }
}

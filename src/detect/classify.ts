import {
  type LimitWindow,
  MESSAGE_TABLE,
  type MessageEntry,
  type MessageKind,
  windowForName,
} from "./messages.js";
import { MAY_BE_NOTICE } from "./notice-words.js";

/** A line recognised by the message table. */
export interface LineClassification {
  kind: MessageKind;
  entryId: string;
  window: LimitWindow | null;
  /** The reset as printed (`3:47am (UTC)`, `Nov 10, 5pm`, `1749924000`), null when absent. */
  resetText: string | null;
  /** Utilisation in percent, for warnings that print one. */
  percent?: number;
  /** The normalised line that matched. */
  line: string;
}

/**
 * Leading decorations Claude Code draws before its own notices: spaces (NBSP included), box
 * drawing and block elements (U+2500–U+259F: `│ ─ ╭ ▎`), `⎿` (U+23BF), `⏺` (U+23FA), `●`
 * (U+25CF), `⚠` (U+26A0, with or without VS16) and the spinner stars `✢ ✳ ✶ ✻ ✽`.
 * Deliberately NOT decorations: `>` `-` `*` `+` `#` `` ` `` `"` and digits — markdown quotes,
 * list items, emphasis, headings, code and quotations are Claude's prose, never a notice.
 */
const LEADING_DECORATION =
  /^(?:[\s\u2500-\u259f\u23bf\u23fa\u25cf\u26a0\u2722\u2733\u2736\u273b\u273d]|\u{fe0f})+/u;
const TRAILING_DECORATION = /[\s\u2500-\u259f]+$/u;

/** Trims Claude Code's decorations and collapses whitespace (NBSP, narrow NBSP, tabs) to single spaces. */
export function normalizeLine(raw: string): string {
  return raw
    .replace(/[\u00a0\u2007\u202f\t\r]/g, " ")
    .replace(LEADING_DECORATION, "")
    .replace(TRAILING_DECORATION, "")
    .replace(/ {2,}/g, " ");
}

/** Lines longer than this are never a notice (Claude Code's longest is ~250 characters). */
export const MAX_NOTICE_LENGTH = 512;

/** Classifies one line of Claude Code output by the message table; null when no entry matches it whole. */
export function classifyLine(
  raw: string,
  table: readonly MessageEntry[] = MESSAGE_TABLE,
): LineClassification | null {
  if (raw.length > MAX_NOTICE_LENGTH * 2) return null;
  // Most lines are code and prose: one test lets them by without running the table's patterns.
  if (table === MESSAGE_TABLE && !MAY_BE_NOTICE.test(raw)) return null;
  const line = normalizeLine(raw);
  if (line === "" || line.length > MAX_NOTICE_LENGTH) return null;
  for (const entry of table) {
    if (!line.includes(entry.contains)) continue;
    const match = entry.pattern.exec(line);
    if (!match) continue;
    const groups = match.groups ?? {};
    const named = groups.resetName ?? groups.name;
    const fromName = entry.windowFromName && named !== undefined ? windowForName(named) : null;
    const result: LineClassification = {
      kind: entry.kind,
      entryId: entry.id,
      window: fromName ?? entry.window,
      resetText: groups.reset ?? null,
      line,
    };
    if (groups.percent !== undefined) result.percent = Number(groups.percent);
    return result;
  }
  return null;
}

const FENCE = /^ {0,3}(```|~~~)/;

/**
 * Classifies a multi-line message (StopFailure's `last_assistant_message`, a transcript
 * record's text): each whole line on its own, in order. Lines inside fenced code blocks are
 * skipped. A line that merely contains a notice inside other text (quoted, in backticks, after
 * `> ` or `- `) does not match, because every entry is anchored to the whole line.
 *
 * Whether the text may be trusted at all (Claude Code's own notice versus Claude's prose) is the
 * caller's question: see signals.ts, which only reads synthetic and API-error messages.
 */
export function classifyText(
  text: string,
  table: readonly MessageEntry[] = MESSAGE_TABLE,
): LineClassification[] {
  const found: LineClassification[] = [];
  let fence: string | null = null;
  for (const raw of text.split(/\r?\n|\r/)) {
    const opening = FENCE.exec(raw);
    if (opening) {
      if (fence === null) fence = opening[1]!;
      else if (opening[1] === fence) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const classified = classifyLine(raw, table);
    if (classified) found.push(classified);
  }
  return found;
}

/** The most telling classification: a limit, else a throttle, else a warning. */
export function strongest(found: readonly LineClassification[]): LineClassification | null {
  for (const kind of ["limit", "throttle", "warning"] as const) {
    const hit = found.find((classification) => classification.kind === kind);
    if (hit) return hit;
  }
  return null;
}

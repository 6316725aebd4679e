/**
 * Drawing on top of the child's screen, as pure functions returning escape-sequence strings.
 *
 * An overlay is a bordered box placed with absolute cursor positioning between save-cursor
 * (`ESC 7`) and restore-cursor (`ESC 8`), so the child's cursor, colours and character set are
 * as they were afterwards. Nothing is ever written past the last column, so nothing scrolls.
 *
 * Showing and closing one is `showOverlay` / `closeOverlay` of `PtyShell` in `shells/pty.ts`:
 * the child's output is held while the box is up (its repaints would cover it), and on closing
 * the box is blanked, the held output released and Claude asked to repaint the whole screen.
 */

import { clipToWidth, displayWidth, padToWidth, sanitizeText, wrapToWidth } from "./text-width.js";

/** A key the overlay offers, shown as `[y] yes`; with an empty key, the label alone (a note where the keys go). */
export interface KeyHint {
  key: string;
  label: string;
}

export interface OverlaySpec {
  title: string;
  /** Body text; long lines are word-wrapped to the box. */
  lines: readonly string[];
  keys: readonly KeyHint[];
  /** The terminal's size. */
  cols: number;
  rows: number;
  /** Centre of the screen (default) or its bottom rows. */
  placement?: "center" | "bottom";
  /**
   * Draw the border with ASCII (`+-|`): for terminals that show box-drawing characters two
   * columns wide (CJK "ambiguous width" settings).
   */
  ascii?: boolean;
}

/** A run of text within a row, with its look. */
export interface Segment {
  text: string;
  bold?: boolean;
}

/** Where the overlay goes and what each of its rows holds; every row is exactly `width` columns. */
export interface OverlayLayout {
  /** 1-based screen row and column of the top-left corner. */
  top: number;
  left: number;
  width: number;
  height: number;
  rows: Segment[][];
}

/** The widest box drawn, in columns: wider text is wrapped rather than spread across a big screen. */
const MAX_BOX_WIDTH = 76;
/** Below this many columns or rows a box does not fit: the overlay becomes one line. */
const MIN_BOX_COLS = 12;
const MIN_BOX_ROWS = 3;

const UNICODE_BORDER = {
  topLeft: "┌",
  topRight: "┐",
  bottomLeft: "└",
  bottomRight: "┘",
  horizontal: "─",
  vertical: "│",
};
const ASCII_BORDER = {
  topLeft: "+",
  topRight: "+",
  bottomLeft: "+",
  bottomRight: "+",
  horizontal: "-",
  vertical: "|",
};

const SAVE_CURSOR = "\x1b7";
const RESTORE_CURSOR = "\x1b8";
const BEGIN_SYNC = "\x1b[?2026h";
const END_SYNC = "\x1b[?2026l";
/**
 * After saving the cursor: absolute positioning (origin mode off), ASCII in G0 and G0 selected,
 * plain attributes. `ESC 8` brings the child's settings back.
 */
const NEUTRAL = "\x1b[?6l\x1b(B\x0f\x1b[0m";

/** The bell: most terminals beep or flash, some mark the tab. */
export const BELL = "\x07";

/** Computes where the overlay goes and its rows (exported for tests and for custom renderers). */
export function layoutOverlay(spec: OverlaySpec): OverlayLayout {
  const cols = Math.max(1, Math.floor(spec.cols));
  const rows = Math.max(1, Math.floor(spec.rows));
  const title = sanitizeText(spec.title);
  const lines = spec.lines.map(sanitizeText);
  const hints = spec.keys.map((hint) =>
    hint.key === "" ? sanitizeText(hint.label) : `[${sanitizeText(hint.key)}] ${sanitizeText(hint.label)}`,
  );

  if (cols < MIN_BOX_COLS || rows < MIN_BOX_ROWS) return compactLayout(title, hints, cols, rows);

  const border = spec.ascii ? ASCII_BORDER : UNICODE_BORDER;
  const naturalInner = Math.max(
    displayWidth(title) + 4,
    ...lines.map(displayWidth),
    displayWidth(hints.join("  ")),
    16,
  );
  const width = Math.min(cols, MAX_BOX_WIDTH, naturalInner + 4);
  const inner = width - 4;

  const body = lines.flatMap((line) => wrapToWidth(line, inner));
  const keyLines = wrapHints(hints, inner);
  const available = rows - 2; // less the top and bottom border
  const fitted = fitRows(body, keyLines, available);

  const side = (content: Segment[]): Segment[] => [
    { text: `${border.vertical} ` },
    ...content,
    { text: ` ${border.vertical}` },
  ];
  const contentRows: Segment[][] = [
    ...fitted.body.map((line) => side([{ text: padToWidth(line, inner) }])),
    ...(fitted.separator ? [side([{ text: " ".repeat(inner) }])] : []),
    ...fitted.keys.map((line) => side(hintSegments(line, inner))),
  ];
  const height = contentRows.length + 2;
  const top = spec.placement === "bottom" ? rows - height + 1 : Math.floor((rows - height) / 2) + 1;
  const left = Math.floor((cols - width) / 2) + 1;
  return {
    top,
    left,
    width,
    height,
    rows: [topBorder(title, width, border), ...contentRows, bottomBorder(width, border)],
  };
}

/** The overlay as an escape-sequence string, drawn over whatever the screen shows. */
export function renderOverlay(spec: OverlaySpec): string {
  const layout = layoutOverlay(spec);
  let out = SAVE_CURSOR + BEGIN_SYNC + NEUTRAL;
  layout.rows.forEach((row, index) => {
    out += cursorTo(layout.top + index, layout.left);
    for (const segment of row) out += segment.bold ? `\x1b[1m${segment.text}\x1b[22m` : segment.text;
  });
  return `${out}\x1b[0m${RESTORE_CURSOR}${END_SYNC}`;
}

/**
 * Blanks the area {@link renderOverlay} drew for the same spec. The child's forced redraw then
 * paints its screen again; blanking first means a child that repaints only what changed leaves
 * empty cells rather than a stale box.
 */
export function clearOverlay(spec: OverlaySpec): string {
  const layout = layoutOverlay(spec);
  let out = SAVE_CURSOR + BEGIN_SYNC + NEUTRAL;
  for (let index = 0; index < layout.height; index++) {
    out += cursorTo(layout.top + index, layout.left) + " ".repeat(layout.width);
  }
  return out + RESTORE_CURSOR + END_SYNC;
}

/**
 * A one-line notice across the top or bottom row (reverse video), for notifications. It is not
 * cleared: the child's next repaint of that row replaces it.
 */
export function renderBanner(
  text: string,
  cols: number,
  rows: number,
  placement: "top" | "bottom" = "bottom",
): string {
  const width = Math.max(1, Math.floor(cols));
  const row = placement === "top" ? 1 : Math.max(1, Math.floor(rows));
  const line = padToWidth(` ${sanitizeText(text)} `, width);
  return `${SAVE_CURSOR}${BEGIN_SYNC}${NEUTRAL}${cursorTo(row, 1)}\x1b[7m${line}\x1b[0m${RESTORE_CURSOR}${END_SYNC}`;
}

/**
 * An OSC 9 desktop notification (iTerm2, kitty, WezTerm, Windows Terminal, foot, Ghostty…;
 * others ignore it). The text is sanitised: no control characters (which could end the OSC and
 * inject sequences), at most 256 characters, and never starting with `digits;`, which ConEmu and
 * Windows Terminal read as a sub-command (`9;4;…` is a progress bar).
 */
export function osc9Notification(text: string): string {
  let body = clipToLength(sanitizeText(text).trim(), 256);
  if (/^\d+;/.test(body)) body = ` ${body}`;
  return `\x1b]9;${body}\x07`;
}

function clipToLength(text: string, maxLength: number): string {
  const characters = [...text];
  return characters.length <= maxLength ? text : `${characters.slice(0, maxLength - 1).join("")}…`;
}

function cursorTo(row: number, column: number): string {
  return `\x1b[${row};${column}H`;
}

type Border = typeof UNICODE_BORDER;

function topBorder(title: string, width: number, border: Border): Segment[] {
  // ┌─ Title ───┐ : one rule before the title, a space each side, at least one rule after.
  const room = width - 6;
  const clipped = room >= 1 ? clipToWidth(title, room) : "";
  if (clipped === "")
    return [{ text: border.topLeft + border.horizontal.repeat(width - 2) + border.topRight }];
  const fill = width - 5 - displayWidth(clipped);
  return [
    { text: `${border.topLeft}${border.horizontal} ` },
    { text: clipped, bold: true },
    { text: ` ${border.horizontal.repeat(fill)}${border.topRight}` },
  ];
}

function bottomBorder(width: number, border: Border): Segment[] {
  return [{ text: border.bottomLeft + border.horizontal.repeat(width - 2) + border.bottomRight }];
}

/** Key hints packed onto lines of `width` columns, two spaces apart; a hint never splits. */
function wrapHints(hints: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const hint of hints) {
    const candidate = line === "" ? hint : `${line}  ${hint}`;
    if (displayWidth(candidate) <= width || line === "") line = candidate;
    else {
      lines.push(line);
      line = hint;
    }
  }
  if (line !== "") lines.push(line);
  return lines.map((entry) => clipToWidth(entry, width));
}

/** A key-hints line with the `[x]` parts bold, padded to `width`. */
function hintSegments(line: string, width: number): Segment[] {
  const segments: Segment[] = [];
  for (const part of line.split(/(\[[^\]]*\])/)) {
    if (part === "") continue;
    segments.push(part.startsWith("[") ? { text: part, bold: true } : { text: part });
  }
  const used = displayWidth(line);
  segments.push({ text: " ".repeat(Math.max(0, width - used)) });
  return segments;
}

/**
 * Chooses which body lines, blank separator and key lines fit in `available` rows: the keys
 * matter most (they say how to answer), then the body, whose last visible line becomes "…"
 * when some is cut.
 */
function fitRows(
  body: string[],
  keys: string[],
  available: number,
): { body: string[]; separator: boolean; keys: string[] } {
  const keyRows = keys.slice(0, Math.max(0, available));
  let room = available - keyRows.length;
  const separator = keyRows.length > 0 && body.length > 0 && room >= body.length + 1;
  if (separator) room -= 1;
  if (body.length <= room) return { body, separator, keys: keyRows };
  const shown = room > 0 ? [...body.slice(0, room - 1), "…"] : [];
  return { body: shown, separator, keys: keyRows };
}

/** One line: the title and the keys, at the bottom of a screen too small for a box. */
function compactLayout(title: string, hints: readonly string[], cols: number, rows: number): OverlayLayout {
  const text = [title, ...hints].filter((part) => part !== "").join(" ");
  return {
    top: rows,
    left: 1,
    width: cols,
    height: 1,
    rows: [[{ text: padToWidth(text, cols) }]],
  };
}

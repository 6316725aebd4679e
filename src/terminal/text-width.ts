/**
 * Terminal column widths of text, pure: enough of Unicode's East Asian Width and emoji rules to
 * lay out an overlay without writing past the screen's edge. Wide (CJK, fullwidth) characters and
 * emoji take two columns, combining marks and zero-width characters none.
 */

/** Ranges of East Asian Wide (W) and Fullwidth (F) code points, from Unicode's EastAsianWidth.txt. */
const WIDE_RANGES: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x23f0, 0x23f0],
  [0x23f3, 0x23f3],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2648, 0x2653],
  [0x267f, 0x267f],
  [0x2693, 0x2693],
  [0x26a1, 0x26a1],
  [0x26aa, 0x26ab],
  [0x26bd, 0x26be],
  [0x26c4, 0x26c5],
  [0x26ce, 0x26ce],
  [0x26d4, 0x26d4],
  [0x26ea, 0x26ea],
  [0x26f2, 0x26f3],
  [0x26f5, 0x26f5],
  [0x26fa, 0x26fa],
  [0x26fd, 0x26fd],
  [0x2705, 0x2705],
  [0x270a, 0x270b],
  [0x2728, 0x2728],
  [0x274c, 0x274c],
  [0x274e, 0x274e],
  [0x2753, 0x2755],
  [0x2757, 0x2757],
  [0x2795, 0x2797],
  [0x27b0, 0x27b0],
  [0x27bf, 0x27bf],
  [0x2b1b, 0x2b1c],
  [0x2b50, 0x2b50],
  [0x2b55, 0x2b55],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff],
  [0x1b000, 0x1b2ff],
  [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf],
  [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a],
  [0x1f200, 0x1f251],
  [0x1f300, 0x1f64f],
  [0x1f680, 0x1f6ff],
  [0x1f7e0, 0x1f7eb],
  [0x1f90c, 0x1f9ff],
  [0x1fa70, 0x1faff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\u200b\u{e0000}-\u{e007f}]$/u;
const EMOJI_PRESENTATION = /\p{Emoji_Presentation}|\p{Extended_Pictographic}\ufe0f/u;
/** C0 and C1 controls and DEL: never sent to the terminal as text. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/gu;

let segmenter: Intl.Segmenter | undefined;

/** Made at first use: creating one loads ICU's break rules (~13 ms), which a run without the menu never needs. */
function graphemes(text: string): Intl.Segments {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  return segmenter.segment(text);
}

function isWide(codePoint: number): boolean {
  let low = 0;
  let high = WIDE_RANGES.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const [start, end] = WIDE_RANGES[middle]!;
    if (codePoint < start) high = middle - 1;
    else if (codePoint > end) low = middle + 1;
    else return true;
  }
  return false;
}

/** Columns one grapheme cluster takes: 0, 1 or 2. */
export function graphemeWidth(grapheme: string): number {
  const first = grapheme.codePointAt(0);
  if (first === undefined) return 0;
  if (EMOJI_PRESENTATION.test(grapheme)) return 2;
  if (isWide(first)) return 2;
  if (ZERO_WIDTH.test(String.fromCodePoint(first))) {
    // A cluster of only zero-width code points (a stray combining mark, a ZWJ).
    return [...grapheme].every((character) => ZERO_WIDTH.test(character)) ? 0 : 1;
  }
  return 1;
}

/** Columns `text` takes on a terminal (controls count as nothing: strip them first). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const { segment } of graphemes(text)) width += graphemeWidth(segment);
  return width;
}

/**
 * `text` made safe to print as plain text: controls (which could move the cursor, change modes or
 * end an OSC early) removed, tabs and newlines turned into spaces.
 */
export function sanitizeText(text: string): string {
  return text.replace(/[\t\n\r]/g, " ").replace(CONTROL, "");
}

/** The longest prefix of `text` that fits in `width` columns, with `ellipsis` if it was cut. */
export function clipToWidth(text: string, width: number, ellipsis = "…"): string {
  if (width <= 0) return "";
  if (displayWidth(text) <= width) return text;
  const ellipsisWidth = displayWidth(ellipsis);
  const room = width - ellipsisWidth;
  if (room < 0) return "";
  let out = "";
  let used = 0;
  for (const { segment } of graphemes(text)) {
    const columns = graphemeWidth(segment);
    if (used + columns > room) break;
    out += segment;
    used += columns;
  }
  return out + ellipsis;
}

/** `text` padded with spaces to exactly `width` columns (clipped first if longer). */
export function padToWidth(text: string, width: number): string {
  const clipped = clipToWidth(text, width);
  return clipped + " ".repeat(Math.max(0, width - displayWidth(clipped)));
}

/**
 * Word-wraps `text` to lines of at most `width` columns; words longer than a line are broken
 * between graphemes. Always at least one line.
 */
export function wrapToWidth(text: string, width: number): string[] {
  if (width <= 0) return [""];
  const lines: string[] = [];
  let line = "";
  let lineWidth = 0;
  const flush = () => {
    if (lineWidth === 0) return;
    lines.push(line.trimEnd());
    line = "";
    lineWidth = 0;
  };
  for (const word of text.split(/(\s+)/)) {
    if (word === "") continue;
    if (/^\s+$/.test(word)) {
      if (lineWidth > 0 && lineWidth + 1 <= width) {
        line += " ";
        lineWidth += 1;
      }
      continue;
    }
    const wordWidth = displayWidth(word);
    if (lineWidth + wordWidth > width) flush();
    if (wordWidth <= width) {
      line += word;
      lineWidth += wordWidth;
      continue;
    }
    for (const { segment } of graphemes(word)) {
      const columns = graphemeWidth(segment);
      if (columns > width) continue; // a wide character in a one-column box: leave it out
      if (lineWidth + columns > width) flush();
      line += segment;
      lineWidth += columns;
    }
  }
  flush();
  return lines.length > 0 ? lines : [""];
}

import { classifyLine } from "./classify.js";
import { type DetectContext, type LimitSignal, signalFromClassification } from "./signals.js";

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
  /** The CSI being read is private (its first parameter character is `?`, `>`, `=` or `<`); null before it has one. */
  private csiPrivate: boolean | null = null;
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
    // Runs of plain text (most of the output), string payloads, CSI parameters and CSIs that lie
    // whole in the chunk are taken a run at a time, not a character at a time.
    let index = 0;
    while (index < chunk.length) {
      if (this.mode === "ground") {
        const end = plainTextEnd(chunk, index);
        if (end > index) {
          this.appendText(chunk.slice(index, end));
          index = end;
          continue;
        }
        const after = this.wholeCsi(chunk, index, signals, ctx);
        if (after !== -1) {
          index = after;
          continue;
        }
      } else if (this.mode === "string") {
        const end = stringPayloadEnd(chunk, index);
        if (end > index) {
          index = end;
          continue;
        }
      } else if (this.mode === "csi") {
        const end = csiParametersEnd(chunk, index);
        if (end > index) {
          this.csiPrivate ??= isPrivateCsiMarker(chunk.charCodeAt(index));
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
        this.csiPrivate = null;
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
        this.csiPrivate = null;
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
      this.csiPrivate ??= isPrivateCsiMarker(char.charCodeAt(0));
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
    this.endCsi(char, signals, ctx);
  }

  /**
   * `ESC [`, parameters and final character, all in `chunk` from `start`: the same as stepping
   * through them. Returns the index after it, or -1 when there is none whole there.
   */
  private wholeCsi(chunk: string, start: number, signals: LimitSignal[], ctx: DetectContext): number {
    if (chunk.charCodeAt(start) !== 0x1b || chunk.charCodeAt(start + 1) !== 0x5b) return -1;
    const parameters = start + 2;
    const final = csiParametersEnd(chunk, parameters);
    if (final === chunk.length || chunk.charCodeAt(final) < 0x40) return -1;
    this.csiPrivate = final > parameters && isPrivateCsiMarker(chunk.charCodeAt(parameters));
    this.endCsi(chunk[final]!, signals, ctx);
    return final + 1;
  }

  /** The final character of a CSI: where the cursor went decides what becomes of the line. */
  private endCsi(char: string, signals: LimitSignal[], ctx: DetectContext): void {
    this.mode = "ground";
    // Private sequences (ESC[?25l, ESC[>0q, ESC[?u) and SGR, modes, erases within the row,
    // bracketed-paste markers (ESC[200~) leave the text alone.
    if (this.csiPrivate) return;
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

/** End of a CSI's parameter and intermediate characters (0x20–0x3F) from `start`. */
function csiParametersEnd(text: string, start: number): number {
  let index = start;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code > 0x3f) break;
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

/** `?`, `>`, `=` or `<` first in a CSI: a private sequence (`ESC[?25l`, `ESC[>0q`), which leaves the text alone. */
function isPrivateCsiMarker(code: number): boolean {
  return code >= 0x3c && code <= 0x3f;
}

function remember<T>(set: Set<T>, value: T, max: number): void {
  set.add(value);
  while (set.size > max) {
    const oldest = set.values().next();
    if (oldest.done) return;
    set.delete(oldest.value);
  }
}

import { WORD_HIT_FROM, WORD_NEXT, WORD_SYMBOL } from "./notice-words.js";
import { ScreenNotices } from "./screen-notices.js";
import type { DetectContext, LimitSignal } from "./signals.js";

export interface ScreenScannerOptions {
  /** The local IANA zone (the zone `claude` runs in). */
  zone: string;
  /** Longest line read, in characters (UTF-16 units); longer lines are dropped whole. Default 2048. */
  maxLineLength?: number;
  /** How many distinct notices are remembered for de-duplication. Default 256. */
  maxRemembered?: number;
}

// Where the ANSI state machine is. C1 controls (U+0080–U+009F) come as UTF-8, C2 80–C2 9F: "after
// C2" holds the decision until the next byte. "Skip" passes the continuation bytes of a character
// that ended or broke off a sequence (as the character itself was, whole).
const GROUND = 0;
const GROUND_AFTER_C2 = 1;
const ESCAPE = 2;
const ESCAPE_INTERMEDIATE = 3;
const CSI = 4;
const STRING = 5;
const STRING_AFTER_C2 = 6;
const STRING_ESCAPE = 7;
const SKIP_CONTINUATION = 8;

const ESC = 0x1b;
const BEL = 0x07;
const C2 = 0xc2;
/** In {@link TEXT_SYMBOL}: a byte the ground state acts on (C0 controls, DEL, C2), not text. */
const CONTROL = 0xff;

/** For each byte in the ground state: CONTROL, or its symbol for the notice-word automaton. */
const TEXT_SYMBOL = Uint8Array.from(WORD_SYMBOL, (symbol, byte) =>
  byte < 0x20 || byte === 0x7f || byte === C2 ? CONTROL : symbol,
);

const utf8 = new TextDecoder();

/**
 * Source 4: Claude Code's terminal output, as the bytes a pty delivers, in any chunking.
 *
 * - A chunk may end anywhere: inside a line, an escape sequence or a UTF-8 character.
 * - ANSI is stripped with a small state machine that survives chunk boundaries: CSI (SGR,
 *   modes, bracketed-paste markers `ESC[200~`/`ESC[201~`), OSC (titles, hyperlinks; BEL or ST),
 *   DCS/SOS/PM/APC strings, charset designations (`ESC(B`), two-byte escapes (`ESC7`), and the
 *   C1 forms of CSI, the strings and ST.
 * - Claude Code's Ink UI draws by moving the cursor. Pragmatically: moves to another row or
 *   position (CUU/CUD/CNL/CPL/CUP/HVP/VPA, `ESC8`, scroll) end the line, like `\n` and `\r`;
 *   horizontal moves within the row (CUF `ESC[nC`, CHA `ESC[nG`, HPR) are a space, because Ink
 *   uses them to skip blank cells between words (`Simulated ESC[13Greply`).
 * - Nearly every line is code or prose. The walk over the bytes steps an automaton of the words
 *   every notice has (notice-words.ts); only a line holding one is built — its text walked again,
 *   decoded — and matched against the table (classify.ts), whole; throttles produce nothing.
 * - Redraws: each notice is one signal however often it is drawn (screen-notices.ts);
 *   `forget()` clears that memory.
 * - Bounded: a line longer than `maxLineLength` characters is dropped whole, and so is one whose
 *   text ever passed three bytes a character of it (however it is cut into chunks, backspaced or
 *   not); the de-duplication memory is capped too.
 */
export class ScreenScanner {
  private readonly zone: string;
  private readonly maxLineLength: number;
  /** The most bytes of text a line within `maxLineLength` can have (three a character in UTF-8). */
  private readonly maxLineBytes: number;
  private mode = GROUND;
  /** The CSI being read is private (its first parameter byte is `?`, `>`, `=` or `<`); null before it has one. */
  private csiPrivate: boolean | null = null;
  /** The notice-word automaton's state over the current line's text. */
  private word = 0;
  /** The current line holds a notice word (or a backspace that may have joined one). */
  private candidate = false;
  /** The text bytes of the current line that came in earlier chunks. */
  private carried: number[] = [];
  /** The current line's text passed `maxLineBytes` at some point: it is dropped whole. */
  private overflow = false;
  /** The text being built passed `maxLineBytes`. */
  private tooLong = false;
  /** Where the current line starts in the chunk being read, and the machine's state there. */
  private lineStart = 0;
  private lineStartMode = GROUND;
  private lineStartPrivate: boolean | null = null;
  private signals: LimitSignal[] = [];
  private ctx: DetectContext;
  private readonly notices: ScreenNotices;

  constructor(options: ScreenScannerOptions) {
    this.zone = options.zone;
    this.maxLineLength = Math.max(64, options.maxLineLength ?? 2048);
    this.maxLineBytes = 3 * this.maxLineLength;
    this.notices = new ScreenNotices(Math.max(1, options.maxRemembered ?? 256));
    this.ctx = { now: 0, zone: this.zone };
  }

  /** Feeds a chunk of output; returns the signals of the lines it completed. */
  push(chunk: Uint8Array, now: number): LimitSignal[] {
    this.signals = [];
    this.ctx = { now, zone: this.zone };
    this.lineStart = 0;
    this.lineStartMode = this.mode;
    this.lineStartPrivate = this.csiPrivate;
    this.walk(chunk, 0, chunk.length, null);
    // The line goes on in the next chunk: keep its text (it may yet turn out to be a notice).
    if (!this.overflow && this.lineStart < chunk.length) {
      this.textOf(chunk, this.lineStart, chunk.length, this.carried);
      if (this.tooLong) {
        this.overflow = true;
        this.carried = [];
      }
    }
    return this.signals;
  }

  /** End of output: the pending partial line counts as complete. */
  flush(now: number): LimitSignal[] {
    this.signals = [];
    this.ctx = { now, zone: this.zone };
    this.endLine(null, 0);
    this.mode = GROUND;
    return this.signals;
  }

  /** Forgets the notices already reported (e.g. after the limit reset). */
  forget(): void {
    this.notices.forget();
  }

  /**
   * Runs the machine over `chunk[from, to)`. Reading (`text` null): steps the word automaton and
   * ends lines. Building (`text` given): appends the bytes of the line's text, spaces for
   * horizontal moves, and sees no line end (the range is one line's).
   */
  private walk(chunk: Uint8Array, from: number, to: number, text: number[] | null): void {
    let index = from;
    while (index < to) {
      const mode = this.mode;
      // Runs of text, CSI parameters and string payloads (most of the output) in tight loops.
      if (mode === GROUND) {
        index = text ? this.copyText(chunk, index, to, text) : this.readText(chunk, index, to);
        if (index === to) return;
        const after = this.wholeCsi(chunk, index, to, text);
        if (after !== -1) {
          index = after;
          continue;
        }
      } else if (mode === CSI) {
        index = this.csiParameters(chunk, index, to);
        if (index === to) return;
      } else if (mode === STRING) {
        while (index < to && chunk[index] !== BEL && chunk[index] !== ESC && chunk[index] !== C2) index++;
        if (index === to) return;
      }
      if (this.step(chunk[index]!, chunk, index, text)) index++;
    }
  }

  /** Text from `from` through the word automaton; the index of the next control byte. */
  private readText(chunk: Uint8Array, from: number, to: number): number {
    let index = from;
    if (!this.candidate) {
      let word = this.word;
      for (; index < to; index++) {
        const symbol = TEXT_SYMBOL[chunk[index]!]!;
        if (symbol === CONTROL) break;
        word = WORD_NEXT[word + symbol]!;
        if (word >= WORD_HIT_FROM) {
          this.candidate = true;
          break;
        }
      }
      this.word = word;
    }
    while (index < to && TEXT_SYMBOL[chunk[index]!] !== CONTROL) index++;
    return index;
  }

  /** Text from `from` appended to `text`; the index of the next control byte. */
  private copyText(chunk: Uint8Array, from: number, to: number, text: number[]): number {
    let index = from;
    for (; index < to; index++) {
      const byte = chunk[index]!;
      if (TEXT_SYMBOL[byte] === CONTROL) break;
      text.push(byte);
    }
    if (text.length > this.maxLineBytes) this.tooLong = true;
    return index;
  }

  /** A CSI's parameter and intermediate bytes (0x20–0x3F) from `from`; the index after them. */
  private csiParameters(chunk: Uint8Array, from: number, to: number): number {
    let index = from;
    while (index < to && chunk[index]! >= 0x20 && chunk[index]! <= 0x3f) index++;
    if (index > from) this.csiPrivate ??= isPrivateCsiMarker(chunk[from]!);
    return index;
  }

  /**
   * `ESC [`, parameters and an ASCII final byte, all in `chunk[from, to)`: read in one go, as
   * stepping through them would. The index after it, or -1 when there is none whole there.
   */
  private wholeCsi(chunk: Uint8Array, from: number, to: number, text: number[] | null): number {
    if (chunk[from] !== ESC || from + 1 >= to || chunk[from + 1] !== 0x5b) return -1;
    this.csiPrivate = null;
    const final = this.csiParameters(chunk, from + 2, to);
    if (final === to || chunk[final]! < 0x40 || chunk[final]! > 0x7e) return -1;
    this.endCsi(chunk[final]!, chunk, final, text);
    return final + 1;
  }

  /** One byte outside the runs; false when it is to be read again in the state it led to. */
  private step(byte: number, chunk: Uint8Array, index: number, text: number[] | null): boolean {
    switch (this.mode) {
      case GROUND:
        this.groundControl(byte, chunk, index, text);
        return true;
      case GROUND_AFTER_C2:
        this.mode = GROUND;
        if (byte >= 0x80 && byte <= 0x9f) {
          this.c1Control(byte);
          return true;
        }
        // C2 led a character (NBSP…) or nothing valid: it is text, the byte is read as such.
        if (!text) this.word = 0;
        else if (text.push(C2) > this.maxLineBytes) this.tooLong = true;
        return false;
      case ESCAPE:
        this.escape(byte, chunk, index, text);
        return true;
      case ESCAPE_INTERMEDIATE:
        // ESC ( B, ESC # 8, ESC % G …: intermediates 0x20–0x2F, then one final byte.
        if (byte < 0x20 || byte > 0x2f) this.swallowed(byte);
        return true;
      case CSI:
        if (byte === ESC) this.mode = ESCAPE;
        else if (byte < 0x20) this.mode = GROUND;
        else this.endCsi(byte, chunk, index, text);
        return true;
      case STRING:
        // OSC / DCS / SOS / PM / APC payload: ends with BEL, ST (ESC \) or C1 ST.
        if (byte === BEL) this.mode = GROUND;
        else if (byte === ESC) this.mode = STRING_ESCAPE;
        else if (byte === C2) this.mode = STRING_AFTER_C2;
        return true;
      case STRING_AFTER_C2:
        this.mode = STRING;
        if (byte !== 0x9c) return false;
        this.mode = GROUND;
        return true;
      case STRING_ESCAPE:
        if (byte === 0x5c) {
          this.mode = GROUND;
          return true;
        }
        // An ESC inside a string ends it and starts a new sequence.
        this.mode = ESCAPE;
        return false;
      default:
        // SKIP_CONTINUATION: the rest of a character that a sequence swallowed.
        if (byte >= 0x80 && byte <= 0xbf) return true;
        this.mode = GROUND;
        return false;
    }
  }

  private groundControl(byte: number, chunk: Uint8Array, index: number, text: number[] | null): void {
    switch (byte) {
      case ESC:
        this.mode = ESCAPE;
        return;
      case C2:
        this.mode = GROUND_AFTER_C2;
        return;
      case 0x0a:
      case 0x0d:
      case 0x0b:
      case 0x0c:
        this.lineEnd(chunk, index, text);
        return;
      case 0x09:
        this.space(text);
        return;
      case 0x08:
        // Back one character: the one before it may join what follows into a word.
        if (!text) this.candidate = true;
        else popCharacter(text);
        return;
    }
    // Other C0 controls and DEL: nothing on the screen.
  }

  /** U+0080–U+009F: CSI, the string introducers; the others show nothing. */
  private c1Control(byte: number): void {
    if (byte === 0x9b) {
      this.csiPrivate = null;
      this.mode = CSI;
    } else if (byte === 0x9d || byte === 0x90 || byte === 0x98 || byte === 0x9e || byte === 0x9f) {
      this.mode = STRING;
    }
  }

  private escape(byte: number, chunk: Uint8Array, index: number, text: number[] | null): void {
    this.mode = GROUND;
    switch (byte) {
      case 0x5b: // [
        this.csiPrivate = null;
        this.mode = CSI;
        return;
      case 0x5d: // ] OSC
      case 0x50: // P DCS
      case 0x58: // X SOS
      case 0x5e: // ^ PM
      case 0x5f: // _ APC
        this.mode = STRING;
        return;
      case ESC:
        this.mode = ESCAPE;
        return;
      // Restore cursor, index, next line, reverse index, full reset: the cursor leaves the row.
      case 0x38: // 8
      case 0x44: // D
      case 0x45: // E
      case 0x4d: // M
      case 0x63: // c
        this.lineEnd(chunk, index, text);
        return;
    }
    if (byte >= 0x20 && byte <= 0x2f) this.mode = ESCAPE_INTERMEDIATE;
    else this.swallowed(byte);
  }

  /** A sequence ended on `byte` or was broken off by it: back to text, past the rest of its character. */
  private swallowed(byte: number): void {
    this.mode = byte >= 0xc0 ? SKIP_CONTINUATION : GROUND;
  }

  /** The final byte of a CSI: where the cursor went decides what becomes of the line. */
  private endCsi(final: number, chunk: Uint8Array, index: number, text: number[] | null): void {
    this.swallowed(final);
    // Private sequences (ESC[?25l, ESC[>0q, ESC[?u) and SGR, modes, erases within the row,
    // bracketed-paste markers (ESC[200~) leave the text alone.
    if (this.csiPrivate) return;
    switch (final) {
      case 0x43: // C cursor forward
      case 0x47: // G cursor horizontal absolute
      case 0x60: // ` horizontal position absolute
      case 0x61: // a horizontal position relative
        this.space(text);
        return;
      case 0x41: // A up
      case 0x42: // B down
      case 0x44: // D back: the row is redrawn from there
      case 0x45: // E next line
      case 0x46: // F previous line
      case 0x48: // H position
      case 0x66: // f position
      case 0x64: // d vertical position absolute
      case 0x65: // e vertical position relative
      case 0x4a: // J erase display
      case 0x4c: // L insert lines
      case 0x4d: // M delete lines
      case 0x53: // S scroll up
      case 0x54: // T scroll down
      case 0x72: // r scroll region (homes the cursor)
      case 0x75: // u restore cursor
        this.lineEnd(chunk, index, text);
        return;
    }
  }

  private space(text: number[] | null): void {
    if (!text) this.word = 0;
    else if (text.push(0x20) > this.maxLineBytes) this.tooLong = true;
  }

  /** The byte at `index` ended the line (seen only when reading: a built range holds one line). */
  private lineEnd(chunk: Uint8Array, index: number, text: number[] | null): void {
    if (text) return;
    this.endLine(chunk, index);
    this.lineStart = index + 1;
    this.lineStartMode = GROUND;
    this.lineStartPrivate = null;
  }

  /** Ends the current line, whose last bytes in `chunk` (if any) end before `end`. */
  private endLine(chunk: Uint8Array | null, end: number): void {
    const candidate = this.candidate && !this.overflow;
    this.overflow = false;
    this.candidate = false;
    this.word = 0;
    if (!candidate) {
      if (this.carried.length > 0) this.carried = [];
      return;
    }
    const text = this.carried;
    this.carried = [];
    if (chunk) {
      this.textOf(chunk, this.lineStart, end, text);
      if (this.tooLong) return;
    }
    const line = utf8.decode(Uint8Array.from(text));
    if (line.length > this.maxLineLength) return;
    const signal = this.notices.signalOf(line, this.ctx);
    if (signal) this.signals.push(signal);
  }

  /** Appends the text of `chunk[from, to)`, read from the state the line started in. */
  private textOf(chunk: Uint8Array, from: number, to: number, text: number[]): void {
    const { mode, csiPrivate } = this;
    this.mode = this.lineStartMode;
    this.csiPrivate = this.lineStartPrivate;
    this.tooLong = text.length > this.maxLineBytes;
    this.walk(chunk, from, to, text);
    this.mode = mode;
    this.csiPrivate = csiPrivate;
  }
}

/** Backspace in a line's text: its last character (a UTF-8 lead byte and its continuation bytes) goes. */
function popCharacter(text: number[]): void {
  while (text.length > 0) {
    const byte = text.pop()!;
    if (byte < 0x80 || byte >= 0xc0) return;
  }
}

/** `?`, `>`, `=` or `<` first in a CSI: a private sequence (`ESC[?25l`, `ESC[>0q`), which leaves the text alone. */
function isPrivateCsiMarker(code: number): boolean {
  return code >= 0x3c && code <= 0x3f;
}

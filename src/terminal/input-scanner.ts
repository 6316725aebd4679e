/**
 * A pure scanner for the bytes the user's terminal sends us (our stdin in raw mode).
 *
 * It finds the wrapper's menu key in every encoding a terminal may use for it — the raw control
 * byte, the kitty keyboard protocol (`CSI 93;5u`) and xterm's modifyOtherKeys (`CSI 27;5;93~`) —
 * but never inside a bracketed paste, a mouse or focus report, a terminal reply or another escape
 * sequence; and, while an overlay is shown, it decodes single keys (y/n/digits/Enter/Esc/arrows…).
 * Sequences split across reads are reassembled; everything that is not the menu key is handed
 * back byte for byte.
 *
 * ## Calling pattern
 * The real caller is `PtyShell` in `shells/pty.ts` (`onInput`, `drainInput`, `onInputEvent`).
 * Events are pulled one at a time so the caller can switch {@link InputScanner.mode} between
 * them: bytes typed right after the menu key in the same read already reach the overlay. A
 * sequence cut short at the end of a read is held back ({@link InputScanner.pending}); the caller
 * releases it with {@link InputScanner.flushPending} if nothing follows within
 * {@link PENDING_INPUT_TIMEOUT_MS}.
 *
 * ## Double press
 * `menu` events carry `repeated: true` when the previous user input was a first press of the menu
 * key (releases, mouse and focus reports and terminal replies in between do not count); the
 * press after a repeated one is a first press again. The spec's
 * "pressed twice, it sends the key itself" is then: close the overlay and write `event.bytes`
 * — the key in the encoding the terminal used, which is what the child expects — to the child.
 */

import {
  characterKey,
  decodeModifiers,
  type Key,
  keyForByte,
  kittyKey,
  letterKey,
  type Modifiers,
  menuKeyCodepoints,
  namedKey,
  ss3Key,
  tildeKey,
  unknownKey,
} from "./keys.js";

const ESC = 0x1b;
const BEL = 0x07;

/** How long to wait before releasing a sequence cut short at the end of a read. */
export const PENDING_INPUT_TIMEOUT_MS = 50;

/** A CSI longer than this is not a key, a report or a reply: give up holding it. */
const MAX_CSI_LENGTH = 64;
/** Terminal replies in strings (OSC, DCS) are short; clipboard replies can be long. */
const MAX_STRING_LENGTH = 64 * 1024;

const PASTE_START = "200";
const PASTE_END = Buffer.from("\x1b[201~", "latin1");

/** How the scanner reads input: everything but the menu key passes through, or keys are decoded. */
export type InputMode = "passthrough" | "keys";

/** What the scanner found, in input order. `bytes` are exactly the bytes read. */
export type InputEvent =
  /** Bytes for the child, unchanged: typing, pastes, mouse and focus reports, terminal replies. */
  | {
      type: "data";
      bytes: Buffer;
      /** The bytes hold something the user typed or pasted (not only mouse, focus or reply reports). */
      typed: boolean;
    }
  /** The menu key was pressed; `repeated` when the user input just before was the menu key too. */
  | { type: "menu"; bytes: Buffer; repeated: boolean }
  /** A key pressed while in `keys` mode. */
  | { type: "key"; key: Key; bytes: Buffer };

export interface InputScannerOptions {
  /** The control byte of the menu key, e.g. 0x1d for ctrl-] (`menuKeyByte()` in config/schema). */
  menuKeyByte: number;
}

type TokenKind =
  | "text" // one character (or one byte that is not valid UTF-8)
  | "key" // a key sent as an escape sequence
  | "menu"
  | "menu-release"
  | "release" // a key release (kitty event type 3): never user input of its own
  | "mouse"
  | "focus"
  | "reply" // a terminal's answer to a query
  | "paste-start";

interface Token {
  kind: TokenKind;
  end: number;
  key?: Key;
}

/** Kinds that count as user input between two menu presses. */
const USER_INPUT: ReadonlySet<TokenKind> = new Set(["text", "key", "paste-start"]);

/**
 * Splits the user's input into data for the child, menu-key presses and (in `keys` mode) keys.
 * Pure and stateful; see the module documentation for the calling pattern.
 */
export class InputScanner {
  /**
   * `passthrough`: everything but the menu key comes back as `data`. `keys`: keys come back as
   * `key` events, mouse reports and pastes are dropped, focus reports and terminal replies still
   * come back as `data` (the child asked for them). Switch freely between events.
   */
  mode: InputMode = "passthrough";

  private readonly menuByte: number;
  private readonly menuCodepoints: readonly number[];
  private buffer: Buffer = Buffer.alloc(0);
  private offset = 0;
  /** Inside a bracketed paste: its fate was decided by the mode when it started. */
  private paste: "forward" | "drop" | null = null;
  private lastInputWasMenu = false;
  /** The caller declared the held bytes complete: decode them as they are. */
  private final = false;

  constructor(options: InputScannerOptions) {
    this.menuByte = options.menuKeyByte;
    this.menuCodepoints = menuKeyCodepoints(options.menuKeyByte);
  }

  /** Adds bytes read from the terminal. Call {@link next} until it returns undefined. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const rest = this.buffer.subarray(this.offset);
    this.buffer = rest.length === 0 ? Buffer.from(chunk) : Buffer.concat([rest, chunk]);
    this.offset = 0;
    this.final = false;
  }

  /** The next event, or undefined when all bytes are consumed or held back as {@link pending}. */
  next(): InputEvent | undefined {
    const event = this.mode === "passthrough" ? this.nextPassthrough() : this.nextKeys();
    if (this.offset >= this.buffer.length) this.final = false;
    return event;
  }

  /** Pushes `chunk` and returns all events, for callers that never change mode mid-chunk. */
  scan(chunk: Uint8Array): InputEvent[] {
    this.push(chunk);
    const events: InputEvent[] = [];
    for (let event = this.next(); event; event = this.next()) events.push(event);
    return events;
  }

  /**
   * Bytes are held back because they may be the start of a sequence split across reads. If no
   * more input arrives within {@link PENDING_INPUT_TIMEOUT_MS}, call {@link flushPending}.
   */
  get pending(): boolean {
    return this.offset < this.buffer.length;
  }

  /** Declares the held bytes complete; {@link next} then returns them (as data or keys). */
  flushPending(): void {
    if (this.pending) this.final = true;
  }

  private nextPassthrough(): InputEvent | undefined {
    const buffer = this.buffer;
    let start = this.offset;
    let index = start;
    let typed = false;
    while (index < buffer.length) {
      if (this.paste !== null) {
        const { end, complete } = this.pasteContentEnd(index);
        if (this.paste === "drop") {
          // Started while an overlay was up: none of it is for the child.
          if (index > start) return this.data(start, index, typed);
          start = end;
        }
        if (end > index) typed = true;
        index = end;
        if (!complete) break;
        this.paste = null;
        continue;
      }
      const byte = buffer[index]!;
      if (byte !== ESC && byte !== this.menuByte) {
        this.lastInputWasMenu = false;
        typed = true;
        index++;
        continue;
      }
      const token = byte === ESC ? this.readEscape(index) : { kind: "menu" as const, end: index + 1 };
      if (token === undefined) break;
      if (token.kind === "menu" || token.kind === "menu-release") {
        if (index > start) return this.data(start, index, typed);
        this.offset = token.end;
        if (token.kind === "menu") return this.menuEvent(index, token.end);
        start = index = token.end;
        continue;
      }
      if (USER_INPUT.has(token.kind)) {
        this.lastInputWasMenu = false;
        typed = true;
      }
      if (token.kind === "paste-start") this.paste = "forward";
      index = token.end;
    }
    this.offset = index;
    return index > start ? this.data(start, index, typed) : undefined;
  }

  private nextKeys(): InputEvent | undefined {
    while (this.offset < this.buffer.length) {
      const start = this.offset;
      if (this.paste !== null) {
        // A paste that began in passthrough mode is finished for the child, or it would be
        // left waiting for the end marker; one that began in keys mode is dropped whole.
        const fate = this.paste;
        const { end, complete } = this.pasteContentEnd(start);
        this.offset = end;
        if (complete) this.paste = null;
        if (fate === "forward" && end > start) return this.data(start, end, true);
        if (!complete) return undefined;
        continue;
      }
      const token = this.readToken(start);
      if (token === undefined) return undefined;
      this.offset = token.end;
      if (USER_INPUT.has(token.kind)) this.lastInputWasMenu = false;
      switch (token.kind) {
        case "menu":
          return this.menuEvent(start, token.end);
        case "focus":
        case "reply":
          return this.data(start, token.end, false);
        case "paste-start":
          this.paste = "drop";
          continue;
        case "text":
        case "key":
          return { type: "key", key: token.key!, bytes: this.buffer.subarray(start, token.end) };
        default:
          continue; // releases, mouse reports: nothing an overlay wants
      }
    }
    return undefined;
  }

  private data(start: number, end: number, typed: boolean): InputEvent {
    this.offset = end;
    return { type: "data", bytes: this.buffer.subarray(start, end), typed };
  }

  private menuEvent(start: number, end: number): InputEvent {
    const repeated = this.lastInputWasMenu;
    // A pair is used up by its second press: a third one opens the menu again.
    this.lastInputWasMenu = !repeated;
    return { type: "menu", bytes: this.buffer.subarray(start, end), repeated };
  }

  /**
   * Where the paste content from `from` ends: just after the end marker (complete), or before a
   * tail that may be the start of the marker (held back unless the caller flushed).
   */
  private pasteContentEnd(from: number): { end: number; complete: boolean } {
    const found = this.buffer.indexOf(PASTE_END, from);
    if (found !== -1) return { end: found + PASTE_END.length, complete: true };
    if (this.final) return { end: this.buffer.length, complete: false };
    const tail = partialMatchLength(this.buffer, from, PASTE_END);
    return { end: this.buffer.length - tail, complete: false };
  }

  /** One token at `at` (keys mode), or undefined if it is cut short and may continue. */
  private readToken(at: number): Token | undefined {
    const byte = this.buffer[at]!;
    if (byte === ESC) return this.readEscape(at);
    if (byte === this.menuByte) return { kind: "menu", end: at + 1 };
    return this.readCharacter(at, false);
  }

  private readCharacter(at: number, alt: boolean): Token | undefined {
    const buffer = this.buffer;
    const byte = buffer[at]!;
    const length = utf8Length(byte);
    if (length === 1) return { kind: "text", end: at + 1, key: keyForByte(byte, alt) };
    if (at + length > buffer.length) {
      if (!this.final) return undefined;
      return { kind: "text", end: buffer.length, key: unknownKey(alt) };
    }
    for (let index = at + 1; index < at + length; index++) {
      if ((buffer[index]! & 0xc0) !== 0x80) return { kind: "text", end: at + 1, key: unknownKey(alt) };
    }
    const text = buffer.toString("utf8", at, at + length);
    return { kind: "text", end: at + length, key: characterKey(text, { alt }) };
  }

  private readEscape(at: number): Token | undefined {
    const buffer = this.buffer;
    // A lone ESC may be the Escape key or the start of a sequence split across reads: it waits
    // for the next read or for flushPending(), like every cut-short sequence.
    if (at + 1 >= buffer.length)
      return this.final ? { kind: "key", end: at + 1, key: namedKey("escape") } : undefined;
    const next = buffer[at + 1]!;
    switch (next) {
      case 0x5b: // [
        return this.readCsi(at);
      case 0x4f: // O: SS3
        if (at + 2 >= buffer.length) return this.final ? altKey(at, "O") : undefined;
        if (buffer[at + 2]! < 0x40 || buffer[at + 2]! > 0x7e) return altKey(at, "O");
        return { kind: "key", end: at + 3, key: ss3Key(buffer[at + 2]!) };
      case 0x5d: // ] OSC
      case 0x50: // P DCS
      case 0x5f: // _ APC
      case 0x5e: // ^ PM
      case 0x58: // X SOS
        return this.readString(at);
      case ESC:
        return { kind: "key", end: at + 1, key: namedKey("escape") };
    }
    if (next >= 0x80) return this.readCharacter(at + 1, true);
    return { kind: "text", end: at + 2, key: keyForByte(next, true) };
  }

  private readCsi(at: number): Token | undefined {
    const buffer = this.buffer;
    let index = at + 2;
    while (index < buffer.length) {
      const byte = buffer[index]!;
      if (byte >= 0x40 && byte <= 0x7e) {
        return this.classifyCsi(buffer.toString("latin1", at + 2, index), byte, index + 1);
      }
      if (byte < 0x20 || byte > 0x3f || index - at > MAX_CSI_LENGTH) {
        // Not a CSI after all (or a broken one): ESC [ alone is alt-[; otherwise pass it on as is.
        if (index === at + 2) return altKey(at, "[");
        return { kind: "key", end: index, key: unknownKey(false) };
      }
      index++;
    }
    if (!this.final) return undefined;
    if (index === at + 2) return altKey(at, "[");
    return { kind: "key", end: index, key: unknownKey(false) };
  }

  private classifyCsi(body: string, finalByte: number, end: number): Token | undefined {
    const final = String.fromCharCode(finalByte);
    // Legacy (X10/1000 without 1006) mouse report: ESC [ M and three raw bytes.
    if (final === "M" && body === "") {
      if (end + 3 > this.buffer.length && !this.final) return undefined;
      return { kind: "mouse", end: Math.min(end + 3, this.buffer.length) };
    }
    const prefix = body[0];
    if (prefix === "<") return { kind: final === "M" || final === "m" ? "mouse" : "reply", end };
    if (prefix === "?" || prefix === ">" || prefix === "=") return { kind: "reply", end };
    if (/[\x20-\x2f]/.test(body)) return { kind: "reply", end };
    if ((final === "I" || final === "O") && body === "") return { kind: "focus", end };
    const params = body.split(";").map((field) => field.split(":").map((part) => Number.parseInt(part, 10)));
    const first = params[0]?.[0];
    const modifiers = decodeModifiers(params[1]?.[0]);
    const eventType = params[1]?.[1];
    const released = eventType === 3;

    if (final === "M" && params.length >= 3) return { kind: "mouse", end }; // urxvt 1015 mouse
    if ("Rnctx".includes(final)) return { kind: "reply", end }; // position, status, attributes…
    if (final === "u" && first !== undefined && !Number.isNaN(first)) {
      const codepoints = params[0]!;
      if (this.isMenu(codepoints, modifiers)) return { kind: released ? "menu-release" : "menu", end };
      if (released) return { kind: "release", end };
      const shifted = codepoints[1];
      return { kind: "key", end, key: kittyKey(first, shifted, modifiers) };
    }
    if (final === "~") {
      if (body === PASTE_START) return { kind: "paste-start", end };
      if (first === 27 && params.length >= 3) {
        // modifyOtherKeys: CSI 27 ; modifiers ; codepoint ~
        const code = params[2]?.[0] ?? Number.NaN;
        if (this.isMenu([code], modifiers)) return { kind: "menu", end };
        return { kind: "key", end, key: kittyKey(code, undefined, modifiers) };
      }
      if (released) return { kind: "release", end };
      return { kind: "key", end, key: tildeKey(first, modifiers) };
    }
    if (released) return { kind: "release", end };
    return { kind: "key", end, key: letterKey(final, modifiers) ?? unknownKey(false) };
  }

  private readString(at: number): Token | undefined {
    const buffer = this.buffer;
    for (let index = at + 2; index < buffer.length; index++) {
      const byte = buffer[index]!;
      if (byte === BEL) return { kind: "reply", end: index + 1 };
      if (byte === ESC) {
        if (index + 1 >= buffer.length) break;
        if (buffer[index + 1] === 0x5c) return { kind: "reply", end: index + 2 };
        return altKey(at, String.fromCharCode(buffer[at + 1]!));
      }
      // Replies never carry control bytes: this was alt-] (or alt-P…) followed by typing.
      if (byte < 0x20 || index - at > MAX_STRING_LENGTH)
        return altKey(at, String.fromCharCode(buffer[at + 1]!));
    }
    return this.final ? altKey(at, String.fromCharCode(buffer[at + 1]!)) : undefined;
  }

  private isMenu(codepoints: readonly number[], modifiers: Modifiers): boolean {
    if (!modifiers.ctrl || modifiers.alt || modifiers.other) return false;
    // Unshifted key, or the key on the base (US) layout for other layouts.
    return [codepoints[0], codepoints[2]].some(
      (code) => code !== undefined && this.menuCodepoints.includes(code),
    );
  }
}

function altKey(at: number, character: string): Token {
  return { kind: "text", end: at + 2, key: characterKey(character, { alt: true }) };
}

function utf8Length(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

/** Length of the longest tail of `buffer[from..]` that is a proper prefix of `pattern`. */
function partialMatchLength(buffer: Buffer, from: number, pattern: Buffer): number {
  const available = buffer.length - from;
  for (let length = Math.min(pattern.length - 1, available); length > 0; length--) {
    if (buffer.subarray(buffer.length - length).equals(pattern.subarray(0, length))) return length;
  }
  return 0;
}

/**
 * Decodes keys from bytes read in one go, for overlays that do not keep a scanner around.
 * Non-key input (mouse, focus, replies, pastes) is left out.
 */
export function decodeKeys(bytes: Uint8Array, menuKeyByte: number): Key[] {
  const scanner = new InputScanner({ menuKeyByte });
  scanner.mode = "keys";
  scanner.push(bytes);
  scanner.flushPending();
  const keys: Key[] = [];
  for (let event = scanner.next(); event; event = scanner.next())
    if (event.type === "key") keys.push(event.key);
  return keys;
}

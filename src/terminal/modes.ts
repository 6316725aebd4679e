/**
 * A pure tracker of the terminal state a child program changes by writing escape sequences.
 *
 * Feed it every chunk the child writes to the terminal (split anywhere, even inside a sequence
 * or a UTF-8 character). It answers whether the child is on the alternate screen, has mouse
 * reporting or bracketed paste on, has hidden the cursor, pushed kitty keyboard flags, and so on,
 * and produces the escape sequences that undo exactly those changes ({@link TerminalModes.restoreSequence})
 * or re-assert them after output was dropped ({@link TerminalModes.syncSequence}).
 *
 * Only sequences from the child's output are parsed here; input (keys, replies) is
 * `input-scanner.ts`'s job.
 */

const ESC = 0x1b;
const BEL = 0x07;
const CAN = 0x18;
const SUB = 0x1a;
const SO = 0x0e;
const SI = 0x0f;

/** Longest parameter string kept for one CSI: a real one is far shorter, a hostile stream is not. */
const MAX_CSI_LENGTH = 256;
/** Kitty keeps a bounded stack per screen too; this only bounds our memory. */
const MAX_KITTY_STACK = 64;

/**
 * DEC private modes (`CSI ? n h` / `CSI ? n l`) worth undoing, with their power-on value.
 * Anything not listed is left alone: restoring a mode we do not understand could do harm.
 */
const DEC_MODE_DEFAULTS: ReadonlyMap<number, boolean> = new Map([
  [1, false], // DECCKM: application cursor keys
  [7, true], // DECAWM: autowrap
  [25, true], // DECTCEM: cursor visible
  [9, false], // X10 mouse
  [1000, false], // mouse: press/release
  [1001, false], // mouse: highlight tracking
  [1002, false], // mouse: button motion
  [1003, false], // mouse: any motion
  [1004, false], // focus in/out reports
  [1005, false], // mouse: UTF-8 coordinates
  [1006, false], // mouse: SGR coordinates
  [1007, false], // alternate scroll
  [1015, false], // mouse: urxvt coordinates
  [1016, false], // mouse: SGR pixel coordinates
  [2004, false], // bracketed paste
  [2026, false], // synchronized output: left on, the terminal stops painting until a timeout
  [2031, false], // colour-scheme change reports
  [2048, false], // in-band resize reports
  [47, false], // alternate screen (old)
  [1047, false], // alternate screen
  [1049, false], // alternate screen with saved cursor
]);

const ALT_SCREEN_MODES = [1049, 1047, 47] as const;
const MOUSE_MODES = [1016, 1015, 1006, 1005, 1003, 1002, 1001, 1000, 9] as const;

/**
 * Order of undoing: end a synchronized update first so the rest is painted, input-reporting
 * modes before leaving the alternate screen (they are global), cursor visibility last.
 */
const RESTORE_ORDER_BEFORE_SCREEN = [2026, ...MOUSE_MODES, 1004, 2004, 2031, 2048, 1007, 1] as const;
const RESTORE_ORDER_AFTER_SCREEN = [7, 25] as const;

/** ANSI (non-private) modes worth undoing: insert mode makes a shell overwrite nothing. */
const ANSI_MODE_DEFAULTS: ReadonlyMap<number, boolean> = new Map([[4, false]]);

enum State {
  Ground,
  Escape,
  EscapeIntermediate,
  Csi,
  CsiIgnore,
  String,
  StringEscape,
}

type Screen = "main" | "alt";

interface KittyStack {
  /** Flags set with `CSI = … u` while nothing was pushed. */
  base: number;
  /** Pushed flag values, oldest first. */
  pushed: number[];
}

/** A snapshot of what the tracker knows, for logs and tests. */
export interface TerminalModesSnapshot {
  altScreen: boolean;
  mouseTracking: boolean;
  focusReporting: boolean;
  bracketedPaste: boolean;
  cursorHidden: boolean;
  synchronizedOutput: boolean;
  /** Kitty keyboard flag pushes not yet popped, on the main and the alternate screen. */
  kittyPushes: { main: number; alt: number };
  modifyOtherKeys: number;
  /** The child's output ended inside an escape sequence. */
  midSequence: boolean;
}

/**
 * Tracks terminal modes from a child's output stream. Pure: no I/O, no clocks.
 *
 * @example
 * const modes = new TerminalModes();
 * child.onData((chunk) => { modes.feed(chunk); process.stdout.write(chunk); });
 * // …on exit:
 * writeSync(1, modes.restoreSequence());
 */
export class TerminalModes {
  private state = State.Ground;
  private csi = "";
  private escapeIntermediate = 0;

  private readonly decModes = new Map<number, boolean>();
  private readonly ansiModes = new Map<number, boolean>();
  private readonly kitty: Record<Screen, KittyStack> = {
    main: { base: 0, pushed: [] },
    alt: { base: 0, pushed: [] },
  };
  private modifyOtherKeysLevel = 0;
  private modifyOtherKeysTouched = false;
  private attributesDirty = false;
  private attributesDirtyBeforeAlt = false;
  private scrollRegionSet = false;
  private cursorStyleSet = false;
  /** G0 holds something other than ASCII (line drawing…), which would garble a shell. */
  private charsetDirty = false;
  /** SO selected G1 (SI selects G0 again). */
  private shiftedOut = false;
  private keypadApplication = false;
  private keypadTouched = false;

  /** Parses one chunk of the child's output. Chunks may split sequences anywhere. */
  feed(chunk: Uint8Array): void {
    let index = 0;
    while (index < chunk.length) {
      // Plain text and string payloads are most of the output: skip them without the state machine.
      if (this.state === State.Ground) {
        const next = chunk.indexOf(ESC, index);
        const end = next === -1 ? chunk.length : next;
        if (end > index) {
          // Only the last shift (SO or SI) of the run decides the character set.
          const lastSo = chunk.lastIndexOf(SO, end - 1);
          const lastSi = chunk.lastIndexOf(SI, end - 1);
          if (lastSo >= index || lastSi >= index) this.shiftedOut = lastSo > lastSi;
        }
        index = end;
        if (next === -1) return;
      } else if (this.state === State.String) {
        let at = index;
        while (at < chunk.length) {
          const byte = chunk[at]!;
          if (byte === BEL || byte === ESC || byte === CAN || byte === SUB) break;
          at++;
        }
        index = at;
        if (at === chunk.length) return;
      }
      this.step(chunk[index]!);
      index++;
    }
  }

  get altScreen(): boolean {
    return ALT_SCREEN_MODES.some((mode) => this.decModes.get(mode) === true);
  }

  get mouseTracking(): boolean {
    return [9, 1000, 1001, 1002, 1003].some((mode) => this.decModes.get(mode) === true);
  }

  get focusReporting(): boolean {
    return this.decModes.get(1004) === true;
  }

  get bracketedPaste(): boolean {
    return this.decModes.get(2004) === true;
  }

  get cursorHidden(): boolean {
    return this.decModes.get(25) === false;
  }

  get synchronizedOutput(): boolean {
    return this.decModes.get(2026) === true;
  }

  /** Kitty keyboard pushes not yet popped, both screens together. */
  get kittyPushes(): number {
    return this.kitty.main.pushed.length + this.kitty.alt.pushed.length;
  }

  /** The output so far ended inside an escape sequence (a killed child may leave one open). */
  get midSequence(): boolean {
    return this.state !== State.Ground;
  }

  snapshot(): TerminalModesSnapshot {
    return {
      altScreen: this.altScreen,
      mouseTracking: this.mouseTracking,
      focusReporting: this.focusReporting,
      bracketedPaste: this.bracketedPaste,
      cursorHidden: this.cursorHidden,
      synchronizedOutput: this.synchronizedOutput,
      kittyPushes: { main: this.kitty.main.pushed.length, alt: this.kitty.alt.pushed.length },
      modifyOtherKeys: this.modifyOtherKeysLevel,
      midSequence: this.midSequence,
    };
  }

  /**
   * The escape sequences that bring the terminal back to its defaults, undoing only what the
   * child changed; "" when there is nothing to undo. Safe to write to any terminal: sequences a
   * terminal does not know are ignored by it.
   */
  restoreSequence(): string {
    let out = "";
    // CAN aborts a sequence the child left unfinished, so ours are not swallowed by it.
    if (this.midSequence) out += "\x18";
    const undo = (mode: number) => {
      const value = this.decModes.get(mode);
      const initial = DEC_MODE_DEFAULTS.get(mode);
      if (value !== undefined && value !== initial) out += `\x1b[?${mode}${initial ? "h" : "l"}`;
    };
    for (const mode of RESTORE_ORDER_BEFORE_SCREEN) undo(mode);
    // Kitty keeps one flag stack per screen: pop the alternate screen's while it is showing.
    if (this.altScreen) out += kittyUndo(this.kitty.alt);
    if (this.modifyOtherKeysLevel !== 0) out += "\x1b[>4m";
    if (this.scrollRegionSet) out += "\x1b7\x1b[r\x1b8"; // DECSTBM homes the cursor: keep it put.
    for (const [mode, initial] of ANSI_MODE_DEFAULTS) {
      const value = this.ansiModes.get(mode);
      if (value !== undefined && value !== initial) out += `\x1b[${mode}${initial ? "h" : "l"}`;
    }
    if (this.keypadApplication) out += "\x1b>";
    if (this.charsetDirty || this.shiftedOut) out += "\x1b(B\x0f";
    // Leaving 1049 brings back the attributes saved on entering it.
    const leaves1049 = this.decModes.get(1049) === true;
    for (const mode of ALT_SCREEN_MODES) undo(mode);
    out += kittyUndo(this.kitty.main);
    if (leaves1049 ? this.attributesDirtyBeforeAlt : this.attributesDirty) out += "\x1b[0m";
    if (this.cursorStyleSet) out += "\x1b[0 q";
    for (const mode of RESTORE_ORDER_AFTER_SCREEN) undo(mode);
    return out;
  }

  /**
   * The escape sequences that put a terminal into the state this tracker believes in, for when
   * output that went through {@link feed} was never written (an output gate dropped it). Followed
   * by a forced redraw of the child, this makes the screen and the modes consistent again.
   */
  syncSequence(): string {
    let out = this.midSequence ? "\x18" : "";
    // Screen first: switching to the alternate screen must precede the modes set on it.
    for (const mode of [...ALT_SCREEN_MODES].reverse()) {
      const value = this.decModes.get(mode);
      if (value !== undefined) out += `\x1b[?${mode}${value ? "h" : "l"}`;
    }
    for (const [mode, value] of this.decModes) {
      if (!(ALT_SCREEN_MODES as readonly number[]).includes(mode) && mode !== 2026) {
        out += `\x1b[?${mode}${value ? "h" : "l"}`;
      }
    }
    for (const [mode, value] of this.ansiModes) out += `\x1b[${mode}${value ? "h" : "l"}`;
    const stack = this.kitty[this.screen];
    if (stack.pushed.length > 0 || stack.base !== 0) {
      out += `\x1b[=${stack.pushed.at(-1) ?? stack.base};1u`;
    }
    if (this.modifyOtherKeysTouched) {
      out += this.modifyOtherKeysLevel === 0 ? "\x1b[>4m" : `\x1b[>4;${this.modifyOtherKeysLevel}m`;
    }
    if (this.keypadTouched) out += this.keypadApplication ? "\x1b=" : "\x1b>";
    return out;
  }

  /** Forgets everything: the terminal is known to be in its default state again. */
  reset(): void {
    this.state = State.Ground;
    this.csi = "";
    this.decModes.clear();
    this.ansiModes.clear();
    this.kitty.main = { base: 0, pushed: [] };
    this.kitty.alt = { base: 0, pushed: [] };
    this.modifyOtherKeysLevel = 0;
    this.modifyOtherKeysTouched = false;
    this.attributesDirty = false;
    this.attributesDirtyBeforeAlt = false;
    this.scrollRegionSet = false;
    this.cursorStyleSet = false;
    this.charsetDirty = false;
    this.shiftedOut = false;
    this.keypadApplication = false;
    this.keypadTouched = false;
  }

  private get screen(): Screen {
    return this.altScreen ? "alt" : "main";
  }

  private step(byte: number): void {
    switch (this.state) {
      case State.Ground:
        if (byte === ESC) this.state = State.Escape;
        else if (byte === SO) this.shiftedOut = true;
        else if (byte === SI) this.shiftedOut = false;
        return;
      case State.Escape:
        this.onEscape(byte);
        return;
      case State.EscapeIntermediate:
        if (byte >= 0x20 && byte <= 0x2f) return;
        this.state = State.Ground;
        if (byte === ESC) this.state = State.Escape;
        else if (byte >= 0x30 && byte <= 0x7e) this.onCharsetDesignation(byte);
        return;
      case State.Csi:
      case State.CsiIgnore:
        this.onCsiByte(byte);
        return;
      case State.String:
        if (byte === BEL) this.state = State.Ground;
        else if (byte === ESC) this.state = State.StringEscape;
        else if (byte === CAN || byte === SUB) this.state = State.Ground;
        return;
      case State.StringEscape:
        // ESC \ is the string terminator; any other ESC x ends the string and starts anew.
        this.state = State.Ground;
        if (byte !== 0x5c) {
          this.state = State.Escape;
          this.step(byte);
        }
        return;
    }
  }

  private onEscape(byte: number): void {
    this.state = State.Ground;
    switch (byte) {
      case 0x5b: // [
        this.state = State.Csi;
        this.csi = "";
        return;
      case 0x5d: // ] OSC
      case 0x50: // P DCS
      case 0x5f: // _ APC
      case 0x5e: // ^ PM
      case 0x58: // X SOS
        this.state = State.String;
        return;
      case 0x63: // c RIS: the terminal resets everything
        this.reset();
        return;
      case 0x3d: // =
        this.keypadApplication = true;
        this.keypadTouched = true;
        return;
      case 0x3e: // >
        this.keypadApplication = false;
        this.keypadTouched = true;
        return;
      case ESC:
        this.state = State.Escape;
        return;
      case CAN:
      case SUB:
        return;
    }
    if (byte >= 0x20 && byte <= 0x2f) {
      this.escapeIntermediate = byte;
      this.state = State.EscapeIntermediate;
    }
  }

  private onCharsetDesignation(final: number): void {
    // ESC ( B selects ASCII into G0; anything else (line drawing, …) would garble a shell.
    if (this.escapeIntermediate === 0x28) this.charsetDirty = final !== 0x42;
  }

  private onCsiByte(byte: number): void {
    if (byte >= 0x40 && byte <= 0x7e) {
      const ignore = this.state === State.CsiIgnore;
      this.state = State.Ground;
      if (!ignore) this.onCsi(this.csi, byte);
      return;
    }
    if (byte === ESC) {
      this.state = State.Escape;
      return;
    }
    if (byte === CAN || byte === SUB) {
      this.state = State.Ground;
      return;
    }
    // Other C0 controls inside a CSI are executed by terminals and do not end it.
    if (byte < 0x20) return;
    if (this.state === State.Csi) {
      if (this.csi.length >= MAX_CSI_LENGTH || byte > 0x7e) this.state = State.CsiIgnore;
      else this.csi += String.fromCharCode(byte);
    }
  }

  private onCsi(body: string, finalByte: number): void {
    const final = String.fromCharCode(finalByte);
    const prefix = /^[<=>?]/.test(body) ? body[0]! : "";
    const rest = prefix ? body.slice(1) : body;
    const intermediates = /[\x20-\x2f]+$/.exec(rest)?.[0] ?? "";
    const params = intermediates ? rest.slice(0, -intermediates.length) : rest;

    if (intermediates === "" && (final === "h" || final === "l")) {
      const value = final === "h";
      if (prefix === "?") for (const mode of numbers(params)) this.setDecMode(mode, value);
      else if (prefix === "") {
        for (const mode of numbers(params)) if (ANSI_MODE_DEFAULTS.has(mode)) this.ansiModes.set(mode, value);
      }
      return;
    }
    if (final === "u" && intermediates === "") {
      this.onKittyKeyboard(prefix, params);
      return;
    }
    if (final === "m" && intermediates === "") {
      if (prefix === "") this.attributesDirty = !/^[0;]*$/.test(params);
      else if (prefix === ">") this.onModifyOtherKeys(params);
      return;
    }
    if (final === "r" && prefix === "" && intermediates === "") {
      this.scrollRegionSet = params !== "";
      return;
    }
    if (final === "q" && prefix === "" && intermediates === " ") {
      this.cursorStyleSet = (fields(params)[0] ?? 0) !== 0;
      return;
    }
    if (final === "p" && prefix === "" && intermediates === "!") this.onSoftReset();
  }

  private setDecMode(mode: number, value: boolean): void {
    if (!DEC_MODE_DEFAULTS.has(mode)) return;
    const wasAlt = this.altScreen;
    // 1049 saves the cursor, attributes included, on entry and restores it on exit.
    if (mode === 1049 && value && this.decModes.get(1049) !== true) {
      this.attributesDirtyBeforeAlt = this.attributesDirty;
    } else if (mode === 1049 && !value && this.decModes.get(1049) === true) {
      this.attributesDirty = this.attributesDirtyBeforeAlt;
    }
    this.decModes.set(mode, value);
    // Kitty keeps a flag stack per screen; the alternate screen's starts empty each time it is
    // entered, and is out of reach (nothing to undo) once it is left.
    if (wasAlt !== this.altScreen) this.kitty.alt = { base: 0, pushed: [] };
  }

  private onKittyKeyboard(prefix: string, params: string): void {
    const stack = this.kitty[this.screen];
    const [first, second] = fields(params);
    if (prefix === ">") {
      stack.pushed.push(first ?? 0);
      if (stack.pushed.length > MAX_KITTY_STACK) stack.pushed.shift();
    } else if (prefix === "<") {
      const count = first === undefined || first === 0 ? 1 : first;
      stack.pushed.splice(Math.max(0, stack.pushed.length - count));
    } else if (prefix === "=") {
      const flags = first ?? 0;
      const current = stack.pushed.at(-1) ?? stack.base;
      const mode = second ?? 1;
      const next = mode === 2 ? current | flags : mode === 3 ? current & ~flags : flags;
      if (stack.pushed.length > 0) stack.pushed[stack.pushed.length - 1] = next;
      else stack.base = next;
    }
    // `CSI ? u` is a query: changes nothing.
  }

  private onModifyOtherKeys(params: string): void {
    const [resource, value] = fields(params);
    if (resource !== 4) return;
    this.modifyOtherKeysLevel = value ?? 0;
    this.modifyOtherKeysTouched = true;
  }

  private onSoftReset(): void {
    // DECSTR: cursor shown, attributes, margins, cursor keys and keypad back to normal.
    this.decModes.delete(25);
    this.decModes.delete(1);
    this.decModes.delete(7);
    this.ansiModes.clear();
    this.attributesDirty = false;
    this.scrollRegionSet = false;
    this.keypadApplication = false;
  }
}

function kittyUndo(stack: KittyStack): string {
  let out = "";
  if (stack.pushed.length > 0) out += `\x1b[<${stack.pushed.length}u`;
  else if (stack.base !== 0) out += "\x1b[=0;1u";
  return out;
}

/** The numeric parameters of a CSI by position (sub-parameters ignored); empty ones are undefined. */
function fields(params: string): (number | undefined)[] {
  return params.split(";").map((field) => {
    const head = field.split(":")[0]!;
    return /^\d+$/.test(head) ? Number(head) : undefined;
  });
}

/** The numeric parameters present, for lists such as `CSI ? 1000 ; 1006 h`. */
function numbers(params: string): number[] {
  return fields(params).filter((value) => value !== undefined);
}

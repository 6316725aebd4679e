/**
 * A pure tracker of the terminal state a child program changes by writing escape sequences.
 *
 * Feed it every chunk the child writes to the terminal (split anywhere, even inside a sequence
 * or a UTF-8 character). It answers whether the child is on the alternate screen, has mouse
 * reporting or bracketed paste on, has hidden the cursor, pushed kitty keyboard flags, and so on,
 * and hands what it knows to `mode-sequences.ts` for the escape sequences that undo exactly those
 * changes ({@link TerminalModes.restoreSequence}) or re-assert them after output was dropped
 * ({@link TerminalModes.syncSequence}).
 *
 * Only sequences from the child's output are parsed here; input (keys, replies) is
 * `input-scanner.ts`'s job.
 */

import { fields, isPlainSgr, numbers, sgrOnlyResets, wholeCsiFinal } from "./csi.js";
import {
  ALT_SCREEN_MODES,
  ANSI_MODE_DEFAULTS,
  DEC_MODE_DEFAULTS,
  type KittyStack,
  MODE_FINALS,
  restoreSequence,
  type Screen,
  syncSequence,
  type TrackedModes,
} from "./mode-sequences.js";

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

enum State {
  Ground,
  Escape,
  EscapeIntermediate,
  Csi,
  CsiIgnore,
  String,
  StringEscape,
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
 * Tracks terminal modes from a child's output stream. Pure: no I/O, no clocks. `PtyShell.start`
 * (`shells/pty.ts`) feeds it every chunk of Claude's output; `TerminalGuard.restore` (`tty.ts`)
 * writes its restore sequence.
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
    const hasShifts = chunk.indexOf(SO) !== -1 || chunk.indexOf(SI) !== -1;
    let index = 0;
    while (index < chunk.length) {
      // Plain text, string payloads and CSIs are most of the output: taken whole, not byte by byte.
      if (this.state === State.Ground) {
        const next = chunk.indexOf(ESC, index);
        const end = next === -1 ? chunk.length : next;
        if (hasShifts) this.followShifts(chunk, index, end);
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
      } else if (this.state === State.Csi && this.csi === "") {
        const after = this.wholeCsi(chunk, index);
        if (after !== -1) {
          index = after;
          continue;
        }
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
   * child changed; "" when there is nothing to undo.
   */
  restoreSequence(): string {
    return restoreSequence(this.tracked());
  }

  /** The escape sequences that re-assert what the child set, for when its output was dropped. */
  syncSequence(): string {
    return syncSequence(this.tracked());
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

  private tracked(): TrackedModes {
    return {
      midSequence: this.midSequence,
      altScreen: this.altScreen,
      screen: this.screen,
      decModes: this.decModes,
      ansiModes: this.ansiModes,
      kitty: this.kitty,
      modifyOtherKeysLevel: this.modifyOtherKeysLevel,
      modifyOtherKeysTouched: this.modifyOtherKeysTouched,
      attributesDirty: this.attributesDirty,
      attributesDirtyBeforeAlt: this.attributesDirtyBeforeAlt,
      scrollRegionSet: this.scrollRegionSet,
      cursorStyleSet: this.cursorStyleSet,
      charsetDirty: this.charsetDirty,
      shiftedOut: this.shiftedOut,
      keypadApplication: this.keypadApplication,
      keypadTouched: this.keypadTouched,
    };
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

  /** Only the last shift (SO or SI) of a text run decides the character set (rare: looked for only in chunks with one). */
  private followShifts(chunk: Uint8Array, start: number, end: number): void {
    for (let at = end - 1; at >= start; at--) {
      if (chunk[at] === SO || chunk[at] === SI) {
        this.shiftedOut = chunk[at] === SO;
        return;
      }
    }
  }

  /**
   * A CSI whole in `chunk` from `start` (after `ESC [`) in one go, as {@link onCsiByte} would byte by
   * byte; its text is built only if it may change a mode. The index after it, or -1: bytewise then.
   */
  private wholeCsi(chunk: Uint8Array, start: number): number {
    const at = wholeCsiFinal(chunk, start, MAX_CSI_LENGTH);
    if (at === -1) return -1;
    const final = chunk[at]!;
    this.state = State.Ground;
    if (final === 0x6d && isPlainSgr(chunk, start, at)) {
      this.attributesDirty = !sgrOnlyResets(chunk, start, at);
    } else if (MODE_FINALS.has(final)) {
      this.onCsi(String.fromCharCode(...chunk.subarray(start, at)), final);
    }
    return at + 1;
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
    if (!MODE_FINALS.has(finalByte)) return;
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

/**
 * The escape sequences that undo what a child changed on the terminal, or re-assert it after its
 * output was dropped, from what `TerminalModes` (modes.ts) tracked. The tables say which modes are
 * worth undoing and in which order; the tracker records only those.
 */

/** The final bytes of the CSIs that change a mode (h l u m r q p): any other CSI changes nothing. */
export const MODE_FINALS: ReadonlySet<number> = new Set([0x68, 0x6c, 0x75, 0x6d, 0x72, 0x71, 0x70]);

/**
 * DEC private modes (`CSI ? n h` / `CSI ? n l`) worth undoing, with their power-on value.
 * Anything not listed is left alone: restoring a mode we do not understand could do harm.
 */
export const DEC_MODE_DEFAULTS: ReadonlyMap<number, boolean> = new Map([
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

export const ALT_SCREEN_MODES = [1049, 1047, 47] as const;
const MOUSE_MODES = [1016, 1015, 1006, 1005, 1003, 1002, 1001, 1000, 9] as const;

/**
 * Order of undoing: end a synchronized update first so the rest is painted, input-reporting
 * modes before leaving the alternate screen (they are global), cursor visibility last.
 */
const RESTORE_ORDER_BEFORE_SCREEN = [2026, ...MOUSE_MODES, 1004, 2004, 2031, 2048, 1007, 1] as const;
const RESTORE_ORDER_AFTER_SCREEN = [7, 25] as const;

/** ANSI (non-private) modes worth undoing: insert mode makes a shell overwrite nothing. */
export const ANSI_MODE_DEFAULTS: ReadonlyMap<number, boolean> = new Map([[4, false]]);

export type Screen = "main" | "alt";

export interface KittyStack {
  /** Flags set with `CSI = … u` while nothing was pushed. */
  base: number;
  /** Pushed flag values, oldest first. */
  pushed: number[];
}

/** What the tracker knows, as the sequences read it. */
export interface TrackedModes {
  /** The output so far ended inside an escape sequence. */
  midSequence: boolean;
  altScreen: boolean;
  screen: Screen;
  decModes: ReadonlyMap<number, boolean>;
  ansiModes: ReadonlyMap<number, boolean>;
  kitty: Readonly<Record<Screen, Readonly<KittyStack>>>;
  modifyOtherKeysLevel: number;
  modifyOtherKeysTouched: boolean;
  attributesDirty: boolean;
  attributesDirtyBeforeAlt: boolean;
  scrollRegionSet: boolean;
  cursorStyleSet: boolean;
  charsetDirty: boolean;
  shiftedOut: boolean;
  keypadApplication: boolean;
  keypadTouched: boolean;
}

/**
 * The escape sequences that bring the terminal back to its defaults, undoing only what the
 * child changed; "" when there is nothing to undo. Safe to write to any terminal: sequences a
 * terminal does not know are ignored by it.
 */
export function restoreSequence(modes: TrackedModes): string {
  let out = "";
  // CAN aborts a sequence the child left unfinished, so ours are not swallowed by it.
  if (modes.midSequence) out += "\x18";
  const undo = (mode: number) => {
    const value = modes.decModes.get(mode);
    const initial = DEC_MODE_DEFAULTS.get(mode);
    if (value !== undefined && value !== initial) out += `\x1b[?${mode}${initial ? "h" : "l"}`;
  };
  for (const mode of RESTORE_ORDER_BEFORE_SCREEN) undo(mode);
  // Kitty keeps one flag stack per screen: pop the alternate screen's while it is showing.
  if (modes.altScreen) out += kittyUndo(modes.kitty.alt);
  if (modes.modifyOtherKeysLevel !== 0) out += "\x1b[>4m";
  if (modes.scrollRegionSet) out += "\x1b7\x1b[r\x1b8"; // DECSTBM homes the cursor: keep it put.
  for (const [mode, initial] of ANSI_MODE_DEFAULTS) {
    const value = modes.ansiModes.get(mode);
    if (value !== undefined && value !== initial) out += `\x1b[${mode}${initial ? "h" : "l"}`;
  }
  if (modes.keypadApplication) out += "\x1b>";
  if (modes.charsetDirty || modes.shiftedOut) out += "\x1b(B\x0f";
  // Leaving 1049 brings back the attributes saved on entering it.
  const leaves1049 = modes.decModes.get(1049) === true;
  for (const mode of ALT_SCREEN_MODES) undo(mode);
  out += kittyUndo(modes.kitty.main);
  if (leaves1049 ? modes.attributesDirtyBeforeAlt : modes.attributesDirty) out += "\x1b[0m";
  if (modes.cursorStyleSet) out += "\x1b[0 q";
  for (const mode of RESTORE_ORDER_AFTER_SCREEN) undo(mode);
  return out;
}

/**
 * The escape sequences that put a terminal into the state the tracker believes in, for when
 * output that went through `TerminalModes.feed` was never written (an output gate dropped it).
 * Followed by a forced redraw of the child, this makes the screen and the modes consistent again.
 */
export function syncSequence(modes: TrackedModes): string {
  let out = modes.midSequence ? "\x18" : "";
  // Screen first: switching to the alternate screen must precede the modes set on it.
  for (const mode of [...ALT_SCREEN_MODES].reverse()) {
    const value = modes.decModes.get(mode);
    if (value !== undefined) out += `\x1b[?${mode}${value ? "h" : "l"}`;
  }
  for (const [mode, value] of modes.decModes) {
    if (!(ALT_SCREEN_MODES as readonly number[]).includes(mode) && mode !== 2026) {
      out += `\x1b[?${mode}${value ? "h" : "l"}`;
    }
  }
  for (const [mode, value] of modes.ansiModes) out += `\x1b[${mode}${value ? "h" : "l"}`;
  const stack = modes.kitty[modes.screen];
  if (stack.pushed.length > 0 || stack.base !== 0) {
    out += `\x1b[=${stack.pushed.at(-1) ?? stack.base};1u`;
  }
  if (modes.modifyOtherKeysTouched) {
    out += modes.modifyOtherKeysLevel === 0 ? "\x1b[>4m" : `\x1b[>4;${modes.modifyOtherKeysLevel}m`;
  }
  if (modes.keypadTouched) out += modes.keypadApplication ? "\x1b=" : "\x1b>";
  return out;
}

function kittyUndo(stack: Readonly<KittyStack>): string {
  let out = "";
  if (stack.pushed.length > 0) out += `\x1b[<${stack.pushed.length}u`;
  else if (stack.base !== 0) out += "\x1b[=0;1u";
  return out;
}

/**
 * The user's terminal while the wrapper runs Claude Code in a pseudo-terminal.
 *
 * Pure (no I/O): `modes` + `mode-sequences` (what the child changed on the terminal, and how to
 * undo it), `input-scanner` + `keys` (menu key and overlay keys in our input), `overlay` +
 * `text-width` (boxes, banners, notifications as strings), `output-gate` (hold the child's output
 * while an overlay is up).
 * With I/O: `pty-child` (spawn, pass-through, resize, redraw, terminate; `pty-drain` keeps the
 * end of its output at the exit), `tty` (raw mode and restoration on every exit path),
 * `exit-hooks` (the clean-up registry both use).
 *
 * The real wiring is `PtyShell` in `shells/pty.ts` on the terminal of `processTerminal()`
 * (`port.ts`): the terminal is entered before the child is spawned and restored after it is gone,
 * so clean-ups, which run newest first, kill the child before the terminal is restored.
 */

export { FATAL_SIGNALS, onProcessExit, runExitCleanups } from "../platform/exit-hooks.js";
export {
  decodeKeys,
  type InputEvent,
  type InputMode,
  InputScanner,
  type InputScannerOptions,
  PENDING_INPUT_TIMEOUT_MS,
} from "./input-scanner.js";
export { type Key, menuKeyCodepoints, overlayKeyName } from "./keys.js";
export { TerminalModes, type TerminalModesSnapshot } from "./modes.js";
export {
  DEFAULT_MAX_HELD_BYTES,
  type GateRelease,
  OutputGate,
  type OutputGateOptions,
} from "./output-gate.js";
export {
  BELL,
  clearOverlay,
  type KeyHint,
  layoutOverlay,
  type OverlayLayout,
  type OverlaySpec,
  osc9Notification,
  renderBanner,
  renderOverlay,
  type Segment,
} from "./overlay.js";
export {
  exitStatus,
  PtyChild,
  type PtyChildOptions,
  type PtyExit,
  type RedrawOptions,
} from "./pty-child.js";
export { clipToWidth, displayWidth, padToWidth, sanitizeText, wrapToWidth } from "./text-width.js";
export { TerminalGuard, type TerminalGuardOptions, writeAll } from "./tty.js";

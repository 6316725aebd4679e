/**
 * The user's terminal while the wrapper runs Claude Code in a pseudo-terminal.
 *
 * Pure (no I/O): `modes` (what the child changed on the terminal), `input-scanner` + `keys` (menu
 * key and overlay keys in our input), `overlay` + `text-width` (boxes, banners, notifications as strings),
 * `output-gate` (hold the child's output while an overlay is up).
 * With I/O: `pty-child` (spawn, pass-through, resize, redraw, terminate), `tty` (raw mode and
 * restoration on every exit path), `exit-hooks` (the clean-up registry both use).
 *
 * Wiring, in this order (clean-ups run newest first, so the child dies before the terminal is
 * restored):
 * ```ts
 * const guard = new TerminalGuard();
 * guard.enter();
 * const child = PtyChild.spawn({ file: claudePath, args, env });
 * const gate = new OutputGate({ write: (chunk) => process.stdout.write(chunk) });
 * child.onData((chunk) => {
 *   guard.modes.feed(chunk);   // every byte, held or not
 *   gate.write(chunk);
 * });
 * const scanner = new InputScanner({ menuKeyByte: menuKeyByte(config.menu_key) });
 * process.stdin.on("data", (chunk) => { scanner.push(chunk); drainInput(); … });  // see input-scanner.ts
 * const exit = await child.exited;
 * guard.restore();
 * process.exitCode = exitStatus(exit);
 * ```
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
export { type Key, menuKeyCodepoints } from "./keys.js";
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

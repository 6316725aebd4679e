/**
 * The user's terminal while Claude runs in our pseudo-terminal: raw mode on our stdin, and its
 * restoration on every way out — normal exit, child exit or crash, SIGINT/SIGTERM/SIGHUP/SIGQUIT
 * delivered to us, an uncaught exception.
 *
 * Restoration is `setRawMode(false)` plus the escape sequences that undo what the child changed
 * on the real terminal (alternate screen, mouse and focus reporting, bracketed paste, kitty
 * keyboard flags, hidden cursor…), worked out by a {@link TerminalModes} tracker that the caller
 * feeds with the child's output. It is idempotent and synchronous (`fs.writeSync`), so it is safe
 * in a `process.on("exit")` handler, where it is registered.
 */

import { writeSync } from "node:fs";
import { isatty } from "node:tty";
import { onProcessExit } from "../platform/exit-hooks.js";
import { TerminalModes } from "./modes.js";

/** Saves the window title on xterm's title stack (`CSI 22 ; 0 t`); terminals without one ignore it. */
const PUSH_TITLE = "\x1b[22;0t";
const POP_TITLE = "\x1b[23;0t";

export interface TerminalGuardOptions {
  /** Our input; raw mode is set on it when it is a TTY. Default `process.stdin`. */
  input?: NodeJS.ReadStream;
  /** File descriptor of the user's terminal output. Default 1 (stdout). */
  outputFd?: number;
  /** The tracker fed with the child's output. Default: a new one, at {@link TerminalGuard.modes}. */
  modes?: TerminalModes;
  /**
   * Save the window title on entering and restore it on leaving, since Claude sets its own.
   * Default true.
   */
  saveTitle?: boolean;
}

/**
 * Puts the user's terminal into raw mode for the wrapper and guarantees it is put back.
 * `processTerminal()` in `port.ts` is the real use, entered before the child is spawned so that
 * on exit the child is killed before the terminal is restored.
 */
export class TerminalGuard {
  /** What the child has changed on the terminal: feed it every chunk of the child's output. */
  readonly modes: TerminalModes;
  private readonly input: NodeJS.ReadStream;
  private readonly outputFd: number;
  private readonly saveTitle: boolean;
  private unregisterExitHook: (() => void) | undefined;
  private titlePushed = false;

  constructor(options: TerminalGuardOptions = {}) {
    this.input = options.input ?? process.stdin;
    this.outputFd = options.outputFd ?? 1;
    this.modes = options.modes ?? new TerminalModes();
    this.saveTitle = options.saveTitle ?? true;
  }

  /** Our input is a terminal (raw mode applies). */
  get inputIsTTY(): boolean {
    return this.input.isTTY === true;
  }

  /** Our output is a terminal (escape sequences are written to it). */
  get outputIsTTY(): boolean {
    return isatty(this.outputFd);
  }

  /** Between {@link enter} and {@link restore}. */
  get active(): boolean {
    return this.unregisterExitHook !== undefined;
  }

  /**
   * Raw mode on (keys reach the child as typed: Ctrl-C is a byte for Claude, not a SIGINT for
   * us) and restoration registered for process exit. No effect when already active.
   */
  enter(): void {
    if (this.active) return;
    this.unregisterExitHook = onProcessExit(() => this.restore());
    if (this.inputIsTTY) this.input.setRawMode(true);
    if (this.saveTitle && this.outputIsTTY) {
      this.titlePushed = writeAll(this.outputFd, PUSH_TITLE);
    }
  }

  /**
   * Undoes what the child left on the terminal, then leaves raw mode. Idempotent; synchronous;
   * never throws (a terminal that hung up cannot be restored and needs no restoring).
   * Call it after the child's last output was written: it resets the mode tracker.
   */
  restore(): void {
    if (!this.active) return;
    const unregister = this.unregisterExitHook!;
    this.unregisterExitHook = undefined;
    unregister();
    if (this.outputIsTTY) {
      const title = this.titlePushed ? POP_TITLE : "";
      writeAll(this.outputFd, this.modes.restoreSequence() + title);
    }
    this.titlePushed = false;
    this.modes.reset();
    try {
      if (this.inputIsTTY && this.input.isRaw) this.input.setRawMode(false);
    } catch {
      // The terminal is gone (EIO after a hang-up): nothing left to restore.
    }
  }
}

/**
 * Writes all of `text` synchronously, retrying when a non-blocking descriptor is full. Returns
 * false if the terminal cannot be written (hung up, closed).
 */
export function writeAll(fd: number, text: string): boolean {
  if (text === "") return true;
  const bytes = Buffer.from(text, "utf8");
  let offset = 0;
  let attempts = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // EAGAIN: the terminal is slow to drain; a bounded busy retry is fine for a few bytes.
      if (code === "EAGAIN" && ++attempts < 10_000) continue;
      return false;
    }
  }
  return true;
}

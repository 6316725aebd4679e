/**
 * The user's terminal as a wrapped interactive run sees it, so the pty shell can be driven by a
 * test: writes, keys, size and resizes, raw mode and its restoration. {@link processTerminal} is
 * the real one (our stdin, stdout and stderr).
 */

import { TerminalModes } from "./modes.js";
import type { PtyChild, PtyChildOptions } from "./pty-child.js";
import { TerminalGuard, writeAll } from "./tty.js";

export interface TerminalPort {
  /** What the child changed on the terminal: fed every chunk of its output, for restore and resync. */
  readonly modes: TerminalModes;
  /** The child's output, passed through. */
  write(data: Uint8Array): void;
  /** Our own drawing (overlays, banners), written at once. */
  paint(text: string): void;
  /** A line for after the screen is given back (stderr). */
  error(line: string): void;
  onInput(listener: (chunk: Buffer) => void): () => void;
  onResize(listener: () => void): () => void;
  size(): { cols: number; rows: number };
  /** Raw mode on, its restoration registered for every way out. */
  enter(): void;
  restore(): void;
  /** Stops this process as Ctrl-Z stops a job (SIGTSTP); resolves once the shell continues it (`fg`). */
  suspend(): Promise<void>;
}

/** The pseudo-terminal child as the pty shell uses it (a {@link PtyChild}, or a test's fake). */
export type PtyLike = Pick<
  PtyChild,
  "pid" | "exited" | "exitInfo" | "size" | "onData" | "write" | "forceRedraw" | "terminate" | "kill"
>;

export type PtySpawner = (options: PtyChildOptions) => PtyLike;

export function processTerminal(): TerminalPort {
  const modes = new TerminalModes();
  const guard = new TerminalGuard({ modes });
  return {
    modes,
    write: (data) => process.stdout.write(data),
    paint: (text) => writeAll(1, text),
    error: (line) => process.stderr.write(`${line}\n`),
    onInput(listener) {
      process.stdin.on("data", listener);
      process.stdin.resume();
      return () => {
        process.stdin.off("data", listener);
        process.stdin.pause();
      };
    },
    onResize(listener) {
      process.stdout.on("resize", listener);
      return () => process.stdout.off("resize", listener);
    },
    size: () => ({ cols: process.stdout.columns ?? 80, rows: process.stdout.rows ?? 24 }),
    enter: () => guard.enter(),
    restore: () => guard.restore(),
    suspend: () =>
      new Promise((resolve) => {
        process.once("SIGCONT", () => resolve());
        process.kill(process.pid, "SIGTSTP");
      }),
  };
}

/**
 * A program (Claude Code) running in a pseudo-terminal sized to the user's terminal.
 *
 * Bytes pass through unchanged both ways: the pty is opened without an encoding, so its output
 * arrives as raw Buffers (a UTF-8 character split across reads stays split, invalid UTF-8 stays
 * invalid) and `write` takes bytes. The child follows the real terminal's size, can be made to
 * repaint ({@link PtyChild.forceRedraw}), and never outlives us: its process group is killed on
 * our exit, however it happens.
 */

import { constants } from "node:os";
import pty from "@lydell/node-pty";
import { exitStatus as childExitStatus } from "../platform/child.js";
import { onProcessExit } from "../platform/exit-hooks.js";
import { readToTheEnd } from "./pty-drain.js";

const FALLBACK_COLS = 80;
const FALLBACK_ROWS = 24;
/** Output kept for the first `onData` listener if it subscribes late. */
const MAX_EARLY_OUTPUT_BYTES = 1024 * 1024;

export interface PtyChildOptions {
  /** The program: a path, or a name looked up on the child's PATH. */
  file: string;
  args?: readonly string[];
  /** The child's environment (default `process.env`). COLUMNS and LINES are left out: the pty has a size. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * The terminal whose size the child follows (its "resize" events). Default: stdout if it is a
   * TTY, else stderr if it is. `null`: a fixed size from `cols`/`rows`.
   */
  sizeSource?: NodeJS.WriteStream | null;
  /** Size when there is no size source (default 80×24). */
  cols?: number;
  rows?: number;
  /** `TERM` for the child: default the environment's `TERM`, else `xterm-256color`. */
  terminalName?: string;
}

/** How the child ended: an exit code, or the signal that killed it (exitCode is then 0). */
export interface PtyExit {
  exitCode: number;
  signal: NodeJS.Signals | null;
}

/** Options of {@link PtyChild.forceRedraw}. */
export interface RedrawOptions {
  /** Keep the nudged size at least this long once the child has reacted (default 20 ms). */
  minMs?: number;
  /** …and at most this long if it does not react (default 250 ms). */
  maxMs?: number;
}

/** The status a shell would report for this exit (one rule for every child: `platform/child.ts`). */
export function exitStatus(exit: PtyExit): number {
  return childExitStatus(exit.exitCode, exit.signal);
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]),
);

/** A child process in a pseudo-terminal. Create with {@link PtyChild.spawn}. */
export class PtyChild {
  /** The child's pid; also its process group id (the pty made it a session leader). */
  readonly pid: number;
  /**
   * Settles when the child has exited and all of its output has been delivered: the pty is read
   * to its end first (pty-drain.ts), however slow the listeners are.
   */
  readonly exited: Promise<PtyExit>;

  private readonly terminal: pty.IPty;
  private readonly sizeSource: NodeJS.WriteStream | null;
  private readonly listeners = new Set<(chunk: Buffer) => void>();
  private earlyOutput: Buffer[] | null = [];
  private earlyOutputBytes = 0;
  private exit: PtyExit | undefined;
  private target: { cols: number; rows: number };
  private redrawing: Promise<void> | undefined;
  private readonly unregisterExitHook: () => void;
  private readonly onSourceResize = () => this.followSource();

  /**
   * Starts `file` in a new pseudo-terminal. Subscribe with {@link onData} right away (output that
   * arrives before the first subscriber is kept for it, up to 1 MiB).
   */
  static spawn(options: PtyChildOptions): PtyChild {
    return new PtyChild(options);
  }

  private constructor(options: PtyChildOptions) {
    this.sizeSource = options.sizeSource === undefined ? defaultSizeSource() : options.sizeSource;
    this.target = this.sourceSize() ?? {
      cols: positive(options.cols, FALLBACK_COLS),
      rows: positive(options.rows, FALLBACK_ROWS),
    };
    const env = childEnvironment(options.env ?? process.env);
    this.terminal = pty.spawn(options.file, [...(options.args ?? [])], {
      name: options.terminalName ?? (env.TERM || "xterm-256color"),
      cols: this.target.cols,
      rows: this.target.rows,
      cwd: options.cwd ?? process.cwd(),
      env,
      // No decoding: Buffers in, Buffers out, so bytes pass through exactly.
      encoding: null,
    });
    this.pid = this.terminal.pid;
    // Else the end of the output may be dropped at the exit (see pty-drain.ts). If node-pty's
    // internals ever differ, pty-drain.test.ts says so.
    readToTheEnd(this.terminal);
    // Registered after the terminal guard's restore, so on exit the child dies before the
    // terminal is restored and cannot write over the restored screen.
    this.unregisterExitHook = onProcessExit(() => this.kill("SIGKILL"));

    this.terminal.onData((data) => this.deliver(data as unknown as Buffer));
    this.exited = new Promise((resolve) => {
      this.terminal.onExit(({ exitCode, signal }) => {
        this.exit = { exitCode, signal: signal ? (SIGNAL_NAMES.get(signal) ?? null) : null };
        this.unregisterExitHook();
        this.sizeSource?.off("resize", this.onSourceResize);
        resolve(this.exit);
      });
    });
    this.sizeSource?.on("resize", this.onSourceResize);
  }

  /** How the child ended, once it has. */
  get exitInfo(): PtyExit | undefined {
    return this.exit;
  }

  /** The size the child is meant to have (the real terminal's). */
  get size(): { cols: number; rows: number } {
    return { ...this.target };
  }

  /**
   * Calls `listener` with every chunk of the child's output, unchanged. Returns an unsubscribe
   * function.
   */
  onData(listener: (chunk: Buffer) => void): () => void {
    const early = this.earlyOutput;
    this.earlyOutput = null;
    if (early) for (const chunk of early) listener(chunk);
    return this.subscribe(listener);
  }

  private subscribe(listener: (chunk: Buffer) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends bytes (or a string, as UTF-8) to the child as if typed. Ignored after exit. */
  write(data: Uint8Array | string): void {
    if (this.exit) return;
    // node-pty's typings say string, but with `encoding: null` it writes Buffers as they are.
    this.terminal.write(data as string);
  }

  /** Gives the child a new size (it gets SIGWINCH). Ignored after exit. */
  resize(cols: number, rows: number): void {
    this.target = { cols: positive(cols, this.target.cols), rows: positive(rows, this.target.rows) };
    this.applySize(this.target.cols, this.target.rows);
  }

  /**
   * Makes a full-screen program repaint everything, e.g. over an overlay: the pty is narrowed by
   * one column and then given its size back, so the child sees two real size changes.
   *
   * The second change waits until the child has reacted to the first (its output, after
   * `minMs`) or `maxMs` passed: a program reads the size when it handles SIGWINCH, and two
   * changes in a row would otherwise look like no change at all — Claude Code then does not
   * repaint.
   */
  forceRedraw(options: RedrawOptions = {}): Promise<void> {
    if (this.exit) return Promise.resolve();
    this.redrawing ??= this.nudgeSize(options.minMs ?? 20, options.maxMs ?? 250).finally(() => {
      this.redrawing = undefined;
    });
    return this.redrawing;
  }

  /**
   * Sends `signal` to the child's process group (Claude and what it started in the foreground).
   * Ignored once the child has exited.
   */
  kill(signal: NodeJS.Signals = "SIGTERM"): void {
    if (this.exit) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      try {
        process.kill(this.pid, signal);
      } catch {
        // Already gone.
      }
    }
  }

  /**
   * Asks the child to stop (SIGTERM to its process group) and, if it has not exited after
   * `graceMs`, kills it (SIGKILL). Resolves when it has exited.
   */
  async terminate(graceMs = 3000): Promise<PtyExit> {
    if (this.exit) return this.exit;
    this.kill("SIGTERM");
    const timer = setTimeout(() => this.kill("SIGKILL"), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops following the terminal's size. The child keeps running. */
  dispose(): void {
    this.sizeSource?.off("resize", this.onSourceResize);
  }

  private deliver(chunk: Buffer): void {
    if (this.earlyOutput && this.earlyOutputBytes + chunk.length <= MAX_EARLY_OUTPUT_BYTES) {
      this.earlyOutput.push(chunk);
      this.earlyOutputBytes += chunk.length;
    }
    for (const listener of this.listeners) listener(chunk);
  }

  private sourceSize(): { cols: number; rows: number } | undefined {
    const source = this.sizeSource;
    if (!source?.columns || !source.rows) return undefined;
    return { cols: source.columns, rows: source.rows };
  }

  private followSource(): void {
    const size = this.sourceSize();
    if (size) this.resize(size.cols, size.rows);
  }

  private applySize(cols: number, rows: number): void {
    if (this.exit) return;
    try {
      this.terminal.resize(cols, rows);
    } catch {
      // The pty closed between the exit and our hearing of it.
    }
  }

  private async nudgeSize(minMs: number, maxMs: number): Promise<void> {
    const { cols, rows } = this.target;
    this.applySize(cols > 1 ? cols - 1 : cols + 1, rows);
    await this.reactionOrTimeout(minMs, maxMs);
    this.applySize(this.target.cols, this.target.rows);
  }

  /** Resolves once the child wrote something and `minMs` passed, or after `maxMs`, or on exit. */
  private reactionOrTimeout(minMs: number, maxMs: number): Promise<void> {
    return new Promise((resolve) => {
      let reacted = false;
      let minimumPassed = false;
      const done = () => {
        clearTimeout(minimumTimer);
        clearTimeout(maximumTimer);
        unsubscribe();
        resolve();
      };
      const unsubscribe = this.subscribe(() => {
        reacted = true;
        if (minimumPassed) done();
      });
      const minimumTimer = setTimeout(() => {
        minimumPassed = true;
        if (reacted) done();
      }, minMs);
      const maximumTimer = setTimeout(done, maxMs);
      void this.exited.then(done);
    });
  }
}

function defaultSizeSource(): NodeJS.WriteStream | null {
  if (process.stdout.isTTY) return process.stdout;
  if (process.stderr.isTTY) return process.stderr;
  return null;
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
}

/** The environment for node-pty: defined values only, without a stale COLUMNS/LINES. */
function childEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && key !== "COLUMNS" && key !== "LINES") out[key] = value;
  }
  return out;
}

/**
 * Keeps the end of a child's output when it exits: what it wrote before exiting and we have not
 * read yet (the end of Claude's last answer, its "claude --resume …" line) is read, not dropped.
 *
 * Two things drop it when our event loop was busy or the user's terminal slow (a blocking write
 * over ssh) around the exit, with node-pty 1.1.0 on Node's libuv:
 * - node-pty (`unixTerminal.js`) destroys the pty master's socket 200 ms after the child exits
 *   unless the socket closed by itself, a workaround for macOS where it sometimes never does;
 * - libuv, when the pty reports a hang-up (the child is gone) and a read comes back shorter than
 *   its buffer, takes that read for the last and ends the stream (libuv/libuv#4992, fixed in
 *   libuv releases newer than Node 20's), though the kernel still holds output: every read of a
 *   pty is that short (at most 4 KiB on Linux).
 *
 * So node-pty's destroy is held back while output still comes, until none came for
 * {@link DrainTiming.quietMs} and a further poll of the pty found none, or at the latest
 * {@link DrainTiming.limitMs} after it was asked for (something outlived the child and keeps
 * writing); any other destroy (an error such as EIO) goes through at once. And when the stream is
 * ended, the pty is first read to its real end (EIO or nothing left). node-pty's exit event follows
 * the socket's close, so `onExit` still comes, after the output.
 */
import { readSync } from "node:fs";

/** The parts of node-pty's `UnixTerminal` this relies on (private there, hence checked). */
interface NodePtyInternals {
  _socket: PtySocket;
  /** The pty master. */
  _fd: number;
  /** Set when the child has exited and node-pty waits for the socket to close. */
  _boundClose: boolean;
  /** Set once node-pty has seen the socket close. */
  _emittedClose: boolean;
}

interface PtySocket {
  destroyed: boolean;
  destroy(error?: Error, ...rest: unknown[]): unknown;
  push(chunk: Buffer | null, ...rest: unknown[]): boolean;
  on(event: "data", listener: () => void): unknown;
  once(event: "close", listener: () => void): unknown;
}

export interface DrainTiming {
  /** The output has ended when none came for this long (and a poll found none). */
  quietMs: number;
  /** The longest the destroy is held back, however long output keeps coming. */
  limitMs: number;
}

/** Longer than node-pty's 200 ms; on Linux the socket closes at the output's end, before either. */
export const DRAIN_TIMING: DrainTiming = { quietMs: 500, limitMs: 5000 };

/** Bounds the final reads: a hung-up pty takes no more output, so what is left is its buffer. */
const MAX_FINAL_READS = 1024;
const READ_SIZE = 64 * 1024;

/**
 * Installs both on a node-pty terminal, right after spawning it. Returns false, changing nothing,
 * when node-pty's internals are not the expected ones (another version or platform): node-pty's
 * own behaviour then stays.
 */
export function readToTheEnd(terminal: unknown): boolean {
  if (!hasExpectedInternals(terminal)) return false;
  holdDestroyWhileOutputComes(terminal, DRAIN_TIMING);
  readRestBeforeEnd(terminal);
  return true;
}

function holdDestroyWhileOutputComes(terminal: NodePtyInternals, timing: DrainTiming): void {
  const socket = terminal._socket;
  const destroy = socket.destroy.bind(socket);
  let drain: { quiet: NodeJS.Timeout; limit: NodeJS.Timeout; check?: NodeJS.Immediate } | undefined;
  let closed = false;

  const stop = () => {
    if (!drain) return;
    clearTimeout(drain.quiet);
    clearTimeout(drain.limit);
    clearImmediate(drain.check);
    drain = undefined;
  };
  const destroyNow = () => {
    stop();
    destroy();
  };
  // Output still in the kernel's buffer is read in the poll phase, before the check runs.
  const destroyUnlessAPollReads = () => {
    if (drain) drain.check = setImmediate(destroyNow);
  };

  socket.destroy = (error?: Error, ...rest: unknown[]) => {
    const nodePtysTimeout = error === undefined && terminal._boundClose && !terminal._emittedClose;
    if (!nodePtysTimeout || closed) return destroy(error, ...rest);
    drain ??= {
      quiet: setTimeout(destroyUnlessAPollReads, timing.quietMs),
      limit: setTimeout(destroyNow, timing.limitMs),
    };
    return socket;
  };
  // Registered after node-pty's own listener, so this runs once the chunk was delivered: the
  // quiet time counts from when the consumer is done with it.
  socket.on("data", () => {
    if (!drain) return;
    clearImmediate(drain.check);
    drain.check = undefined;
    drain.quiet.refresh();
  });
  socket.once("close", () => {
    closed = true;
    stop();
  });
}

function readRestBeforeEnd(terminal: NodePtyInternals): void {
  const socket = terminal._socket;
  const push = socket.push.bind(socket);
  socket.push = (chunk: Buffer | null, ...rest: unknown[]) => {
    // At libuv's end of the stream its handle, and so the pty, is still open (once destroyed, the
    // descriptor may already be another file's).
    if (chunk === null && !socket.destroyed) {
      // What the kernel still holds comes first.
      const buffer = Buffer.allocUnsafe(READ_SIZE);
      for (let reads = 0; reads < MAX_FINAL_READS; reads++) {
        const length = readOrNothing(terminal._fd, buffer);
        if (length === 0) break;
        push(Buffer.from(buffer.subarray(0, length)));
      }
    }
    return push(chunk, ...rest);
  };
}

/** Bytes read, or 0 at the end: EIO (the other side is closed and nothing is left) or EAGAIN. */
function readOrNothing(fd: number, buffer: Buffer): number {
  try {
    return readSync(fd, buffer);
  } catch {
    return 0;
  }
}

function hasExpectedInternals(terminal: unknown): terminal is NodePtyInternals {
  if (typeof terminal !== "object" || terminal === null) return false;
  const internals = terminal as Record<string, unknown>;
  if (typeof internals._boundClose !== "boolean" || typeof internals._emittedClose !== "boolean")
    return false;
  if (typeof internals._fd !== "number") return false;
  const socket = internals._socket;
  if (typeof socket !== "object" || socket === null) return false;
  const members = socket as Record<string, unknown>;
  if (typeof members.destroyed !== "boolean") return false;
  return ["destroy", "push", "on", "once"].every((name) => typeof members[name] === "function");
}

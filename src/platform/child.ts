/**
 * Child processes of ours that are not in a pseudo-terminal (`claude -p`, `claude` for a program
 * on stream-json, `claude mcp …` passed through), with one rule for the exit status a shell would
 * report, and the signals sent to us passed on so the child never outlives us.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import type { Readable, Writable } from "node:stream";

/** The status a shell reports for an ended process: its code, or 128 + the number of the signal that ended it. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal !== null) return 128 + (constants.signals[signal] ?? 0);
  return code ?? 1;
}

export interface ChildOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** What the child reads: our stdin, nothing, or a pipe of ours. */
  stdin: "inherit" | "ignore" | "pipe";
  /** Our stdout and stderr, or pipes to read. */
  output: "inherit" | "pipe";
  /**
   * Signals sent to us that go on to the child. Ctrl-C on a terminal reaches a child with our
   * stdin by itself: those signals are then ignored here (`ignored`) instead of ending us first.
   */
  forward: readonly NodeJS.Signals[];
  ignored?: readonly NodeJS.Signals[];
}

/** A child as its users see it (a spawned one, or a test's fake). */
export interface ChildLike {
  readonly pid: number | undefined;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly stdin: Writable | null;
  /** Settles with its exit status once it has ended and its output is read; rejects if it could not start. */
  readonly exited: Promise<number>;
  kill(signal?: NodeJS.Signals): void;
}

export type ChildSpawner = (file: string, args: readonly string[], options: ChildOptions) => ChildLike;

export const spawnChild: ChildSpawner = (file, args, options) => {
  const child = spawn(file, [...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: [options.stdin, options.output, options.output],
  });
  const forwarders = options.forward.map((signal) => [signal, () => child.kill(signal)] as const);
  const ignore = () => {};
  for (const [signal, handler] of forwarders) process.on(signal, handler);
  for (const signal of options.ignored ?? []) process.on(signal, ignore);
  const detach = () => {
    for (const [signal, handler] of forwarders) process.off(signal, handler);
    for (const signal of options.ignored ?? []) process.off(signal, ignore);
  };
  const exited = new Promise<number>((resolve, reject) => {
    child.on("error", (error) => {
      detach();
      reject(error);
    });
    child.on("close", (code, signal) => {
      detach();
      resolve(exitStatus(code, signal));
    });
  });
  return {
    pid: child.pid,
    stdout: child.stdout,
    stderr: child.stderr,
    stdin: child.stdin,
    exited,
    kill: (signal = "SIGTERM") => {
      child.kill(signal);
    },
  };
};

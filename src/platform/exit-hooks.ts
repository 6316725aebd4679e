/**
 * Synchronous clean-ups that must run however the process ends: a normal exit or
 * `process.exit()`, a fatal signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT) nobody else handles, or an
 * uncaught exception (before Node prints it, so the message lands on the restored screen).
 *
 * Clean-ups run once, newest first (like `defer`): the child process registered after the
 * terminal guard is killed before the terminal is restored, so it cannot scribble on the
 * restored screen.
 *
 * Signals: when the application has its own listener for a signal (e.g. the session handles
 * SIGTERM by stopping Claude gracefully and then calling `process.exit`), this module stays out
 * of its way; the clean-ups then run on that exit. Otherwise the clean-ups run and the signal is
 * raised again with its default action, so our parent sees that we died of it.
 */

import { constants } from "node:os";

/** Signals that end a process by default and that a terminal program must clean up after. */
export const FATAL_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"] as const;
type FatalSignal = (typeof FATAL_SIGNALS)[number];

const cleanups: (() => void)[] = [];
let installed = false;

const signalHandlers = new Map<FatalSignal, () => void>(
  FATAL_SIGNALS.map((signal) => [signal, () => onFatalSignal(signal)] as const),
);

/**
 * Registers `cleanup` to run synchronously when the process ends. It must not throw (errors are
 * swallowed so the other clean-ups still run) and must not start async work: nothing after it
 * runs. Returns a function that unregisters it.
 */
export function onProcessExit(cleanup: () => void): () => void {
  cleanups.push(cleanup);
  install();
  return () => {
    const index = cleanups.lastIndexOf(cleanup);
    if (index !== -1) cleanups.splice(index, 1);
    if (cleanups.length === 0) uninstall();
  };
}

/** Runs all registered clean-ups now, newest first, and forgets them. */
export function runExitCleanups(): void {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop()!;
    try {
      cleanup();
    } catch {
      // The process is going away: the next clean-up matters more than this error.
    }
  }
  uninstall();
}

function onExit(): void {
  runExitCleanups();
}

function onUncaughtException(_error: unknown, _origin: string): void {
  // With an 'uncaughtException' listener the application survives: nothing to clean up yet.
  if (process.listenerCount("uncaughtException") === 0) runExitCleanups();
}

function onFatalSignal(signal: FatalSignal): void {
  if (process.listenerCount(signal) > 1) return; // the application handles it
  runExitCleanups();
  // Our listeners are gone, so the default action applies: die of the signal, as if we had none.
  process.kill(process.pid, signal);
  // Not reached when the signal's default action ended us; in case it did not, end as a shell would report it.
  process.exit(128 + constants.signals[signal]);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", onExit);
  process.on("uncaughtExceptionMonitor", onUncaughtException);
  for (const [signal, handler] of signalHandlers) process.on(signal, handler);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off("exit", onExit);
  process.off("uncaughtExceptionMonitor", onUncaughtException);
  for (const [signal, handler] of signalHandlers) process.off(signal, handler);
}

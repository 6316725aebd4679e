/**
 * The signals that end a run (SPEC §4.1): SIGINT, SIGTERM and SIGHUP sent to the wrapper — a
 * kill, a closed terminal, an Agent SDK abort. While a run holds them, the process does not die at
 * once (the exit hooks stay out of the way of a listener): the run ends in order instead — Claude
 * told, no new Claude started (a switch under way stops there), the gateway's requests in flight
 * recorded, the run ended in the ledger and its API billing said — with the status a shell reports
 * for a process the signal ended.
 */
import { constants } from "node:os";

export const RUN_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export class RunSignals {
  #received: NodeJS.Signals | null = null;
  readonly #handlers = RUN_SIGNALS.map((signal) => [signal, () => this.#on(signal)] as const);

  constructor(private readonly onSignal: (signal: NodeJS.Signals) => void) {
    for (const [signal, handler] of this.#handlers) process.on(signal, handler);
  }

  /** The first signal received, or null. */
  get received(): NodeJS.Signals | null {
    return this.#received;
  }

  /** 128 + the number of the signal received (as a shell reports a process it ended), or null. */
  status(): number | null {
    return this.#received === null ? null : 128 + (constants.signals[this.#received] ?? 0);
  }

  /** The run is over: a signal now is the exit hooks' again. */
  close(): void {
    for (const [signal, handler] of this.#handlers) process.off(signal, handler);
  }

  #on(signal: NodeJS.Signals): void {
    // A second signal changes nothing: the run is already ending, in a bounded time.
    if (this.#received !== null) return;
    this.#received = signal;
    this.onSignal(signal);
  }
}

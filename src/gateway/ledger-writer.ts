import { FallbackError } from "../errors.js";
import { onProcessExit } from "../platform/exit-hooks.js";
import type { SpendTracker } from "../usage/spend.js";
import type { RequestRow } from "./accounting.js";

/** How long a request row waits to be written with the rows of the requests that end after it. */
export const LEDGER_WRITE_DELAY_MS = 50;

/**
 * Writes the gateway's request rows a little after their response ended, with the others that
 * ended meanwhile: one commit per burst of requests instead of one per request, off the path of
 * the next one. The run's caps count a row from the moment it is queued (see `SpendTracker`); the
 * gateway's close and the process's exit write what is still queued. With a day or month cap,
 * other runs check it against the file, so each row is written at once.
 */
export class LedgerWriter {
  private timer: NodeJS.Timeout | null = null;
  private readonly forgetExitHook: () => void;

  constructor(
    private readonly spend: SpendTracker,
    private readonly options: {
      /** A day or month cap is set: other runs read this run's rows from the file. */
      writeAtOnce: () => boolean;
      /** A row the ledger could not take; it still counts in memory and is written once it can. */
      onFailure: (error: FallbackError) => void;
    },
  ) {
    this.forgetExitHook = onProcessExit(() => {
      try {
        spend.flush();
      } catch {
        // The process is ending: the run's own end says what the ledger could not take.
      }
    });
  }

  record(row: RequestRow): void {
    this.spend.queue(row);
    if (this.options.writeAtOnce()) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), LEDGER_WRITE_DELAY_MS).unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      this.spend.flush();
    } catch (error) {
      if (!(error instanceof FallbackError)) throw error;
      this.options.onFailure(error);
    }
  }

  close(): void {
    this.flush();
    this.forgetExitHook();
  }
}

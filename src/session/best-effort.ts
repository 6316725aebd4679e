/**
 * Writes a wrapped run can do without — the shared state cache, the live-run entry, event rows in
 * the usage ledger. One that fails (a full disk, a damaged file) must not end the session: the
 * first failure is reported in one line, later ones (the same full disk, again and again) are not.
 * Never for request rows: those carry money (see `SpendTracker`), and are reported on their own.
 */
export class BestEffortWrites {
  private reported = false;

  constructor(private readonly report: (message: string) => void) {}

  /** Runs `write`; if it throws, the first time in this run reports "could not save <what> (<why>)…". */
  run(what: string, write: () => void): void {
    try {
      write();
    } catch (error) {
      if (this.reported) return;
      this.reported = true;
      const why = error instanceof Error ? error.message : String(error);
      this.report(`could not save ${what} (${why}); the session goes on`);
    }
  }
}

/**
 * A reader that goes away — `claude-fallback -- -p … | head -1`, `usage | head`, an Agent SDK
 * parent that exits — breaks our stdout or stderr. Node reports that as an EPIPE 'error' on the
 * stream, and with no one listening the process dies of it with a stack trace: in a run, before
 * Claude has finished its turn, the ledger has its rows and the run's files are cleared. Claude
 * Code itself goes on with its output dropped and exits as it would have; so do we. A stream that
 * broke is destroyed, and Node drops what is written to it after that.
 */

type Output = NodeJS.WritableStream;

const quiet = new WeakSet<Output>();

/**
 * Makes `holder.stdout` and `holder.stderr` (the process's) quiet on a broken pipe from their first
 * use on, without creating them now: creating stdout loads Node's net and stream modules (~4 ms),
 * which a run spends after Claude is spawned, not before. Other write errors stay fatal.
 */
export function quietBrokenPipes(holder: { stdout: Output; stderr: Output } = process): void {
  for (const name of ["stdout", "stderr"] as const) {
    const descriptor = Object.getOwnPropertyDescriptor(holder, name);
    const create = descriptor?.get;
    if (!descriptor || !create || !descriptor.configurable) {
      quietOnBrokenPipe(holder[name]);
      continue;
    }
    Object.defineProperty(holder, name, {
      configurable: true,
      enumerable: descriptor.enumerable,
      get() {
        const stream = create.call(holder) as Output;
        quietOnBrokenPipe(stream);
        return stream;
      },
    });
  }
}

/**
 * Calls `listener` when the reader of one of `streams` has gone away: a command that runs until it
 * is stopped stops. (Each bundle has its own copy of this module, so the streams carry the news.)
 */
export function onBrokenPipe(streams: readonly Output[], listener: () => void): () => void {
  const onError = (error: NodeJS.ErrnoException) => {
    if (readerGone(error)) listener();
  };
  for (const stream of streams) stream.on("error", onError);
  return () => {
    for (const stream of streams) stream.off("error", onError);
  };
}

/**
 * The reader is gone: a pipe's (EPIPE), or the terminal's, hung up (EIO: a closed terminal window,
 * whose SIGHUP the run is ending in order on).
 */
function readerGone(error: NodeJS.ErrnoException): boolean {
  return error.code === "EPIPE" || error.code === "EIO";
}

function quietOnBrokenPipe(stream: Output): void {
  if (quiet.has(stream)) return;
  quiet.add(stream);
  stream.on("error", (error: NodeJS.ErrnoException) => {
    // As if no one listened: the process ends with it, as before.
    if (!readerGone(error)) throw error;
  });
}

import type { ServerResponse } from "node:http";
import type { UpstreamBody } from "./upstream.js";

/**
 * Copies a response body to the client as it arrives and resolves when it ended (true; the
 * response is ended too), failed or the client went away (false). The upstream sends every event
 * as an HTTP chunk of its own and one socket read hands over many at once: what arrives in one
 * tick leaves as one write at the end of it (the same bytes; only the response's chunk framing
 * differs), not as a write per event, and is metered as one piece.
 */
export function relayBody(
  body: UpstreamBody,
  res: ServerResponse,
  onChunk: ((chunk: Buffer) => void) | null,
): Promise<boolean> {
  return new Promise((resolve) => {
    let batch: Buffer[] = [];
    let batchBytes = 0;
    let done = false;
    /** The bytes that arrived since the last write. */
    const take = (): Buffer | null => {
      if (batch.length === 0) return null;
      const chunk = batch.length === 1 ? batch[0]! : Buffer.concat(batch, batchBytes);
      batch = [];
      batchBytes = 0;
      return chunk;
    };
    // Each piece is metered (what the upstream sent is billed) once it is on its way to the client.
    const flush = () => {
      const chunk = take();
      if (!chunk) return;
      if (!res.destroyed && !res.write(chunk)) body.pause();
      onChunk?.(chunk);
    };
    const onDrain = () => body.resume();
    const finish = (ended: boolean) => {
      if (done) return;
      done = true;
      const last = take();
      res.off("drain", onDrain);
      res.off("close", onClose);
      // The last bytes and the end of the response leave in one write.
      const complete = ended && !res.destroyed;
      if (complete) res.end(last);
      if (last) onChunk?.(last);
      resolve(complete);
    };
    const onClose = () => finish(false);
    res.on("drain", onDrain);
    res.once("close", onClose);
    body
      .consume((chunk) => {
        if (batch.length === 0) process.nextTick(flush);
        batch.push(chunk);
        batchBytes += chunk.length;
      })
      .then(finish);
  });
}

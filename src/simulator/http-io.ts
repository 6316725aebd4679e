import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { overloaded } from "./api-errors.js";
import { encodeEvent, type StreamEvent } from "./sse.js";

export class BodyTooLarge extends Error {
  override name = "BodyTooLarge";
}

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyTooLarge(`request body over ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Waits `ms`; false when the exchange ended meanwhile (client gone, simulator closing). */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (ms <= 0) return !signal.aborted;
  return sleep(ms, undefined, { signal }).then(
    () => true,
    () => false,
  );
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** How a response misbehaves, if it does. */
export interface Misbehaviour {
  firstByteDelayMs?: number;
  eventDelayMs?: number;
  /** Cut the response off mid-event after this many complete events (JSON: mid-body) and destroy the socket. */
  dropAfterEvents?: number;
  /** End the stream with an `error` event after this many events (JSON: not used). */
  errorAfterEvents?: number;
  /** Send an event (JSON: a body) that does not parse, then end. */
  malformed?: boolean;
}

export type Answer =
  | { kind: "json"; status: number; headers: Record<string, string>; body: string }
  | { kind: "stream"; headers: Record<string, string>; events: Iterable<StreamEvent> };

export const answerStatus = (answer: Answer): number => (answer.kind === "json" ? answer.status : 200);

/** The first half of a body or event: a cut that lands inside a JSON value. */
function firstHalf<T extends string | Buffer>(data: T): T {
  const half = Math.ceil(data.length / 2);
  return (typeof data === "string" ? data.slice(0, half) : data.subarray(0, half)) as T;
}

export async function sendAnswer(
  res: ServerResponse,
  answer: Answer,
  misbehaviour: Misbehaviour,
  signal: AbortSignal,
): Promise<void> {
  if (!(await pause(misbehaviour.firstByteDelayMs ?? 0, signal))) return;
  if (answer.kind === "json") {
    const body = misbehaviour.malformed ? firstHalf(answer.body) : answer.body;
    res.writeHead(answer.status, {
      ...answer.headers,
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
    });
    if (misbehaviour.dropAfterEvents === undefined) {
      res.end(body);
      return;
    }
    res.write(firstHalf(body), () => res.destroy());
    return;
  }
  res.writeHead(200, {
    ...answer.headers,
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
  });
  let sent = 0;
  // Encoded once per distinct event: a padded reply repeats one event thousands of times.
  let previous: { event: StreamEvent; chunk: Buffer } | undefined;
  for (const event of answer.events) {
    if (sent > 0 && !(await pause(misbehaviour.eventDelayMs ?? 0, signal))) return;
    if (res.destroyed) return;
    const chunk = previous?.event === event ? previous.chunk : Buffer.from(encodeEvent(event));
    previous = { event, chunk };
    if (sent === misbehaviour.errorAfterEvents) {
      res.end(encodeEvent({ type: "error", error: { type: overloaded.type, message: overloaded.message } }));
      return;
    }
    if (sent === misbehaviour.dropAfterEvents) {
      res.write(firstHalf(chunk), () => res.destroy());
      return;
    }
    if (sent === 1 && misbehaviour.malformed) {
      res.end(Buffer.concat([firstHalf(chunk), Buffer.from("\n\n")]));
      return;
    }
    sent += 1;
    if (!res.write(chunk)) await drained(res);
  }
  if (misbehaviour.dropAfterEvents === undefined) {
    res.end();
    return;
  }
  // Every event went out, the response's end never does. Writes sit corked until the next tick, and a
  // destroy now would discard them: end the socket instead (it flushes first), then destroy it.
  const socket = res.socket;
  if (socket) socket.end(() => socket.destroy());
  else res.destroy();
}

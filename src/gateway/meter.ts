import { createParser, type EventSourceMessage } from "eventsource-parser";
import { ContentEventFilter } from "./content-event-filter.js";

/**
 * What one response tells us about its billing, read as its bytes pass through the gateway:
 * the model that answered (that is what is billed), the message id, the raw `usage` object
 * (`message_start`'s, with the final `message_delta`'s cumulative fields laid over it), and
 * whether the stream completed or carried an error.
 */
export interface MeterReading {
  model: string | null;
  messageId: string | null;
  /** The API's `usage` object, merged; null when the response carried none. */
  usage: Record<string, unknown> | null;
  /** `message_stop` seen (SSE) or a complete JSON message parsed. */
  complete: boolean;
  /** The API's `error.type` when the response was an error (JSON body or SSE `error` event). */
  errorType: string | null;
}

export interface ResponseMeter {
  push(chunk: Uint8Array): void;
  finish(): MeterReading;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function emptyReading(): MeterReading {
  return { model: null, messageId: null, usage: null, complete: false, errorType: null };
}

/** Lays `update`'s fields over `base`, skipping null ones (a count that is not reported is not 0). */
function mergeUsage(
  base: Record<string, unknown> | null,
  update: Record<string, unknown>,
): Record<string, unknown> {
  const merged = { ...(base ?? {}) };
  for (const [key, value] of Object.entries(update)) {
    if (value !== null && value !== undefined) merged[key] = value;
  }
  return merged;
}

/** Meters a `text/event-stream` response incrementally; memory stays bounded by one event. */
export function sseMeter(): ResponseMeter {
  const reading = emptyReading();
  const decoder = new TextDecoder();
  const parser = createParser({
    onEvent(event: EventSourceMessage) {
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!isRecord(data)) return;
      switch (data.type) {
        case "message_start": {
          const message = isRecord(data.message) ? data.message : {};
          if (typeof message.model === "string") reading.model = message.model;
          if (typeof message.id === "string") reading.messageId = message.id;
          if (isRecord(message.usage)) reading.usage = mergeUsage(null, message.usage);
          break;
        }
        case "message_delta":
          // The final delta's counts are cumulative: they replace message_start's.
          if (isRecord(data.usage)) reading.usage = mergeUsage(reading.usage, data.usage);
          break;
        case "message_stop":
          reading.complete = true;
          break;
        case "error":
          reading.errorType =
            isRecord(data.error) && typeof data.error.type === "string" ? data.error.type : "error";
          break;
      }
    },
  });
  // Content events never reach the decoder: they are nearly all of the bytes and none of the bill.
  const billingEvents = new ContentEventFilter((bytes) =>
    parser.feed(decoder.decode(bytes, { stream: true })),
  );
  return {
    push(chunk) {
      // Metering must never break the stream it reads: whatever fails here only loses the reading.
      try {
        billingEvents.push(chunk);
      } catch {
        // Nothing to do; the bytes still go to the client.
      }
    },
    finish() {
      parser.feed(decoder.decode());
      return reading;
    },
  };
}

/** Meters a JSON response: it is buffered (up to a bound) and parsed at the end. */
export function jsonMeter(maxBytes = 64 * 1024 * 1024): ResponseMeter {
  const chunks: Uint8Array[] = [];
  let size = 0;
  return {
    push(chunk) {
      size += chunk.byteLength;
      if (size <= maxBytes) chunks.push(chunk);
    },
    finish() {
      const reading = emptyReading();
      if (size > maxBytes) return reading;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return reading;
      }
      if (!isRecord(body)) return reading;
      if (body.type === "error") {
        reading.errorType =
          isRecord(body.error) && typeof body.error.type === "string" ? body.error.type : "error";
        return reading;
      }
      if (typeof body.model === "string") reading.model = body.model;
      if (typeof body.id === "string") reading.messageId = body.id;
      if (isRecord(body.usage)) reading.usage = { ...body.usage };
      reading.complete = body.type === "message";
      return reading;
    },
  };
}

export function meterFor(contentType: string | undefined): ResponseMeter {
  return contentType?.includes("text/event-stream") ? sseMeter() : jsonMeter();
}

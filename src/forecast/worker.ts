/**
 * The forecast off the wrapper's main thread: reading weeks of transcripts takes long enough to
 * stall the terminal it relays. One worker serves a run: the transcripts are read at the first
 * query and kept for {@link TRANSCRIPTS_FRESH_MS}; later queries (a new reset, new caps, the
 * conversation's latest request) cost milliseconds. Started by `ForecastService`.
 */
import { parentPort } from "node:worker_threads";
import { type ForecastQuery, gatherForecast, type TranscriptHistory } from "./gather.js";

const TRANSCRIPTS_FRESH_MS = 10 * 60_000;

let transcripts: TranscriptHistory | null = null;

parentPort?.on("message", async ({ id, query }: { id: number; query: ForecastQuery }) => {
  try {
    const fresh = transcripts && query.now - transcripts.readAt < TRANSCRIPTS_FRESH_MS ? transcripts : null;
    const result = await gatherForecast(query, fresh);
    transcripts = result.transcripts;
    parentPort?.postMessage({ id, forecast: result.forecast, unreadable: result.unreadable });
  } catch (error) {
    parentPort?.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});

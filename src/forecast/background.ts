import { createRequire } from "node:module";
import type { Worker } from "node:worker_threads";
import type { ForecastQuery, GatheredForecast } from "./gather.js";

/**
 * A run's forecasts, computed in one worker thread so the terminal keeps flowing. Each query
 * resolves with the forecast, or null when it fails or takes longer than asked (the figures are
 * then left out, never guessed). The worker never keeps the process alive.
 */
export class ForecastService {
  private worker: Worker | null = null;
  private next = 0;
  private readonly waiting = new Map<number, (result: GatheredForecast | null) => void>();

  private start(): Worker {
    // Loaded with the first forecast, not with every run: most runs ask for none, and Node's
    // worker_threads costs ~3 ms to load before Claude is spawned.
    const { Worker } = createRequire(import.meta.url)(
      "node:worker_threads",
    ) as typeof import("node:worker_threads");
    const worker = new Worker(new URL("./worker.js", import.meta.url));
    worker.unref();
    worker.on("message", (message: { id: number; error?: string } & Partial<GatheredForecast>) => {
      const settle = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      settle?.(
        message.forecast ? { forecast: message.forecast, unreadable: message.unreadable ?? [] } : null,
      );
    });
    const fail = () => {
      this.worker = null;
      for (const settle of this.waiting.values()) settle(null);
      this.waiting.clear();
    };
    worker.on("error", fail);
    worker.on("exit", fail);
    return worker;
  }

  query(query: ForecastQuery, timeoutMs: number): Promise<GatheredForecast | null> {
    return new Promise((resolve) => {
      let worker: Worker;
      try {
        this.worker ??= this.start();
        worker = this.worker;
      } catch {
        resolve(null);
        return;
      }
      const id = this.next++;
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(null);
      }, timeoutMs);
      timer.unref();
      this.waiting.set(id, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
      worker.postMessage({ id, query });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }
}

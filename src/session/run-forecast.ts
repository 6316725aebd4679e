import { ForecastService } from "../forecast/background.js";
import type { ForecastQuery } from "../forecast/gather.js";
import type { Forecast } from "../forecast/output.js";

/** Long enough for weeks of transcripts on a slow disk; the run never waits this long for it. */
const QUERY_TIMEOUT_MS = 120_000;
/** While on API billing the projection follows the spend. */
export const FORECAST_REFRESH_MS = 10 * 60_000;

/**
 * A run's forecast (SPEC §11): computed off the main thread when it is needed — a limit near or
 * reached, API billing — and kept; `updated` is called when a new one arrives (the prompt and the
 * status line show it).
 */
export class RunForecast {
  private readonly service = new ForecastService();
  private latestForecast: Forecast | null = null;
  private inFlight: Promise<Forecast | null> | null = null;
  private repeating: NodeJS.Timeout | undefined;

  constructor(
    private readonly query: () => ForecastQuery,
    private readonly updated: () => void,
  ) {}

  /** The last forecast made, if any. */
  get latest(): Forecast | null {
    return this.latestForecast;
  }

  /** A new forecast (one at a time); resolves with it, or the last one when it fails. */
  refresh(): Promise<Forecast | null> {
    this.inFlight ??= this.service.query(this.query(), QUERY_TIMEOUT_MS).then((result) => {
      this.inFlight = null;
      if (result) {
        this.latestForecast = result.forecast;
        this.updated();
      }
      return this.latestForecast;
    });
    return this.inFlight;
  }

  /** A new forecast if it comes within `ms`, else the last one (the caller does not wait longer). */
  within(ms: number): Promise<Forecast | null> {
    return Promise.race([
      this.refresh(),
      new Promise<Forecast | null>((resolve) => setTimeout(() => resolve(this.latestForecast), ms).unref()),
    ]);
  }

  /** Refreshes every {@link FORECAST_REFRESH_MS} while `active()` holds. */
  follow(active: () => boolean): void {
    if (this.repeating) return;
    this.repeating = setInterval(() => {
      if (active()) void this.refresh();
    }, FORECAST_REFRESH_MS);
    this.repeating.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.repeating);
    await this.service.close();
  }
}

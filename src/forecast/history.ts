import { nanoToUsd } from "../money.js";
import { isoInZone } from "../usage/periods.js";
import { activeHours, buildTimeline, type Timeline } from "./activity.js";
import type { RequestEvent } from "./events.js";
import type { ForecastPace, ProjectPace } from "./output.js";
import { paceHistory, paceSpread } from "./pace.js";
import type { PaceSource } from "./until-reset.js";

/** Paces from history: of a set of requests priced for the forecast, and of each project. */

/** A request with its cost for the forecast: at the model in use, or as recorded. */
export interface PricedEvent {
  at: number;
  costNanoUsd: number;
  event: RequestEvent;
}

export function timelineOf(events: readonly PricedEvent[]): Timeline {
  return buildTimeline(events);
}

/** The same requests at the cost they were recorded with (those of unknown cost left out). */
export function recordedTimelineOf(events: readonly PricedEvent[]): Timeline {
  return buildTimeline(
    events.filter(({ event }) => event.costNanoUsd !== null),
    ({ event }) => event.costNanoUsd!,
  );
}

/** Nano-dollars (an estimate, maybe fractional) as the output's dollars, to the whole nano-dollar. */
export function usd(nano: number): number {
  return nanoToUsd(Math.round(nano));
}

/**
 * The pace of `events`. Re-priced for the model in use, the expectation is that model's; the
 * spread comes from the spending as it was recorded, and the P90 never goes below the recorded
 * spending's own (the user's mix of models): they may change models again before the reset.
 */
export function historyPace(
  events: readonly PricedEvent[],
  halfLife: number,
  repriced: boolean,
  timeline: Timeline = timelineOf(events),
): PaceSource & { pace: ForecastPace; timeline: Timeline } {
  const history = paceHistory(timeline, halfLife);
  const recorded = repriced ? paceHistory(recordedTimelineOf(events), halfLife) : history;
  const spreadFor = (hours: number) => paceSpread(recorded, hours);
  const hour = spreadFor(1);
  return {
    timeline,
    nanoPerHour: history.nanoPerHour,
    spreadFor,
    ...(repriced && { recorded: { nanoPerHour: recorded.nanoPerHour, spreadFor } }),
    pace: {
      usd_per_hour: usd(history.nanoPerHour),
      usd_per_hour_p50: usd(history.nanoPerHour * hour.p50),
      usd_per_hour_p90: usd(Math.max(history.nanoPerHour, recorded.nanoPerHour) * hour.p90),
      spread_samples: hour.samples,
    },
  };
}

export function projectPaces(
  priced: readonly PricedEvent[],
  halfLife: number,
  repriced: boolean,
  zone: string | undefined,
): ProjectPace[] {
  const byProject = new Map<string, PricedEvent[]>();
  for (const item of priced) {
    if (item.event.project === null) continue;
    const list = byProject.get(item.event.project) ?? [];
    list.push(item);
    byProject.set(item.event.project, list);
  }
  return [...byProject]
    .map(([project, events]) => {
      const { pace, timeline } = historyPace(events, halfLife, repriced);
      return {
        project,
        active_hours: activeHours(timeline),
        requests: timeline.requests,
        last_at: timeline.lastAt!,
        usd_per_hour: pace.usd_per_hour,
        usd_per_hour_p50: pace.usd_per_hour_p50,
        usd_per_hour_p90: pace.usd_per_hour_p90,
      };
    })
    .sort((a, b) => b.last_at - a.last_at)
    .map(({ last_at, ...rest }) => ({ ...rest, last_request_at: isoInZone(last_at, zone) }));
}

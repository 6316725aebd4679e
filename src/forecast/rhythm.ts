import { Info, type Zone } from "luxon";
import { activeHoursBetween, BUCKET_MS, BUCKETS_PER_HOUR, type Timeline } from "./activity.js";

/**
 * The user's daily rhythm: for each local hour of the day, the share of it they spend active
 * (0–1), learned from the last {@link RHYTHM_DAYS} days of history. A reset further away than a
 * working session (weekly windows) is forecast with it: the active hours expected between now
 * and the reset are the sum of the shares of the local hours in between.
 *
 * Local time is the user's IANA zone, through luxon's offset at each instant, so the day a clock
 * goes forward has 23 hours and the day it goes back has 25, and each real hour counts under the
 * hour the wall clock showed. Time is walked in 15-minute slices on the UTC grid: every zone's
 * offset, and every DST change, is a multiple of 15 minutes, so a slice never straddles two local
 * hours.
 *
 * With {@link SPLIT_AFTER_DAYS} days or more, weekdays and weekends (Saturday, Sunday) have rhythms
 * of their own (a weekly window spans both); with less, one rhythm serves every day. A local hour
 * never seen yet (the first day of history) gets {@link DEFAULT_ACTIVE_SHARE}.
 */

export const SLICE_MS = 15 * 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
export const RHYTHM_DAYS = 28;
export const SPLIT_AFTER_DAYS = 14;
/** For an hour of the day never observed: 6 active hours a day, spread evenly. */
export const DEFAULT_ACTIVE_SHARE = 0.25;

/** A slice's local hour of the day (0–23), plus 24 on a Saturday or Sunday. */
type Slot = number;

/** The local slot of each 15-minute slice from `startMs` (on the grid) on. */
export interface LocalSlots {
  startMs: number;
  slots: Uint8Array;
}

/** `zone`: an IANA name, or `undefined` for this process's zone (its offsets from `Date`, not ICU). */
export function localSlots(fromMs: number, toMs: number, zone: string | undefined): LocalSlots {
  const startMs = Math.floor(fromMs / SLICE_MS) * SLICE_MS;
  const count = Math.max(0, Math.ceil((toMs - startMs) / SLICE_MS));
  // luxon's own zone for UTC and for this process's (offsets from Date); ICU's for other names.
  const offsets = sliceOffsets(startMs, count, Info.normalizeZone(zone ?? "system"));
  const slots = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const ms = startMs + i * SLICE_MS;
    const local = ms + offsets[i]! * 60_000;
    const hour = Math.floor(local / HOUR_MS) - Math.floor(local / DAY_MS) * 24;
    // 1970-01-01 was a Thursday: day 0 is ISO weekday 4.
    const isoWeekday = ((((Math.floor(local / DAY_MS) + 3) % 7) + 7) % 7) + 1;
    slots[i] = hour + (isoWeekday >= 6 ? 24 : 0);
  }
  return { startMs, slots };
}

const SLICES_PER_DAY = DAY_MS / SLICE_MS;

/**
 * The zone's UTC offset (minutes) at each slice. Asking the zone costs microseconds (luxon goes
 * through Intl, or Date for this process's zone), and a month has 3,000 slices, so it is asked once a day and, where two days
 * differ, the slice where the offset changed is found by bisection: no zone changes its offset
 * twice within a day.
 */
function sliceOffsets(startMs: number, count: number, zone: Zone): Int16Array {
  const offsets = new Int16Array(count);
  const offsetAt = (i: number) => zone.offset(startMs + i * SLICE_MS);
  let i = 0;
  while (i < count) {
    const current = offsetAt(i);
    const probe = Math.min(count - 1, i + SLICES_PER_DAY);
    let next = probe + 1;
    if (offsetAt(probe) !== current) {
      // The first slice with another offset lies in (i, probe].
      let lo = i + 1;
      let hi = probe;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (offsetAt(mid) === current) lo = mid + 1;
        else hi = mid;
      }
      next = lo;
    }
    offsets.fill(current, i, next);
    i = next;
  }
  return offsets;
}

function slotAt(local: LocalSlots, ms: number): Slot {
  return local.slots[Math.floor((ms - local.startMs) / SLICE_MS)]!;
}

export interface Rhythm {
  /** Active share of each local hour 0–23 on weekdays, then on weekends (48 values). */
  shares: number[];
  /** Weekdays and weekends learned apart. */
  split: boolean;
  /** Days of history the rhythm was learned from (0: none, the default alone). */
  days: number;
}

/** The rhythm of `timeline`'s active buckets within `[windowStart, now)`. `local` must cover them. */
export function learnRhythm(timeline: Timeline, local: LocalSlots, windowStart: number, now: number): Rhythm {
  const observed = new Array<number>(48).fill(0);
  const active = new Array<number>(48).fill(0);
  for (let ms = Math.floor(windowStart / SLICE_MS) * SLICE_MS; ms < now; ms += SLICE_MS) {
    observed[slotAt(local, ms)]! += Math.min(ms + SLICE_MS, now) - Math.max(ms, windowStart);
  }
  for (const bucket of timeline.buckets) {
    const ms = bucket * BUCKET_MS;
    if (ms >= windowStart && ms < now) active[slotAt(local, ms)]! += BUCKET_MS;
  }
  const days = Math.max(0, (now - windowStart) / DAY_MS);
  const split = days >= SPLIT_AFTER_DAYS;
  const shares = observed.map((_, slot) => {
    const hour = slot % 24;
    const [seen, busy] = split
      ? [observed[slot]!, active[slot]!]
      : [observed[hour]! + observed[hour + 24]!, active[hour]! + active[hour + 24]!];
    return seen > 0 ? Math.min(1, busy / seen) : DEFAULT_ACTIVE_SHARE;
  });
  return { shares, split, days };
}

/** The rhythm used with no history at all. */
export function defaultRhythm(): Rhythm {
  return { shares: new Array<number>(48).fill(DEFAULT_ACTIVE_SHARE), split: false, days: 0 };
}

/** A stretch of time and the share of it expected active. */
export interface Segment {
  start: number;
  end: number;
  share: number;
}

/** The expected activity over `[fromMs, toMs)` by the rhythm, as segments (equal neighbours merged). */
export function rhythmSegments(rhythm: Rhythm, local: LocalSlots, fromMs: number, toMs: number): Segment[] {
  const segments: Segment[] = [];
  for (let ms = Math.floor(fromMs / SLICE_MS) * SLICE_MS; ms < toMs; ms += SLICE_MS) {
    const start = Math.max(ms, fromMs);
    const end = Math.min(ms + SLICE_MS, toMs);
    const share = rhythm.shares[slotAt(local, ms)]!;
    const last = segments.at(-1);
    if (last && last.share === share && last.end === start) last.end = end;
    else segments.push({ start, end, share });
  }
  return segments;
}

export function segmentsActiveHours(segments: readonly Segment[]): number {
  return segments.reduce(
    (sum, segment) => sum + ((segment.end - segment.start) * segment.share) / HOUR_MS,
    0,
  );
}

/** The rhythm's expected active time, summed slice by slice: any stretch's expectation in O(1). */
export interface RhythmCurve {
  startMs: number;
  /** `prefixMs[i]`: expected active ms from `startMs` to the start of slice `i`. */
  prefixMs: Float64Array;
}

export function rhythmCurve(rhythm: Rhythm, local: LocalSlots): RhythmCurve {
  const prefixMs = new Float64Array(local.slots.length + 1);
  local.slots.forEach((slot, i) => {
    prefixMs[i + 1] = prefixMs[i]! + rhythm.shares[slot]! * SLICE_MS;
  });
  return { startMs: local.startMs, prefixMs };
}

function curveAt(curve: RhythmCurve, ms: number): number {
  const last = curve.prefixMs.length - 1;
  const offset = Math.min(Math.max(ms - curve.startMs, 0), last * SLICE_MS);
  const i = Math.min(Math.floor(offset / SLICE_MS), last);
  if (i === last) return curve.prefixMs[last]!;
  const share = (curve.prefixMs[i + 1]! - curve.prefixMs[i]!) / SLICE_MS;
  return curve.prefixMs[i]! + share * (offset - i * SLICE_MS);
}

/** Active hours the rhythm expects in `[fromMs, toMs)` (within the curve's range). */
export function expectedActiveHours(curve: RhythmCurve, fromMs: number, toMs: number): number {
  return (curveAt(curve, toMs) - curveAt(curve, fromMs)) / HOUR_MS;
}

/**
 * How much the user actually worked, against the rhythm's expectation, in past stretches as long
 * as the horizon that began while they were at work — the condition a limit hits in. One stretch
 * per active hour of the history (at its first bucket), within `[windowStart, now)`. Being at work
 * now says the day is a working day: on the histories of bench/forecast these ratios run above 1
 * for a day ahead, and their median corrects the rhythm's expectation (until-reset.ts). The
 * rhythm was learned from these same days, so the ratios are a little tighter than the future's.
 * `independent`: how many non-overlapping stretches the ratios are worth (see `spreadOf`).
 */
export function activityRatios(
  timeline: Timeline,
  curve: RhythmCurve,
  windowStart: number,
  now: number,
  horizonMs: number,
): { ratios: number[]; independent: number } {
  const ratios: number[] = [];
  let first: number | null = null;
  let last = 0;
  for (let i = 0; i < timeline.buckets.length; i += BUCKETS_PER_HOUR) {
    const from = timeline.buckets[i]! * BUCKET_MS;
    if (from < windowStart) continue;
    if (from + horizonMs > now) break;
    const expected = expectedActiveHours(curve, from, from + horizonMs);
    if (expected <= 0) continue;
    ratios.push(activeHoursBetween(timeline, from, from + horizonMs) / expected);
    first ??= from;
    last = from;
  }
  // The stretches overlap: they hold as many independent ones as fit end to end in their span.
  const independent = first === null ? 0 : Math.min(ratios.length, 1 + (last - first) / horizonMs);
  return { ratios, independent };
}

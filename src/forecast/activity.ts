/**
 * Active time, from request timestamps alone.
 *
 * Time is cut into 5-minute buckets aligned on the epoch (`floor(at / 5 min)`). A bucket is
 * **active** when it holds a request, or when it lies in a pause of at most two empty buckets
 * between two buckets that do: Claude Code sends requests in bursts while it works on a turn,
 * then nothing while the user reads the answer and writes the next prompt, and a pause of up to
 * 10–15 minutes is still work (a pause of three empty buckets or more is a break). An **active
 * hour** is 12 active buckets, wherever they fall. Pace is dollars per active hour; the forecast
 * until a near reset assumes the hours ahead are active hours. Sessions running side by side share
 * the buckets: the pace is the user's, all sessions together.
 */

export const BUCKET_MS = 5 * 60_000;
export const BUCKETS_PER_HOUR = 12;
const HOUR_MS = 3_600_000;
/** Request buckets at most this many buckets apart are joined (≤ 2 empty buckets between). */
export const JOIN_BUCKETS = 3;

export interface CostedRequest {
  at: number;
  /** Known cost, nano-dollars. */
  costNanoUsd: number;
}

export interface Timeline {
  /** Index (`floor(ms / BUCKET_MS)`) of every active bucket, ascending. */
  buckets: number[];
  /** Spend in each of those buckets, nano-dollars (0 in a joined pause). */
  spend: number[];
  /** `prefix[i]` = spend of buckets `[0, i)`: sums of any run in O(1). */
  prefix: number[];
  requests: number;
  /** Epoch ms of the first and last request; null when there are none. */
  firstAt: number | null;
  lastAt: number | null;
}

/** `costOf` picks the cost to count (default: `costNanoUsd`), so callers need not copy their lists. */
export function buildTimeline<T extends { at: number }>(
  requests: readonly T[],
  costOf: (request: T) => number = (request) => (request as unknown as CostedRequest).costNanoUsd,
): Timeline {
  const byBucket = new Map<number, number>();
  let firstAt: number | null = null;
  let lastAt: number | null = null;
  for (const request of requests) {
    const bucket = Math.floor(request.at / BUCKET_MS);
    byBucket.set(bucket, (byBucket.get(bucket) ?? 0) + costOf(request));
    if (firstAt === null || request.at < firstAt) firstAt = request.at;
    if (lastAt === null || request.at > lastAt) lastAt = request.at;
  }
  const withRequests = [...byBucket.keys()].sort((a, b) => a - b);
  const buckets: number[] = [];
  const spend: number[] = [];
  for (const [i, bucket] of withRequests.entries()) {
    const previous = withRequests[i - 1];
    if (previous !== undefined && bucket - previous <= JOIN_BUCKETS) {
      for (let pause = previous + 1; pause < bucket; pause++) {
        buckets.push(pause);
        spend.push(0);
      }
    }
    buckets.push(bucket);
    spend.push(byBucket.get(bucket)!);
  }
  const prefix = [0];
  for (const amount of spend) prefix.push(prefix.at(-1)! + amount);
  return { buckets, spend, prefix, requests: requests.length, firstAt, lastAt };
}

export function activeHours(timeline: Timeline): number {
  return timeline.buckets.length / BUCKETS_PER_HOUR;
}

/** Position of the first active bucket with index ≥ `bucket` (binary search). */
export function firstBucketFrom(timeline: Timeline, bucket: number): number {
  let lo = 0;
  let hi = timeline.buckets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (timeline.buckets[mid]! < bucket) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Active hours within `[fromMs, toMs)`; a bucket cut by either end counts for its part inside. */
export function activeHoursBetween(timeline: Timeline, fromMs: number, toMs: number): number {
  if (toMs <= fromMs) return 0;
  const first = Math.floor(fromMs / BUCKET_MS);
  const last = Math.floor((toMs - 1) / BUCKET_MS);
  const start = firstBucketFrom(timeline, first);
  const end = firstBucketFrom(timeline, last + 1);
  let ms = (end - start) * BUCKET_MS;
  const isActive = (bucket: number) => timeline.buckets[firstBucketFrom(timeline, bucket)] === bucket;
  if (end > start && isActive(first)) ms -= fromMs - first * BUCKET_MS;
  if (end > start && isActive(last)) ms -= (last + 1) * BUCKET_MS - toMs;
  return ms / HOUR_MS;
}

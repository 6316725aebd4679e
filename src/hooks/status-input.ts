/**
 * What Claude Code gives a `statusLine` command on stdin (PURE: no I/O). Claude Code 2.1.80+
 * includes `rate_limits.{five_hour,seven_day,…}.{used_percentage,resets_at}` for subscriptions
 * once a response carried the unified rate-limit headers; `resets_at` is epoch seconds, as a
 * number or a string of one.
 */

/** One subscription window's utilisation. */
export interface RateWindow {
  /** `five_hour`, `seven_day`, `seven_day_opus`, … as Claude Code names it. */
  name: string;
  /** 0–100 (may be fractional). */
  usedPercentage: number;
  /** When the window resets, epoch ms; null when not given. */
  resetsAt: number | null;
}

export interface StatusLineInput {
  sessionId?: string;
  transcriptPath?: string;
  cwd?: string;
  modelId?: string;
  /** Claude Code's own estimate of this session's cost. */
  costUsd?: number;
  /** Highest utilisation first; empty when Claude Code sent none (API billing, or no response yet). */
  windows: RateWindow[];
  raw: Record<string, unknown>;
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function finiteNumber(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" && value.trim() !== "") {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

/**
 * An instant given as epoch seconds or milliseconds (number or numeric string), or as an ISO
 * date string, in epoch ms. Values below 10^11 are taken as seconds (10^11 s is the year 5138;
 * 10^11 ms is 1973).
 */
export function epochMs(value: unknown): number | null {
  const number = finiteNumber(value);
  if (number !== null) {
    if (number <= 0) return null;
    return number < 1e11 ? Math.round(number * 1000) : Math.round(number);
  }
  if (typeof value === "string") {
    const parsed = Date.parse(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

/** The windows of a `rate_limits` object, highest utilisation first. */
export function rateWindows(rateLimits: unknown): RateWindow[] {
  const limits = record(rateLimits);
  if (!limits) return [];
  const windows: RateWindow[] = [];
  for (const [name, value] of Object.entries(limits)) {
    const window = record(value);
    const used = finiteNumber(window?.used_percentage);
    if (!window || used === null) continue;
    windows.push({ name, usedPercentage: used, resetsAt: epochMs(window.resets_at) });
  }
  return windows.sort((a, b) => b.usedPercentage - a.usedPercentage);
}

/** Parses the status-line JSON; null when it is not a JSON object. */
export function parseStatusLineInput(value: unknown): StatusLineInput | null {
  const raw = record(value);
  if (!raw) return null;
  const input: StatusLineInput = { windows: rateWindows(raw.rate_limits), raw };
  if (typeof raw.session_id === "string") input.sessionId = raw.session_id;
  if (typeof raw.transcript_path === "string") input.transcriptPath = raw.transcript_path;
  if (typeof raw.cwd === "string") input.cwd = raw.cwd;
  const model = raw.model;
  const modelId = typeof model === "string" ? model : record(model)?.id;
  if (typeof modelId === "string") input.modelId = modelId;
  const cost = finiteNumber(record(raw.cost)?.total_cost_usd);
  if (cost !== null) input.costUsd = cost;
  return input;
}

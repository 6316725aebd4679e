/**
 * The wrapper's side of detection (SPEC §5): feeds the pure detectors of `detect/` from the
 * four sources — the StopFailure hook, the status line, the transcript and the screen — and
 * turns their signals into the machine's `LimitInfo`, with the most precise reset known.
 */
import { realpathSync } from "node:fs";
import { TranscriptTail } from "../claude/transcripts/tail.js";
import { zoneOfTZ } from "../dates.js";
import {
  fromStatusLine,
  fromStopFailure,
  fromTranscriptRecord,
  type LimitSignal,
  ScreenScanner,
  type WindowUtilisation,
} from "../detect/index.js";
import type { LimitInfo } from "../detect/limit.js";
import { fromPrintResult } from "../detect/print-output.js";
import type { HookEvent } from "../hooks/hook-events.js";
import type { StatusLineInput } from "../hooks/status-input.js";
import { systemZone } from "../usage/periods.js";

const LAST_MS_OF_MINUTE = 59_999;

export interface StatusLineFindings {
  windows: WindowUtilisation[];
  /** Exact reset instants per window (epoch ms), to refine a limit read from text. */
  resets: { window: string; at: number }[];
  /** Warnings at or above notify_at_percentage, one per window. */
  warnings: { window: string; percent: number; resetsAt: number | null }[];
}

export class Detector {
  private readonly givenZone: string | undefined;
  private zoneFound: string | undefined;
  private readonly now: () => number;
  private scannerMade: ScreenScanner | undefined;
  /** Exact resets from the status line, per window: a limit's text gives only minutes. */
  private readonly exactResets = new Map<string, number>();
  private readonly transcripts = new TranscriptTail();
  /** Records older than this are history (a resumed conversation's old limits). */
  private readonly since: number;
  /** The model Claude runs with, as its status line last said (`model.id`); null: not said yet. */
  model: string | null = null;

  /** `zone`: the zone limit times are read in; else the one `tz` (a `TZ` value) names; else the system's. */
  constructor(options: { zone?: string | undefined; tz?: string | undefined; now: () => number }) {
    this.givenZone = options.zone ?? zoneOfTZ(options.tz, realpathSync);
    this.now = options.now;
    this.since = options.now();
  }

  /** Found at first use: the system's zone costs milliseconds a run does not spend before Claude starts. */
  private get zone(): string {
    this.zoneFound ??= this.givenZone || systemZone();
    return this.zoneFound;
  }

  private get scanner(): ScreenScanner {
    this.scannerMade ??= new ScreenScanner({ zone: this.zone });
    return this.scannerMade;
  }

  private ctx() {
    return { now: this.now(), zone: this.zone };
  }

  private toLimit(signal: LimitSignal | null): LimitInfo | null {
    if (signal?.kind !== "limit") return null;
    const now = this.now();
    const known = this.exactResets.get(signal.window ?? "five_hour");
    const exact = known !== undefined && known > now ? known : null;
    // A printed reset names its minute ("resets 3:47am", the exact instant rounded down): the reset
    // is due by that minute's last millisecond, which is still shown as the minute Claude printed.
    const printed = signal.source !== "status_line" && !signal.resetAssumed && signal.resetsAt !== null;
    const estimated = printed ? signal.resetsAt! + LAST_MS_OF_MINUTE : signal.resetsAt;
    let resetsAt: number;
    if (signal.source === "stop_failure") {
      // A fresh refusal: the limit is in force now, whatever the minute in its text says.
      resetsAt = exact ?? Math.max(estimated ?? now, now + 60_000);
    } else {
      // A notice read back from the screen or the transcript whose reset has passed is history
      // (a resumed conversation shows its old limits again).
      const candidate = exact ?? estimated;
      if (candidate === null || candidate <= now) return null;
      resetsAt = candidate;
    }
    return {
      window: signal.window,
      resetsAt,
      resetAssumed: exact === null && signal.resetAssumed,
      source: signal.source,
    };
  }

  fromStopFailure(event: HookEvent): LimitInfo | null {
    return this.toLimit(fromStopFailure(event.raw, this.ctx()));
  }

  /** Claude's printed result of a `-p` run that failed (text, json or stream-json). */
  fromPrintOutput(stdout: Buffer | null): LimitInfo | null {
    if (!stdout) return null;
    return this.toLimit(fromPrintResult(stdout.toString("utf8"), this.ctx()));
  }

  /** Utilisation and warnings; a window at 100 % alone does not switch (the hook is the authority). */
  fromStatusLine(input: StatusLineInput, warnAtPercent: number): StatusLineFindings | null {
    if (input.modelId) this.model = input.modelId;
    const reading = fromStatusLine(input.raw, this.ctx(), { warnAtPercent });
    if (!reading) return null;
    for (const window of reading.snapshot.windows) {
      if (window.resetsAt !== null) this.exactResets.set(window.window, window.resetsAt);
    }
    const warnings = reading.signals
      .filter((signal) => signal.kind === "warning" && signal.window !== null)
      .map((signal) => ({
        window: String(signal.window),
        percent: signal.percent ?? 0,
        resetsAt: signal.resetsAt,
      }));
    const resets = reading.snapshot.windows.flatMap((window) =>
      window.resetsAt !== null ? [{ window: window.window, at: window.resetsAt }] : [],
    );
    return { windows: reading.snapshot.windows, warnings, resets };
  }

  /** An exact reset Claude Code gave another way (stream-json's `rate_limit_event`: `resetsAt`, epoch seconds). */
  exactReset(window: string, at: number): void {
    this.exactResets.set(window, at);
  }

  /** Source 4: a chunk of Claude's terminal output. */
  scanScreen(chunk: Buffer): LimitInfo | null {
    const signals = this.scanner.push(chunk, this.now());
    return this.toLimit(signals.find((signal) => signal.kind === "limit") ?? null);
  }

  /** A new Claude process draws a new screen: old notices on it are not news. */
  resetScreen(): void {
    this.scannerMade?.forget();
  }

  /** Source 3: records appended to the transcript since the last read (this run's only). */
  readTranscript(path: string | undefined, onLimit: (limit: LimitInfo) => void): void {
    if (!path) return;
    for (const record of this.transcripts.readRecords(path)) {
      const stamp = Date.parse(String((record as { timestamp?: unknown }).timestamp));
      if (Number.isFinite(stamp) && stamp < this.since) continue;
      const limit = this.toLimit(fromTranscriptRecord(record, this.ctx()));
      if (limit) onLimit(limit);
    }
  }
}

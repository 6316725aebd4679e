/**
 * What a wrapped run shares with every other claude-fallback process: the limit and utilisation
 * it learned (state.json, for `status`, the status line and the next run), its live-run entry
 * (for `status` and `use`), and the `use` preference it follows while it runs.
 */
import { appendFileSync, type FSWatcher, mkdirSync, watch } from "node:fs";
import type { BillingMode } from "../billing.js";
import type { LimitInfo } from "../detect/limit.js";
import type { WindowUtilisation } from "../detect/signals.js";
import { windowHasReset } from "../detect/windows.js";
import { writeSegmentFile } from "../hooks/settings.js";
import type { RateWindow } from "../hooks/status-input.js";
import { onProcessExit } from "../platform/exit-hooks.js";
import { cannotAccessText, isAccessError, type Paths } from "../state/paths.js";
import { type LiveRun, removeLiveRun, writeLiveRun } from "../state/runs.js";
import { readState, type SharedState, stateFile, updateState } from "../state/store.js";
import type { BestEffortWrites } from "./best-effort.js";

export type ShellKind = NonNullable<LiveRun["shell"]>;

/** `CLAUDE_FALLBACK_TRACE=<file>`: every event and effect of the machine, one JSON line each (diagnostics). */
export function traceTo(file: string | undefined): ((entry: Record<string, unknown>) => void) | undefined {
  return file ? (entry) => appendFileSync(file, `${JSON.stringify(entry)}\n`, { mode: 0o600 }) : undefined;
}

type LimitRecord = NonNullable<SharedState["last_limit"]>;

/**
 * The limit to record, seen at `now`. Seen again while the one recorded is in force (a run after
 * `use subscription`, another run meeting it too), the subscription has been out since it was
 * first seen: that instant stays, for the until-reset cap counts the API spend since then
 * (SPEC §11); what is known of the reset is the newest.
 */
export function limitRecord(known: LimitRecord | null, limit: LimitInfo, now: number): LimitRecord {
  return {
    at: known && known.resets_at > now ? Math.min(known.at, now) : now,
    resets_at: limit.resetsAt,
    window: limit.window,
    assumed: limit.resetAssumed,
  };
}

export class RunRecord {
  private watcher: FSWatcher | undefined;
  private lastSegment = "";
  /** The segment file being written: the run directory is removed only after it. */
  private segmentWrite: Promise<void> = Promise.resolve();
  private preferredSeenAt: number;
  private modelWritten: string | null = null;

  constructor(
    private readonly options: {
      paths: Paths;
      runId: string;
      cwd: string;
      shell: ShellKind;
      startedAt: number;
      writes: BestEffortWrites;
      now: () => number;
    },
  ) {
    this.preferredSeenAt = options.startedAt;
  }

  private get file(): string {
    return stateFile(this.options.paths.stateDir);
  }

  /** A write of the shared state, best effort; one refused for want of access names the directory and the fix. */
  private saveState(write: () => void): void {
    const { stateDir } = this.options.paths;
    this.options.writes.run("its state", () => {
      try {
        write();
      } catch (error) {
        if (!isAccessError(error)) throw error;
        throw new Error(cannotAccessText("write", stateDir, stateDir, error, "XDG_STATE_HOME"));
      }
    });
  }

  /** A subscription limit seen now: the next run (and `status`) know it is in force. */
  limitSeen(limit: LimitInfo): void {
    this.saveState(() =>
      updateState(this.file, (state) => ({
        last_limit: limitRecord(state.last_limit, limit, this.options.now()),
      })),
    );
  }

  /** The model Claude runs with on the subscription (the user's own), written when it changes. */
  subscriptionModel(model: string): void {
    if (model === this.modelWritten) return;
    this.modelWritten = model;
    this.saveState(() => updateState(this.file, () => ({ subscription_model: model })));
  }

  /** The model Claude last ran with on the subscription, by this run or another; null: not known. */
  lastSubscriptionModel(): string | null {
    return readState(this.file).subscription_model;
  }

  /** The subscription's utilisation from the status line's `rate_limits`. */
  utilisation(windows: readonly WindowUtilisation[]): void {
    if (windows.length === 0) return;
    this.saveState(() =>
      updateState(this.file, () => ({
        utilisation: {
          at: this.options.now(),
          windows: Object.fromEntries(
            windows.map((w) => [w.window, { used_percentage: w.percent, resets_at: w.resetsAt }]),
          ),
        },
      })),
    );
  }

  /** When the subscription's limit in force was hit, by this run or another (state.json); null: none in force. */
  limitSince(): number | null {
    const limit = readState(this.file).last_limit;
    return limit && limit.resets_at > this.options.now() ? limit.at : null;
  }

  /**
   * The subscription's windows as last seen by any run (state.json), but for those whose reset has
   * passed: a new window has begun, and the utilisation that ended the old one (100 % after a
   * revert at the reset) would read as if the next request were refused.
   */
  windows(): RateWindow[] {
    const shared = readState(this.file);
    const now = this.options.now();
    return Object.entries(shared.utilisation?.windows ?? {})
      .map(([name, window]) => ({
        name,
        usedPercentage: window.used_percentage,
        resetsAt: window.resets_at,
      }))
      .filter((window) => !windowHasReset(window.resetsAt, now));
  }

  /** Our status-line segment, for the injected status-line script to show (written when it changes). */
  segment(file: string | undefined, text: string): void {
    if (!file || text === this.lastSegment) return;
    this.lastSegment = text;
    this.segmentWrite = this.segmentWrite.then(() => writeSegmentFile(file, text)).catch(() => {});
  }

  /** Unregisters the removal of the live-run entry at a process exit that skips {@link close}. */
  private forgetExitHook: (() => void) | null = null;

  /** The live-run entry as the run is now. */
  publish(now: {
    mode: BillingMode;
    sessionId: string | null;
    claudePid: number | null;
    pending: string | null;
  }): void {
    const { options } = this;
    // A run ended by a signal exits without its close: its entry goes all the same.
    this.forgetExitHook ??= onProcessExit(() => removeLiveRun(options.paths.stateDir, options.runId));
    this.saveState(() =>
      writeLiveRun(options.paths.stateDir, {
        runId: options.runId,
        pid: process.pid,
        claudePid: now.claudePid,
        cwd: options.cwd,
        mode: now.mode,
        sessionId: now.sessionId,
        startedAt: options.startedAt,
        pending: now.pending,
        shell: options.shell,
      }),
    );
  }

  /** `use api|subscription` from another terminal reaches this run (SPEC §3, §4.5). */
  followPreference(onChange: (mode: BillingMode) => void): void {
    const { stateDir } = this.options.paths;
    try {
      // On a first run the state directory does not exist yet, and a watch on it would fail:
      // `use` from another terminal would then never reach this run.
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
      this.watcher = watch(stateDir, (_type, name) => {
        if (name !== "state.json") return;
        const shared = readState(this.file);
        if (!shared.preferred_mode || (shared.preferred_mode_set_at ?? 0) <= this.preferredSeenAt) return;
        this.preferredSeenAt = shared.preferred_mode_set_at ?? this.options.now();
        onChange(shared.preferred_mode);
      });
      this.watcher.on("error", () => this.watcher?.close());
    } catch {
      // The state directory cannot be made or watched: `use` then reaches only the next run.
    }
  }

  async close(): Promise<void> {
    this.watcher?.close();
    // Never throws: what the run started (gateway, hook server) must still be stopped after it.
    this.saveState(() => removeLiveRun(this.options.paths.stateDir, this.options.runId));
    this.forgetExitHook?.();
    await this.segmentWrite;
  }
}

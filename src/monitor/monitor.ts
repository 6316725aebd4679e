/**
 * `claude-fallback monitor` (SPEC §8): watches Claude Code sessions we did not start by tailing
 * their transcripts, reports each subscription limit (with the command that continues the
 * session on API billing) and each usage warning once, and ends when the watched `claude` ends.
 *
 * - `pid`: the transcript is the newest `.jsonl` in the project directory of the process's cwd
 *   modified since it started, re-chosen as it runs (`/clear`, `/resume` switch files); records
 *   from before its start are history. Ends (0) when that process exits.
 * - `session`: the transcript of that id in any project; records from before the monitor
 *   started are history. No process is tied to a session id, so it runs until stopped (Ctrl-C).
 * - `all`: every running `claude`, including ones started later, each as with `pid`; runs until
 *   stopped.
 */
import { type FSWatcher, watch } from "node:fs";
import { basename, dirname } from "node:path";
import { projectsRoots } from "../claude/config-dir.js";
import type { ProcessFacts, ProcessTable } from "../claude/process.js";
import { currentTranscript, findSessionTranscript, projectDirsFor } from "../claude/transcripts/find.js";
import { TranscriptTail } from "../claude/transcripts/tail.js";
import { describeAt } from "../dates.js";
import { fromTranscriptRecord, type LimitSignal } from "../detect/index.js";
import { percentText, windowLabel } from "../detect/windows.js";

export type MonitorTarget =
  | { kind: "pid"; pid: number }
  | { kind: "session"; sessionId: string }
  | { kind: "all" };

export interface MonitorEvent {
  kind: "limit" | "warning";
  sessionId: string;
  /** The session's working directory, when known. */
  cwd: string | null;
  signal: LimitSignal;
  /** For a limit: the command that continues this session on API billing. */
  resumeCommand: string | null;
  /** The line printed for it. */
  line: string;
}

export interface MonitorOptions {
  target: MonitorTarget;
  env: Record<string, string | undefined>;
  table: ProcessTable;
  zone: string;
  now?: () => number;
  /** Longest wait between two looks at the transcripts and processes; default 1000 ms. */
  pollMs?: number;
  /** One line per limit or warning (stdout). */
  out: (line: string) => void;
  /** Progress: what is watched, what ended (stderr). */
  info: (line: string) => void;
  /** Every event, e.g. for notifications; errors thrown are reported through `info`. */
  onEvent?: (event: MonitorEvent) => void | Promise<void>;
  /** Stops the monitor (Ctrl-C); it then resolves 0. */
  stop?: AbortSignal;
  /** Warnings below this utilisation are not reported (`notify_at_percentage`); default 80. */
  warnAtPercent?: number;
  /** Watch project directories for changes in addition to polling; default true. */
  watchFiles?: boolean;
}

interface Watched {
  /** Null for a session followed by id alone. */
  process: ProcessFacts | null;
  sessionId: string | null;
  /** Records older than this are history. */
  since: number;
  /** Transcripts this watch has read, in the order first seen. */
  paths: string[];
  /** Each watch reads on its own: two watches may follow the same file from different instants. */
  tail: TranscriptTail;
}

export function resumeCommand(sessionId: string): string {
  return `claude-fallback resume ${sessionId} --api`;
}

/** The words of an event, one line. */
export function describeEvent(
  kind: "limit" | "warning",
  signal: LimitSignal,
  where: { sessionId: string; cwd: string | null },
  now: number,
  zone: string,
): string {
  const label = signal.window === null ? null : windowLabel(String(signal.window));
  const session = `session ${where.sessionId}${where.cwd ? ` (${where.cwd})` : ""}`;
  const reset =
    signal.resetsAt === null
      ? ""
      : signal.resetAssumed
        ? `resets ${describeAt(signal.resetsAt, now, zone)} (assumed: the notice gave no reset time)`
        : `resets ${describeAt(signal.resetsAt, now, zone)}`;
  if (kind === "limit") {
    return `${label ? `${label} limit` : "limit"} reached in ${session}: ${reset || "reset time unknown"} — continue on API billing: ${resumeCommand(where.sessionId)}`;
  }
  const percent = signal.percent === undefined ? "most" : `${percentText(signal.percent)}%`;
  return `warning: ${session} has used ${percent} of the ${label ? `${label} ` : "usage "}limit${reset ? `, ${reset}` : ""}`;
}

function recordString(record: unknown, key: string): string | null {
  if (typeof record !== "object" || record === null) return null;
  const value = (record as Record<string, unknown>)[key];
  return typeof value === "string" && value !== "" ? value : null;
}

export class Monitor {
  private readonly options: MonitorOptions;
  private readonly now: () => number;
  private readonly watched = new Map<string, Watched>();
  private readonly reported = new Set<string>();
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly startedAt: number;
  private wake: (() => void) | null = null;
  private pending = false;

  constructor(options: MonitorOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** Resolves the target: false (and says why) when `--pid` names no running process. */
  async start(): Promise<boolean> {
    const { target } = this.options;
    if (target.kind === "pid") {
      const facts = await this.options.table.facts(target.pid);
      if (!facts) {
        this.options.info(`no running process with pid ${target.pid}`);
        return false;
      }
      // Watching a shell or an editor would find no transcript and report nothing, ever.
      if (!(await this.options.table.claudePids()).includes(target.pid)) {
        this.options.info(
          `pid ${target.pid} is not Claude Code; give the pid of a running claude (pgrep -x claude), or leave --pid out to watch them all`,
        );
        return false;
      }
      this.addProcess(facts);
    } else if (target.kind === "session") {
      this.watched.set(`session:${target.sessionId}`, {
        process: null,
        sessionId: target.sessionId,
        since: this.startedAt,
        paths: [],
        tail: new TranscriptTail(),
      });
      this.options.info(`watching session ${target.sessionId} (until Ctrl-C)`);
    } else {
      this.options.info("watching every running claude (until Ctrl-C)");
    }
    return true;
  }

  /** Runs until the watched process exits or `stop` fires. Resolves the exit code. */
  async run(): Promise<number> {
    const { stop } = this.options;
    if (!(await this.start())) return 1;
    const onStop = () => this.wake?.();
    stop?.addEventListener("abort", onStop);
    try {
      while (!stop?.aborted) {
        const finished = await this.tick();
        if (finished) return 0;
        await this.waitForChange();
      }
      return 0;
    } finally {
      stop?.removeEventListener("abort", onStop);
      for (const watcher of this.watchers.values()) watcher.close();
      this.watchers.clear();
    }
  }

  private addProcess(facts: ProcessFacts): void {
    this.watched.set(`pid:${facts.pid}`, {
      process: facts,
      sessionId: null,
      since: facts.startedAt,
      paths: [],
      tail: new TranscriptTail(),
    });
    this.options.info(`watching claude pid ${facts.pid} in ${facts.cwd}`);
  }

  /** One look at everything. Returns true when the monitor is done. */
  async tick(): Promise<boolean> {
    const { target, table } = this.options;
    if (target.kind === "all") {
      for (const pid of await table.claudePids()) {
        if (this.watched.has(`pid:${pid}`)) continue;
        const facts = await table.facts(pid);
        if (facts) this.addProcess(facts);
      }
    }
    for (const [key, watch] of [...this.watched]) {
      const alive = watch.process === null || (await table.alive(watch.process));
      // Read once more after an exit: its last records were written just before it.
      await this.readWatched(watch);
      if (!alive && watch.process) {
        this.watched.delete(key);
        this.options.info(`claude pid ${watch.process.pid} exited`);
        if (target.kind === "pid") return true;
      }
    }
    return false;
  }

  private async readWatched(watch: Watched): Promise<void> {
    const { env } = this.options;
    let dirs: string[];
    let current: string | null = null;
    if (watch.process) {
      // Its own CLAUDE_CONFIG_DIR / HOME when we could read them (a claude run with other ones).
      dirs = projectDirsFor(watch.process.cwd, watch.process.env ?? env);
      current = currentTranscript(dirs, watch.since)?.path ?? null;
    } else {
      const found = findSessionTranscript(watch.sessionId ?? "", env);
      dirs = found ? [dirname(found.path)] : projectsRoots(env);
      current = found?.path ?? null;
    }
    this.watchDirs(dirs);
    if (current && !watch.paths.includes(current)) watch.paths.push(current);
    for (const path of watch.paths) {
      for (const record of watch.tail.readRecords(path)) await this.consider(record, path, watch);
    }
  }

  private async consider(record: unknown, path: string, watch: Watched): Promise<void> {
    const stamp = Date.parse(recordString(record, "timestamp") ?? "");
    if (Number.isFinite(stamp) && stamp < watch.since) return;
    const now = this.now();
    const signal = fromTranscriptRecord(record, { now, zone: this.options.zone });
    if (!signal) return;
    if (signal.kind === "warning" && (signal.percent ?? 100) < (this.options.warnAtPercent ?? 80)) return;
    if (signal.kind === "limit" && signal.resetsAt !== null) {
      // A printed reset names its minute: the limit lasts to that minute's end.
      const until = signal.resetAssumed ? signal.resetsAt : signal.resetsAt + 60_000;
      if (until <= now) return;
    }
    const fileId = basename(path, ".jsonl");
    const sessionId = recordString(record, "sessionId") ?? fileId;
    const cwd = recordString(record, "cwd") ?? watch.process?.cwd ?? null;
    const minute = signal.resetsAt === null ? "?" : Math.floor(signal.resetsAt / 60_000);
    const key = `${sessionId}|${signal.kind}|${signal.window ?? "?"}|${signal.resetAssumed ? stamp : minute}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const line = describeEvent(signal.kind, signal, { sessionId, cwd }, now, this.options.zone);
    this.options.out(line);
    const event: MonitorEvent = {
      kind: signal.kind,
      sessionId,
      cwd,
      signal,
      resumeCommand: signal.kind === "limit" ? resumeCommand(sessionId) : null,
      line,
    };
    try {
      await this.options.onEvent?.(event);
    } catch (error) {
      this.options.info(`could not notify: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Watches the directories transcripts appear in; polling covers what watching misses. */
  private watchDirs(dirs: string[]): void {
    if (this.options.watchFiles === false) return;
    for (const dir of dirs) {
      if (this.watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, { persistent: false }, () => this.signalChange());
        watcher.on("error", () => {
          watcher.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, watcher);
      } catch {
        // Not there yet: the next tick tries again.
      }
    }
  }

  private signalChange(): void {
    this.pending = true;
    this.wake?.();
  }

  private waitForChange(): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(done, this.options.pollMs ?? 1000);
      this.wake = done;
    });
  }
}

export function runMonitor(options: MonitorOptions): Promise<number> {
  return new Monitor(options).run();
}

/**
 * The run directory and the spool through which our light `sh` scripts reach the wrapper
 * (SPEC §4.2): the `SessionStart` command hook drops one JSON file per event into `events/`, and
 * the status-line script replaces `statusline.json` with each input it gets. Both write a
 * temporary file in `tmp/` and `mv` it into place, so only complete files ever appear.
 *
 * The watcher uses `fs.watch` for promptness, scans once at start (files that came first), and
 * re-checks every `pollIntervalMs` as a safety net for lost or coalesced notifications.
 */

import { chmodSync, type FSWatcher, lstatSync, mkdirSync, watch, writeFileSync } from "node:fs";
import { lstat, open, readdir, readFile, rm, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { FallbackError } from "../errors.js";
import { pidExists } from "../platform/pid.js";
import { cannotAccessText, isAccessError } from "../state/paths.js";
import { type HookEvent, parseHookEvent } from "./hook-events.js";
import { TEMP_FILE } from "./settings-scripts.js";
import { parseStatusLineInput, type StatusLineInput } from "./status-input.js";

/** Where everything of one run lives. */
export interface RunDirLayout {
  path: string;
  /** Spooled command-hook events, one complete JSON file each. */
  eventsDir: string;
  /** Temporary files of the scripts, renamed into place when complete. */
  tempDir: string;
  /** The latest status-line input (written by `statusline.sh`). */
  statusLineFile: string;
  /** Our status-line segment, one line (written by the wrapper, read by `statusline.sh`). */
  segmentFile: string;
  /** The `--settings` file (0600: it holds the hook secret). */
  settingsFile: string;
  /** The settings of a restart that resumes a known conversation headless: no SessionStart hook. */
  resumeSettingsFile: string;
  statusLineScript: string;
  sessionStartScript: string;
  /** The pid of the wrapper that owns the directory: a run directory whose owner is gone is pruned. */
  ownerFile: string;
}

export interface RunDir extends RunDirLayout {
  /** Deletes the run directory and everything in it. */
  remove(): Promise<void>;
}

export function runDirLayout(path: string): RunDirLayout {
  return {
    path,
    eventsDir: join(path, "events"),
    tempDir: join(path, "tmp"),
    statusLineFile: join(path, "statusline.json"),
    segmentFile: join(path, "segment.txt"),
    settingsFile: join(path, "settings.json"),
    resumeSettingsFile: join(path, "settings-resume.json"),
    statusLineScript: join(path, "statusline.sh"),
    sessionStartScript: join(path, "session-start.sh"),
    ownerFile: join(path, "owner.pid"),
  };
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Makes `dir` (and parents) exist as a private directory of ours. */
function ensurePrivateDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    if (!isAccessError(error)) throw error;
    throw new FallbackError(
      `run directory: ${cannotAccessText("create", dir, dir, error, "XDG_RUNTIME_DIR")}`,
    );
  }
  const info = lstatSync(dir);
  if (!info.isDirectory()) throw new FallbackError(`${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) throw new FallbackError(`${dir} belongs to another user`);
  if ((info.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/**
 * Creates `<runtimeDir>/<runId>` (0700, with `events/`, `tmp/` and `owner.pid`), fresh: an existing
 * one is an error, so nothing planted beforehand is trusted. `runtimeDir` is created 0700 when missing.
 * Synchronous: it is made before Claude can start, with nothing else to do meanwhile, and eight
 * calls each handed to the thread pool and back cost the start more than the calls themselves.
 */
export function createRunDir(runtimeDir: string, runId: string): RunDir {
  if (!RUN_ID.test(runId)) throw new FallbackError(`invalid run id ${JSON.stringify(runId)}`);
  ensurePrivateDir(runtimeDir);
  const layout = runDirLayout(join(runtimeDir, runId));
  try {
    mkdirSync(layout.path, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new FallbackError(`run directory ${layout.path} already exists`);
    }
    throw error;
  }
  chmodSync(layout.path, 0o700);
  writeFileSync(layout.ownerFile, `${process.pid}\n`, { mode: 0o600, flag: "wx" });
  mkdirSync(layout.eventsDir, { mode: 0o700 });
  mkdirSync(layout.tempDir, { mode: 0o700 });
  return { ...layout, remove: () => rm(layout.path, { recursive: true, force: true }) };
}

/**
 * Removes the run directories in `runtimeDir` left by wrappers that did not end cleanly (SIGKILL,
 * a crash): those whose `owner.pid` names a process that is gone, and those without a pid in it
 * older than `minAgeMs` (a wrapper killed between making the directory and writing its pid; a
 * younger one may be being made right now). Returns the names removed; never touches anything else.
 */
export async function pruneStaleRunDirs(
  runtimeDir: string,
  now = Date.now(),
  minAgeMs = 60_000,
): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(runtimeDir);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  const uid = process.getuid?.();
  const removed: string[] = [];
  for (const name of names.filter((entry) => RUN_ID.test(entry))) {
    const layout = runDirLayout(join(runtimeDir, name));
    const info = await lstat(layout.path).catch(() => null);
    if (!info?.isDirectory() || (uid !== undefined && info.uid !== uid)) continue;
    // Empty or unreadable: the owner may be writing it right now.
    const owner = await readFile(layout.ownerFile, "utf8").then(
      (text) => (/^[1-9]\d*\n?$/.test(text) ? Number(text) : null),
      () => null,
    );
    const stale = owner === null ? now - info.mtimeMs >= minAgeMs : !pidExists(owner);
    if (!stale) continue;
    await rm(layout.path, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

export interface SpoolOptions {
  runDir: string;
  /** Each spooled hook event, once, in the order the files were completed. */
  onEvent: (event: HookEvent) => void;
  /** Each new version of `statusline.json`; a burst of versions may be coalesced to the latest. */
  onStatusLine?: (input: StatusLineInput) => void;
  /** A callback that threw, or a watcher failure (the poll keeps working). */
  onError?: (error: Error) => void;
  /** Safety-net rescan interval (default 2000 ms), also when finished scripts' temporary files are swept; 0 disables it. */
  pollIntervalMs?: number;
}

export interface SpoolStats {
  events: number;
  statusLines: number;
  /** Files that were not a JSON object (events: also not a known hook), dropped. */
  garbage: number;
}

export interface SpoolWatcher {
  readonly stats: Readonly<SpoolStats>;
  close(): void;
}

const STATUS_LINE_NAME = "statusline.json";

/**
 * Deletes the scripts' temporary files (`tmp/<kind>.<pid>`) whose process has exited and that are
 * older than `minAgeMs`: the scripts leave them to save a process (`rm`) per run. Returns how many.
 */
export async function sweepTempFiles(tempDir: string, now = Date.now(), minAgeMs = 2000): Promise<number> {
  let names: string[];
  try {
    names = await readdir(tempDir);
  } catch (error) {
    if (isMissing(error)) return 0;
    throw error;
  }
  let removed = 0;
  for (const name of names) {
    const match = TEMP_FILE.exec(name);
    if (!match || pidExists(Number(match[1]))) continue;
    const path = join(tempDir, name);
    const info = await stat(path).catch(() => null);
    if (!info || now - info.mtimeMs < minAgeMs) continue;
    await unlink(path).then(
      () => removed++,
      () => {},
    );
  }
  return removed;
}

/** Runs `task` now, or once more after the running one when asked again meanwhile. */
function serialized(task: () => Promise<void>, onError: (error: unknown) => void): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  const run = async () => {
    do {
      again = false;
      try {
        await task();
      } catch (error) {
        onError(error);
      }
    } while (again);
    running = null;
  };
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = run();
    return running;
  };
}

/** A file's text read by `parse`; null for anything that is not JSON of that shape (the file is garbage). */
function parsedOrNull<T>(text: string, parse: (value: unknown) => T | null): T | null {
  try {
    return parse(JSON.parse(text));
  } catch {
    return null;
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

export async function watchSpool(options: SpoolOptions): Promise<SpoolWatcher> {
  const layout = runDirLayout(options.runDir);
  const stats: SpoolStats = { events: 0, statusLines: 0, garbage: 0 };
  let closed = false;
  const reportError = (error: unknown) => {
    if (closed) return;
    try {
      options.onError?.(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // ignore: reporting must not break the watcher
    }
  };
  const call = (fn: () => void) => {
    try {
      fn();
    } catch (error) {
      reportError(error);
    }
  };

  const scanEvents = serialized(async () => {
    let names: string[];
    try {
      names = (await readdir(layout.eventsDir)).filter(
        (name) => !name.startsWith(".") && name.endsWith(".json"),
      );
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    if (names.length === 0) return;
    const files = await Promise.all(
      names.map(async (name) => {
        const path = join(layout.eventsDir, name);
        const mtime = await stat(path).then(
          (info) => info.mtimeMs,
          () => Number.POSITIVE_INFINITY,
        );
        return { path, name, mtime };
      }),
    );
    files.sort((a, b) => a.mtime - b.mtime || a.name.localeCompare(b.name));
    for (const file of files) {
      if (closed) return;
      let text: string;
      try {
        text = await readFile(file.path, "utf8");
        await unlink(file.path);
      } catch (error) {
        if (isMissing(error)) continue;
        throw error;
      }
      const event = parsedOrNull(text, parseHookEvent);
      if (event === null) {
        stats.garbage++;
        continue;
      }
      stats.events++;
      if (!closed) call(() => options.onEvent(event));
    }
  }, reportError);

  let lastVersion = "";
  const readStatusLine = serialized(async () => {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(layout.statusLineFile, "r");
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    let text: string;
    try {
      // The identity of the file we opened: each atomic write is a new inode.
      const info = await handle.stat();
      const version = `${info.ino}:${info.mtimeMs}:${info.size}`;
      if (version === lastVersion) return;
      lastVersion = version;
      text = await handle.readFile("utf8");
    } finally {
      await handle.close();
    }
    const input = parsedOrNull(text, parseStatusLineInput);
    if (input === null) {
      stats.garbage++;
      return;
    }
    stats.statusLines++;
    if (!closed && options.onStatusLine) call(() => options.onStatusLine?.(input));
  }, reportError);

  const watchers: FSWatcher[] = [];
  const addWatcher = (dir: string, onChange: (name: string | null) => void) => {
    try {
      const watcher = watch(dir, { persistent: false }, (_type, name) => {
        if (!closed) onChange(typeof name === "string" ? name : null);
      });
      watcher.on("error", reportError);
      watchers.push(watcher);
    } catch (error) {
      reportError(error);
    }
  };
  addWatcher(layout.eventsDir, (name) => {
    if (name === null || !name.startsWith(".")) void scanEvents();
  });
  addWatcher(layout.path, (name) => {
    if (name === null || name === STATUS_LINE_NAME) void readStatusLine();
  });

  const pollMs = options.pollIntervalMs ?? 2000;
  const timer =
    pollMs > 0
      ? setInterval(() => {
          void scanEvents();
          void readStatusLine();
          sweepTempFiles(layout.tempDir).catch(reportError);
        }, pollMs)
      : null;
  timer?.unref();

  await Promise.all([scanEvents(), readStatusLine()]);

  return {
    stats,
    close() {
      closed = true;
      if (timer) clearInterval(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}

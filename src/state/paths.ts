import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";

/** Where claude-fallback keeps its files (SPEC §10, its "Files" paragraph). */
export interface Paths {
  /** The config file used when neither `--config` nor `$CLAUDE_FALLBACK_CONFIG` names one. */
  defaultConfigFile: string;
  /** state.json, live-run registry. */
  stateDir: string;
  /** usage.db and other durable data. */
  dataDir: string;
  /** Sockets and other per-boot files; 0700. */
  runtimeDir: string;
  /** What can be made again and only saves time (V8's compiled code of our bundles); 0700. */
  cacheDir: string;
}

type Env = Record<string, string | undefined>;

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value !== "" ? value : undefined;
}

/**
 * An XDG base directory variable's value when it is an absolute path: the XDG specification calls
 * a relative one invalid, to be ignored; taken as given, it would name a place relative to
 * wherever the command was started (and the config is never read from the current directory).
 */
function xdgDirectory(value: string | undefined): string | undefined {
  return value !== undefined && isAbsolute(value) ? value : undefined;
}

export function resolvePaths(env: Env = process.env): Paths {
  const home = nonEmpty(env.CLAUDE_FALLBACK_HOME);
  if (home) {
    return {
      defaultConfigFile: join(home, "config.json"),
      stateDir: join(home, "state"),
      dataDir: join(home, "data"),
      runtimeDir: join(home, "run"),
      cacheDir: join(home, "cache"),
    };
  }
  const userHome = nonEmpty(env.HOME) ?? homedir();
  const configHome = xdgDirectory(env.XDG_CONFIG_HOME) ?? join(userHome, ".config");
  const stateHome = xdgDirectory(env.XDG_STATE_HOME) ?? join(userHome, ".local", "state");
  const dataHome = xdgDirectory(env.XDG_DATA_HOME) ?? join(userHome, ".local", "share");
  const stateDir = join(stateHome, "claude-fallback");
  const runtimeBase = xdgDirectory(env.XDG_RUNTIME_DIR);
  const cacheHome = xdgDirectory(env.XDG_CACHE_HOME) ?? join(userHome, ".cache");
  return {
    defaultConfigFile: join(configHome, "claude-fallback", "config.json"),
    stateDir,
    dataDir: join(dataHome, "claude-fallback"),
    runtimeDir: runtimeBase ? join(runtimeBase, "claude-fallback") : join(stateDir, "run"),
    cacheDir: join(cacheHome, "claude-fallback"),
  };
}

/**
 * The file standing where `dir` or one of its parents should be a directory — nothing can then be
 * read from or created in `dir` — or null when there is none (`dir` may simply not exist yet).
 */
export function fileInPlaceOfDirectory(dir: string): string | null {
  let probe = dir;
  while (!existsSync(probe)) {
    const parent = dirname(probe);
    if (parent === probe) return null;
    probe = parent;
  }
  return statSync(probe).isDirectory() ? null : probe;
}

/** A failure for want of access to a place (permissions, a read-only disk, a file in the way), not of space or of the data. */
export function isAccessError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === "EACCES" || code === "EPERM" || code === "EROFS" || code === "ENOTDIR";
}

/** The variable that moves each of our directories elsewhere (CLAUDE_FALLBACK_HOME moves them all). */
export type PlaceVariable = "XDG_STATE_HOME" | "XDG_DATA_HOME" | "XDG_RUNTIME_DIR" | "XDG_CONFIG_HOME";

/**
 * One line on why `path` in our directory `dir` could not be read or written, with the fix: a
 * file standing where `dir` (or a parent) should be a directory is named, else the user is told to
 * give themselves access; or to use another place. Never "nothing there": that would hide the spend
 * or state the file holds.
 */
export function cannotAccessText(
  doing: "read" | "write" | "create",
  path: string,
  dir: string,
  error: unknown,
  variable: PlaceVariable,
): string {
  const anotherPlace = `set CLAUDE_FALLBACK_HOME or ${variable} to another place`;
  const elsewhere = `or ${anotherPlace}`;
  const blocking = fileInPlaceOfDirectory(dir);
  if (blocking !== null) {
    return `cannot ${doing} ${path}: ${blocking} is a file, not a directory; move it aside, ${elsewhere}`;
  }
  // The mirror case: a directory where the file should be, which no chmod makes a file.
  if ((error as NodeJS.ErrnoException | null)?.code === "EISDIR") {
    return `cannot ${doing} ${path}: it is a directory, not a file; move it aside, ${elsewhere}`;
  }
  const reason = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException | null)?.code;
  // No chmod makes room on a disk, or a read-only one writable.
  if (code === "ENOSPC" || code === "EDQUOT") {
    return `cannot ${doing} ${path} (${reason}); fix: free some space on its disk, ${elsewhere}`;
  }
  if (code === "EROFS") return `cannot ${doing} ${path} (${reason}); fix: ${anotherPlace}`;
  // The directory to open up is the lowest one that can be seen: below it nothing can (EACCES).
  let reachable = dir;
  while (!existsSync(reachable) && dirname(reachable) !== reachable) reachable = dirname(reachable);
  const chmod =
    path !== dir && existsSync(path)
      ? `chmod u+rwx ${reachable}; chmod u+rw ${path}`
      : `chmod u+rwx ${reachable}`;
  return `cannot ${doing} ${path} (${reason}); fix: let your user ${doing === "read" ? "read" : "write"} it (${chmod}), ${elsewhere}`;
}

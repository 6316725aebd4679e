/**
 * A broken config, as the status line tells it (SPEC §8). Every other command refuses to start
 * with a broken config; the status line still prints its segment — Claude Code shows whatever it
 * prints, many times a minute — and says what is wrong: why, in full, the first time it sees this
 * file broken, then a short mark while it stays so. Validating means loading zod (~100 ms), so the
 * verdict is remembered per config file (its path, size and modification time) in the state
 * directory, and the file is validated again only when it changes.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { type LocateOptions, locateConfig } from "../config/locate.js";
import { type FileStamp, StampedCache, stampOf } from "../platform/stamped-cache.js";

/** What the status line adds while the config is broken, after the reason was said once. */
export const CONFIG_BROKEN_MARK = "config invalid";

export interface ConfigNotice {
  /** The config's problem, one line naming the file (as every other command says it). */
  problem: string;
  /** Whether to say the whole problem now (first sight of this broken file) or only the mark. */
  sayWhy: boolean;
}

interface Verdict {
  problem: string | null;
  /** Whether the status line has said the problem in full. */
  said: boolean;
}

function isVerdict(value: unknown): value is Verdict {
  const verdict = value as Partial<Verdict> | null;
  return (
    typeof verdict === "object" &&
    verdict !== null &&
    (verdict.problem === null || typeof verdict.problem === "string") &&
    typeof verdict.said === "boolean"
  );
}

export function configCheckFile(stateDir: string): string {
  return join(stateDir, "config-check.json");
}

/** The config's problem as `loadConfig` says it to every command, or null when it loads. */
async function configProblem(options: LocateOptions): Promise<string | null> {
  const { loadConfig } = await import("../config/load.js");
  try {
    loadConfig(options);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

async function isMissing(path: string): Promise<boolean> {
  try {
    await stat(path);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
}

/**
 * What to say about the config on this status line: null when it is valid (or absent from the
 * default location: the defaults apply). Never throws.
 */
export async function configNotice(
  options: LocateOptions,
  stateDir: string,
  problemOf: (options: LocateOptions) => Promise<string | null> = configProblem,
): Promise<ConfigNotice | null> {
  try {
    const location = locateConfig(options);
    let stamp: FileStamp | null = stampOf(location.path);
    if (stamp === null) {
      if (location.source === "default" && (await isMissing(location.path))) return null;
      // A named file that is missing or cannot be reached: remembered until it appears.
      stamp = { key: location.path, size: -1, mtimeMs: -1 };
    }
    const cache = new StampedCache(configCheckFile(stateDir), isVerdict);
    const known = cache.get(stamp);
    const verdict = known ?? { problem: await problemOf(options), said: false };
    if (verdict.problem === null) {
      if (known === undefined) await cache.set(stamp, verdict);
      return null;
    }
    if (verdict.said) return { problem: verdict.problem, sayWhy: false };
    // Said in full until it could be remembered as said: never only a mark nobody explained.
    await cache.set(stamp, { problem: verdict.problem, said: true });
    return { problem: verdict.problem, sayWhy: true };
  } catch {
    return null;
  }
}

/** The status line: the segment (may be empty), then what the config notice adds. */
export function withConfigNotice(segment: string, notice: ConfigNotice | null): string {
  if (notice === null) return segment;
  const said = notice.sayWhy
    ? `claude-fallback: ${notice.problem} (claude-fallback config validate lists every problem)`
    : `claude-fallback: ${CONFIG_BROKEN_MARK}`;
  return segment === "" ? said : `${segment} · ${said}`;
}

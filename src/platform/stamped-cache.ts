/**
 * Answers remembered per file: what was worked out from a file (Claude Code's version from its
 * executable, whether the config is valid) holds while the file is the same one. A file is the
 * same while its real path, size and modification time are — an update or an edit replaces the
 * file or changes them. The answers live in one small JSON file, keyed by the real path.
 */
import { readFileSync, realpathSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { writeFileAtomic } from "./atomic-file.js";

export interface FileStamp {
  /** The file's real path (symbolic links followed). */
  key: string;
  size: number;
  mtimeMs: number;
}

/**
 * Where `path` leads and what it is now; null when it cannot be reached. Synchronous, as reading
 * an answer is: they are asked before Claude is spawned, where three calls each sent through the
 * thread pool and back cost more than the calls do.
 */
export function stampOf(path: string): FileStamp | null {
  try {
    const key = realpathSync.native(path);
    const { size, mtimeMs } = statSync(key);
    return { key, size, mtimeMs };
  } catch {
    return null;
  }
}

interface Entry<V> {
  size: number;
  mtimeMs: number;
  value: V;
}

/** More files than anyone alternates between (VS Code's own claude, the one on PATH…). */
const MAX_ENTRIES = 8;

export class StampedCache<V> {
  constructor(
    /** The JSON file the answers are kept in. */
    readonly file: string,
    /** Whether a value read back from the file has the shape this cache stores. */
    private readonly isValue: (value: unknown) => value is V,
  ) {}

  private entries(): Record<string, Entry<V>> {
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.file, "utf8"));
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
      return Object.fromEntries(
        Object.entries(parsed).filter(([, entry]) => {
          const candidate = entry as Partial<Entry<V>> | null;
          return (
            typeof candidate === "object" &&
            candidate !== null &&
            typeof candidate.size === "number" &&
            typeof candidate.mtimeMs === "number" &&
            this.isValue(candidate.value)
          );
        }),
      ) as Record<string, Entry<V>>;
    } catch {
      // Missing or damaged: worked out again and written anew.
      return {};
    }
  }

  /** The answer remembered for the file as `stamp` describes it; undefined when there is none. */
  get(stamp: FileStamp): V | undefined {
    const known = this.entries()[stamp.key];
    return known && known.size === stamp.size && known.mtimeMs === stamp.mtimeMs ? known.value : undefined;
  }

  /**
   * Remembers `value` for the file as `stamp` describes it (the oldest others dropped). Only a
   * saving: false when the file could not be written, and the answer is worked out again next time.
   */
  async set(stamp: FileStamp, value: V): Promise<boolean> {
    const kept = Object.entries(this.entries())
      .filter(([other]) => other !== stamp.key)
      .slice(-(MAX_ENTRIES - 1));
    const entry: Entry<V> = { size: stamp.size, mtimeMs: stamp.mtimeMs, value };
    try {
      await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
      await writeFileAtomic(
        this.file,
        `${JSON.stringify(Object.fromEntries([...kept, [stamp.key, entry]]), null, 2)}\n`,
      );
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * The installed Claude Code's version for a run, remembered per executable. Asking `claude
 * --version` starts Claude Code once more before every run (~50–130 ms); its answer changes only
 * when the executable does, so it is kept in `<stateDir>/claude-version.json` keyed by the
 * executable's real path, size and modification time (an update, by npm or the native installer,
 * replaces the file or the link's target, which changes them).
 */
import { mkdir, readFile, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../platform/atomic-file.js";
import { probeClaudeVersion, type VersionProbe } from "./locate.js";

interface Entry {
  size: number;
  mtimeMs: number;
  version: string;
}

/** More executables than anyone alternates between (VS Code's own claude, the one on PATH…). */
const MAX_ENTRIES = 8;

export function versionCacheFile(stateDir: string): string {
  return join(stateDir, "claude-version.json");
}

function isEntry(value: unknown): value is Entry {
  const entry = value as Partial<Entry> | null;
  return (
    typeof entry === "object" &&
    entry !== null &&
    typeof entry.size === "number" &&
    typeof entry.mtimeMs === "number" &&
    typeof entry.version === "string"
  );
}

async function readEntries(file: string): Promise<Record<string, Entry>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, "utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter(([, entry]) => isEntry(entry))) as Record<
      string,
      Entry
    >;
  } catch {
    // Missing or damaged: asked again and written anew.
    return {};
  }
}

/**
 * `claude --version` of the executable at `path` ("2.1.330"), from the cache when the executable
 * is the one it was asked of, else asked (`probe`) and remembered. When it cannot be read, why
 * (not remembered: the next run asks again).
 */
export async function cachedClaudeVersion(
  path: string,
  stateDir: string,
  env: NodeJS.ProcessEnv = process.env,
  probe: (path: string, env: NodeJS.ProcessEnv) => Promise<VersionProbe> = probeClaudeVersion,
): Promise<VersionProbe> {
  let key: string;
  let size: number;
  let mtimeMs: number;
  try {
    key = await realpath(path);
    ({ size, mtimeMs } = await stat(key));
  } catch {
    return probe(path, env);
  }
  const file = versionCacheFile(stateDir);
  const entries = await readEntries(file);
  const known = entries[key];
  if (known && known.size === size && known.mtimeMs === mtimeMs) return { version: known.version };
  const answer = await probe(path, env);
  if (answer.version === null) return answer;
  const { version } = answer;
  const kept = Object.entries(entries)
    .filter(([other]) => other !== key)
    .slice(-(MAX_ENTRIES - 1));
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(
      file,
      `${JSON.stringify(Object.fromEntries([...kept, [key, { size, mtimeMs, version }]]), null, 2)}\n`,
    );
  } catch {
    // Only a saving: a state directory that cannot be written means asking again next time.
  }
  return answer;
}

/**
 * The installed Claude Code's version for a run, remembered per executable. Asking `claude
 * --version` starts Claude Code once more before every run (~50–130 ms); its answer changes only
 * when the executable does, so it is kept in `<stateDir>/claude-version.json` keyed by the
 * executable's real path, size and modification time (an update, by npm or the native installer,
 * replaces the file or the link's target, which changes them).
 */
import { join } from "node:path";
import { StampedCache, stampOf } from "../platform/stamped-cache.js";
import { probeClaudeVersion, type VersionProbe } from "./locate.js";

export function versionCacheFile(stateDir: string): string {
  return join(stateDir, "claude-version.json");
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
  const stamp = stampOf(path);
  if (stamp === null) return probe(path, env);
  const cache = new StampedCache(
    versionCacheFile(stateDir),
    (value): value is string => typeof value === "string",
  );
  const known = cache.get(stamp);
  if (known !== undefined) return { version: known };
  const answer = await probe(path, env);
  if (answer.version !== null) await cache.set(stamp, answer.version);
  return answer;
}

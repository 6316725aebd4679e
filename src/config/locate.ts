import { resolve } from "node:path";
import { UsageError } from "../errors.js";
import { resolvePaths } from "../state/paths.js";

/**
 * Which config file applies (SPEC §10), without reading it — and without zod, so that the status
 * line can find the file on its fast path.
 */

export type ConfigSource = "flag" | "env" | "default";

export interface ConfigLocation {
  /** Absolute path. */
  path: string;
  source: ConfigSource;
}

export interface LocateOptions {
  /** The global `--config PATH` option. */
  configFlag?: string | undefined;
  env?: Record<string, string | undefined>;
  /** What a relative `--config` or `$CLAUDE_FALLBACK_CONFIG` is relative to. */
  cwd?: string;
}

export const CONFIG_ENV = "CLAUDE_FALLBACK_CONFIG";

/**
 * Which file would be used, without touching the file system: `--config`, then
 * `$CLAUDE_FALLBACK_CONFIG`, then the XDG (or `$CLAUDE_FALLBACK_HOME`) default. Only explicit
 * relative paths are resolved against the working directory; nothing is looked up in it.
 */
export function locateConfig(options: LocateOptions = {}): ConfigLocation {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  if (options.configFlag !== undefined) {
    if (options.configFlag === "") throw new UsageError("--config needs a file path");
    return { path: resolve(cwd, options.configFlag), source: "flag" };
  }
  const fromEnv = env[CONFIG_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return { path: resolve(cwd, fromEnv), source: "env" };
  return { path: resolve(cwd, resolvePaths(env).defaultConfigFile), source: "default" };
}

import { loadConfig } from "../config/load.js";
import type { ConfigSource } from "../config/locate.js";
import type { Config } from "../config/schema.js";
import { type Paths, resolvePaths } from "../state/paths.js";

/** What every command needs from the global options, loaded once. */
export interface CliContext {
  env: Record<string, string | undefined>;
  paths: Paths;
  config: Config;
  /** Absolute path of the config file in use (or that would be, if it does not exist). */
  configPath: string;
  configSource: ConfigSource;
  configExists: boolean;
  /** `--claude`, else `claude_path` from the config. */
  claudePath: string;
  /** The load warnings (already printed). */
  warnings: string[];
}

export interface ContextOptions {
  config?: string | undefined;
  claude?: string | undefined;
}

/** Warnings already shown by this process: a command that loads the context twice warns once. */
const shownWarnings = new Set<string>();

/**
 * Loads the config named by the global options (`command.optsWithGlobals()`). Throws UsageError
 * (exit 2) for a missing or invalid file; prints permission warnings to stderr, once each.
 */
export function loadContext(
  opts: ContextOptions,
  env: Record<string, string | undefined> = process.env,
  stderr: (text: string) => void = (text) => process.stderr.write(text),
  cwd: string = process.cwd(),
): CliContext {
  const loaded = loadConfig({ configFlag: opts.config, env, cwd });
  for (const warning of loaded.warnings) {
    if (shownWarnings.has(warning)) continue;
    shownWarnings.add(warning);
    stderr(`claude-fallback: ${warning}\n`);
  }
  return {
    env,
    paths: resolvePaths(env),
    config: loaded.config,
    configPath: loaded.path,
    configSource: loaded.source,
    configExists: loaded.exists,
    claudePath: opts.claude !== undefined && opts.claude !== "" ? opts.claude : loaded.config.claude_path,
    warnings: loaded.warnings,
  };
}

import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

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
}

type Env = Record<string, string | undefined>;

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value !== "" ? value : undefined;
}

export function resolvePaths(env: Env = process.env): Paths {
  const home = nonEmpty(env.CLAUDE_FALLBACK_HOME);
  if (home) {
    return {
      defaultConfigFile: join(home, "config.json"),
      stateDir: join(home, "state"),
      dataDir: join(home, "data"),
      runtimeDir: join(home, "run"),
    };
  }
  const userHome = nonEmpty(env.HOME) ?? homedir();
  const configHome = nonEmpty(env.XDG_CONFIG_HOME) ?? join(userHome, ".config");
  const stateHome = nonEmpty(env.XDG_STATE_HOME) ?? join(userHome, ".local", "state");
  const dataHome = nonEmpty(env.XDG_DATA_HOME) ?? join(userHome, ".local", "share");
  const stateDir = join(stateHome, "claude-fallback");
  const runtimeBase = nonEmpty(env.XDG_RUNTIME_DIR);
  return {
    defaultConfigFile: join(configHome, "claude-fallback", "config.json"),
    stateDir,
    dataDir: join(dataHome, "claude-fallback"),
    runtimeDir: runtimeBase ? join(runtimeBase, "claude-fallback") : join(stateDir, "run"),
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

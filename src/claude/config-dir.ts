/**
 * Where Claude Code keeps its files, one rule for everything that reads them (settings, the
 * transcripts of `resume`, `monitor`, `usage --subscription` and the forecast): the config
 * directories are `$CLAUDE_CONFIG_DIR` (a comma-separated list, when set and not blank), else
 * both `$XDG_CONFIG_HOME/claude` (default `~/.config/claude`, where some Claude Code versions
 * write) and `~/.claude`. Transcripts are read from every one that has a `projects/` folder; the
 * user's `settings.json` from the first that exists.
 */
import { statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

type Env = Record<string, string | undefined>;

function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The candidate config directories, in order, before checking that they exist. */
export function candidateConfigDirs(env: Env = process.env): string[] {
  const fromEnv = nonBlank(env.CLAUDE_CONFIG_DIR);
  if (fromEnv) {
    return fromEnv
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part !== "")
      .map((part) => resolve(part));
  }
  const home = nonBlank(env.HOME) ?? homedir();
  const configHome = nonBlank(env.XDG_CONFIG_HOME) ?? join(home, ".config");
  return [resolve(configHome, "claude"), resolve(home, ".claude")];
}

/** The config directories transcripts are read from: candidates with a `projects/` folder, each once. */
export function claudeConfigDirs(env: Env = process.env): string[] {
  return [...new Set(candidateConfigDirs(env))].filter((dir) => isDirectory(join(dir, "projects")));
}

/** Every `projects/` folder that holds transcripts. */
export function projectsRoots(env: Env = process.env): string[] {
  return claudeConfigDirs(env).map((dir) => join(dir, "projects"));
}

/**
 * The config directory whose `settings.json` Claude Code reads: `$CLAUDE_CONFIG_DIR` (its first
 * entry), else `~/.claude` unless only `~/.config/claude` exists.
 */
export function settingsConfigDir(env: Env = process.env): string {
  const candidates = candidateConfigDirs(env);
  if (nonBlank(env.CLAUDE_CONFIG_DIR)) return candidates[0]!;
  const [xdg, dotClaude] = candidates as [string, string];
  return !isDirectory(dotClaude) && isDirectory(xdg) ? xdg : dotClaude;
}

import { join } from "node:path";
import { candidateConfigDirs } from "../../src/claude/config-dir.js";

/** Where a test puts Claude Code's transcripts for `env`: `$CLAUDE_CONFIG_DIR/projects`, else `~/.claude/projects`. */
export function claudeProjectsDir(env: Record<string, string | undefined>): string {
  return join(candidateConfigDirs(env).at(-1)!, "projects");
}

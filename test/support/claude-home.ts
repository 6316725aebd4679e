import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { candidateConfigDirs } from "../../src/claude/config-dir.js";

/** Where a test puts Claude Code's transcripts for `env`: `$CLAUDE_CONFIG_DIR/projects`, else `~/.claude/projects`. */
export function claudeProjectsDir(env: Record<string, string | undefined>): string {
  return join(candidateConfigDirs(env).at(-1)!, "projects");
}

/** A transcript of `sessionId` where Claude Code would have written it: the conversation exists and can be resumed. */
export function writeClaudeTranscript(env: Record<string, string | undefined>, sessionId: string): string {
  const dir = join(claudeProjectsDir(env), "-project");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${sessionId}.jsonl`);
  writeFileSync(
    path,
    `${JSON.stringify({ type: "user", sessionId, message: { role: "user", content: "hi" } })}\n`,
  );
  return path;
}

/**
 * `claude-fallback statusline` (SPEC §8): a Claude Code `statusLine` command. Claude Code runs it
 * many times a minute, so this module and everything it imports stay light: no zod, SQLite, undici
 * or pty (the bin reaches it through `fast-path.ts` without loading the other commands).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { resolvePaths } from "../state/paths.js";
import { runStatusline, type StatuslineStateFile } from "../statusline/command.js";

export const STATUSLINE_SETTINGS_SNIPPET = `{
  "statusLine": { "type": "command", "command": "claude-fallback statusline" }
}`;

export interface StatuslineCommandIo {
  stdin: AsyncIterable<string | Uint8Array> | string;
  write: (text: string) => void;
  env: Record<string, string | undefined>;
  /** Epoch ms. */
  now: number;
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/**
 * What the segment needs from the shared state file (`<stateDir>/state.json`, see
 * `state/store.ts`), read without its zod schema to keep this path fast: the last subscription
 * limit while it is in force. Utilisation comes from Claude Code's own stdin (`rate_limits`).
 */
export function standaloneState(stateJsonText: string | null, now: number): StatuslineStateFile | null {
  if (stateJsonText === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(stateJsonText);
  } catch {
    return null;
  }
  const limit = record(record(parsed)?.last_limit);
  const resetsAt = limit?.resets_at;
  if (typeof resetsAt === "number" && Number.isFinite(resetsAt) && resetsAt > now)
    return { limit_resets_at: resetsAt };
  return null;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** Prints the segment (or nothing); returns the line printed. Never throws. */
export async function statuslineCommand(io: StatuslineCommandIo): Promise<string> {
  let state: StatuslineStateFile | null = null;
  try {
    state = standaloneState(readText(join(resolvePaths(io.env).stateDir, "state.json")), io.now);
  } catch {
    state = null;
  }
  return runStatusline({
    stdin: io.stdin,
    stateFile: null,
    state,
    out: { write: io.write },
    zone: io.env.TZ || undefined,
    now: io.now,
    env: io.env,
  });
}

export function registerStatusline(program: Command): void {
  program
    .command("statusline")
    .description("a Claude Code statusLine command: prints the billing segment (e.g. SUB 63% ⟳15:00)")
    .addHelpText(
      "after",
      `
Reads Claude Code's status JSON on stdin and claude-fallback's state; prints one line such as
"SUB 63% ⟳15:00", "SUB limit ⟳15:00" or "API $1.24/$10" (or nothing when nothing is known).
Runs wrapped by claude-fallback show this segment on their own, after your status line.

To use it standalone, in ~/.claude/settings.json:
${STATUSLINE_SETTINGS_SNIPPET}`,
    )
    .action(async () => {
      await statuslineCommand({
        // Run by hand in a terminal there is no status JSON to wait for.
        stdin: process.stdin.isTTY ? "" : process.stdin,
        write: (text) => process.stdout.write(text),
        env: process.env,
        now: Date.now(),
      });
    });
}

/**
 * `claude-fallback statusline` (SPEC §8): a Claude Code `statusLine` command. Claude Code runs it
 * many times a minute, so this module and everything it imports stay light: no zod, SQLite, undici
 * or pty (the bin reaches it through `fast-path.ts` without loading the other commands).
 */
import { readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { zoneOfTZ } from "../dates.js";
import { WRAPPED_STATUSLINE_ENV } from "../hooks/settings-scripts.js";
import { resolvePaths } from "../state/paths.js";
import { runStatusline, type StatuslineStateFile } from "../statusline/command.js";
import { globalValues } from "./command-word.js";
import { runPlain } from "./failure.js";
import { configNotice, withConfigNotice } from "./statusline-config.js";

export const STATUSLINE_SETTINGS_SNIPPET = `{
  "statusLine": { "type": "command", "command": "claude-fallback statusline" }
}`;

export interface StatuslineCommandIo {
  stdin: AsyncIterable<string | Uint8Array> | string;
  write: (text: string) => void;
  env: Record<string, string | undefined>;
  /** The global `--config PATH`, when given. */
  configFlag?: string | undefined;
  /** What a relative `--config` or `$CLAUDE_FALLBACK_CONFIG` is relative to. */
  cwd: string;
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

/**
 * Prints the segment, and what is wrong with the config when it is broken (or nothing); returns
 * the line printed. Never throws.
 */
export async function statuslineCommand(io: StatuslineCommandIo): Promise<string> {
  // Under a wrapped run our injected status line shows the segment; the user's prints nothing.
  if (io.env[WRAPPED_STATUSLINE_ENV] === "wrapped") return "";
  const { stateDir } = resolvePaths(io.env);
  let state: StatuslineStateFile | null = null;
  try {
    state = standaloneState(readText(join(stateDir, "state.json")), io.now);
  } catch {
    state = null;
  }
  const [segment, notice] = await Promise.all([
    runStatusline({
      stdin: io.stdin,
      stateFile: null,
      state,
      out: { write: () => {} },
      zone: zoneOfTZ(io.env.TZ, realpathSync),
      now: io.now,
      env: io.env,
    }),
    configNotice({ configFlag: io.configFlag, env: io.env, cwd: io.cwd }, stateDir),
  ]);
  const line = withConfigNotice(segment, notice);
  if (line !== "") io.write(`${line}\n`);
  return line;
}

/** `statusline` as the command line runs it: `--config`'s value (if any) and this process's streams. */
function statuslineFromProcess(configFlag: string | undefined): Promise<string> {
  return statuslineCommand({
    configFlag,
    // Run by hand in a terminal there is no status JSON to wait for.
    stdin: process.stdin.isTTY ? "" : process.stdin,
    write: (text) => process.stdout.write(text),
    env: process.env,
    cwd: process.cwd(),
    now: Date.now(),
  });
}

/**
 * `statusline` with nothing after it, as Claude Code runs it many times a minute (global value
 * options before it: see `startKind`), without commander: ~7 ms of each run, with the
 * node:child_process it loads. Returns the exit code.
 */
export function plainStatuslineMain(argv: readonly string[]): Promise<number> {
  return runPlain(() => statuslineFromProcess(globalValues(argv).config));
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
    .action(async (_options: unknown, command: Command) => {
      await statuslineFromProcess(command.parent?.opts<{ config?: string }>().config);
    });
}

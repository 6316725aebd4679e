import { dirname } from "node:path";
import type { Command } from "commander";
import { NO_KEY_MESSAGE } from "../config/schema.js";
import { createKeyProvider } from "../config/secret.js";
import { FallbackError, UsageError } from "../errors.js";
import { fileInPlaceOfDirectory } from "../state/paths.js";
import { listLiveRuns } from "../state/runs.js";
import { stateFile, updateState } from "../state/store.js";
import { type ContextOptions, loadContext } from "./context.js";

const MODES = ["api", "subscription"] as const;

/** Sets the preferred billing mode; live wrapped sessions follow at their next idle moment. */
export function useMode(typed: string, opts: ContextOptions, write: (text: string) => void): void {
  const mode = MODES.find((known) => known === typed.toLowerCase());
  if (!mode) throw new UsageError(`use: unknown mode "${typed}"; allowed: api, subscription`);
  const ctx = loadContext(opts);
  if (mode === "api" && createKeyProvider(ctx.config, ctx.env).source === null)
    throw new UsageError(NO_KEY_MESSAGE);
  const now = Date.now();
  const file = stateFile(ctx.paths.stateDir);
  try {
    updateState(file, () => ({ preferred_mode: mode, preferred_mode_set_at: now }));
  } catch (error) {
    throw new FallbackError(`could not save the preferred mode: ${whyNotWritten(file, error)}`);
  }
  const live = listLiveRuns(ctx.paths.stateDir);
  const following = live.filter((run) => run.mode !== mode).length;
  const label = mode === "api" ? "API billing" : "the subscription";
  write(`preferred mode: ${mode} (new runs start on ${label})\n`);
  if (live.length > 0) {
    write(
      following > 0
        ? `${following} of ${live.length} live wrapped session(s) will switch at their next idle moment\n`
        : `all ${live.length} live wrapped session(s) are already on ${label}\n`,
    );
  }
}

/** Why `file` could not be written, naming the path in the way, and what to do. */
function whyNotWritten(file: string, error: unknown): string {
  const blocking = fileInPlaceOfDirectory(dirname(file));
  const elsewhere = "or set CLAUDE_FALLBACK_HOME or XDG_STATE_HOME to another place";
  if (blocking !== null) return `${blocking} is a file, not a directory; move it aside, ${elsewhere}`;
  const reason = error instanceof Error ? error.message : String(error);
  return `${file} cannot be written (${reason}); fix that, ${elsewhere}`;
}

export function registerUse(program: Command): void {
  program
    .command("use")
    .description("set the preferred billing mode; live wrapped sessions follow at their next idle moment")
    .argument("<mode>", "api or subscription")
    .action((mode: string, _opts: unknown, command: Command) => {
      useMode(mode, command.optsWithGlobals<ContextOptions>(), (text) => process.stdout.write(text));
    });
}

import { dirname } from "node:path";
import type { Command } from "commander";
import { NO_KEY_MESSAGE } from "../config/schema.js";
import { createKeyProvider } from "../config/secret.js";
import { FallbackError, UsageError } from "../errors.js";
import { cannotAccessText } from "../state/paths.js";
import { readLiveRuns } from "../state/runs.js";
import { setAsideDamagedState, stateFile, updateState } from "../state/store.js";
import { type ContextOptions, loadContext } from "./context.js";

const MODES = ["api", "subscription"] as const;

/** Sets the preferred billing mode; live wrapped sessions follow at their next idle moment. */
export function useMode(
  typed: string,
  opts: ContextOptions,
  write: (text: string) => void,
  warn: (text: string) => void = (text) => process.stderr.write(text),
): void {
  const mode = MODES.find((known) => known === typed.toLowerCase());
  if (!mode) throw new UsageError(`use: unknown mode "${typed}"; allowed: api, subscription`);
  const ctx = loadContext(opts);
  if (mode === "api" && createKeyProvider(ctx.config, ctx.env).source === null)
    throw new UsageError(NO_KEY_MESSAGE);
  const now = Date.now();
  const file = stateFile(ctx.paths.stateDir);
  // A damaged state file is kept aside, said in one line, rather than written over.
  const damaged = setAsideDamagedState(file, now);
  if (damaged) warn(`claude-fallback: ${damaged}\n`);
  try {
    updateState(file, () => ({ preferred_mode: mode, preferred_mode_set_at: now }));
  } catch (error) {
    const why =
      error instanceof FallbackError
        ? error.message
        : cannotAccessText("write", file, dirname(file), error, "XDG_STATE_HOME");
    throw new FallbackError(`could not save the preferred mode: ${why}`);
  }
  const { runs: live, problem } = readLiveRuns(ctx.paths.stateDir);
  // The preference is saved and live runs read it themselves; only how many will follow is not known.
  if (problem !== null) warn(`claude-fallback: live wrapped sessions not known: ${problem}\n`);
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

export function registerUse(program: Command): void {
  program
    .command("use")
    .description("set the preferred billing mode; live wrapped sessions follow at their next idle moment")
    .argument("<mode>", "api or subscription")
    .action((mode: string, _opts: unknown, command: Command) => {
      useMode(mode, command.optsWithGlobals<ContextOptions>(), (text) => process.stdout.write(text));
    });
}

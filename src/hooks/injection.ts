/**
 * What every wrapped run (in a terminal, headless, or for a program) sets up before starting
 * `claude`: its 0700 run directory, the hook endpoint, and the `--settings` file that points
 * Claude Code's hooks (and, in a terminal, its status line) at them, with the user's own
 * `--settings` merged in.
 */

import { rmSync } from "node:fs";
import type { ClaudeArgs, SessionChoice } from "../claude/args.js";
import { findUserStatusLine, readSettingsArgument } from "../claude/user-settings.js";
import { onProcessExit } from "../platform/exit-hooks.js";
import type { Paths } from "../state/paths.js";
import { listLiveRuns } from "../state/runs.js";
import type { HookEvent } from "./hook-events.js";
import { type HookServer, startHookServer } from "./hook-server.js";
import { writeInjection, writeResumeSettings } from "./settings.js";
import { createRunDir, pruneStaleRunDirs, type RunDir } from "./spool.js";

/** What the injection needs to know of the run. */
export interface InjectionTarget {
  args: ClaudeArgs;
  cwd: string;
  env: NodeJS.ProcessEnv;
  paths: Paths;
  runId: string;
}

export interface Injection {
  runDir: RunDir;
  hookServer: HookServer;
  /** The file to pass as `claude --settings`. */
  settingsPath: string;
  /**
   * The file to pass to a claude restarted with `--resume <id>`: headless, it needs no SessionStart
   * hook (whose events a stream-json program would see in the middle of its turn).
   */
  resumeSettingsPath: string;
  /**
   * Clears what wrappers killed by SIGKILL left (run directories, live-run entries), best effort;
   * nothing Claude needs, so it is done once Claude is starting.
   */
  clearLeftovers(): void;
  /** Stops the hook endpoint and removes the run directory. */
  close(): Promise<void>;
}

/**
 * Whether a run needs Claude Code's SessionStart hook, which is how it learns the conversation's id
 * when Claude alone knows it: `--continue` and the picker choose it, and in a terminal /clear and
 * /resume change it. A headless run (`-p`, stream-json) whose id is ours (`--session-id`) or named
 * (`--resume X`) does without: UserPromptSubmit comes before each of its requests with the same
 * id, and Claude Code runs a command hook before it sends the prompt (~20 ms of every `-p`).
 */
export function needsSessionStartHook(session: SessionChoice, { terminal }: { terminal: boolean }): boolean {
  return terminal || session.kind === "resume-picker" || session.kind === "continue";
}

export async function prepareInjection(
  options: InjectionTarget,
  onHook: (event: HookEvent) => void,
  { terminal }: { terminal: boolean },
): Promise<Injection> {
  const runDir = createRunDir(options.paths.runtimeDir, options.runId);
  // A run ended by a signal (its terminal closed, a kill) exits without its close: its settings
  // (with the hook secret) and scripts go with it all the same.
  const forgetExitHook = onProcessExit(() => rmSync(runDir.path, { recursive: true, force: true }));
  let hookServer: HookServer | undefined;
  try {
    hookServer = await startHookServer({ onHook });
    const userSettings = options.args.userSettings;
    const userStatusLine = terminal
      ? findUserStatusLine({ cwd: options.cwd, env: options.env, userSettingsArg: userSettings ?? undefined })
          .statusLine
      : null;
    const injected = {
      runDir: runDir.path,
      hookServer,
      userStatusLine,
      sessionStartHook: needsSessionStartHook(options.args.session, { terminal }),
      userFlagSettings: userSettings
        ? (readSettingsArgument(userSettings, options.cwd)?.settings ?? null)
        : null,
    };
    const settingsPath = writeInjection(injected);
    // Only a headless --continue or resume picker has both (a run rarely restarts: no second file otherwise).
    const resumeSettingsPath =
      injected.sessionStartHook && !terminal ? writeResumeSettings(injected) : settingsPath;
    const server = hookServer;
    let clearing: Promise<void> = Promise.resolve();
    return {
      runDir,
      hookServer: server,
      settingsPath,
      resumeSettingsPath,
      clearLeftovers() {
        // Listing the live runs prunes the entries of processes that are gone.
        clearing = (async () => {
          await pruneStaleRunDirs(options.paths.runtimeDir);
          listLiveRuns(options.paths.stateDir);
        })().catch(() => {});
      },
      async close() {
        await clearing;
        await server.close();
        await runDir.remove();
        forgetExitHook();
      },
    };
  } catch (error) {
    await hookServer?.close();
    await runDir.remove();
    forgetExitHook();
    throw error;
  }
}

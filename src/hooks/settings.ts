/**
 * The settings we inject into Claude Code with `claude --settings <file>` (SPEC §4.2): our hooks
 * and our status line, written into the run directory. The user's settings files are never
 * touched: hooks from `--settings` run in addition to theirs, and our status line (the only one
 * Claude Code shows) runs theirs and shows its output first.
 *
 * Claude Code honours only the last `--settings` argument, so a user's own `--settings` must be
 * passed here as `userFlagSettings` (merged into ours) and removed from their arguments
 * (`withoutSettingsArgument`).
 */

import type { UserStatusLine } from "../claude/user-settings.js";
import { writeFileAtomic, writeFileAtomicSync } from "../platform/atomic-file.js";
import { shellQuote } from "../shell.js";
import { HTTP_HOOK_EVENTS } from "./hook-events.js";
import { hookUrl } from "./hook-server.js";
import { sessionStartScript, statusLineScript } from "./settings-scripts.js";
import { runDirLayout } from "./spool.js";

export interface InjectionOptions {
  runDir: string;
  hookServer: { url: string; secret: string };
  /** The status line the user would have had (`findUserStatusLine`); null for none. */
  userStatusLine: Pick<
    UserStatusLine,
    "command" | "padding" | "refreshInterval" | "hideVimModeIndicator"
  > | null;
  /** The file our segment is read from; default `<runDir>/segment.txt`. */
  segmentFile?: string;
  /** The user's own `--settings` content, merged into ours (theirs first). */
  userFlagSettings?: Record<string, unknown> | null;
  /** Seconds Claude Code waits for one of our hooks (default 5): a wedged wrapper must not stall it. */
  hookTimeoutSeconds?: number;
  /**
   * Whether to inject the SessionStart command hook (default true); see `wantsSessionStartHook`
   * (session/run-core.ts) for when a run can do without it.
   */
  sessionStartHook?: boolean;
}

interface CommandHook {
  type: "command";
  command: string;
  timeout?: number;
}

interface HttpHook {
  type: "http";
  url: string;
  headers: Record<string, string>;
  timeout?: number;
}

export interface MatcherGroup {
  matcher?: string;
  hooks: (CommandHook | HttpHook | Record<string, unknown>)[];
}

export interface InjectedSettings {
  hooks: Record<string, MatcherGroup[]>;
  statusLine: {
    type: "command";
    command: string;
    padding: number;
    refreshInterval?: number;
    hideVimModeIndicator?: boolean;
  };
  [key: string]: unknown;
}

/** Matches a status line that is `claude-fallback statusline` itself (we show our segment anyway). */
const OWN_STATUSLINE = /^\s*(?:\S*\/)?claude-fallback(?:\.js)?\s+statusline(?:\s+[^\s;&|`$<>()'"\\]+)*\s*$/;

/** True when the user's status line is our own command alone: running it would only repeat our segment. */
export function isOwnStatusLineCommand(command: string): boolean {
  return OWN_STATUSLINE.test(command);
}

/**
 * How Claude Code is to run one of our scripts. Claude Code runs it with `/bin/sh -c`; `exec`
 * saves the fork of a second shell, and naming `/bin/sh` makes a `noexec` mount not matter.
 */
export function scriptCommand(scriptPath: string): string {
  return `exec /bin/sh ${shellQuote(scriptPath)}`;
}

/** The settings object (exported for tests and `doctor`). */
export function injectedSettings(options: InjectionOptions): InjectedSettings {
  const layout = runDirLayout(options.runDir);
  const timeout = options.hookTimeoutSeconds ?? 5;
  const ours: Record<string, MatcherGroup[]> = {};
  if (options.sessionStartHook ?? true) {
    ours.SessionStart = [
      {
        hooks: [
          {
            type: "command",
            command: scriptCommand(layout.sessionStartScript),
            timeout: Math.max(timeout, 10),
          },
        ],
      },
    ];
  }
  for (const event of HTTP_HOOK_EVENTS) {
    ours[event] = [
      {
        hooks: [
          {
            type: "http",
            url: hookUrl(options.hookServer.url, event),
            headers: { Authorization: `Bearer ${options.hookServer.secret}` },
            timeout,
          },
        ],
      },
    ];
  }

  const user = options.userFlagSettings ?? {};
  const userHooks = user.hooks;
  const hooks: Record<string, MatcherGroup[]> = {};
  if (typeof userHooks === "object" && userHooks !== null && !Array.isArray(userHooks)) {
    for (const [event, groups] of Object.entries(userHooks)) {
      if (Array.isArray(groups)) hooks[event] = [...(groups as MatcherGroup[])];
    }
  }
  for (const [event, groups] of Object.entries(ours)) hooks[event] = [...(hooks[event] ?? []), ...groups];

  const statusLine: InjectedSettings["statusLine"] = {
    type: "command",
    command: scriptCommand(layout.statusLineScript),
    padding: options.userStatusLine?.padding ?? 0,
  };
  if (options.userStatusLine?.refreshInterval !== undefined) {
    statusLine.refreshInterval = options.userStatusLine.refreshInterval;
  }
  if (options.userStatusLine?.hideVimModeIndicator !== undefined) {
    statusLine.hideVimModeIndicator = options.userStatusLine.hideVimModeIndicator;
  }
  return { ...user, hooks, statusLine };
}

/**
 * Writes `session-start.sh`, `statusline.sh` (0700) and `settings.json` (0600) into the run
 * directory (made by `createRunDir`) and returns the path to pass as `claude --settings`.
 * Safe to call again (e.g. before a restart of `claude`): each file is replaced atomically.
 * Synchronous, as `createRunDir` is: Claude waits for these files, and nothing else is to be done meanwhile.
 */
export function writeInjection(options: InjectionOptions): string {
  const layout = runDirLayout(options.runDir);
  const userCommand = options.userStatusLine?.command;
  if (options.sessionStartHook ?? true) {
    writeFileAtomicSync(
      layout.sessionStartScript,
      sessionStartScript({ eventsDir: layout.eventsDir, tempDir: layout.tempDir }),
      0o700,
    );
  }
  writeFileAtomicSync(
    layout.statusLineScript,
    statusLineScript({
      tempDir: layout.tempDir,
      statusLineFile: layout.statusLineFile,
      segmentFile: options.segmentFile ?? layout.segmentFile,
      userCommand: userCommand && !isOwnStatusLineCommand(userCommand) ? userCommand : null,
    }),
    0o700,
  );
  writeFileAtomicSync(layout.settingsFile, `${JSON.stringify(injectedSettings(options), null, 2)}\n`, 0o600);
  return layout.settingsFile;
}

/** Writes the settings of a restart that resumes a known conversation headless (no SessionStart hook); returns its path. */
export function writeResumeSettings(options: InjectionOptions): string {
  const layout = runDirLayout(options.runDir);
  const settings = injectedSettings({ ...options, sessionStartHook: false });
  writeFileAtomicSync(layout.resumeSettingsFile, `${JSON.stringify(settings, null, 2)}\n`, 0o600);
  return layout.resumeSettingsFile;
}

/** One line for the status line: colour (SGR) sequences stay, other control characters become spaces. */
export function segmentLine(text: string): string {
  return text
    .replace(/\u001b\[[0-9;]*m|[\u0000-\u001f\u007f]+/g, (match) =>
      match.startsWith("\u001b[") ? match : " ",
    )
    .trim();
}

/** Replaces the segment our status line shows (atomically; "" shows nothing of ours). */
export async function writeSegmentFile(path: string, text: string): Promise<void> {
  const line = segmentLine(text);
  await writeFileAtomic(path, line === "" ? "" : `${line}\n`, 0o600);
}

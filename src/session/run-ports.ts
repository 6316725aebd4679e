/** What the run core is given (RunOptions), what it starts Claude with (ClaudeLaunch), and what it needs of a shell (ShellPort). */
import type { BillingMode } from "../billing.js";
import type { ClaudeArgs } from "../claude/args.js";
import type { Config } from "../config/schema.js";
import type { KeyProvider } from "../config/secret.js";
import type { LimitInfo } from "../detect/limit.js";
import type { RunEvent } from "../notify/run-events.js";
import type { Paths } from "../state/paths.js";
import type { Ledger } from "../usage/ledger.js";
import type { StartingMode } from "./policy.js";
import type { ShellKind } from "./run-record.js";

export interface RunOptions {
  claudePath: string;
  /** `claude-fallback` as the commands we offer call it: with the run's --config and --claude. */
  ourCommand?: string;
  args: ClaudeArgs;
  config: Config;
  env: NodeJS.ProcessEnv;
  cwd: string;
  paths: Paths;
  keys: KeyProvider;
  ledger: Ledger;
  runId: string;
  start: StartingMode;
  shell: ShellKind;
  now?: () => number;
}

/** One start of `claude`: its arguments and environment, and for a restart, why. */
export interface ClaudeLaunch {
  mode: BillingMode;
  args: string[];
  env: NodeJS.ProcessEnv;
  /**
   * Null for the first start; for a switch, whether the resume prompt follows, and the model of ours
   * in `args` (a per-model limit's free model), or null.
   */
  restart: { resume: boolean; model: string | null } | null;
}

/** What the core needs from a shell: the child and the user's eyes. */
export interface ShellPort {
  /** Starts `claude`; the shell reports its end with {@link RunCore.claudeExited} (unless stopped). */
  start(launch: ClaudeLaunch): Promise<void>;
  /** Stops the `claude` running now, for a switch; its end is not reported. */
  stop(): Promise<void>;
  /**
   * A switch did not happen (the key could not be had, the gateway not set up…): what was held
   * back for it is the program's or caller's after all, and an end passed over while switching is
   * reported now.
   */
  switchFailed?(): void;
  /** A run event in the shell's own channel (banner, stderr line), in the words given. */
  show(event: RunEvent | null, text: string): void;
  /** The limit prompt (only a shell with a terminal is ever asked to); `freeModel`: the free way on offered. */
  ask?(limit: LimitInfo, freeModel: string | null): void;
  closePrompt?(): void;
  /** The pid of the `claude` running now. */
  childPid(): number | null;
  /** Sends a signal to the `claude` running now, if one is. */
  kill(signal: NodeJS.Signals): void;
  /** Something shown may have changed (an open menu page). */
  refresh?(): void;
}

/**
 * The decisions of SPEC §4 as pure functions: what a wrapped run does at the subscription limit,
 * and which billing a new run starts on. Outcomes carry a code; the words for people are derived
 * from it in `wording.ts`, so callers compare codes, never sentences.
 */
import type { BillingMode } from "../billing.js";
import type { Config } from "../config/schema.js";
import type { LimitInfo } from "../detect/limit.js";
import { windowModelFamily } from "../detect/windows.js";
import type { SharedState } from "../state/store.js";
import type { CapStatus } from "../usage/caps.js";
import type { ShellKind } from "./run-record.js";

/** What to do when the subscription limit is hit (SPEC §4.4). */
export type LimitDecision = "auto" | "ask" | "notify";

export type PolicyCode =
  /** SPEC §4.9: without a key a limit only notifies, and says how to add one. */
  | "no_key"
  /** A cap API billing would refuse the first request with: switching would trade the limit for a refusal. */
  | "cap_reached"
  | "auto_switch_on"
  /** "Yes for this run", a yes before a revert, or API billing chosen from the menu or `use api`. */
  | "approved_this_run"
  /** A headless run cannot ask, and auto_switch is off. */
  | "auto_switch_off"
  | "prompt_before_switch_on"
  | "switching_off"
  /** A headless run whose output was not held back (it could not switch when it started). */
  | "output_passed";

export interface PolicyInput {
  config: Pick<Config, "auto_switch" | "prompt_before_switch">;
  /** An API key is configured (the command is not run to find out). */
  hasKey: boolean;
  /** No terminal to ask on (`claude -p`, a program on the other end of stream-json). */
  headless: boolean;
  /** The user already agreed in this run. */
  approvedThisRun: boolean;
  /** The cap that would refuse API billing's first request now, if one is reached. */
  reachedCap?: CapStatus | null;
  /** False when a switch would make what was already passed on wrong (a headless run's output). */
  switchable?: boolean;
}

export interface PolicyOutcome {
  decision: LimitDecision;
  code: PolicyCode;
  /** With `cap_reached`: which cap. */
  cap?: CapStatus;
}

export function decideOnLimit(input: PolicyInput): PolicyOutcome {
  if (!input.hasKey) return { decision: "notify", code: "no_key" };
  if (input.reachedCap) return { decision: "notify", code: "cap_reached", cap: input.reachedCap };
  const auto = input.config.auto_switch || input.approvedThisRun;
  if (auto && input.switchable === false) return { decision: "notify", code: "output_passed" };
  if (input.config.auto_switch) return { decision: "auto", code: "auto_switch_on" };
  if (input.approvedThisRun) return { decision: "auto", code: "approved_this_run" };
  if (input.headless) return { decision: "notify", code: "auto_switch_off" };
  if (input.config.prompt_before_switch) return { decision: "ask", code: "prompt_before_switch_on" };
  return { decision: "notify", code: "switching_off" };
}

export type StartCode =
  | "force_api"
  /** The subscription's limit, recorded by an earlier run, is still in force, and auto_switch is on. */
  | "limit_in_force"
  | "preferred_api"
  | "preferred_api_no_key"
  | "preferred_subscription"
  | "default";

export interface StartingMode {
  mode: BillingMode;
  code: StartCode;
  /** The limit in force when the run starts on API billing because of it (it comes back at the reset). */
  limit: LimitInfo | null;
}

export interface StartingInput {
  forceApi: boolean;
  hasKey: boolean;
  autoSwitch: boolean;
  state: Pick<SharedState, "preferred_mode" | "preferred_mode_set_at" | "last_limit">;
  now: number;
}

/**
 * The subscription limit recorded by an earlier run, if it has not reset yet and the user has not
 * chosen the subscription since (`use subscription`). A reset that was only assumed does not count.
 */
export function limitStillInForce(state: StartingInput["state"], now: number): LimitInfo | null {
  const limit = state.last_limit;
  if (!limit || limit.assumed || limit.resets_at <= now) return null;
  // A per-model limit leaves the other models free on the subscription: no reason to start on API billing.
  if (windowModelFamily(limit.window) !== null) return null;
  if (state.preferred_mode === "subscription" && (state.preferred_mode_set_at ?? 0) > limit.at) return null;
  return { window: limit.window, resetsAt: limit.resets_at, resetAssumed: false, source: "state" };
}

/**
 * The billing a new run starts on, and why: the same answer for `run` and `status`. With
 * auto_switch, a run started while the subscription's limit is known to be in force goes straight
 * to API billing (and back at the reset) instead of spending a refused request first.
 */
export function startingMode(input: StartingInput): StartingMode {
  const { state } = input;
  if (input.forceApi) return { mode: "api", code: "force_api", limit: null };
  const limit = limitStillInForce(state, input.now);
  if (limit && input.autoSwitch && input.hasKey) return { mode: "api", code: "limit_in_force", limit };
  if (state.preferred_mode === "api") {
    return input.hasKey
      ? { mode: "api", code: "preferred_api", limit: null }
      : { mode: "subscription", code: "preferred_api_no_key", limit: null };
  }
  if (state.preferred_mode === "subscription")
    return { mode: "subscription", code: "preferred_subscription", limit: null };
  return { mode: "subscription", code: "default", limit: null };
}

/** The prompt a restart sends so the interrupted task goes on (SPEC §4.5). */
export function resumePromptFor(
  run: { shell: ShellKind; config: Pick<Config, "resume_prompt">; args: { prompt: string | null } },
  resume: boolean,
): string | null {
  const configured = run.config.resume_prompt;
  // A program on stream-json re-sends its own message; `-p` needs a prompt to run at all.
  if (run.shell === "stream-json") return null;
  if (run.shell === "print") return configured || run.args.prompt || "Continue where you left off.";
  return resume && configured ? configured : null;
}

/**
 * What a run shows, read off its core: the limit prompt, the menu pages, the status-line segment,
 * and what the forecast is asked. Kept apart from the core's decisions and effects.
 */
import { realpathSync } from "node:fs";
import { findSessionTranscript } from "../claude/transcripts/find.js";
import { userSetsModel } from "../claude/user-settings.js";
import type { LimitInfo } from "../detect/limit.js";
import type { ForecastQuery } from "../forecast/gather.js";
import { capInputsFor } from "../forecast/report.js";
import { zoneOfEnv } from "../usage/periods.js";
import type { Effect } from "./machine-types.js";
import type { MenuView } from "./menu.js";
import type { RunCore } from "./run-core.js";
import { apiBillingSummary, type PromptContext, segmentFor } from "./wording.js";

export function promptContextOf(core: RunCore, limit: LimitInfo, freeModel: string | null): PromptContext {
  const { config } = core.options;
  return {
    limit,
    freeModel,
    forecast: core.forecast.latest,
    caps: core.spending.caps(),
    autoRevert: config.auto_revert_on_reset,
    timeoutSeconds: config.prompt_timeout_seconds,
    now: core.now(),
    zone: zoneOfEnv(core.options.env, realpathSync),
  };
}

export function menuViewOf(core: RunCore): MenuView {
  const cap = core.reachedCapNow();
  const { state } = core;
  return {
    mode: state.mode,
    heading: state.switching?.to ?? state.pending?.to ?? state.mode,
    pendingTo: state.pending?.to ?? null,
    reachedCap: cap,
    raiseTo: cap ? core.spending.raiseTo(cap) : null,
    caps: core.spending.caps(),
    spend: core.spending.snapshot(),
    windows: core.record.windows(),
  };
}

/** The status-line segment; on API billing with the spend projected to the reset when a forecast has it. */
export function segmentOf(core: RunCore): string {
  const { state } = core;
  const projected = core.forecast.latest?.until_reset.usd ?? null;
  return segmentFor({
    mode: state.mode,
    limit: state.limit,
    runSpendNano: core.spending.runNano(),
    projectedUsd: state.mode === "api" ? projected : null,
    caps: core.spending.caps(),
    windows: state.mode === "subscription" ? core.record.windows() : [],
    reachedCap: state.mode === "api" ? core.reachedCapNow() : null,
    env: core.options.env,
    now: core.now(),
  });
}

export function forecastQueryOf(core: RunCore): ForecastQuery {
  const { options, state } = core;
  const limit = state.limit ?? state.modelLimit;
  return {
    env: options.env,
    dataDir: options.paths.dataDir,
    zone: zoneOfEnv(options.env, realpathSync),
    now: core.now(),
    pricing: options.config.pricing,
    model: options.config.api_model,
    project: options.cwd,
    resetsAt: limit?.resetsAt ?? null,
    caps: capInputsFor(core.spending.caps(), core.spending.snapshot()),
    sessionId: core.sessionId,
    codebase: true,
  };
}

/** The run's last line when it used API billing (SPEC §1: what it cost), else null. */
export function exitSummaryOf(core: RunCore): string | null {
  return core.billing.gatewayStarted()
    ? apiBillingSummary(
        core.spending.tracker.runSpend(),
        core.options.runId,
        resumableSessionIdOf(core),
        core.options.ourCommand,
        core.options.config.log_usage,
      )
    : null;
}

/**
 * The conversation `claude-fallback resume` could go on with, or null: Claude wrote none (an id
 * that does not exist, a run that ended before its first message), or the run ended on a refusal
 * that a resume would only meet again.
 */
export function resumableSessionIdOf(core: RunCore): string | null {
  const id = core.sessionId;
  if (id === null || core.lastRefusal !== null) return null;
  return findSessionTranscript(id, core.options.env) ? id : null;
}

/**
 * The model a switch starts Claude with (as `resumeArgs` takes it: null keeps the user's arguments).
 * Onto API billing, with no model of ours in place, it is the one Claude runs with now (its status
 * line's): Claude Code resumes a conversation with the model of its last reply, and one whose only
 * request met the limit has none, so it would go on with Claude Code's default for an API key —
 * another model than the one on screen, at another price.
 */
export function switchModelOf(core: RunCore, effect: Extract<Effect, { type: "switch" }>): string | null {
  if (effect.model !== undefined) return effect.model;
  if (core.state.model !== null) return core.state.model;
  if (effect.to !== "api" || core.options.shell !== "pty") return null;
  // The user's own model (`--model`, their settings, `ANTHROPIC_MODEL`; an alias like `opusplan`
  // too) stays as they gave it: Claude Code takes it again on API billing.
  return userChoseModel(core) ? null : core.detector.model;
}

/** The options that continue an existing conversation. */
const RESUMING = new Set(["-r", "--resume", "-c", "--continue"]);

/** The user chose the model themselves: `--model`, or outside the arguments ({@link userSetsModel}). */
function userChoseModel(core: RunCore): boolean {
  const { options } = core;
  if (options.args.items.some((item) => item.name === "--model")) return true;
  return userSetsModel({
    cwd: options.cwd,
    env: options.env,
    userSettingsArg: options.args.userSettings ?? undefined,
  });
}

/** The status line said which model Claude runs with: the user's own on the subscription is kept for later runs. */
export function modelSeen(core: RunCore, model: string | undefined): void {
  if (model && core.state.mode === "subscription" && core.state.model === null)
    core.record.subscriptionModel(model);
}

/**
 * The model of a run that starts on API billing because the limit is in force (`auto_switch`): the
 * one the subscription ran last, unless the user chose one (`--model`, their settings,
 * `ANTHROPIC_MODEL`) or a program sets it. Claude Code's default for an API key can be another
 * model, at another price.
 */
export function startModelOf(core: RunCore): string | null {
  const { options } = core;
  if (options.start.code !== "limit_in_force" || options.shell === "stream-json") return null;
  // A resumed conversation (a fork of one too, which has an id of its own) goes on with its own
  // model, as Claude Code takes it from its last reply.
  if (options.args.session.kind !== "new" && options.args.session.kind !== "id") return null;
  if (options.args.items.some((item) => RESUMING.has(item.name ?? ""))) return null;
  if (userChoseModel(core)) return null;
  return core.record.lastSubscriptionModel();
}

/**
 * The run core: what every way of running Claude under the wrapper shares (SPEC §4) — billing
 * (the gateway, the spend and the caps), telling the user (one dedupe, every channel), the limit
 * record, ledger events, the session id, the switch and the revert, and the exit summary. The pure
 * machine (`machine.ts`) decides; the core feeds it hooks, the status line, timers and the shell's
 * events, and carries out its effects. A shell (pty, print, stream-json) only translates I/O: it
 * starts and stops `claude` and shows what the core hands it, through {@link ShellPort}.
 */
import { randomUUID } from "node:crypto";
import type { BillingMode } from "../billing.js";
import { launchArgs, resumeArgs } from "../claude/args.js";
import { childEnvironment, removedCredentialNotice } from "../claude/env.js";
import { NO_KEY_MESSAGE } from "../config/schema.js";
import type { LimitInfo } from "../detect/limit.js";
import { forecastSummary } from "../forecast/words.js";
import type { HookEvent } from "../hooks/hook-events.js";
import { type Injection, prepareInjection } from "../hooks/injection.js";
import { type SpoolWatcher, watchSpool } from "../hooks/spool.js";
import type { StatusLineInput } from "../hooks/status-input.js";
import { type RunEvent, refusedRequest } from "../notify/run-events.js";
import { type CapStatus, capLabel } from "../usage/caps.js";
import type { EventKind } from "../usage/ledger-records.js";
import { LazyApiBilling } from "./api-billing.js";
import { BestEffortWrites } from "./best-effort.js";
import { Detector } from "./detection.js";
import { initialState, machineConfigFor, transition } from "./machine.js";
import type { Effect, MachineConfig, SessionEvent, SessionState } from "./machine-types.js";
import { decideOnLimit, type PolicyOutcome, resumePromptFor } from "./policy.js";
import { RunForecast } from "./run-forecast.js";
import type { ClaudeLaunch, RunOptions, ShellPort } from "./run-ports.js";
import { RunRecord, traceTo } from "./run-record.js";
import { RunSignals } from "./run-signals.js";
import { RunSpending } from "./run-spend.js";
import { RunTimers } from "./run-timers.js";
import { forecastQueryOf, modelSeen, segmentOf, startModelOf, switchModelOf } from "./run-views.js";
import { Teller } from "./telling.js";
import { capRaisedText } from "./wording.js";

/** How long a limit's notice waits for the forecast of what paying would cost. */
const LIMIT_FORECAST_WAIT_MS = 1500;
/** How long Claude has to end on a signal passed on to it before it is killed. */
const SIGNAL_GRACE_MS = 3000;

export type { ClaudeLaunch, RunOptions, ShellPort } from "./run-ports.js";

export class RunCore {
  private machine: SessionState;
  readonly machineConfig: MachineConfig;
  readonly now: () => number;
  private spendingMade: RunSpending | undefined;
  readonly billing: LazyApiBilling;
  readonly detector: Detector;
  private readonly teller: Teller;
  readonly record: RunRecord;
  readonly forecast: RunForecast;
  private readonly timers: RunTimers;
  private readonly writes: BestEffortWrites;
  private shell!: ShellPort;
  private injection: Injection | undefined;
  private spool: SpoolWatcher | undefined;
  private sessionIdNow: string | null;
  /** The gateway's refusal of Claude's last API request (a cap, an unpriced model, the key); null once one went through. */
  lastRefusal: string | null = null;
  /** When Claude's last turn ended (a Stop or StopFailure hook); 0 while none has since it started. */
  lastIdleAt = 0;
  private readonly trace: ((entry: Record<string, unknown>) => void) | undefined;
  /** The machine's notices waiting to be said, in order. */
  private telling: Promise<void> = Promise.resolve();
  private signals: RunSignals | undefined;
  private signalKill: NodeJS.Timeout | undefined;
  private finish!: (code: number) => void;
  /** Settles with the exit status to pass on once the run is over (a signal's, when one ended it). */
  readonly finished = new Promise<number>((resolve) => {
    this.finish = (code) => resolve(this.signals?.status() ?? code);
  });

  constructor(readonly options: RunOptions) {
    this.now = options.now ?? Date.now;
    const { config } = options;
    this.machine = initialState(options.start.mode, options.start.limit);
    this.machineConfig = machineConfigFor(config, options.keys.source !== null, options.shell);
    this.writes = new BestEffortWrites((message) => this.tell({ kind: "error", source: "write", message }));
    this.billing = new LazyApiBilling({
      config,
      keys: options.keys,
      env: options.env,
      spend: () => this.spending.tracker,
      caps: () => this.spending.caps(),
      limitSince: () => this.spending.limitSince(),
      onEvent: (event) => this.tell(event),
      onMetered: () => {
        this.lastRefusal = null;
        this.publish();
      },
      // Claude shows a refusal verbatim: it says where to raise the cap, where the menu can.
      capRefusalHint: (cap) =>
        options.shell !== "pty" || this.spending.raiseTo(cap) === null
          ? null
          : `in this session, press ${config.menu_key} then r to raise it for this run`,
    });
    this.detector = new Detector({ tz: options.env.TZ, now: this.now });
    const session = options.args.session;
    this.sessionIdNow = session.kind === "id" || session.kind === "resume" ? session.id : null;
    this.record = new RunRecord({ ...options, startedAt: this.now(), writes: this.writes, now: this.now });
    this.timers = new RunTimers((event) => this.dispatch(event));
    this.forecast = new RunForecast(
      () => forecastQueryOf(this),
      () => this.publish(),
    );
    this.teller = new Teller({
      config,
      env: options.env,
      show: (event, text) => this.shell.show(event, text),
      record: (kind, detail) => this.recordEvent(kind, detail),
      wording: () => ({
        now: this.now(),
        caps: this.spending.caps(),
        runSpend: this.spending.tracker.runSpend(),
      }),
      secrets: () => [this.billing.resolvedKey],
      context: () => ({ sessionId: this.sessionIdNow, runId: options.runId }),
    });
    this.trace = traceTo(options.env.CLAUDE_FALLBACK_TRACE);
  }

  /** The run's money, made at first use: starting Claude needs neither its time zone nor the ledger's sums. */
  get spending(): RunSpending {
    const { ledger, runId, config } = this.options;
    this.spendingMade ??= new RunSpending(ledger, runId, config, this.now, () => this.record.limitSince());
    return this.spendingMade;
  }

  get state(): SessionState {
    return this.machine;
  }

  get sessionId(): string | null {
    return this.sessionIdNow;
  }

  /** Sets up the hooks, then starts `claude` in the starting mode; `terminal`: in the user's terminal. */
  async start(shell: ShellPort, { terminal }: { terminal: boolean }): Promise<void> {
    this.shell = shell;
    this.signals = new RunSignals((signal) => this.signalled(signal));
    const { options } = this;
    this.injection = await prepareInjection(options, (event) => this.onHook(event), { terminal });
    this.spool = await watchSpool({
      runDir: this.injection.runDir.path,
      onEvent: (event) => this.onHook(event),
      onStatusLine: (input) => this.statusLineSeen(input),
    });
    this.record.followPreference((mode) => {
      if (mode === "api" && options.keys.source === null) return;
      this.dispatch({ type: "switch_requested", to: mode, reason: "use" });
    });
    const newSessionId = randomUUID();
    if (options.args.session.kind === "new") this.sessionIdNow = newSessionId;
    const args = launchArgs(options.args, { settingsPath: this.injection.settingsPath, newSessionId });
    const model = startModelOf(this);
    await this.launch(this.machine.mode, model ? ["--model", model, ...args] : args, null);
    this.injection.clearLeftovers();
    // Started on API billing because the limit is in force: come back at its reset.
    if (this.machine.limit && this.machine.mode === "api" && this.machineConfig.autoRevert) {
      this.execute({ type: "schedule_reset", at: this.machine.limit.resetsAt });
    }
  }

  // ── events in ─────────────────────────────────────────────────────────────────────────────

  dispatch(event: SessionEvent): void {
    const { state, effects } = transition(this.machine, event, this.machineConfig);
    this.trace?.({
      at: this.now(),
      event,
      effects: effects.map((e) => e.type),
      phase: state.phase,
      mode: state.mode,
    });
    this.machine = state;
    for (const effect of effects) this.execute(effect);
    this.publish();
  }

  onHook(event: HookEvent): void {
    if (event.sessionId) this.sessionIdNow = event.sessionId;
    // A program's turn ends with the result the relay passes on, which Claude writes after its Stop
    // hook: a switch at the hook (a `use`, a revert) would stop Claude before the program has it.
    const idle = () => this.options.shell !== "stream-json" && this.dispatch({ type: "idle" });
    if (event.name === "UserPromptSubmit") this.dispatch({ type: "busy" });
    else if (event.name === "Stop") {
      this.lastIdleAt = this.now();
      this.detector.readTranscript(event.transcriptPath, (limit) => this.limitSeen(limit));
      idle();
    } else if (event.name === "StopFailure") {
      this.lastIdleAt = this.now();
      idle();
      const limit = this.detector.fromStopFailure(event);
      if (limit) this.limitSeen(limit);
      this.detector.readTranscript(event.transcriptPath, (found) => this.limitSeen(found));
    }
  }

  /** False while a switch at the limit would make what was passed on wrong (-p output not held back). */
  switchAtLimit = true;

  /** A subscription limit, from any source (SPEC §5). */
  limitSeen(limit: LimitInfo): void {
    // On API billing a limit seen is old news (a resumed Claude redraws it) or not the subscription's.
    if (this.machine.mode !== "subscription") return;
    this.record.limitSeen(limit);
    this.dispatch({ type: "limit", limit, reachedCap: this.reachedCapNow(), switchable: this.switchAtLimit });
  }

  statusLineSeen(input: StatusLineInput): void {
    modelSeen(this, input.modelId);
    const reading = this.detector.fromStatusLine(input, this.options.config.notify_at_percentage);
    if (!reading) return;
    this.record.utilisation(reading.windows);
    const { limit } = this.machine;
    const exact = reading.resets.find((reset) => reset.window === (limit?.window ?? "five_hour"));
    if (limit && exact && exact.at > this.now()) {
      this.dispatch({ type: "reset_refined", window: limit.window, at: exact.at });
    }
    for (const warning of reading.warnings) this.tell({ kind: "approaching_limit", ...warning });
    // A limit is near: have what paying would cost ready by the time it comes.
    if (reading.warnings.length > 0 && !this.forecast.latest) void this.forecast.refresh();
    this.publish();
  }

  /** A key typed into Claude (not the menu): the revert waits for the keys to be still. */
  keystroke(): void {
    if (this.machine.quiet || !this.machine.draft) this.dispatch({ type: "keystroke" });
    this.timers.quietAfterKeys();
  }

  /** The shell's `claude` ended on its own (not stopped for a switch). */
  claudeExited(exitCode: number): void {
    this.dispatch({ type: "claude_exited", exitCode });
  }

  /** A switch the user asked for (the menu). */
  requestSwitch(to: BillingMode): void {
    if (to === "api" && this.options.keys.source === null) {
      this.tell({ kind: "error", source: "no_key", message: NO_KEY_MESSAGE });
      return;
    }
    this.dispatch({ type: "switch_requested", to, reason: "menu" });
  }

  /** What the policy would decide on a limit now; `capped: false` leaves the caps (the ledger's sums) out. */
  policyNow({ capped } = { capped: true }): PolicyOutcome {
    return decideOnLimit({
      ...this.machineConfig.policy,
      approvedThisRun: this.machine.approvedThisRun,
      reachedCap: capped ? this.reachedCapNow() : null,
      switchable: this.switchAtLimit,
    });
  }

  /** Whether a limit now would switch without asking (the print shell holds its output by it). */
  switchesAtLimit(): boolean {
    // A reached cap only ever stops a switch: the sums are read only when one would otherwise follow.
    return this.policyNow({ capped: false }).decision === "auto" && this.policyNow().decision === "auto";
  }

  // ── spend and caps ────────────────────────────────────────────────────────────────────────

  /** The cap an API request of this run would be refused by now, if any. */
  reachedCapNow(): CapStatus | null {
    return this.spending.reachedCap();
  }

  /** The menu's "raise": one more of the configured amount, for the rest of this run (SPEC §4.7). */
  raiseCap(cap: CapStatus): void {
    const to = this.spending.raise(cap);
    if (to === null) return;
    this.recordEvent("cap_raised", { cap: cap.cap, from_usd: cap.limitNanoUsd / 1e9, to_usd: to });
    this.shell.show(null, capRaisedText(capLabel(cap.cap), to, cap.configKey));
    this.publish();
  }

  // ── effects out ───────────────────────────────────────────────────────────────────────────

  private execute(effect: Effect): void {
    switch (effect.type) {
      case "ask":
        this.shell.ask?.(effect.limit, effect.freeModel);
        this.timers.promptTimeout(this.options.config.prompt_timeout_seconds * 1000);
        break;
      case "close_prompt":
        this.timers.cancelPrompt();
        this.shell.closePrompt?.();
        break;
      case "switch":
        void this.switchTo(effect.to, effect.resume, switchModelOf(this, effect));
        break;
      case "schedule_reset":
        this.timers.resetAt("reset_due", effect.at, this.now(), this.options.env);
        break;
      case "schedule_model_reset":
        this.timers.resetAt("model_reset_due", effect.at, this.now(), this.options.env);
        break;
      case "notify":
        this.tellInOrder(effect.notice);
        break;
      case "record":
        this.recordEvent(effect.kind, effect.detail);
        break;
      case "exit":
        this.finish(effect.exitCode);
        break;
    }
  }

  tell(event: RunEvent): void {
    this.lastRefusal = refusedRequest(event) ?? this.lastRefusal;
    this.teller.tell(event);
  }

  /**
   * The machine's notices, in the order it gave them: a limit is said with what paying would cost
   * until its reset (the forecast, waited for briefly), before the switch that follows it.
   */
  private tellInOrder(event: RunEvent): void {
    if (event.kind === "switched_to_api") {
      void this.forecast.refresh();
      this.forecast.follow(() => this.machine.mode === "api");
    }
    this.telling = this.telling.then(async () => {
      // A notice that says no switch can be made (no key, a cap reached) shows no forecast: no wait.
      if (event.kind !== "limit_reached" || event.noKey || event.cap) return this.tell(event);
      const forecast = await this.forecast.within(LIMIT_FORECAST_WAIT_MS);
      this.tell({ ...event, forecast: forecast ? forecastSummary(forecast) : null });
    });
  }

  recordEvent(kind: EventKind, detail: unknown): void {
    this.writes.run("an event in the usage ledger", () =>
      this.options.ledger.recordEvent({ runId: this.options.runId, at: this.now(), kind, detail }),
    );
  }

  /** A signal to the wrapper (SPEC §4.1): Claude gets it too, and the run ends, whatever it was doing. */
  private signalled(signal: NodeJS.Signals): void {
    this.shell.kill(signal);
    if (this.shell.childPid() === null) {
      this.finish(0);
      return;
    }
    // Claude's own end ends the run; one that does not end of the signal (or whose end a switch
    // under way passed over) must not hold it.
    this.signalKill = setTimeout(() => {
      this.shell.kill("SIGKILL");
      this.finish(0);
    }, SIGNAL_GRACE_MS);
  }

  /** Starts `claude`; false when a signal has ended the run: nothing is started (or billed) after it. */
  private async launch(
    mode: BillingMode,
    args: string[],
    restart: ClaudeLaunch["restart"],
  ): Promise<boolean> {
    const gateway = mode === "api" ? await this.billing.ensure() : undefined;
    if (this.signals?.received) {
      this.finish(0);
      return false;
    }
    const { env, removed } = childEnvironment(this.options.env, mode, gateway);
    for (const name of removed) this.shell.show(null, removedCredentialNotice(name, mode));
    this.lastIdleAt = 0;
    await this.shell.start({ mode, args, env, restart });
    // The gateway's pipeline loads while Claude starts; if it cannot, each request is refused with why.
    gateway?.ready().catch(() => {});
    this.publish();
    return true;
  }

  private async switchTo(to: BillingMode, resume: boolean, model: string | null): Promise<void> {
    const sessionId = this.sessionIdNow;
    const settingsPath = this.injection?.resumeSettingsPath ?? null;
    let stopped = false;
    try {
      if (!sessionId) throw new Error("Claude has not told us its session id yet");
      // A switch waits for the whole gateway: one that cannot be set up leaves the old Claude running.
      if (to === "api") await (await this.billing.ensure()).ready();
      await this.shell.stop();
      stopped = true;
      const args = resumeArgs(this.options.args, {
        settingsPath,
        sessionId,
        prompt: resumePromptFor(this.options, resume),
        model,
      });
      if (await this.launch(to, args, { resume, model })) this.dispatch({ type: "switched", to });
    } catch (error) {
      // Signalled meanwhile: the run ends here, whatever became of the old Claude.
      if (this.signals?.received) return this.finish(0);
      const message = error instanceof Error ? error.message : String(error);
      if (stopped && sessionId) {
        // The old Claude is gone: bring the conversation back in the mode it had.
        const { mode, model: ours } = this.machine;
        const args = resumeArgs(this.options.args, { settingsPath, sessionId, prompt: null, model: ours });
        await this.launch(mode, args, { resume: false, model: ours }).catch(() => this.finish(1));
      }
      this.dispatch({ type: "switch_failed", to, message: `could not switch to ${to} billing: ${message}` });
      this.shell.switchFailed?.();
    }
  }

  /** Keeps the status-line segment and the live-run entry up to date. */
  publish(): void {
    const { machine } = this;
    if (this.options.shell === "pty")
      this.record.segment(this.injection?.runDir.segmentFile, segmentOf(this));
    this.record.publish({
      mode: machine.mode,
      sessionId: this.sessionIdNow,
      claudePid: this.shell?.childPid() ?? null,
      pending: machine.pending ? `${machine.pending.to} (${machine.pending.reason})` : null,
    });
    this.shell?.refresh?.();
  }

  /**
   * Resolves once the notices given so far are said (a limit's waits for its forecast) and the
   * gateway's requests in flight are in the run's spend: Claude has ended, so they are cut, and a
   * run's API billing said after this counts them.
   */
  async said(): Promise<void> {
    await this.telling;
    await this.billing.endRequests();
  }

  /** Stops what the run started; the shell has stopped `claude`. */
  async close(): Promise<void> {
    clearTimeout(this.signalKill);
    this.timers.clear();
    await this.telling;
    await this.forecast.close();
    await this.record.close();
    this.spool?.close();
    await this.billing.close();
    await this.injection?.close();
    await this.teller.flush();
    this.signals?.close();
  }
}

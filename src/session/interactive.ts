/**
 * One wrapped interactive run (SPEC §4): the real `claude` in a pseudo-terminal on the user's
 * terminal, our hooks and status line injected, the subscription limit detected, the user asked
 * (or not, by policy), and the same conversation continued on API billing — and back at reset.
 *
 * The decisions are the pure machine's (`machine.ts`); this class feeds it events from hooks,
 * keys, timers and the child, and carries out its effects.
 */
import { randomUUID } from "node:crypto";
import { appendFileSync, type FSWatcher, mkdirSync, watch } from "node:fs";
import { launchArgs, resumeArgs } from "../claude/args.js";
import { type BillingMode, childEnvironment, removedCredentialNotice } from "../claude/env.js";
import { type Config, menuKeyByte } from "../config/schema.js";
import { type CapConfig, type CapStatus, capLabel, capReachedText, raisedLimitUsd } from "../gateway/caps.js";
import type { GatewayEvent } from "../gateway/server.js";
import type { HookEvent } from "../hooks/hook-events.js";
import { type Injection, prepareInjection, type WrappedRunOptions } from "../hooks/injection.js";
import { writeSegmentFile } from "../hooks/settings.js";
import { type SpoolWatcher, watchSpool } from "../hooks/spool.js";
import type { StatusLineInput } from "../hooks/status-input.js";
import { formatUsd, nanoToUsd } from "../money.js";
import { Notifier, notificationFor } from "../notify/notifier.js";
import { removeLiveRun, writeLiveRun } from "../state/runs.js";
import { readState, stateFile, updateState } from "../state/store.js";
import {
  BELL,
  clearOverlay,
  exitStatus,
  type InputEvent,
  InputScanner,
  type Key,
  OutputGate,
  type OverlaySpec,
  osc9Notification,
  PENDING_INPUT_TIMEOUT_MS,
  PtyChild,
  renderBanner,
  renderOverlay,
  TerminalGuard,
  writeAll,
} from "../terminal/index.js";
import type { EventKind } from "../usage/ledger.js";
import { capRefusingSwitch, LazyApiBilling, reachedCapNow } from "./api-billing.js";
import { BestEffortWrites } from "./best-effort.js";
import { Detector } from "./detection.js";
import {
  type Effect,
  initialState,
  type LimitInfo,
  type MachineConfig,
  type Notice,
  type SessionEvent,
  type SessionState,
  transition,
} from "./machine.js";
import { NO_KEY_REASON } from "./policy.js";
import {
  apiBillingSummary,
  type DisplayNotice,
  noticeText,
  segmentFor,
  usageSummary,
} from "./presentation.js";

/** Keys still for this long count as "no keystroke for a few seconds" (SPEC §4.6). */
export const QUIET_AFTER_MS = 3000;
/**
 * Time after the announced reset before reverting: the subscription's clock may lag ours, and a
 * reset read from Claude's text ("resets 3pm") has minute precision. `CLAUDE_FALLBACK_RESET_GRACE_SECONDS`
 * shortens it for demos and tests.
 */
export const DEFAULT_RESET_GRACE_MS = 30_000;
/** How long after a turn ends a limit drawn on the screen still belongs to it. */
const SCREEN_SIGNAL_WINDOW_MS = 5000;

function resetGraceMs(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env.CLAUDE_FALLBACK_RESET_GRACE_SECONDS);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : DEFAULT_RESET_GRACE_MS;
}

export interface InteractiveRunOptions extends WrappedRunOptions {
  configPath: string;
  /** A subscription limit known to be in force at start (the run starts on API billing). */
  initialLimit?: LimitInfo | null;
}

type OverlayKind = { kind: "prompt"; limit: LimitInfo } | { kind: "menu"; page: "main" | "usage" };

export class InteractiveRun {
  private state: SessionState;
  private readonly machineConfig: MachineConfig;
  private readonly now: () => number;
  private readonly guard = new TerminalGuard();
  private readonly gate = new OutputGate({ write: (chunk) => this.writeOut(chunk) });
  private readonly input: InputScanner;
  private readonly detector: Detector;
  private child: PtyChild | undefined;
  private readonly billing: LazyApiBilling;
  private injection: Injection | undefined;
  private spool: SpoolWatcher | undefined;
  private stateWatcher: FSWatcher | undefined;
  private settingsPath = "";
  private sessionId: string | null;
  private overlay: { kind: OverlayKind; spec: OverlaySpec } | undefined;
  private promptTimer: NodeJS.Timeout | undefined;
  private quietTimer: NodeJS.Timeout | undefined;
  private resetTimer: NodeJS.Timeout | undefined;
  private inputTimer: NodeJS.Timeout | undefined;
  private readonly notified = new Set<string>();
  /** Desktop and webhook notifications; the terminal channel is `notify` below. */
  private readonly notifier: Notifier;
  /** State, live-run and event writes: a full disk is said once and the session goes on. */
  private readonly writes = new BestEffortWrites((message) =>
    this.notify({ kind: "error", message }, `write:${message}`),
  );
  private lastSegment = "";
  private raisedCaps: Partial<CapConfig> = {};
  private lastIdleAt = 0;
  /** `CLAUDE_FALLBACK_TRACE=<file>`: every event and effect of the machine, one JSON line each. */
  private readonly trace: ((entry: Record<string, unknown>) => void) | undefined;
  private preferredSeenAt: number;
  /** The signal that ended Claude when it was not ours (an OOM kill, `kill -9`): said after the run. */
  private killedBy: NodeJS.Signals | null = null;
  private finish!: (code: number) => void;
  private readonly finished = new Promise<number>((resolve) => {
    this.finish = resolve;
  });

  constructor(private readonly options: InteractiveRunOptions) {
    this.now = options.now ?? Date.now;
    this.state = initialState(options.initialMode, options.initialLimit ?? null);
    this.billing = new LazyApiBilling({
      config: options.config,
      keys: options.keys,
      env: options.env,
      ledger: options.ledger,
      runId: options.runId,
      onEvent: (event) => this.onGatewayEvent(event),
      onMetered: () => this.publish(),
      // Claude shows a refusal verbatim: it says where to raise the cap for this run, when the menu can.
      capRefusalHint: (cap) =>
        raisedLimitUsd(cap, options.config[cap.configKey] ?? 0) === null
          ? null
          : `in this session, press ${options.config.menu_key} then r to raise it for this run`,
    });
    this.machineConfig = {
      policy: { config: options.config, hasKey: options.keys.source !== null, headless: false },
      autoRevert: options.config.auto_revert_on_reset,
    };
    this.input = new InputScanner({ menuKeyByte: menuKeyByte(options.config.menu_key) });
    this.detector = new Detector({ zone: process.env.TZ, now: this.now });
    const session = options.args.session;
    this.sessionId = session.kind === "id" || session.kind === "resume" ? session.id : null;
    this.preferredSeenAt = this.now();
    const traceFile = options.env.CLAUDE_FALLBACK_TRACE;
    this.trace = traceFile
      ? (entry) => appendFileSync(traceFile, `${JSON.stringify(entry)}\n`, { mode: 0o600 })
      : undefined;
    this.notifier = new Notifier({
      notifications: options.config.notifications,
      env: options.env,
      secrets: () => [this.billing.resolvedKey],
      context: () => ({ sessionId: this.sessionId, runId: options.runId }),
      onChannelError: (error) =>
        this.recordEvent("error", { notification_channel: error.channel, message: error.message }),
    });
  }

  /** The config with the caps as they are now: raised from the cap prompt for this run. */
  private get config(): Config {
    return { ...this.options.config, ...this.raisedCaps };
  }

  /** Runs until the user ends Claude; resolves with the exit status to pass on. */
  async run(): Promise<number> {
    const { options } = this;
    try {
      this.injection = await prepareInjection(options, (event) => this.onHook(event), {
        withStatusLine: true,
      });
      this.settingsPath = this.injection.settingsPath;
      this.spool = await watchSpool({
        runDir: this.injection.runDir.path,
        onEvent: (event) => this.onHook(event),
        onStatusLine: (input) => this.onStatusLine(input),
      });
      this.watchPreferredMode();
      process.stdout.on("resize", this.onResize);
      this.guard.enter();
      process.stdin.on("data", this.onInput);
      process.stdin.resume();

      const newSessionId = randomUUID();
      if (options.args.session.kind === "new") this.sessionId = newSessionId;
      await this.startClaude(
        this.state.mode,
        launchArgs(options.args, { settingsPath: this.settingsPath, newSessionId }),
      );
      // Started on API billing because the limit is in force: come back at its reset.
      if (this.state.limit && this.state.mode === "api" && this.machineConfig.autoRevert) {
        this.execute({ type: "schedule_reset", at: this.state.limit.resetsAt });
      }
      return await this.finished;
    } finally {
      await this.cleanup();
    }
  }

  // ── events in ─────────────────────────────────────────────────────────────────────────────

  private dispatch(event: SessionEvent): void {
    const { state, effects } = transition(this.state, event, this.machineConfig);
    this.trace?.({
      at: this.now(),
      event,
      effects: effects.map((effect) => effect.type),
      phase: state.phase,
      mode: state.mode,
    });
    this.state = state;
    for (const effect of effects) this.execute(effect);
    this.publish();
  }

  private onHook(event: HookEvent): void {
    if (event.sessionId) this.sessionId = event.sessionId;
    switch (event.name) {
      case "UserPromptSubmit":
        this.dispatch({ type: "busy" });
        break;
      case "Stop":
        this.lastIdleAt = this.now();
        this.detector.readTranscript(event.transcriptPath, (signal) => this.onSignal(signal));
        this.dispatch({ type: "idle" });
        break;
      case "StopFailure": {
        this.lastIdleAt = this.now();
        this.dispatch({ type: "idle" });
        const signal = this.detector.fromStopFailure(event);
        if (signal) this.onSignal(signal);
        this.detector.readTranscript(event.transcriptPath, (found) => this.onSignal(found));
        break;
      }
      default:
        break;
    }
  }

  private onSignal(limit: LimitInfo): void {
    // On API billing a limit seen is old news (a resumed Claude redraws it) or not the subscription's.
    if (this.state.mode !== "subscription") return;
    this.writes.run("its state", () =>
      updateState(stateFile(this.options.paths.stateDir), () => ({
        last_limit: {
          at: this.now(),
          resets_at: limit.resetsAt,
          window: limit.window,
          assumed: limit.resetAssumed,
        },
      })),
    );
    const apiRefusal =
      this.state.mode === "subscription" && this.options.keys.source !== null
        ? capRefusingSwitch(this.config, this.options.ledger, this.options.runId, this.now(), this.billing)
        : null;
    this.dispatch({ type: "limit", limit, apiRefusal });
  }

  private onStatusLine(input: StatusLineInput): void {
    const reading = this.detector.fromStatusLine(input, this.options.config.notify_at_percentage);
    if (!reading) return;
    if (reading.windows.length > 0) {
      this.writes.run("its state", () =>
        updateState(stateFile(this.options.paths.stateDir), () => ({
          utilisation: {
            at: this.now(),
            windows: Object.fromEntries(
              reading.windows.map((w) => [w.window, { used_percentage: w.percent, resets_at: w.resetsAt }]),
            ),
          },
        })),
      );
    }
    const limitWindow = this.state.limit?.window ?? "five_hour";
    const exact = reading.resets.find((reset) => reset.window === limitWindow);
    if (this.state.limit && exact && exact.at > this.now()) {
      this.dispatch({ type: "reset_refined", window: this.state.limit.window, at: exact.at });
    }
    for (const warning of reading.warnings) {
      this.notify(
        { kind: "approaching", text: warning.text },
        `approaching:${warning.window}:${warning.resetsAt ?? ""}`,
      );
    }
    this.publish();
  }

  /** An open overlay is drawn again for the new size (after the child has taken it). */
  private readonly onResize = (): void => {
    setImmediate(() => {
      if (this.overlay) this.showOverlay(this.overlay.kind);
    });
  };

  private readonly onInput = (chunk: Buffer): void => {
    this.input.push(chunk);
    this.drainInput();
  };

  private drainInput(): void {
    clearTimeout(this.inputTimer);
    for (let event = this.input.next(); event; event = this.input.next()) this.onInputEvent(event);
    // A lone ESC (or a sequence cut at the end of a read) is held briefly to see what follows.
    if (this.input.pending) {
      this.inputTimer = setTimeout(() => {
        this.input.flushPending();
        this.drainInput();
      }, PENDING_INPUT_TIMEOUT_MS);
    }
  }

  private onInputEvent(event: InputEvent): void {
    if (event.type === "data") {
      this.child?.write(event.bytes);
      if (event.typed) this.onKeystroke();
      return;
    }
    if (event.type === "menu") {
      if (event.repeated) {
        // Twice: the key itself goes to Claude, and the menu opened by the first press closes.
        if (this.overlay?.kind.kind === "menu") this.closeOverlay();
        this.child?.write(event.bytes);
        return;
      }
      if (!this.overlay) this.openMenu();
      else if (this.overlay.kind.kind === "menu") this.closeOverlay();
      return;
    }
    this.onOverlayKey(event.key);
  }

  private onKeystroke(): void {
    if (this.state.quiet || !this.state.draft) this.dispatch({ type: "keystroke" });
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.dispatch({ type: "quiet" }), QUIET_AFTER_MS);
  }

  private onOverlayKey(key: Key): void {
    const overlay = this.overlay;
    if (!overlay) return;
    if (overlay.kind.kind === "prompt") {
      if (key.name === "y") this.dispatch({ type: "answer", answer: "yes" });
      else if (key.name === "a") this.dispatch({ type: "answer", answer: "always" });
      else if (key.name === "n" || key.name === "escape") this.dispatch({ type: "answer", answer: "no" });
      return;
    }
    if (key.name === "c" || key.name === "escape" || key.name === "q") {
      this.closeOverlay();
      return;
    }
    // Only the keys the page shows do anything.
    if (!overlay.spec.keys.some((shown) => shown.key === key.name)) return;
    if (key.name === "r") {
      const cap = this.reachedCap();
      this.closeOverlay();
      if (cap) this.raiseCap(cap);
      return;
    }
    if (key.name === "a") {
      this.closeOverlay();
      this.requestSwitch("api");
    } else if (key.name === "s") {
      this.closeOverlay();
      this.requestSwitch("subscription");
    } else if (key.name === "u") {
      this.showOverlay({ kind: "menu", page: "usage" });
    }
  }

  /** An API spending cap this run's requests have reached, if any (this run's spend from memory). */
  private reachedCap(): CapStatus | null {
    return reachedCapNow(
      this.config,
      this.options.ledger,
      this.options.runId,
      this.now(),
      this.billing.spentThisRun(),
    );
  }

  /** The menu's "raise": one more of the configured amount, for the rest of this run (SPEC §6). */
  private raiseCap(cap: CapStatus): void {
    const to = raisedLimitUsd(cap, this.options.config[cap.configKey] ?? 0);
    if (to === null) return;
    const from = nanoToUsd(cap.limitNanoUsd);
    this.raisedCaps = { ...this.raisedCaps, [cap.configKey]: to };
    this.billing.setCaps(this.config);
    this.recordEvent("cap_raised", { cap: cap.cap, from_usd: from, to_usd: to });
    this.banner(
      `the ${capLabel(cap.cap)} API spending cap is ${formatUsd(to)} for the rest of this run (${cap.configKey} in the config is unchanged); send your prompt again.`,
    );
    this.publish();
  }

  private requestSwitch(to: BillingMode): void {
    if (to === "api" && this.options.keys.source === null) {
      this.notify({ kind: "error", message: NO_KEY_REASON }, `nokey:${this.now()}`);
      return;
    }
    this.dispatch({ type: "switch_requested", to, reason: "menu" });
  }

  private watchPreferredMode(): void {
    const { stateDir } = this.options.paths;
    try {
      // On a first run the state directory does not exist yet, and a watch on it would fail:
      // `use` from another terminal would then never reach this run.
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
      this.stateWatcher = watch(stateDir, (_type, name) => {
        if (name !== "state.json") return;
        const shared = readState(stateFile(stateDir));
        if (!shared.preferred_mode || (shared.preferred_mode_set_at ?? 0) <= this.preferredSeenAt) return;
        this.preferredSeenAt = shared.preferred_mode_set_at ?? this.now();
        if (shared.preferred_mode === "api" && this.options.keys.source === null) return;
        this.dispatch({ type: "switch_requested", to: shared.preferred_mode, reason: "use" });
      });
      this.stateWatcher.on("error", () => this.stateWatcher?.close());
    } catch {
      // The state directory cannot be made or watched: `use` then reaches only the next run.
    }
  }

  // ── effects out ───────────────────────────────────────────────────────────────────────────

  private execute(effect: Effect): void {
    switch (effect.type) {
      case "ask":
        this.showOverlay({ kind: "prompt", limit: effect.limit });
        clearTimeout(this.promptTimer);
        this.promptTimer = setTimeout(
          () => this.dispatch({ type: "prompt_timeout" }),
          this.options.config.prompt_timeout_seconds * 1000,
        );
        break;
      case "close_prompt":
        clearTimeout(this.promptTimer);
        if (this.overlay?.kind.kind === "prompt") this.closeOverlay();
        break;
      case "switch":
        void this.switchTo(effect.to, effect.resume);
        break;
      case "schedule_reset": {
        clearTimeout(this.resetTimer);
        const delay = Math.max(0, effect.at + resetGraceMs(this.options.env) - this.now());
        this.resetTimer = setTimeout(() => this.dispatch({ type: "reset_due" }), delay);
        this.resetTimer.unref();
        break;
      }
      case "notify":
        this.notify(effect.notice, noticeKey(effect.notice));
        break;
      case "record":
        this.recordEvent(effect.kind, effect.detail);
        break;
      case "exit":
        this.finish(effect.exitCode);
        break;
    }
  }

  private recordEvent(kind: EventKind, detail: unknown): void {
    this.writes.run("an event in the usage ledger", () =>
      this.options.ledger.recordEvent({ runId: this.options.runId, at: this.now(), kind, detail }),
    );
  }

  private async startClaude(mode: BillingMode, args: string[]): Promise<void> {
    const gateway = mode === "api" ? await this.billing.ensure() : undefined;
    const { env, removed } = childEnvironment(this.options.env, mode, gateway);
    for (const name of removed) this.banner(removedCredentialNotice(name, mode));
    const child = PtyChild.spawn({ file: this.options.claudePath, args, env, cwd: this.options.cwd });
    this.child = child;
    this.detector.resetScreen();
    this.lastIdleAt = 0;
    child.onData((chunk) => {
      // A Claude being stopped for a switch says goodbye ("Resume this session with: claude
      // --resume …", plain claude, unwrapped): not shown, the next one takes over the screen.
      if (this.child !== child) return;
      this.guard.modes.feed(chunk);
      const signal = this.detector.scanScreen(chunk);
      this.gate.write(chunk);
      // A resumed Claude redraws the conversation, old limit notices included: the screen only
      // counts while a turn runs or has just ended.
      if (signal && (this.state.busy || this.now() - this.lastIdleAt < SCREEN_SIGNAL_WINDOW_MS)) {
        this.onSignal(signal);
      }
    });
    void child.exited.then((exit) => {
      if (this.child !== child) return;
      this.killedBy = exit.signal;
      this.dispatch({ type: "claude_exited", exitCode: exitStatus(exit) });
    });
    this.publish();
  }

  private onGatewayEvent(event: GatewayEvent): void {
    if (event.kind === "cap_warning" || event.kind === "cap_reached") {
      this.notify({ kind: event.kind, text: event.message }, `${event.kind}:${event.cap.cap}`);
    } else if (
      event.kind === "unknown_model" ||
      event.kind === "upstream_error" ||
      event.kind === "ledger_error"
    ) {
      this.notify({ kind: "error", message: event.message }, `${event.kind}:${event.message}`);
    }
    this.publish();
  }

  private async switchTo(to: BillingMode, resume: boolean): Promise<void> {
    const old = this.child;
    const sessionId = this.sessionId;
    try {
      if (!sessionId) throw new Error("Claude has not told us its session id yet");
      if (to === "api") await this.billing.ensure();
      this.child = undefined;
      if (old) await old.terminate(3000);
      // Claude was killed mid-screen: leave what it left (alternate screen, mouse modes) first.
      writeAll(1, this.guard.modes.restoreSequence());
      this.guard.modes.reset();
      const prompt = resume && this.options.config.resume_prompt ? this.options.config.resume_prompt : null;
      const args = resumeArgs(this.options.args, { settingsPath: this.settingsPath, sessionId, prompt });
      await this.startClaude(to, args);
      this.dispatch({ type: "switched", to });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!this.child && sessionId) {
        // The old Claude is gone: bring the conversation back in the mode it had.
        await this.startClaude(
          this.state.mode,
          resumeArgs(this.options.args, { settingsPath: this.settingsPath, sessionId, prompt: null }),
        ).catch(() => this.finish(1));
      }
      this.dispatch({ type: "switch_failed", to, message: `could not switch to ${to} billing: ${message}` });
    }
  }

  // ── what the user sees ────────────────────────────────────────────────────────────────────

  private size(): { cols: number; rows: number } {
    return this.child?.size ?? { cols: process.stdout.columns ?? 80, rows: process.stdout.rows ?? 24 };
  }

  private overlaySpec(kind: OverlayKind): OverlaySpec {
    const { cols, rows } = this.size();
    if (kind.kind === "prompt") {
      const text = noticeText({
        kind: "ask",
        limit: kind.limit,
        config: this.config,
        now: this.now(),
      });
      return {
        title: "claude-fallback: subscription limit reached",
        lines: text,
        keys: [
          { key: "y", label: "yes" },
          { key: "n", label: "no" },
          { key: "a", label: "yes for this run" },
        ],
        cols,
        rows,
      };
    }
    if (kind.page === "usage") {
      return {
        title: "claude-fallback: usage and spend",
        lines: usageSummary({
          mode: this.state.mode,
          ledger: this.options.ledger,
          runSpendNano: this.billing.spentThisRun(),
          config: this.config,
          stateDir: this.options.paths.stateDir,
          now: this.now(),
        }),
        keys: [{ key: "c", label: "close" }],
        cols,
        rows,
      };
    }
    const billing = this.state.mode === "api" ? "API billing (your key)" : "your subscription";
    // The switch offered is the one away from where Claude runs or is about to.
    const switchKey =
      (this.state.switching?.to ?? this.state.pending?.to ?? this.state.mode) === "api"
        ? { key: "s", label: "back to subscription" }
        : { key: "a", label: "switch to API" };
    // SPEC §6: a reached cap can be raised for the rest of this run, by one more configured amount.
    const cap = this.reachedCap();
    const raiseTo = cap ? raisedLimitUsd(cap, this.options.config[cap.configKey] ?? 0) : null;
    return {
      title: "claude-fallback",
      lines: [
        `Claude is running on ${billing}.`,
        this.state.pending ? `A switch to ${this.state.pending.to} waits for Claude's turn to end.` : "",
        cap ? `API requests are refused: ${capReachedText(cap)}.` : "",
      ].filter(Boolean),
      keys: [
        ...(cap && raiseTo !== null
          ? [{ key: "r", label: `raise the ${capLabel(cap.cap)} cap to ${formatUsd(raiseTo)} for this run` }]
          : []),
        switchKey,
        { key: "u", label: "usage and spend" },
        { key: "c", label: "close" },
      ],
      cols,
      rows,
    };
  }

  private openMenu(): void {
    this.showOverlay({ kind: "menu", page: "main" });
  }

  private showOverlay(kind: OverlayKind): void {
    if (this.overlay) writeAll(1, clearOverlay(this.overlay.spec));
    const spec = this.overlaySpec(kind);
    this.overlay = { kind, spec };
    this.gate.hold();
    this.input.mode = "keys";
    writeAll(1, renderOverlay(spec));
  }

  private closeOverlay(): void {
    const overlay = this.overlay;
    if (!overlay) return;
    this.overlay = undefined;
    this.input.mode = "passthrough";
    writeAll(1, clearOverlay(overlay.spec));
    const released = this.gate.release();
    if (released.droppedBytes > 0) writeAll(1, this.guard.modes.syncSequence());
    void this.child?.forceRedraw();
  }

  private notify(notice: DisplayNotice, key: string): void {
    if (this.notified.has(key)) return;
    this.notified.add(key);
    const text = noticeText({ kind: "notice", notice, config: this.config, now: this.now() }).join(" ");
    const external = notificationFor(notice, text, key);
    if (external) void this.notifier.notify(external);
    if (!this.options.config.notifications.terminal) return;
    writeAll(1, BELL + osc9Notification(`claude-fallback: ${text}`));
    this.banner(text);
  }

  private banner(text: string): void {
    if (this.overlay) return;
    const { cols, rows } = this.size();
    writeAll(1, renderBanner(`claude-fallback: ${text}`, cols, rows, "top"));
  }

  private writeOut(chunk: Uint8Array): void {
    process.stdout.write(chunk);
  }

  /** Keeps the status-line segment and the live-run entry up to date. */
  private publish(): void {
    const segment = segmentFor({
      state: this.state,
      ledger: this.options.ledger,
      runSpendNano: this.billing.spentThisRun(),
      config: this.config,
      stateDir: this.options.paths.stateDir,
      env: this.options.env,
      now: this.now(),
    });
    if (this.injection && segment !== this.lastSegment) {
      this.lastSegment = segment;
      void writeSegmentFile(this.injection.runDir.segmentFile, segment).catch(() => {});
    }
    this.writes.run("its state", () =>
      writeLiveRun(this.options.paths.stateDir, {
        runId: this.options.runId,
        pid: process.pid,
        claudePid: this.child?.pid ?? null,
        cwd: this.options.cwd,
        mode: this.state.mode,
        sessionId: this.sessionId,
        startedAt: this.preferredSeenAt,
        pending: this.state.pending ? `${this.state.pending.to} (${this.state.pending.reason})` : null,
      }),
    );
  }

  private async cleanup(): Promise<void> {
    for (const timer of [this.promptTimer, this.quietTimer, this.resetTimer, this.inputTimer])
      clearTimeout(timer);
    process.stdin.off("data", this.onInput);
    process.stdout.off("resize", this.onResize);
    process.stdin.pause();
    if (this.child && !this.child.exitInfo) await this.child.terminate(3000);
    this.guard.restore();
    const resume = this.sessionId ? `claude-fallback resume ${this.sessionId}` : null;
    if (this.killedBy) {
      process.stderr.write(
        `claude-fallback: claude was killed (${this.killedBy})${resume ? `; continue the conversation with: ${resume}` : ""}\n`,
      );
    } else if (this.billing.gatewayStarted()) {
      // What API billing cost is said at the end of every run that used it (SPEC §1).
      process.stderr.write(`${apiBillingSummary(this.billing.spentThisRun(), this.sessionId)}\n`);
    }
    this.stateWatcher?.close();
    this.spool?.close();
    await this.billing.close();
    await this.injection?.close();
    removeLiveRun(this.options.paths.stateDir, this.options.runId);
    await this.notifier.flush();
  }
}

function noticeKey(notice: Notice): string {
  switch (notice.kind) {
    case "limit_reached":
      return `limit:${notice.limit.resetsAt}`;
    case "error":
      return `error:${notice.message}`;
    default:
      return `${notice.kind}:${Date.now()}`;
  }
}

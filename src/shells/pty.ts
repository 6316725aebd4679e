/**
 * The interactive shell (SPEC §4.1): the real `claude` in a pseudo-terminal on the user's
 * terminal, bytes passed through unchanged both ways, the menu key and the overlays (the limit
 * prompt, the menu) drawn over Claude's screen. Everything else is the run core's.
 */
import { menuKeyByte } from "../config/schema.js";
import type { LimitInfo } from "../detect/limit.js";
import type { RunEvent } from "../notify/run-events.js";
import { actionFor, type Overlay, type Page, pageFor } from "../session/menu.js";
import type { ClaudeLaunch, RunCore, ShellPort } from "../session/run-core.js";
import { exitSummaryOf, menuViewOf, promptContextOf, resumableSessionIdOf } from "../session/run-views.js";
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
  overlayKeyName,
  PENDING_INPUT_TIMEOUT_MS,
  renderBanner,
  renderOverlay,
} from "../terminal/index.js";
import type { PtyLike, PtySpawner, TerminalPort } from "../terminal/port.js";

/** How long after a turn ends a limit drawn on the screen still belongs to it. */
const SCREEN_SIGNAL_WINDOW_MS = 5000;

/**
 * What Claude Code says at Ctrl-Z before it stops itself with SIGTSTP, which the kernel discards in
 * our pty (its process group has no parent in its session): the wrapper stops it and itself instead.
 */
const SUSPEND_NOTICE = "Claude Code is suspended";
/** How soon after a Ctrl-Z Claude's notice counts as its answer to it (and not, say, quoted text). */
const SUSPEND_AFTER_KEY_MS = 2000;
/** Ctrl-Z as terminals send it: the control byte, or the kitty keyboard protocol's form. */
const CTRL_Z = [Buffer.from([0x1a]), Buffer.from("\x1b[122;5u")];

/**
 * When the limit prompt takes answers: once it has been on the screen `visibleMs` and no key has
 * come for `quietMs`. Someone typing on for Claude as it appears ("can you also…") would
 * otherwise answer it with a letter of a word, paying without having read it.
 */
export interface PromptArming {
  visibleMs: number;
  quietMs: number;
}
export const PROMPT_ARMING: PromptArming = { visibleMs: 500, quietMs: 500 };

export class PtyShell implements ShellPort {
  private child: PtyLike | undefined;
  private readonly gate: OutputGate;
  private readonly input: InputScanner;
  private overlay: { overlay: Overlay; page: Page; spec: OverlaySpec } | undefined;
  private inputTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  /** The signal that ended Claude when it was not ours (an OOM kill, `kill -9`): said after the run. */
  private killedBy: NodeJS.Signals | null = null;
  /** When the limit prompt was drawn and the user's last key came (performance.now()). */
  private promptShownAt = 0;
  private lastKeyAt = Number.NEGATIVE_INFINITY;
  private armTimer: NodeJS.Timeout | undefined;
  /** Keys typed while the prompt was not yet armed: Claude's, given to it when the prompt closes. */
  private heldKeys: Buffer[] = [];
  private suspended = false;
  /** When Ctrl-Z was last typed, and the end of Claude's output since (its notice may span two reads). */
  private ctrlZAt = Number.NEGATIVE_INFINITY;
  private outputTail = Buffer.alloc(0);
  /** A signal sent to us was passed on to Claude: its end by it is the run's, not a kill to report. */
  private passedOn = false;

  constructor(
    private readonly core: RunCore,
    private readonly terminal: TerminalPort,
    private readonly spawnPty: PtySpawner,
    private readonly arming: PromptArming = PROMPT_ARMING,
  ) {
    this.gate = new OutputGate({ write: (chunk) => terminal.write(chunk) });
    this.input = new InputScanner({ menuKeyByte: menuKeyByte(core.options.config.menu_key) });
  }

  /** Runs until the user ends Claude; resolves with the exit status to pass on. */
  async run(): Promise<number> {
    try {
      this.unsubscribe.push(this.terminal.onResize(() => setImmediate(() => this.redrawOverlay())));
      this.terminal.enter();
      this.unsubscribe.push(this.terminal.onInput((chunk) => this.onInput(chunk)));
      await this.core.start(this, { terminal: true });
      return await this.core.finished;
    } finally {
      await this.cleanup();
    }
  }

  // ── the child ────────────────────────────────────────────────────────────────────────────

  async start(launch: ClaudeLaunch): Promise<void> {
    const { core } = this;
    const child = this.spawnPty({
      file: core.options.claudePath,
      args: launch.args,
      env: launch.env,
      cwd: core.options.cwd,
    });
    this.child = child;
    core.detector.resetScreen();
    child.onData((chunk) => {
      // A Claude being stopped for a switch says goodbye ("Resume this session with: claude
      // --resume …", plain claude, unwrapped): not shown, the next one takes over the screen.
      if (this.child !== child) return;
      this.terminal.modes.feed(chunk);
      const limit = core.detector.scanScreen(chunk);
      this.gate.write(chunk);
      if (performance.now() - this.ctrlZAt < SUSPEND_AFTER_KEY_MS) {
        const seen = Buffer.concat([this.outputTail, chunk]);
        this.outputTail = seen.subarray(-SUSPEND_NOTICE.length);
        if (seen.includes(SUSPEND_NOTICE)) {
          this.ctrlZAt = Number.NEGATIVE_INFINITY;
          void this.suspendWith(child);
        }
      }
      // A resumed Claude redraws the conversation, old limit notices included: the screen only
      // counts while a turn runs or has just ended.
      if (limit && (core.state.busy || core.now() - core.lastIdleAt < SCREEN_SIGNAL_WINDOW_MS)) {
        core.limitSeen(limit);
      }
    });
    void child.exited.then((exit) => {
      if (this.child !== child) return;
      this.killedBy = this.passedOn ? null : exit.signal;
      core.claudeExited(exitStatus(exit));
    });
  }

  /**
   * Ctrl-Z as with Claude alone: Claude stopped (SIGSTOP, its process group), the terminal given
   * back and this process stopped for the shell; at `fg` the terminal taken again and Claude
   * continued, which redraws its screen (its own SIGCONT handler).
   */
  private async suspendWith(child: PtyLike): Promise<void> {
    if (this.suspended) return;
    this.suspended = true;
    child.kill("SIGSTOP");
    this.terminal.restore();
    await this.terminal.suspend();
    this.terminal.enter();
    child.kill("SIGCONT");
    void child.forceRedraw();
    this.redrawOverlay();
    this.suspended = false;
  }

  async stop(): Promise<void> {
    const old = this.child;
    this.child = undefined;
    if (old) await old.terminate(3000);
    // Claude was killed mid-screen: leave what it left (alternate screen, mouse modes) first.
    this.terminal.paint(this.terminal.modes.restoreSequence());
    this.terminal.modes.reset();
  }

  childPid(): number | null {
    return this.child?.pid ?? null;
  }

  kill(signal: NodeJS.Signals): void {
    this.passedOn = true;
    this.child?.kill(signal);
  }

  // ── keys ─────────────────────────────────────────────────────────────────────────────────

  private onInput(chunk: Buffer): void {
    this.input.push(chunk);
    this.drainInput();
  }

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
    if (event.type !== "menu") this.lastKeyAt = performance.now();
    if (event.type === "data" && CTRL_Z.some((key) => event.bytes.includes(key))) {
      this.ctrlZAt = this.lastKeyAt;
      this.outputTail = Buffer.alloc(0);
    }
    if (event.type === "data") {
      this.child?.write(event.bytes);
      if (event.typed) this.core.keystroke();
      return;
    }
    if (event.type === "menu") {
      if (event.repeated) {
        // Twice: the key itself goes to Claude, and the menu opened by the first press closes.
        if (this.overlay?.overlay.kind === "menu") this.closeOverlay();
        this.child?.write(event.bytes);
        return;
      }
      if (!this.overlay) this.showOverlay({ kind: "menu", page: "main" });
      else if (this.overlay.overlay.kind === "menu") this.closeOverlay();
      return;
    }
    this.onOverlayKey(event.key, event.bytes);
  }

  private onOverlayKey(key: Key, bytes: Buffer): void {
    const open = this.overlay;
    if (!open) return;
    const action = actionFor(open.overlay, open.page, overlayKeyName(key));
    switch (action.type) {
      case "hold":
        this.heldKeys.push(Buffer.from(bytes));
        this.armPromptWhenStill();
        break;
      case "answer":
        this.core.dispatch({ type: "answer", answer: action.answer });
        break;
      case "close":
        this.closeOverlay();
        break;
      case "raise": {
        const cap = this.core.reachedCapNow();
        this.closeOverlay();
        if (cap) this.core.raiseCap(cap);
        break;
      }
      case "switch":
        this.closeOverlay();
        this.core.requestSwitch(action.to);
        break;
      case "show":
        this.showOverlay({ kind: "menu", page: action.page });
        break;
      case "none":
        break;
    }
  }

  // ── what the user sees ───────────────────────────────────────────────────────────────────

  ask(limit: LimitInfo, freeModel: string | null): void {
    this.showOverlay({ kind: "prompt", prompt: promptContextOf(this.core, limit, freeModel), armed: false });
    // Seen from when it is on the screen: working out its figures can take a while the first time.
    this.promptShownAt = performance.now();
    this.armPromptWhenStill();
  }

  /** Arms the open prompt once it has been seen and the keys are still (see {@link PromptArming}). */
  private armPromptWhenStill(): void {
    clearTimeout(this.armTimer);
    const open = this.overlay?.overlay;
    if (open?.kind !== "prompt" || open.armed) return;
    const armAt = Math.max(this.promptShownAt + this.arming.visibleMs, this.lastKeyAt + this.arming.quietMs);
    const wait = armAt - performance.now();
    if (wait <= 0) this.showOverlay({ ...open, armed: true });
    else this.armTimer = setTimeout(() => this.armPromptWhenStill(), wait);
  }

  closePrompt(): void {
    if (this.overlay?.overlay.kind === "prompt") this.closeOverlay();
  }

  /** An open overlay follows the run (a spend that changed, a switch now waiting, the forecast known). */
  refresh(): void {
    const open = this.overlay?.overlay;
    if (open?.kind === "prompt") {
      this.showOverlay({
        ...open,
        prompt: promptContextOf(this.core, open.prompt.limit, open.prompt.freeModel ?? null),
      });
    } else if (open) this.redrawOverlay();
  }

  private size(): { cols: number; rows: number } {
    return this.child?.size ?? this.terminal.size();
  }

  private redrawOverlay(): void {
    if (this.overlay) this.showOverlay(this.overlay.overlay);
  }

  private showOverlay(overlay: Overlay): void {
    const page = pageFor(overlay, menuViewOf(this.core));
    const spec: OverlaySpec = { ...page, ...this.size() };
    // One write: a redraw (the forecast arriving, a resize) never shows a screen without the box.
    const clear = this.overlay ? clearOverlay(this.overlay.spec) : "";
    this.overlay = { overlay, page, spec };
    this.gate.hold();
    this.input.mode = "keys";
    this.terminal.paint(clear + renderOverlay(spec));
  }

  private closeOverlay(): void {
    const open = this.overlay;
    if (!open) return;
    this.overlay = undefined;
    clearTimeout(this.armTimer);
    this.input.mode = "passthrough";
    this.terminal.paint(clearOverlay(open.spec));
    const released = this.gate.release();
    if (released.droppedBytes > 0) this.terminal.paint(this.terminal.modes.syncSequence());
    void this.child?.forceRedraw();
    // What was typed before the prompt could answer was meant for Claude: it gets it, unless it is
    // being replaced (a switch), where an Enter among the keys would start a turn in the old one.
    const held = this.heldKeys.splice(0);
    if (held.length > 0 && this.core.state.phase !== "switching") this.child?.write(Buffer.concat(held));
  }

  show(event: RunEvent | null, text: string): void {
    if (event && !this.core.options.config.notifications.terminal) return;
    if (event) this.terminal.paint(BELL + osc9Notification(`claude-fallback: ${text}`));
    if (this.overlay) return;
    const { cols, rows } = this.size();
    this.terminal.paint(
      renderBanner(
        text.startsWith("claude-fallback:") ? text : `claude-fallback: ${text}`,
        cols,
        rows,
        "top",
      ),
    );
  }

  private async cleanup(): Promise<void> {
    clearTimeout(this.inputTimer);
    clearTimeout(this.armTimer);
    for (const off of this.unsubscribe.splice(0)) off();
    if (this.child && !this.child.exitInfo) await this.child.terminate(3000);
    this.terminal.restore();
    // What API billing cost counts the request Claude was waiting for when it ended.
    await this.core.said();
    const sessionId = resumableSessionIdOf(this.core);
    const resume = sessionId
      ? `${this.core.options.ourCommand ?? "claude-fallback"} resume ${sessionId}`
      : null;
    // What API billing cost is said whatever ended the run; it names the way on, as the line of a kill does.
    const summary = exitSummaryOf(this.core);
    if (this.killedBy) {
      this.terminal.error(
        `claude-fallback: claude was killed (${this.killedBy})${resume && !summary ? `; continue the conversation with: ${resume}` : ""}`,
      );
    }
    if (summary) this.terminal.error(summary);
    await this.core.close();
  }
}

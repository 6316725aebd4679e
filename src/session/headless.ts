/**
 * A wrapped headless run, `claude -p …` (SPEC §4.8). There is no terminal to ask on, so only
 * `auto_switch` (or an earlier yes in the run) switches. The caller sees one coherent result: the
 * output of the run that hit the limit is withheld and replaced by the continued run's, in the
 * same `--output-format`; without a switch the limited output and exit code pass through, with a
 * one-line hint on stderr.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { launchArgs, resumeArgs } from "../claude/args.js";
import { type BillingMode, childEnvironment, removedCredentialNotice } from "../claude/env.js";
import type { HookEvent } from "../hooks/hook-events.js";
import { type Injection, prepareInjection, type WrappedRunOptions } from "../hooks/injection.js";
import { Notifier, notificationFor } from "../notify/notifier.js";
import { shellQuote } from "../shell.js";
import { stateFile, updateState } from "../state/store.js";
import type { EventKind } from "../usage/ledger.js";
import { capRefusingSwitch, LazyApiBilling } from "./api-billing.js";
import { BestEffortWrites } from "./best-effort.js";
import { Detector } from "./detection.js";
import type { LimitInfo } from "./machine.js";
import { AUTO_SWITCH_OFF_REASON, decideOnLimit, NO_KEY_REASON } from "./policy.js";
import {
  apiBillingSummary,
  type DisplayNotice,
  noticeText,
  resetText,
  withoutOurName,
} from "./presentation.js";
import { Continuation, gateMode, PrintOutputGate } from "./print-output-gate.js";

export interface HeadlessRunOptions extends WrappedRunOptions {
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

export class HeadlessRun {
  private readonly now: () => number;
  private readonly stdout: NodeJS.WritableStream;
  private readonly stderr: NodeJS.WritableStream;
  private readonly detector: Detector;
  private injection: Injection | undefined;
  private readonly billing: LazyApiBilling;
  private settingsPath = "";
  private sessionId: string | null;
  private limit: LimitInfo | null = null;
  /** Desktop and webhook notifications (the stderr lines are the terminal's). */
  private readonly notifier: Notifier;
  /** State and event writes: a full disk is said once and the run goes on. */
  private readonly writes = new BestEffortWrites((message) =>
    this.stderr.write(`claude-fallback: ${message}\n`),
  );

  constructor(private readonly options: HeadlessRunOptions) {
    this.now = options.now ?? Date.now;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    this.detector = new Detector({ zone: process.env.TZ, now: this.now });
    this.billing = new LazyApiBilling({
      config: options.config,
      keys: options.keys,
      env: options.env,
      ledger: options.ledger,
      runId: options.runId,
      onEvent: (event) => {
        this.stderr.write(`claude-fallback: ${withoutOurName(event.message)}\n`);
        if (event.kind === "cap_warning" || event.kind === "cap_reached") {
          this.sendNotice({ kind: event.kind, text: event.message }, `${event.kind}:${event.cap.cap}`);
        }
      },
    });
    const session = options.args.session;
    this.sessionId = session.kind === "id" || session.kind === "resume" ? session.id : null;
    this.notifier = new Notifier({
      notifications: options.config.notifications,
      env: options.env,
      secrets: () => [this.billing.resolvedKey],
      context: () => ({ sessionId: this.sessionId, runId: options.runId }),
      onChannelError: (error) => {
        this.recordEvent("error", { notification_channel: error.channel, message: error.message });
        if (!error.unavailable) this.stderr.write(`claude-fallback: ${error.message}\n`);
      },
    });
  }

  async run(): Promise<number> {
    const { options } = this;
    try {
      this.injection = await prepareInjection(options, (event) => this.onHook(event), {
        withStatusLine: false,
      });
      this.settingsPath = this.injection.settingsPath;
      const newSessionId = randomUUID();
      if (options.args.session.kind === "new") this.sessionId = newSessionId;
      const first = launchArgs(options.args, { settingsPath: this.settingsPath, newSessionId });

      // Output is held back only as far as a switch at the limit would make it wrong.
      const maySwitch = options.initialMode === "subscription" && this.policy().decision === "auto";
      const gate = new PrintOutputGate(gateMode(options.args.outputFormat, maySwitch), (chunk) =>
        this.stdout.write(chunk),
      );
      const exitCode = await this.attempt(options.initialMode, first, (chunk) => gate.push(chunk), "inherit");
      const limit =
        options.initialMode === "subscription"
          ? (this.limit ?? (exitCode !== 0 ? this.detector.fromPrintOutput(gate.forDetection()) : null))
          : null;
      if (!limit) {
        gate.release();
        return exitCode;
      }
      return await this.afterLimit(limit, exitCode, gate, maySwitch);
    } finally {
      // What API billing cost is said at the end of every run that used it (SPEC §1).
      if (this.billing.gatewayStarted()) {
        this.stderr.write(`${apiBillingSummary(this.billing.spentThisRun(), this.sessionId)}\n`);
      }
      await this.notifier.flush();
      await this.billing.close();
      await this.injection?.close();
    }
  }

  /** SPEC §4.4 for a run that cannot ask, with what API billing could do right now. */
  private policy() {
    const { options } = this;
    const hasKey = options.keys.source !== null;
    return decideOnLimit({
      config: options.config,
      hasKey,
      headless: true,
      approvedThisRun: false,
      apiRefusal: hasKey
        ? capRefusingSwitch(options.config, options.ledger, options.runId, this.now(), this.billing)
        : null,
    });
  }

  /** `maySwitch`: the output was held for a switch (it was not, when the run could not switch at its start). */
  private async afterLimit(
    limit: LimitInfo,
    exitCode: number,
    gate: PrintOutputGate,
    maySwitch: boolean,
  ): Promise<number> {
    const { options } = this;
    this.writes.run("its state", () =>
      updateState(stateFile(options.paths.stateDir), () => ({
        last_limit: {
          at: this.now(),
          resets_at: limit.resetsAt,
          window: limit.window,
          assumed: limit.resetAssumed,
        },
      })),
    );
    const { decision, reason } = this.policy();
    this.recordEvent("limit_detected", { ...limit, decision, reason });
    this.sendNotice({ kind: "limit_reached", limit, detail: reason }, `limit:${limit.resetsAt}`);
    if (decision !== "auto" || !this.sessionId || !maySwitch) {
      gate.release();
      this.stderr.write(`${this.hint(limit, decision === "auto" ? null : reason)}\n`);
      return exitCode;
    }
    // -p needs a prompt: with no resume_prompt, the interrupted one is asked again.
    const prompt = options.config.resume_prompt || options.args.prompt || "Continue where you left off.";
    const args = resumeArgs(options.args, {
      settingsPath: this.settingsPath,
      sessionId: this.sessionId,
      prompt,
    });
    this.recordEvent("switched", { to: "api", headless: true });
    this.sendNotice({ kind: "switched_to_api", reason: "limit" }, "switched_to_api");
    this.stderr.write(
      `claude-fallback: ${noticeText({ kind: "notice", notice: { kind: "limit_reached", limit, detail: reason }, config: options.config, now: this.now() }).join(" ")} Continuing on API billing.\n`,
    );
    const continuation = new Continuation(options.args.outputFormat, (chunk) => this.stdout.write(chunk));
    const continued = await this.attempt("api", args, (chunk) => continuation.push(chunk), "ignore");
    continuation.end();
    return continued;
  }

  private recordEvent(kind: EventKind, detail: unknown): void {
    this.writes.run("an event in the usage ledger", () =>
      this.options.ledger.recordEvent({ runId: this.options.runId, at: this.now(), kind, detail }),
    );
  }

  /** What to do about a limit that did not switch; `blocker`: the policy's reason (null: it was to switch). */
  private hint(limit: LimitInfo, blocker: string | null): string {
    const reached = `claude-fallback: subscription limit reached (${resetText(limit, this.now())})`;
    // No way onto API billing now: say what stands in the way, not a command that would fail.
    if (blocker === NO_KEY_REASON) return `${reached}; ${NO_KEY_REASON}, and set auto_switch: true`;
    if (blocker !== null && blocker !== AUTO_SWITCH_OFF_REASON) return `${reached}; ${blocker}`;
    if (!this.sessionId)
      return `${reached}; its session id is unknown, so it cannot be continued on API billing`;
    const resume = resumeArgs(this.options.args, {
      settingsPath: null,
      sessionId: this.sessionId,
      prompt: this.options.config.resume_prompt || "Continue where you left off.",
    });
    const auto =
      blocker === AUTO_SWITCH_OFF_REASON ? "set auto_switch: true to continue automatically, or " : "";
    return `${reached}; ${auto}continue now on API billing: claude-fallback --force-api -- ${resume.map(shellQuote).join(" ")}`;
  }

  /** Desktop and webhook; never waits for them. */
  private sendNotice(notice: DisplayNotice, key: string): void {
    const text = noticeText({ kind: "notice", notice, config: this.options.config, now: this.now() }).join(
      " ",
    );
    const notification = notificationFor(notice, text, key);
    if (notification) void this.notifier.notify(notification);
  }

  private onHook(event: HookEvent): void {
    if (event.sessionId) this.sessionId = event.sessionId;
    if (event.name === "StopFailure") this.limit = this.detector.fromStopFailure(event) ?? this.limit;
  }

  /** Runs claude once; its standard output goes to `out` as it comes. Resolves with its exit code. */
  private async attempt(
    mode: BillingMode,
    args: string[],
    out: (chunk: Buffer) => void,
    stdin: "inherit" | "ignore",
  ): Promise<number> {
    const gateway = mode === "api" ? await this.billing.ensure() : undefined;
    const { env, removed } = childEnvironment(this.options.env, mode, gateway);
    for (const name of removed) this.stderr.write(`${removedCredentialNotice(name, mode)}\n`);
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.claudePath, args, {
        cwd: this.options.cwd,
        env,
        stdio: [stdin, "pipe", "pipe"],
      });
      child.stdout.on("data", out);
      child.stderr.on("data", (chunk: Buffer) => this.stderr.write(chunk));
      const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
      const handlers = (["SIGINT", "SIGTERM", "SIGHUP"] as const).map(
        (signal) => [signal, forward(signal)] as const,
      );
      for (const [signal, handler] of handlers) process.on(signal, handler);
      child.on("error", reject);
      child.on("close", (code, signal) => {
        for (const [name, handler] of handlers) process.off(name, handler);
        resolve(code ?? 128 + (signal === "SIGKILL" ? 9 : signal === "SIGINT" ? 2 : 15));
      });
    });
  }
}

/**
 * The headless shell, `claude -p …` (SPEC §4.8). There is no terminal to ask on, so only
 * `auto_switch` (or an earlier yes) switches. The caller sees one coherent result: the output of
 * the run that hit the limit is withheld and replaced by the continued run's, in the same
 * `--output-format`; without a switch the limited output and exit code pass through, with a
 * one-line hint on stderr. Everything else is the run core's.
 */
import { resumeArgs } from "../claude/args.js";
import type { LimitInfo } from "../detect/limit.js";
import { forecastSummary } from "../forecast/words.js";
import { resetText } from "../notify/messages.js";
import { type RunEvent, refusedRequest } from "../notify/run-events.js";
import type { ChildLike, ChildSpawner } from "../platform/child.js";
import { Continuation, gateMode, PrintOutputGate } from "../session/print-output-gate.js";
import type { ClaudeLaunch, RunCore, ShellPort } from "../session/run-core.js";
import { exitSummaryOf } from "../session/run-views.js";
import { policyReasonText } from "../session/wording.js";
import { shellQuote } from "../shell.js";

/** How long the hint at a limit waits for the forecast of what paying would cost. */
const HINT_FORECAST_WAIT_MS = 3000;

export interface PrintIo {
  stdout: (chunk: Buffer) => void;
  /** Claude's own stderr, as it comes. */
  childStderr: (chunk: Buffer) => void;
  /** One line of ours, without its newline. */
  stderr: (line: string) => void;
  spawn: ChildSpawner;
}

export class PrintShell implements ShellPort {
  private child: ChildLike | undefined;
  /** The first run's output, held as far as a switch at the limit would make it wrong. */
  private gate: PrintOutputGate | undefined;
  private maySwitch = false;
  /** The words of the limit, said with the switch ("… Continuing on API billing."). */
  private limitText: string | null = null;
  /** The first run's exit status, while a switch it passed over is under way. */
  private endedWhileSwitching: number | null = null;
  /** A switch to API billing was tried and failed (its reason said): the hint's command waits for a fix. */
  private switchTried = false;

  constructor(
    private readonly core: RunCore,
    private readonly io: PrintIo,
  ) {}

  async run(): Promise<number> {
    try {
      await this.core.start(this, { terminal: false });
      return await this.core.finished;
    } finally {
      // What API billing cost is said at the end of every run that used it (SPEC §1), the last
      // line: after what the run still had to say.
      await this.core.said();
      const summary = exitSummaryOf(this.core);
      if (summary) this.io.stderr(summary);
      await this.core.close();
    }
  }

  async start(launch: ClaudeLaunch): Promise<void> {
    const { core, io } = this;
    const format = core.options.args.outputFormat;
    const first = launch.restart === null;
    // Output is held back only as far as a switch at the limit would make it wrong.
    if (first) {
      this.maySwitch = launch.mode === "subscription" && core.switchesAtLimit();
      core.switchAtLimit = this.maySwitch;
    }
    const gate = first ? new PrintOutputGate(gateMode(format, this.maySwitch), io.stdout) : null;
    const continuation = first ? null : new Continuation(format, io.stdout);
    this.gate = gate ?? this.gate;
    const child = io.spawn(core.options.claudePath, launch.args, {
      env: launch.env,
      cwd: core.options.cwd,
      stdin: first ? "inherit" : "ignore",
      output: "pipe",
      // The run core passes the signals sent to us on (kill): it must also know of them.
      forward: [],
    });
    this.child = child;
    child.stdout?.on("data", (chunk: Buffer) => (gate ? gate.push(chunk) : continuation?.push(chunk)));
    child.stderr?.on("data", io.childStderr);
    void child.exited.then(
      (code) => {
        if (this.child !== child) return;
        if (continuation) {
          continuation.end();
          core.claudeExited(code);
        } else this.firstEnded(code);
      },
      () => core.claudeExited(1),
    );
  }

  /** The first run ended: at the limit, the core switches (the continuation follows) or it passes through. */
  private firstEnded(code: number): void {
    const { core } = this;
    const gate = this.gate!;
    if (core.state.mode === "subscription" && !core.state.limit && code !== 0) {
      const limit = core.detector.fromPrintOutput(gate.forDetection());
      if (limit) core.limitSeen(limit);
    }
    if (core.state.phase === "switching") {
      this.endedWhileSwitching = code;
      return;
    }
    this.endedWhileSwitching = null;
    gate.release();
    const limit = core.state.limit;
    if (limit && core.state.mode === "subscription") {
      if (!this.offersCommand()) {
        // No way onto API billing now (no key, a cap): what paying would cost is beside the point.
        this.io.stderr(this.hint(limit));
        core.claudeExited(code);
        return;
      }
      // What paying would have cost, when the forecast comes quickly enough.
      void core.forecast.within(HINT_FORECAST_WAIT_MS).then((forecast) => {
        const figure = forecast ? forecastSummary(forecast) : null;
        this.io.stderr(`${this.hint(limit)}${figure ? ` ${figure}` : ""}`);
        core.claudeExited(code);
      });
      return;
    }
    core.claudeExited(code);
  }

  /** A switch: the run that hit the limit has ended (or ends now); its held output is dropped. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.endedWhileSwitching = null;
    if (child) await child.exited.catch(() => 1);
  }

  /** No switch after all: a first run that ended meanwhile ends as if none had been tried. */
  switchFailed(): void {
    this.switchTried = true;
    const code = this.endedWhileSwitching;
    if (code !== null) this.firstEnded(code);
  }

  childPid(): number | null {
    return this.child?.pid ?? null;
  }

  kill(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  show(event: RunEvent | null, text: string): void {
    // Claude prints the gateway's refusal itself ("API Error: 402 claude-fallback: …"): once is enough.
    if (event && refusedRequest(event)) return;
    if (event?.kind === "limit_reached") {
      this.limitText = text;
      return;
    }
    if (event?.kind === "switched_to_api") {
      this.io.stderr(`claude-fallback: ${this.limitText ?? text} Continuing on API billing.`);
      return;
    }
    this.io.stderr(text.startsWith("claude-fallback:") ? text : `claude-fallback: ${text}`);
  }

  /** Whether the hint can offer a command that continues on API billing (nothing stands in its way). */
  private offersCommand(): boolean {
    const outcome = this.core.state.limitOutcome;
    if (!outcome) return true;
    return (
      outcome.decision === "auto" || outcome.code === "auto_switch_off" || outcome.code === "output_passed"
    );
  }

  /** What to do about a limit that did not switch. */
  private hint(limit: LimitInfo): string {
    const { core } = this;
    const reached = `claude-fallback: subscription limit reached (${resetText(limit, core.now())})`;
    const outcome = core.state.limitOutcome;
    // No way onto API billing now: say what stands in the way, not a command that would fail.
    if (outcome?.code === "no_key") {
      const auto = core.options.config.auto_switch ? "" : ", and set auto_switch: true";
      return `${reached}; ${policyReasonText(outcome)}${auto}`;
    }
    if (outcome && !this.offersCommand()) return `${reached}; ${policyReasonText(outcome)}`;
    if (!core.sessionId)
      return `${reached}; its session id is unknown, so it cannot be continued on API billing`;
    const resume = resumeArgs(core.options.args, {
      settingsPath: null,
      sessionId: core.sessionId,
      prompt: core.options.config.resume_prompt || "Continue where you left off.",
    });
    const auto =
      outcome?.code === "auto_switch_off" ? "set auto_switch: true to continue automatically, or " : "";
    const ours = core.options.ourCommand ?? "claude-fallback";
    // After a switch that failed (a key command that failed, say), the same command would meet the same problem now.
    const when = this.switchTried ? "once that is fixed, continue" : "continue now";
    return `${reached}; ${auto}${when} on API billing: ${ours} --force-api -- ${resume.map(shellQuote).join(" ")}`;
  }
}

/**
 * The stream-json relay shell (SPEC §12): `claude` as a program's child — the Agent SDK, VS Code's
 * Claude Code extension — talking JSON lines over stdin and stdout. Lines pass both ways unchanged
 * and at once. At the limit (under auto_switch) the limit's epilogue is held back, claude is
 * restarted on API billing with `--resume`, the program's `initialize` and what it has set since
 * (model, permission mode…) are replayed (their answers swallowed), the failed user message sent
 * again (or, when the conversation already holds it, the resume prompt), and the program sees the
 * continued answer as if nothing had happened; at an idle moment after the reset it goes back the
 * same way. Everything else is the run core's.
 */
import { promptText } from "../claude/transcripts/last-prompt.js";
import { parseStatusLineInput } from "../hooks/status-input.js";
import { type RunEvent, refusedRequest } from "../notify/run-events.js";
import type { ChildLike, ChildSpawner } from "../platform/child.js";
import type { ClaudeLaunch, RunCore, ShellPort } from "../session/run-core.js";
import { exitSummaryOf } from "../session/run-views.js";
import { LineSplitter, messageOf } from "./lines.js";
import { SessionSettings } from "./session-settings.js";

export interface RelayIo {
  /** The program's end of claude's stdout. */
  stdout: (line: Buffer) => void;
  /** Claude's own stderr, as it comes. */
  childStderr: (chunk: Buffer) => void;
  /** One line of ours, without its newline. */
  stderr: (line: string) => void;
  /**
   * The program's lines to claude: `onData` with each chunk, `onEnd` when it closes its end.
   * Returns what stops reading them: when claude has ended, nothing is left to give them to.
   */
  input: (onData: (chunk: Buffer) => void, onEnd: () => void) => () => void;
  spawn: ChildSpawner;
  /** The prompt the session's transcript ends with, unanswered (what a resumed claude finds), or null. */
  lastPrompt: (sessionId: string) => string | null;
}

type Message = Record<string, unknown> | null;

function field(message: Message, ...path: string[]): unknown {
  let value: unknown = message;
  for (const key of path)
    value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

/** A line that can belong to a limit's epilogue: the rejected rate-limit event, Claude's own error message, the error result. */
export function startsLimitEpilogue(message: Message): boolean {
  const type = field(message, "type");
  if (type === "rate_limit_event") return field(message, "rate_limit_info", "status") === "rejected";
  if (type === "assistant") return field(message, "message", "model") === "<synthetic>";
  return (
    type === "result" && field(message, "is_error") === true && field(message, "api_error_status") === 429
  );
}

/** What claude says on taking a permission mode: no news when it is the mode the program set before. */
function isStatusEcho(message: Message): boolean {
  return (
    field(message, "type") === "system" &&
    field(message, "subtype") === "status" &&
    field(message, "status") === null &&
    typeof field(message, "permissionMode") === "string"
  );
}

function isResult(message: Message): boolean {
  return field(message, "type") === "result";
}

export class StreamJsonShell implements ShellPort {
  private child: ChildLike | undefined;
  /** Each claude's number: lines and the exit of a claude stopped for a switch are not the program's. */
  private generation = 0;
  /** The program's `initialize` request, replayed to a restarted claude. */
  private initialize: Record<string, unknown> | null = null;
  /** Program → claude control requests claude has not answered yet, by request id. */
  private readonly programRequests = new Map<string, Buffer>();
  /** What the program set on claude (set_model, set_permission_mode…), told again to a restarted claude. */
  private readonly settings = new SessionSettings();
  /** The subscription's windows as Claude's rate_limit_events gave them, by name. */
  private readonly rateLimits: Record<string, { used_percentage: number; resets_at: unknown }> = {};
  /** Claude → program control requests of the claude running now: answers to others are stale. */
  private claudeRequests = new Set<string>();
  /** The turn under way: its user message, and whether claude already answered in it. */
  private turn: { user: Buffer; answered: boolean } | null = null;
  /** The limit's epilogue, while the core decides. */
  private held: Buffer[] | null = null;
  /** The epilogue of a claude stopped for a switch, until the restarted one takes the turn over. */
  private dropped: Buffer[] | null = null;
  /** The program's interrupt of the turn whose limit is held: the restarted claude is told it too. */
  private interrupt: Record<string, unknown> | null = null;
  /** The program's lines wait while claude is (re)started. */
  private waiting: Buffer[] | null = [];
  private inputEnded = false;
  /** A resumed claude announces a turn the program has already seen begin. */
  private dropInit = false;
  /** Our replayed requests' ids (to their subtypes): their answers are ours, not the program's. */
  private readonly replayed = new Map<string, string>();
  /** A replayed permission mode is announced again (`system/status`): the program already knows it. */
  private statusEcho = false;

  constructor(
    private readonly core: RunCore,
    private readonly io: RelayIo,
  ) {}

  async run(): Promise<number> {
    const splitter = new LineSplitter((line) => this.fromProgram(line));
    const stopReading = this.io.input(
      (chunk) => splitter.push(chunk),
      () => {
        splitter.end();
        this.inputEnded = true;
        if (this.waiting === null) this.child?.stdin?.end();
      },
    );
    try {
      await this.core.start(this, { terminal: false });
      return await this.core.finished;
    } finally {
      // Claude has gone (its own exit, a signal): a program still writing must not keep us waiting.
      stopReading();
      // The last line, after what the run still had to say.
      await this.core.said();
      const summary = exitSummaryOf(this.core);
      if (summary) this.io.stderr(summary);
      await this.core.close();
    }
  }

  // ── the program's side ───────────────────────────────────────────────────────────────────

  private fromProgram(line: Buffer): void {
    if (this.waiting) {
      this.waiting.push(line);
      return;
    }
    const message = messageOf(line);
    const type = field(message, "type");
    if (type === "control_request") {
      const id = String(field(message, "request_id"));
      if (field(message, "request", "subtype") === "initialize") this.initialize ??= message;
      if (this.held && field(message, "request", "subtype") === "interrupt") this.interrupt = message;
      this.programRequests.set(id, line);
      this.settings.asked(id, message);
    } else if (type === "control_response") {
      const id = field(message, "response", "request_id");
      // An answer to a claude stopped for a switch: the one running now did not ask.
      if (typeof id === "string" && !this.claudeRequests.delete(id)) return;
    } else if (type === "user") {
      this.turn = { user: line, answered: false };
      this.core.dispatch({ type: "busy" });
    }
    this.child?.stdin?.write(line);
  }

  // ── claude's side ────────────────────────────────────────────────────────────────────────

  private fromClaude(line: Buffer, generation: number): void {
    if (generation !== this.generation) return;
    const message = messageOf(line);
    const type = field(message, "type");
    if (type === "control_response") {
      const id = field(message, "response", "request_id");
      if (typeof id === "string") {
        if (this.replayed.has(id)) {
          this.replayAnswered(id, message);
          return;
        }
        this.programRequests.delete(id);
        this.settings.answered(id, field(message, "response", "subtype") === "success");
      }
    } else if (type === "control_request") {
      this.claudeRequests.add(String(field(message, "request_id")));
    } else if (type === "rate_limit_event") {
      // Its reset is exact (a limit's text gives only the minute): the revert can come on time.
      const window = field(message, "rate_limit_info", "rateLimitType");
      const resetsAt = field(message, "rate_limit_info", "resetsAt");
      if (typeof window === "string" && typeof resetsAt === "number")
        this.core.detector.exactReset(window, resetsAt * 1000);
      // With no status line here, it is also where the subscription's utilisation is learned
      // (a fraction; the status line's rate_limits give percent): `status`, and the warning at
      // notify_at_percentage.
      // Each event names one window; the status line gives them all, so the others are kept.
      const utilization = field(message, "rate_limit_info", "utilization");
      if (typeof window === "string" && typeof utilization === "number") {
        this.rateLimits[window] = { used_percentage: utilization * 100, resets_at: resetsAt };
        const input = parseStatusLineInput({ rate_limits: { ...this.rateLimits } });
        if (input) this.core.statusLineSeen(input);
      }
    } else if (type === "system" && field(message, "subtype") === "init") {
      this.statusEcho = false;
      if (this.dropInit) {
        this.dropInit = false;
        return;
      }
    } else if (this.statusEcho && isStatusEcho(message)) {
      this.statusEcho = false;
      return;
    }
    // An answer to the program (its interrupt, say) is no part of the epilogue: it waits for it.
    if (this.held && type !== "control_response") {
      this.held.push(line);
      if (isResult(message)) this.epilogueEnded();
      return;
    }
    // Held only where a switch could follow (the core decides once the epilogue is whole).
    if (
      startsLimitEpilogue(message) &&
      this.core.state.mode === "subscription" &&
      this.core.options.config.auto_switch
    ) {
      this.held = [line];
      if (isResult(message)) this.epilogueEnded();
      return;
    }
    if (type === "assistant" && this.turn) this.turn.answered = true;
    this.io.stdout(line);
    if (isResult(message)) this.turnEnded();
  }

  private epilogueEnded(): void {
    const held = this.held ?? [];
    const limit = this.core.detector.fromPrintOutput(Buffer.concat(held));
    if (limit) this.core.limitSeen(limit);
    // Switching: the restarted claude answers this turn, and the epilogue is not the program's.
    if (this.core.state.phase === "switching") return;
    this.held = null;
    this.interrupt = null;
    for (const line of held) this.io.stdout(line);
    this.turnEnded();
  }

  private turnEnded(): void {
    this.turn = null;
    this.core.dispatch({ type: "idle" });
  }

  async start(launch: ClaudeLaunch): Promise<void> {
    const { core, io } = this;
    const generation = ++this.generation;
    const child = io.spawn(core.options.claudePath, launch.args, {
      env: launch.env,
      cwd: core.options.cwd,
      stdin: "pipe",
      output: "pipe",
      // The run core passes the signals sent to us on (kill): it must also know of them.
      forward: [],
    });
    this.child = child;
    this.claudeRequests = new Set();
    const splitter = new LineSplitter((line) => this.fromClaude(line, generation));
    child.stdout?.on("data", (chunk: Buffer) => splitter.push(chunk));
    child.stdout?.on("end", () => splitter.end());
    child.stderr?.on("data", io.childStderr);
    child.stdin?.on("error", () => {});
    void child.exited.then(
      (code) => generation === this.generation && core.claudeExited(code),
      () => generation === this.generation && core.claudeExited(1),
    );
    if (launch.restart) this.replay(child, launch.restart);
    const waiting = this.waiting ?? [];
    this.waiting = null;
    for (const line of waiting) this.fromProgram(line);
    if (this.inputEnded) child.stdin?.end();
  }

  /** What a restarted claude must be told to stand where the stopped one stood. */
  private replay(child: ChildLike, { resume, model }: NonNullable<ClaudeLaunch["restart"]>): void {
    this.replayed.clear();
    const ours = (message: Record<string, unknown>) => {
      const id = `claude-fallback-replay-${this.generation}-${this.replayed.size}`;
      this.replayed.set(id, String(field(message, "request", "subtype")));
      child.stdin?.write(`${JSON.stringify({ ...message, request_id: id })}\n`);
    };
    if (this.initialize) ours(this.initialize);
    // After the initialize, in the order claude took them: the launch arguments do not carry them.
    for (const request of this.settings.forLaunch(model)) ours({ type: "control_request", request });
    this.statusEcho = [...this.replayed.values()].includes("set_permission_mode");
    const initializeId = field(this.initialize, "request_id");
    const interrupt = this.interrupt;
    this.interrupt = null;
    const interruptId = field(interrupt, "request_id");
    for (const [id, line] of this.programRequests)
      if (id !== initializeId && id !== interruptId) child.stdin?.write(line);
    // The program interrupted the turn while it was held: the resumed turn stops at once, with the
    // result an interrupt gives; the answer is the program's if the stopped claude gave none.
    const unanswered = typeof interruptId === "string" ? this.programRequests.get(interruptId) : undefined;
    if (resume && this.turn) {
      this.dropped = null;
      this.resumeTurn(child, this.turn);
      if (interrupt && !unanswered) ours(interrupt);
    }
    if (unanswered) child.stdin?.write(unanswered);
  }

  /** The turn the limit cut short, taken over by the restarted claude. */
  private resumeTurn(child: ChildLike, turn: { user: Buffer; answered: boolean }): void {
    this.dropInit = true;
    // A limit at the turn's first request: the same message again, unless the resumed conversation
    // already ends with it (Claude Code records a prompt before sending it): twice, it would be one
    // message holding it twice. Later in the turn (after tool calls), or recorded: on from where it stopped.
    if (!turn.answered && !this.conversationHolds(turn.user)) {
      child.stdin?.write(turn.user);
      return;
    }
    const text = this.core.options.config.resume_prompt || "Continue where you left off.";
    const message = {
      type: "user",
      message: { role: "user", content: [{ type: "text", text }] },
      parent_tool_use_id: null,
    };
    child.stdin?.write(`${JSON.stringify(message)}\n`);
  }

  /** Our replayed request answered: not the program's to see, unless claude no longer takes it. */
  private replayAnswered(id: string, message: Message): void {
    const subtype = this.replayed.get(id);
    this.replayed.delete(id);
    if (field(message, "response", "subtype") !== "error" || subtype === "initialize") return;
    const error = field(message, "response", "error");
    this.io.stderr(
      `claude-fallback: the restarted Claude did not take the program's ${subtype} again: ${error}`,
    );
  }

  private conversationHolds(user: Buffer): boolean {
    const text = promptText(field(messageOf(user), "message", "content"));
    const sessionId = this.core.sessionId;
    return text !== null && sessionId !== null && this.io.lastPrompt(sessionId) === text;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.generation++;
    this.dropped = this.held;
    this.held = null;
    this.waiting ??= [];
    this.child = undefined;
    if (!child) return;
    child.stdin?.end();
    child.kill("SIGTERM");
    await child.exited.catch(() => 1);
  }

  /** No switch after all: the limit's whole epilogue goes to the program, and its turn is over. */
  switchFailed(): void {
    const held = this.held ?? this.dropped;
    this.dropped = null;
    this.interrupt = null;
    // Not whole yet (a hook told of the limit first): its result releases it as it comes.
    if (!held?.some((line) => isResult(messageOf(line)))) return;
    this.held = null;
    for (const line of held) this.io.stdout(line);
    this.turnEnded();
  }

  childPid(): number | null {
    return this.child?.pid ?? null;
  }

  kill(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  show(event: RunEvent | null, text: string): void {
    // Claude sends the gateway's refusal to the program itself (an API error result): once is enough.
    if (event && refusedRequest(event)) return;
    this.io.stderr(text.startsWith("claude-fallback:") ? text : `claude-fallback: ${text}`);
  }
}

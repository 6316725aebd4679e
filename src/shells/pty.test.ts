import { afterEach, describe, expect, test } from "vitest";
import { writeClaudeTranscript } from "../../test/support/claude-home.js";
import {
  type CoreFixture,
  coreFixture,
  FakePty,
  FakeTerminal,
  limitHook,
  TEST_KEY,
  until,
} from "../../test/support/run-core.js";
import { parseHookEvent } from "../hooks/hook-events.js";
import type { PtyChildOptions } from "../terminal/pty-child.js";
import { type PromptArming, PtyShell } from "./pty.js";

const MENU = "\x1d";

let fixture: CoreFixture | undefined;
afterEach(() => {
  fixture?.cleanup();
  fixture = undefined;
});

/** Prompts armed as they appear, as most tests answer at once; arming has its own tests. */
const ARMED_AT_ONCE: PromptArming = { visibleMs: 0, quietMs: 0 };

function setup(config: Record<string, unknown> = {}, args: string[] = [], arming = ARMED_AT_ONCE) {
  fixture = coreFixture("pty", args, config);
  const terminal = new FakeTerminal();
  const children: FakePty[] = [];
  const spawn = (options: PtyChildOptions) => {
    const child = new FakePty(options.args ?? [], options.env ?? {}, 4000 + children.length);
    children.push(child);
    return child;
  };
  const shell = new PtyShell(fixture.core, terminal, spawn, arming);
  const exited = shell.run();
  return { core: fixture.core, ledger: fixture.ledger, shell, terminal, children, exited };
}

function valueAfter(args: readonly string[], option: string): string | undefined {
  return args[args.indexOf(option) + 1];
}

describe("the pty shell", () => {
  test("starts claude with our settings and a session id, passes bytes both ways, and ends with its status", async () => {
    const { terminal, children, exited } = setup({}, ["--model", "opus"]);
    await until(() => children.length === 1, "claude to start");
    const [claude] = children as [FakePty];
    expect(claude.args.slice(0, 2)).toEqual(["--model", "opus"]);
    expect(valueAfter(claude.args, "--settings")).toMatch(/settings\.json$/);
    expect(valueAfter(claude.args, "--session-id")).toMatch(/^[0-9a-f-]{36}$/);
    // The subscription: no gateway, and never our key in Claude's environment.
    expect(claude.env.ANTHROPIC_AUTH_TOKEN).toBeUndefined();
    expect(JSON.stringify(claude.env)).not.toContain(TEST_KEY);
    expect(terminal.entered).toBe(true);

    claude.print("hello from claude");
    terminal.type("abc");
    expect(terminal.output.join("")).toBe("hello from claude");
    expect(claude.written.join("")).toBe("abc");

    claude.exit(3);
    expect(await exited).toBe(3);
    expect(terminal.restored).toBe(true);
    expect(terminal.errors).toEqual([]);
  });

  test("at the limit the prompt is drawn; y restarts the same conversation on API billing with the resume prompt", async () => {
    const { core, terminal, children, exited } = setup({ prompt_before_switch: true });
    await until(() => children.length === 1, "claude to start");
    const sessionId = valueAfter(children[0]!.args, "--session-id")!;
    core.onHook(limitHook(sessionId));
    expect(terminal.screenText()).toContain("subscription limit reached");
    expect(terminal.screenText()).toContain("Paid: continue this conversation now on your own API key");

    terminal.type("y");
    await until(() => children.length === 2, "claude to restart");
    const [first, second] = children as [FakePty, FakePty];
    expect(first.exitInfo).toBeDefined();
    expect(second.args.slice(-4)).toEqual(["--resume", sessionId, "--", "Continue where you left off."]);
    expect(second.env.ANTHROPIC_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(second.env.ANTHROPIC_AUTH_TOKEN).toMatch(/^cf-gw/);
    expect(JSON.stringify(second.env)).not.toContain(TEST_KEY);
    await until(() => core.state.mode === "api", "the switch to finish");

    writeClaudeTranscript(core.options.env, sessionId);
    second.exit(0);
    expect(await exited).toBe(0);
    // Every run that used API billing ends with what it cost, where its requests are, and how to go on.
    expect(terminal.errors).toEqual([
      `claude-fallback: this run's API billing: $0.00 (details: claude-fallback usage run ${core.options.runId}); continue the conversation with: claude-fallback resume ${sessionId}`,
    ]);
  });

  test("a limit Claude draws: its chunk reaches the terminal unchanged, the modes read it, then the prompt is drawn over it", async () => {
    const { core, terminal, children, exited } = setup({ prompt_before_switch: true });
    await until(() => children.length === 1, "claude to start");
    const [claude] = children as [FakePty];
    const sessionId = valueAfter(claude.args, "--session-id")!;
    core.onHook(
      parseHookEvent({ hook_event_name: "UserPromptSubmit", session_id: sessionId }, "UserPromptSubmit")!,
    );
    const order: string[] = [];
    const write = terminal.write.bind(terminal);
    terminal.write = (data) => {
      order.push(`write ${Buffer.from(data).toString("utf8")}`);
      write(data);
    };
    const paint = terminal.paint.bind(terminal);
    terminal.paint = (text) => {
      order.push(`paint ${text}`);
      paint(text);
    };

    const chunk = "\x1b[?1049h\x1b[1mYou've hit your 5-hour limit · resets 11pm (UTC)\x1b[22m\r\n";
    claude.print(chunk);
    expect(order[0]).toBe(`write ${chunk}`);
    expect(order.slice(1).join("")).toContain("subscription limit reached");
    expect(terminal.modes.altScreen).toBe(true);
    claude.exit(0);
    await exited;
  });

  test("a redraw of the prompt (new figures, a new size) is one paint: the box is never off the screen in between", async () => {
    const { core, shell, terminal, children, exited } = setup({ prompt_before_switch: true });
    await until(() => children.length === 1, "claude to start");
    core.onHook(limitHook(valueAfter(children[0]!.args, "--session-id")!));
    const before = terminal.painted.length;
    shell.refresh();
    const redraw = terminal.painted.slice(before).filter((text) => text.length > 0);
    expect(redraw).toHaveLength(1);
    expect(redraw[0]).toContain("subscription limit reached");
    children[0]!.exit(0);
    await exited;
  });

  test("keys typed on as the prompt appears are held for Claude, never an answer; the answers come once the keys are still", async () => {
    const { core, terminal, children, exited } = setup({}, [], { visibleMs: 30, quietMs: 150 });
    await until(() => children.length === 1, "claude to start");
    const [claude] = children as [FakePty];
    core.onHook(limitHook(valueAfter(claude.args, "--session-id")!));
    expect(terminal.screenText()).toContain("the keys to answer come in a moment");
    expect(terminal.screenText()).not.toContain("[y] yes");
    terminal.type("y");
    terminal.type("a");
    terminal.type("n");
    expect(core.state.phase).toBe("asking");
    expect(claude.written.join("")).toBe("");
    await until(
      () => terminal.screenText().includes("[y] yes  [n] no  [a] yes for this run"),
      "the prompt to arm",
    );
    terminal.type("n");
    expect(core.state.declined).toBe(true);
    // Claude gets what was typed for it, once the prompt is gone.
    expect(claude.written.join("")).toBe("yan");
    claude.exit(0);
    await exited;
  });

  test("keys held while the prompt was not armed do not reach a Claude that a yes replaces", async () => {
    const { core, terminal, children, exited } = setup({}, [], { visibleMs: 100, quietMs: 100 });
    await until(() => children.length === 1, "claude to start");
    const [first] = children as [FakePty];
    const sessionId = valueAfter(first.args, "--session-id")!;
    terminal.type("x");
    core.onHook(limitHook(sessionId));
    terminal.type("y\r");
    expect(core.state.phase).toBe("asking");
    await until(() => terminal.screenText().includes("[y] yes"), "the prompt to arm");
    terminal.type("y");
    await until(() => children.length === 2, "claude to restart");
    expect(first.written.join("")).toBe("x");
    children[1]!.exit(0);
    await exited;
  });

  test("Ctrl-Z: when Claude says it is suspended, Claude is stopped, the terminal given back and the wrapper stopped; fg continues both", async () => {
    const { terminal, children, exited } = setup();
    await until(() => children.length === 1, "claude to start");
    const [claude] = children as [FakePty];
    terminal.type("\x1a");
    // The notice across two reads of the pty.
    claude.print("\r\nClaude Code is susp");
    claude.print("ended. Run `fg` to bring it back.\r\n");
    await until(() => terminal.calls.includes("suspend"), "the wrapper to stop");
    expect(claude.signals).toEqual(["SIGSTOP"]);
    expect(terminal.calls.slice(-2)).toEqual(["restore", "suspend"]);
    terminal.fg();
    await until(() => claude.signals.length === 2, "claude to be continued");
    expect(claude.signals).toEqual(["SIGSTOP", "SIGCONT"]);
    expect(terminal.calls.at(-1)).toBe("enter");
    claude.exit(0);
    expect(await exited).toBe(0);
  });

  test("the same words from Claude with no Ctrl-Z typed just before are Claude's text, not a suspension", async () => {
    const { terminal, children, exited } = setup();
    await until(() => children.length === 1, "claude to start");
    const [claude] = children as [FakePty];
    terminal.type("tell me what Claude Code says at Ctrl-Z\r");
    claude.print("Claude Code is suspended. Run `fg` to bring it back.");
    claude.exit(0);
    expect(await exited).toBe(0);
    expect(claude.signals).toEqual([]);
    expect(terminal.calls).not.toContain("suspend");
  });

  test("n closes the prompt and leaves Claude running on the subscription", async () => {
    const { core, terminal, children, exited } = setup();
    await until(() => children.length === 1, "claude to start");
    core.onHook(limitHook(valueAfter(children[0]!.args, "--session-id")!));
    terminal.type("n");
    expect(core.state.phase).toBe("running");
    expect(core.state.declined).toBe(true);
    expect(children).toHaveLength(1);
    children[0]!.exit(0);
    await exited;
  });

  test("Ctrl-C at the prompt is no, as Escape is; Ctrl-Y is not yes; nothing reaches Claude", async () => {
    const { core, terminal, children, exited } = setup();
    await until(() => children.length === 1, "claude to start");
    const [claude] = children as [FakePty];
    core.onHook(limitHook(valueAfter(claude.args, "--session-id")!));
    terminal.type("\x19");
    expect(core.state.phase).toBe("asking");
    terminal.type("\x03");
    expect(core.state.phase).toBe("running");
    expect(core.state.declined).toBe(true);
    expect(claude.written.join("")).not.toMatch(/[\x03\x19]/);
    expect(children).toHaveLength(1);
    claude.exit(0);
    await exited;
  });

  test("the menu key opens the menu; u shows usage and spend; c closes; pressed twice it goes to Claude", async () => {
    const { terminal, children, exited } = setup();
    await until(() => children.length === 1, "claude to start");
    const [claude] = children as [FakePty];
    terminal.type(MENU);
    expect(terminal.screenText()).toContain("Claude is running on your subscription.");
    expect(terminal.screenText()).toContain("switch to API");
    terminal.type("u");
    expect(terminal.screenText()).toContain("API spend this run: $0.00 of $10.00");
    terminal.type("c");
    // Claude's output held while the menu was up is let through, and Claude repaints.
    claude.print("after");
    expect(terminal.output.join("")).toContain("after");
    expect(claude.redraws).toBe(1);
    terminal.type(`${MENU}${MENU}`);
    expect(claude.written.join("")).toBe(MENU);
    claude.exit(0);
    await exited;
  });

  test("with log_usage off, the usage page still counts today's API spend (as the daily cap does)", async () => {
    const { core, terminal, children, exited } = setup({ log_usage: false, cost_limit_per_day: 5 });
    await until(() => children.length === 1, "claude to start");
    // What the gateway does for each answered request: queue it into the run's spend.
    core.spending.tracker.queue({
      at: Date.now(),
      outcome: "ok",
      model: "claude-sonnet-4-5",
      costNanoUsd: 45_000_000,
    });
    core.spending.tracker.flush();
    terminal.type(`${MENU}u`);
    expect(terminal.screenText()).toContain("API spend this run: $0.05");
    expect(terminal.screenText()).toContain("API spend today: $0.05 of $5.00");
    expect(terminal.screenText()).toContain("API spend this month: $0.05");
    children[0]!.exit(0);
    await exited;
  });

  test("a reached cap is offered a raise for the run in the menu; r raises it and says so", async () => {
    const { core, terminal, children, ledger, exited } = setup({ cost_limit_per_session: 0.04 });
    await until(() => children.length === 1, "claude to start");
    core.spending.tracker.queue({
      at: Date.now(),
      outcome: "ok",
      model: "claude-sonnet-4-5",
      costNanoUsd: 45_000_000,
    });
    terminal.type(MENU);
    expect(terminal.screenText()).toContain("raise the per-session cap to $0.08 for this run");
    terminal.type("r");
    expect(core.spending.caps().cost_limit_per_session).toBe(0.08);
    expect(core.reachedCapNow()).toBeNull();
    expect(terminal.screenText()).toContain(
      "the per-session API spending cap is $0.08 for the rest of this run",
    );
    const raised = ledger.db.prepare("SELECT kind FROM events WHERE kind = 'cap_raised'").all();
    expect(raised).toHaveLength(1);
    children[0]!.exit(0);
    await exited;
  });

  test("Claude killed before it wrote the conversation: no command to continue what does not exist", async () => {
    const { terminal, children, exited } = setup();
    await until(() => children.length === 1, "claude to start");
    children[0]!.exit(0, "SIGKILL");
    expect(await exited).toBe(137);
    expect(terminal.errors).toEqual(["claude-fallback: claude was killed (SIGKILL)"]);
  });

  test("Claude killed by a signal on API billing: the run says so, then what API billing cost, with the command that continues", async () => {
    const { core, terminal, children, exited } = setup();
    await until(() => children.length === 1, "claude to start");
    const sessionId = valueAfter(children[0]!.args, "--session-id")!;
    core.onHook(limitHook(sessionId));
    terminal.type("y");
    await until(() => core.state.mode === "api", "the switch to finish");
    writeClaudeTranscript(core.options.env, sessionId);
    children[1]!.exit(0, "SIGKILL");
    expect(await exited).toBe(137);
    expect(terminal.errors).toEqual([
      "claude-fallback: claude was killed (SIGKILL)",
      `claude-fallback: this run's API billing: $0.00 (details: claude-fallback usage run ${core.options.runId}); continue the conversation with: claude-fallback resume ${sessionId}`,
    ]);
  });

  test("Claude killed by a signal: the run says so, with the command that continues the conversation", async () => {
    const { core, terminal, children, exited } = setup();
    await until(() => children.length === 1, "claude to start");
    const sessionId = valueAfter(children[0]!.args, "--session-id")!;
    writeClaudeTranscript(core.options.env, sessionId);
    children[0]!.exit(0, "SIGKILL");
    expect(await exited).toBe(137);
    expect(terminal.errors).toEqual([
      `claude-fallback: claude was killed (SIGKILL); continue the conversation with: claude-fallback resume ${sessionId}`,
    ]);
  });

  test("a signal to the wrapper is passed on to Claude; its end by it is the run's end with 128+n, not a kill to report", async () => {
    const { terminal, children, exited } = setup();
    await until(() => children.length === 1, "claude to start");
    process.emit("SIGTERM", "SIGTERM");
    expect(children[0]!.signals).toEqual(["SIGTERM"]);
    expect(await exited).toBe(143);
    expect(terminal.restored).toBe(true);
    expect(terminal.errors.filter((line) => line.includes("was killed"))).toEqual([]);
  });
});

import { readFileSync } from "node:fs";
import { afterEach, describe, expect, test } from "vitest";
import { type CoreFixture, coreFixture, FakeChild, TEST_KEY, until } from "../../test/support/run-core.js";
import { parseHookEvent } from "../hooks/hook-events.js";
import type { ChildOptions } from "../platform/child.js";
import { readState, stateFile } from "../state/store.js";
import { StreamJsonShell, startsLimitEpilogue } from "./stream-json.js";

function omit(object: object, key: string): object {
  return Object.fromEntries(Object.entries(object).filter(([name]) => name !== key));
}

const SDK_ARGS = ["--output-format", "stream-json", "--verbose", "--input-format", "stream-json"];
const RESETS_AT = Math.floor(Date.now() / 1000) + 3 * 3600;

let fixture: CoreFixture | undefined;
afterEach(() => {
  fixture?.cleanup();
  fixture = undefined;
});

/** `lastPrompt`: what the session's transcript ends with (none: claude recorded no prompt). */
function setup(
  config: Record<string, unknown> = {},
  lastPrompt: Record<string, string> = {},
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
) {
  fixture = coreFixture("stream-json", [...SDK_ARGS, ...args], config, env);
  const children: FakeChild[] = [];
  const out: Record<string, unknown>[] = [];
  const said: string[] = [];
  let feed!: (chunk: Buffer) => void;
  let end!: () => void;
  const reading = { stopped: false };
  const shell = new StreamJsonShell(fixture.core, {
    stdout: (line) => out.push(JSON.parse(line.toString("utf8")) as Record<string, unknown>),
    childStderr: () => {},
    stderr: (line) => said.push(line),
    input: (onData, onEnd) => {
      feed = onData;
      end = onEnd;
      return () => {
        reading.stopped = true;
      };
    },
    spawn: (_file: string, args: readonly string[], options: ChildOptions) => {
      const child = new FakeChild(6000 + children.length, args, options);
      children.push(child);
      return child;
    },
    lastPrompt: (sessionId) => lastPrompt[sessionId] ?? null,
  });
  const exited = shell.run();
  const send = (...messages: unknown[]) =>
    feed(Buffer.from(messages.map((m) => `${JSON.stringify(m)}\n`).join("")));
  return { core: fixture.core, children, out, said, send, end: () => end(), exited, reading };
}

const initialize = {
  type: "control_request",
  request_id: "init-1",
  request: { subtype: "initialize", hooks: {} },
};
const user = (text: string) => ({
  type: "user",
  message: { role: "user", content: [{ type: "text", text }] },
  parent_tool_use_id: null,
});
const init = { type: "system", subtype: "init", session_id: "s" };
const setModel = (id: string, model: string) => ({
  type: "control_request",
  request_id: id,
  request: { subtype: "set_model", model },
});
const setPermissionMode = (id: string, mode: string) => ({
  type: "control_request",
  request_id: id,
  request: { subtype: "set_permission_mode", mode },
});
const field = (message: Record<string, unknown>, ...path: string[]): unknown =>
  path.reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], message);
const epilogue = [
  {
    type: "rate_limit_event",
    rate_limit_info: { status: "rejected", resetsAt: RESETS_AT, rateLimitType: "five_hour" },
  },
  {
    type: "assistant",
    message: {
      model: "<synthetic>",
      content: [{ type: "text", text: "You've hit your 5-hour limit · resets 11pm (UTC)" }],
    },
    error: "rate_limit",
  },
  {
    type: "result",
    subtype: "success",
    is_error: true,
    api_error_status: 429,
    result: "You've hit your 5-hour limit · resets 11pm (UTC)",
  },
];

/** The restarted claude was told to go on (the resume prompt), not given the message again; then the run ends. */
async function resumedWithThePromptThenEnded(
  run: Pick<ReturnType<typeof setup>, "children" | "end" | "exited">,
) {
  const { children, end, exited } = run;
  await until(() => children.length === 2 && children[1]!.received().length === 2, "the restart");
  expect(children[1]!.received()[1]).toMatchObject({
    type: "user",
    message: { content: [{ type: "text", text: "Continue where you left off." }] },
  });
  end();
  children[1]!.finish("", 0);
  expect(await exited).toBe(0);
}

describe("the stream-json relay", () => {
  test("a rate_limit_event's utilisation is the subscription's (no status line here): the warning at notify_at_percentage is said", async () => {
    const { children, said, send, end, exited } = setup({ notify_at_percentage: 80 });
    send(initialize, user("hello"));
    await until(() => children.length === 1, "claude to start");
    const [claude] = children as [FakeChild];
    const statusWindows = () =>
      Object.entries(
        readState(stateFile(fixture!.core.options.paths.stateDir)).utilisation?.windows ?? {},
      ).map(([name, window]) => ({ name, usedPercentage: window.used_percentage }));
    claude.say({
      type: "rate_limit_event",
      rate_limit_info: {
        status: "allowed_warning",
        resetsAt: RESETS_AT,
        rateLimitType: "five_hour",
        utilization: 0.92,
      },
    });
    await until(() => said.some((line) => /92%/.test(line)), "the warning");
    expect(said.filter((line) => /92%/.test(line))).toHaveLength(1);
    // Another window's event keeps the first: the status line would give both.
    claude.say({
      type: "rate_limit_event",
      rate_limit_info: {
        status: "allowed",
        resetsAt: RESETS_AT + 86_400,
        rateLimitType: "seven_day",
        utilization: 0.4,
      },
    });
    await until(() => statusWindows().length === 2, "both windows in the state");
    expect(statusWindows().map((w) => [w.name, Math.round(w.usedPercentage)])).toEqual([
      ["five_hour", 92],
      ["seven_day", 40],
    ]);
    end();
    claude.finish("", 0);
    expect(await exited).toBe(0);
  });

  test("lines pass both ways unchanged; the program's lines wait while claude starts", async () => {
    const { children, out, send, end, exited } = setup();
    send(initialize, user("hello"));
    await until(() => children.length === 1, "claude to start");
    const [claude] = children as [FakeChild];
    expect(claude.args).toEqual(expect.arrayContaining([...SDK_ARGS, "--settings", "--session-id"]));
    await until(() => claude.received().length === 2, "the program's lines");
    expect(claude.received()).toEqual([initialize, user("hello")]);
    claude.say({ type: "control_response", response: { subtype: "success", request_id: "init-1" } }, init, {
      type: "result",
      is_error: false,
      result: "hi",
    });
    await until(() => out.length === 3, "claude's lines");
    expect(out.map((message) => message.type)).toEqual(["control_response", "system", "result"]);
    end();
    await until(() => claude.stdinEnded, "claude's input to close");
    claude.finish("", 0);
    expect(await exited).toBe(0);
  });

  test("at the limit under auto_switch: the epilogue is held, claude restarted on API billing, the initialize replayed and the message sent again", async () => {
    const { core, children, out, send, end, exited } = setup({ auto_switch: true });
    send(initialize);
    await until(() => children.length === 1, "claude to start");
    const [first] = children as [FakeChild];
    first.say({ type: "control_response", response: { subtype: "success", request_id: "init-1" } });
    // Claude asks the program something, then the limit ends the turn before the answer comes.
    send(user("hello"));
    first.say(
      init,
      { type: "control_request", request_id: "hook-7", request: { subtype: "hook_callback" } },
      ...epilogue,
    );
    await until(() => children.length === 2, "claude to restart");
    const second = children[1]!;
    expect(second.args).toEqual(expect.arrayContaining(["--resume", core.sessionId]));
    expect(second.options.env.ANTHROPIC_AUTH_TOKEN).toMatch(/^cf-gw/);
    await until(() => second.received().length === 2, "the replay");
    const [replayed, again] = second.received();
    expect(replayed).toEqual({
      ...initialize,
      request_id: expect.stringMatching(/^claude-fallback-replay-/),
    });
    expect(again).toEqual(user("hello"));
    // The program's late answer to the stopped claude goes nowhere.
    send({ type: "control_response", response: { subtype: "success", request_id: "hook-7", response: {} } });
    // The replay's answer is ours; the resumed claude's init of this turn is not news.
    second.say(
      {
        type: "control_response",
        response: { subtype: "success", request_id: String(replayed?.request_id) },
      },
      init,
      {
        type: "assistant",
        message: { model: "claude-sonnet-4-5", content: [{ type: "text", text: "continued" }] },
      },
      { type: "result", is_error: false, result: "continued" },
    );
    await until(() => out.some((message) => message.result === "continued"), "the continued answer");
    expect(out.map((message) => message.type)).toEqual([
      "control_response",
      "system",
      "control_request",
      "assistant",
      "result",
    ]);
    expect(out.some((message) => startsLimitEpilogue(message))).toBe(false);
    expect(second.received()).toHaveLength(2);
    end();
    second.finish("", 0);
    expect(await exited).toBe(0);
  });

  test("what the program set since (model, permission mode) is told again after the initialize, and what claude says back is not the program's", async () => {
    const { children, out, said, send, end, exited } = setup({ auto_switch: true });
    send(initialize);
    await until(() => children.length === 1, "claude to start");
    const [first] = children as [FakeChild];
    const success = (id: string) => ({
      type: "control_response",
      response: { subtype: "success", request_id: id },
    });
    const haiku = setModel("m-1", "claude-haiku-4-5");
    send(haiku, setPermissionMode("p-1", "plan"), setPermissionMode("p-2", "acceptEdits"));
    send(setModel("m-2", "no-such-model"));
    first.say(success("init-1"), success("m-1"), success("p-1"), success("p-2"), {
      type: "control_response",
      response: { subtype: "error", request_id: "m-2", error: "no such model" },
    });
    send(user("hello"));
    first.say(init, ...epilogue);
    await until(() => children.length === 2 && children[1]!.received().length === 4, "the replay");
    const second = children[1]!;
    const ours = { request_id: expect.stringMatching(/^claude-fallback-replay-/) };
    // The refused model is not the session's; of two permission modes, the last holds.
    expect(second.received()).toEqual([
      { ...initialize, ...ours },
      { ...haiku, ...ours },
      { ...setPermissionMode("p-2", "acceptEdits"), ...ours },
      user("hello"),
    ]);
    const seen = out.length;
    second.say(
      ...second
        .received()
        .slice(0, 3)
        .map((request) => success(String(request.request_id))),
      { type: "system", subtype: "status", status: null, permissionMode: "acceptEdits" },
      init,
      { type: "result", is_error: false, result: "continued" },
    );
    await until(() => out.some((message) => message.result === "continued"), "the continued answer");
    expect(out.slice(seen)).toEqual([{ type: "result", is_error: false, result: "continued" }]);
    expect(said.filter((line) => line.includes("did not take"))).toEqual([]);
    end();
    second.finish("", 0);
    expect(await exited).toBe(0);
  });

  test("a setting the restarted claude refuses is said on stderr, not given to the program", async () => {
    const { children, out, said, send, end, exited } = setup({ auto_switch: true });
    send(setModel("m-1", "claude-haiku-4-5"));
    await until(() => children.length === 1, "claude to start");
    children[0]!.say({ type: "control_response", response: { subtype: "success", request_id: "m-1" } });
    send(user("hello"));
    children[0]!.say(init, ...epilogue);
    await until(() => children.length === 2 && children[1]!.received().length === 2, "the replay");
    const [replayed] = children[1]!.received();
    const answers = out.length;
    children[1]!.say({
      type: "control_response",
      response: { subtype: "error", request_id: replayed!.request_id, error: "not on this key" },
    });
    await until(() => said.some((line) => line.includes("did not take")), "the refusal said");
    expect(said.find((line) => line.includes("did not take"))).toContain("set_model again: not on this key");
    expect(out.length).toBe(answers);
    end();
    children[1]!.finish("", 0);
    expect(await exited).toBe(0);
  });

  test("a per-model limit's free model wins over the program's earlier set_model (not sent again); its permission mode still is", async () => {
    const { children, send, end, exited } = setup({ auto_switch: true });
    send(setModel("m-1", "claude-opus-4-5"), setPermissionMode("p-1", "acceptEdits"));
    await until(() => children.length === 1, "claude to start");
    children[0]!.say(
      { type: "control_response", response: { subtype: "success", request_id: "m-1" } },
      { type: "control_response", response: { subtype: "success", request_id: "p-1" } },
    );
    send(user("hello"));
    const opusLimit = "You've hit your Opus limit · resets 11pm (UTC)";
    children[0]!.say(
      init,
      {
        type: "rate_limit_event",
        rate_limit_info: { status: "rejected", resetsAt: RESETS_AT, rateLimitType: "seven_day_opus" },
      },
      { type: "result", subtype: "success", is_error: true, api_error_status: 429, result: opusLimit },
    );
    await until(() => children.length === 2 && children[1]!.received().length === 2, "the free model");
    const second = children[1]!;
    expect(second.args).toEqual(expect.arrayContaining(["--model", "sonnet"]));
    expect(second.received().map((message) => field(message, "request", "subtype") ?? message.type)).toEqual([
      "set_permission_mode",
      "user",
    ]);
    end();
    second.finish("", 0);
    expect(await exited).toBe(0);
  });

  test("claude killed while the program's input is still open: the run ends with claude's status and stops reading", async () => {
    const { children, send, exited, reading } = setup();
    send(initialize, user("hello"));
    await until(() => children.length === 1, "claude to start");
    children[0]!.finish("", 137);
    expect(await exited).toBe(137);
    expect(reading.stopped).toBe(true);
  });

  test("a --continue: the restart resumes the id Claude told, without our SessionStart hook, whose events would reach the program", async () => {
    const { core, children, send, end, exited } = setup({ auto_switch: true }, {}, ["--continue"]);
    send(initialize, user("hello"));
    await until(() => children.length === 1, "claude to start");
    const hooksOf = (child: FakeChild) =>
      (
        JSON.parse(readFileSync(child.args[child.args.indexOf("--settings") + 1]!, "utf8")) as {
          hooks: object;
        }
      ).hooks;
    expect(Object.keys(hooksOf(children[0]!))).toContain("SessionStart");
    const sessionId = "6b1d2f0e-3c4a-4e5b-9f8a-7d6c5b4a3e2f";
    core.onHook(
      parseHookEvent({ hook_event_name: "UserPromptSubmit", session_id: sessionId }, "UserPromptSubmit")!,
    );
    children[0]!.say(init, ...epilogue);
    await until(() => children.length === 2, "claude to restart");
    expect(children[1]!.args).toEqual(expect.arrayContaining(["--resume", sessionId]));
    expect(hooksOf(children[1]!)).toEqual(omit(hooksOf(children[0]!), "SessionStart"));
    end();
    children[1]!.finish("", 0);
    expect(await exited).toBe(0);
  });

  test("without auto_switch the program sees Claude's own epilogue, unchanged", async () => {
    const { children, out, send, end, exited } = setup();
    send(initialize, user("hello"));
    await until(() => children.length === 1, "claude to start");
    children[0]!.say(init, ...epilogue);
    await until(() => out.length === 4, "the epilogue");
    expect(out.slice(1)).toEqual(epilogue);
    end();
    children[0]!.finish("", 1);
    expect(await exited).toBe(1);
    expect(children).toHaveLength(1);
  });

  test("a switch asked for during a turn (`use api`) waits for the turn's result, not Claude's Stop hook, which comes before it", async () => {
    const { core, children, out, send, end, exited } = setup();
    send(initialize, user("hello"));
    await until(() => children.length === 1, "claude to start");
    children[0]!.say(init);
    await until(() => out.length === 1, "the init");
    core.requestSwitch("api");
    expect(core.state.pending?.to).toBe("api");
    core.onHook(parseHookEvent({ hook_event_name: "Stop", session_id: core.sessionId }, "Stop")!);
    // Before: the switch began at the hook and stopped claude before it wrote the turn's result.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(children).toHaveLength(1);
    children[0]!.say(
      { type: "assistant", message: { model: "claude-sonnet-4-5", content: [{ type: "text", text: "hi" }] } },
      { type: "result", is_error: false, result: "answered" },
    );
    await until(() => children.length === 2, "the switch once the turn is over");
    expect(out.map((message) => message.type)).toEqual(["system", "assistant", "result"]);
    expect(children[1]!.options.env.ANTHROPIC_AUTH_TOKEN).toMatch(/^cf-gw/);
    end();
    children[1]!.finish("", 0);
    expect(await exited).toBe(0);
  });

  test("the program interrupts while the limit is held (a slow key command): it has its answer, and the restarted claude is interrupted too", async () => {
    const { children, out, send, end, exited } = setup(
      { auto_switch: true, api_key_command: `sleep 0.5; echo ${TEST_KEY}` },
      {},
      [],
      { CLAUDE_FALLBACK_API_KEY: undefined },
    );
    send(initialize, user("hello"));
    await until(() => children.length === 1, "claude to start");
    const [first] = children as [FakeChild];
    first.say(init, ...epilogue);
    const interrupt = { type: "control_request", request_id: "int-1", request: { subtype: "interrupt" } };
    send(interrupt);
    await until(() => first.received().length === 3, "the interrupt to reach claude");
    const answer = { type: "control_response", response: { subtype: "success", request_id: "int-1" } };
    first.say(answer);
    // Before: the answer was held with the epilogue and dropped with it; the program's interrupt() never returned.
    await until(() => out.some((message) => message.type === "control_response"), "the interrupt's answer");
    expect(out).toEqual([init, answer]);
    await until(() => children.length === 2 && children[1]!.received().length === 3, "the replay");
    const second = children[1]!;
    const ours = { request_id: expect.stringMatching(/^claude-fallback-replay-/) };
    // The turn is taken over and interrupted at once: the program gets the result an interrupt gives.
    expect(second.received()).toEqual([{ ...initialize, ...ours }, user("hello"), { ...interrupt, ...ours }]);
    const [replayedInit, , replayedInterrupt] = second.received();
    const success = (id: unknown) => ({
      type: "control_response",
      response: { subtype: "success", request_id: id },
    });
    second.say(success(replayedInit?.request_id), init, success(replayedInterrupt?.request_id), {
      type: "result",
      subtype: "error_during_execution",
      is_error: true,
    });
    await until(() => out.length === 3, "the interrupted turn's result");
    expect(out[2]).toMatchObject({ type: "result", subtype: "error_during_execution" });
    end();
    second.finish("", 0);
    expect(await exited).toBe(0);
  });

  test("a switch that fails (the key command fails) gives the program the limit's epilogue, and the turn ends: it is not left waiting", async () => {
    const { core, children, out, said, send, end, exited } = setup(
      { auto_switch: true, api_key_command: "sleep 0.2; exit 3" },
      {},
      [],
      { CLAUDE_FALLBACK_API_KEY: undefined },
    );
    send(initialize, user("hello"));
    await until(() => children.length === 1, "claude to start");
    children[0]!.say(init, ...epilogue);
    await until(() => said.some((line) => line.includes("could not switch")), "the failed switch");
    // Before: the epilogue stayed held, so the program waited for its result until its next message.
    await until(() => out.length === 4, "the epilogue");
    expect(out.slice(1)).toEqual(epilogue);
    expect(children).toHaveLength(1);
    expect(core.state.mode).toBe("subscription");
    // The next turn goes to the same claude and passes through.
    send(user("again"));
    await until(() => children[0]!.received().length === 3, "the next message");
    children[0]!.say({ type: "result", is_error: false, result: "answered" });
    await until(() => out.length === 5, "the next result");
    end();
    children[0]!.finish("", 0);
    expect(await exited).toBe(0);
  });

  test("a limit after claude answered in the turn (a tool loop) goes on with the resume prompt, not the message again", async () => {
    const { children, send, end, exited } = setup({ auto_switch: true });
    send(initialize, user("run the tool"));
    await until(() => children.length === 1, "claude to start");
    children[0]!.say(
      init,
      {
        type: "assistant",
        message: { model: "claude-sonnet-4-5", content: [{ type: "tool_use", name: "Bash" }] },
      },
      ...epilogue,
    );
    await resumedWithThePromptThenEnded({ children, end, exited });
  });

  test("a refused prompt the conversation already holds is not sent again (one message holding it twice): the resume prompt", async () => {
    const sessions: Record<string, string> = {};
    const { core, children, send, end, exited } = setup({ auto_switch: true }, sessions);
    send(initialize, { type: "user", message: { role: "user", content: "hello" }, parent_tool_use_id: null });
    await until(() => children.length === 1, "claude to start");
    sessions[core.sessionId!] = "hello";
    children[0]!.say(init, ...epilogue);
    await resumedWithThePromptThenEnded({ children, end, exited });
  });

  test("a one-shot prompt: the program closed its input before the limit; the restarted claude gets it closed too", async () => {
    const { children, send, end, exited } = setup({ auto_switch: true });
    send(initialize, user("summarise"));
    end();
    await until(
      () => children.length === 1 && children[0]!.stdinEnded,
      "claude to start with its input closed",
    );
    children[0]!.say(init, ...epilogue);
    await until(
      () => children.length === 2 && children[1]!.stdinEnded,
      "the restarted claude's input closed",
    );
    expect(children[1]!.received().map((message) => message.type)).toEqual(["control_request", "user"]);
    children[1]!.say({ type: "result", is_error: false, result: "done" });
    children[1]!.finish("", 0);
    expect(await exited).toBe(0);
  });
});

test("a refusal Claude hands the program itself (its error result) is not said again on stderr", async () => {
  const { core, children, said, end, exited } = setup();
  await until(() => children.length === 1, "claude to start");
  const cap = {
    cap: "day" as const,
    configKey: "cost_limit_per_day" as const,
    limitNanoUsd: 1e9,
    spentNanoUsd: 1e9,
  };
  core.tell({
    kind: "cap_reached",
    cap,
    message: "claude-fallback: the daily API spending cap is reached",
    refused: true,
  });
  core.tell({ kind: "cap_warning", cap: { ...cap, spentNanoUsd: 9e8 } });
  expect(said.filter((line) => line.includes("spending cap is reached"))).toEqual([]);
  // What Claude does not show still is.
  expect(said.some((line) => line.includes("API spend today is $0.90"))).toBe(true);
  end();
  children[0]!.finish("", 0);
  await exited;
});

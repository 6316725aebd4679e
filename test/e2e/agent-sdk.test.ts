/**
 * Claude Code inside programs (SPEC §12): the real Agent SDK drives the real `claude` through
 * claude-fallback in its process-wrapper form (`pathToClaudeCodeExecutable` = claude-fallback,
 * `executableArgs` = [the claude to run]) — as VS Code's `claudeCode.claudeProcessWrapper` does —
 * against the simulator. At the limit the program sees the continued answer, not an error.
 */
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  createSdkMcpServer,
  type Query,
  query,
  type SDKMessage,
  type SDKUserMessage,
  tool,
} from "@anthropic-ai/claude-agent-sdk";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type Simulator, startSimulator } from "../../src/simulator/index.js";
import { listLiveRuns } from "../../src/state/runs.js";
import { eventually } from "../support/eventually.js";
import { killLiveProcesses, testedClaudeBinary } from "./harness/claude.js";
import { CLI, fallbackEnv, runFallback, writeFallbackConfig } from "./harness/cli.js";
import { conversationOf, messageRequests } from "./harness/requests.js";
import { createSandbox, type Sandbox, TEST_API_KEY } from "./harness/sandbox.js";

let simulator: Simulator;
let sandbox: Sandbox;
let wrapper: string;
const queries: Query[] = [];

beforeEach(async () => {
  simulator = await startSimulator({ requireApiKey: TEST_API_KEY, limitAfterRequests: null });
  sandbox = await createSandbox({ baseUrl: simulator.url });
  // What a user installs: an executable named claude-fallback (the SDK runs a .js path under node, flags first).
  wrapper = join(sandbox.root, "claude-fallback");
  await writeFile(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  await chmod(wrapper, 0o755);
});

afterEach(async () => {
  for (const running of queries.splice(0)) running.close();
  killLiveProcesses();
  await simulator.close();
  await sandbox.cleanup();
});

const requests = () => messageRequests(simulator);
const userMessage = (text: string): SDKUserMessage => ({
  type: "user",
  message: { role: "user", content: [{ type: "text", text }] },
  parent_tool_use_id: null,
  session_id: "",
});

/** A conversation the test feeds one message at a time, each once the previous turn's result is in. */
class Conversation {
  private readonly pending: ((message: SDKUserMessage | null) => void)[] = [];
  private readonly queued: (SDKUserMessage | null)[] = [];
  readonly messages: SDKMessage[] = [];
  readonly query: Query;
  private results = 0;

  constructor(options: Parameters<typeof query>[0]["options"]) {
    const self = this;
    async function* input(): AsyncGenerator<SDKUserMessage> {
      for (;;) {
        const next = await new Promise<SDKUserMessage | null>((resolve) => {
          const ready = self.queued.shift();
          if (ready !== undefined) resolve(ready);
          else self.pending.push(resolve);
        });
        if (next === null) return;
        yield next;
      }
    }
    this.query = query({ prompt: input(), options });
    queries.push(this.query);
    const running = this.query;
    void (async () => {
      for await (const message of running) {
        this.messages.push(message);
        if (message.type === "result") this.results++;
      }
    })().catch(() => {});
  }

  send(message: SDKUserMessage | null): void {
    const waiting = this.pending.shift();
    if (waiting) waiting(message);
    else this.queued.push(message);
  }

  /** Sends `text` and waits for its turn's result. */
  async turn(text: string): Promise<Extract<SDKMessage, { type: "result" }>> {
    const before = this.results;
    this.send(userMessage(text));
    await eventually(() => this.results > before, `the result of "${text}"`, 60_000);
    return this.messages.filter((message) => message.type === "result").at(-1) as Extract<
      SDKMessage,
      { type: "result" }
    >;
  }
}

function options(extra: Record<string, unknown> = {}) {
  return {
    pathToClaudeCodeExecutable: wrapper,
    executableArgs: [testedClaudeBinary()],
    cwd: sandbox.project,
    env: fallbackEnv(sandbox, { CLAUDE_FALLBACK_RESET_GRACE_SECONDS: "0" }),
    ...extra,
  };
}

/** An in-process MCP server (no process of its own) with one tool, `mcp__probe__ping`. */
function probeServer() {
  return createSdkMcpServer({
    name: "probe",
    version: "1.0.0",
    tools: [
      tool("ping", "Answers pong", {}, async () => ({
        content: [{ type: "text", text: "pong-from-probe" }],
      })),
    ],
  });
}

function resultText(result: { type: string } & Record<string, unknown>): string {
  return String(result.result ?? "");
}

describe("the Agent SDK through claude-fallback", () => {
  test("a multi-turn conversation: the limit at turn 2 continues on the key with no error; after the reset turn 3 is on the subscription", async () => {
    simulator.configure({ limitAfterRequests: 1, resetInSeconds: 6 });
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, auto_switch: true });
    const conversation = new Conversation(options());
    const first = await conversation.turn("turn one about pineapples");
    expect(first.is_error).toBe(false);
    const second = await conversation.turn("turn two");
    expect(second.is_error).toBe(false);
    expect(resultText(second)).toMatch(/\(api\)/);
    // The conversation Claude resumed already held the refused prompt: the API is asked it once.
    const continued = requests().at(-1)!;
    expect(continued.billing).toBe("api");
    expect(conversationOf(continued).match(/turn two/g)).toHaveLength(1);
    // The program never saw the limit's epilogue.
    expect(
      conversation.messages.some(
        (message) =>
          message.type === "rate_limit_event" &&
          (message as { rate_limit_info?: { status?: string } }).rate_limit_info?.status === "rejected",
      ),
    ).toBe(false);
    expect(
      conversation.messages
        .filter((message) => message.type === "result")
        .every((result) => !(result as { is_error: boolean }).is_error),
    ).toBe(true);
    // After the reset, between turns, the wrapper goes back to the subscription by itself.
    const stateDir = join(sandbox.root, "fallback-home", "state");
    await eventually(
      () => listLiveRuns(stateDir).some((run) => run.shell === "stream-json" && run.mode === "subscription"),
      "the switch back to the subscription",
      60_000,
    );
    const third = await conversation.turn("turn three");
    expect(third.is_error).toBe(false);
    expect(resultText(third)).toMatch(/\(subscription\)/);
    const billed = requests().map((request) => request.billing);
    expect(billed.at(-1)).toBe("subscription");
    expect(new Set(requests().map((request) => request.sessionId)).size).toBe(1);
    conversation.send(null);
  });

  test("a one-shot string prompt at the limit gets the continued answer", async () => {
    simulator.configure({ limitAfterRequests: 0 });
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, auto_switch: true });
    const messages: SDKMessage[] = [];
    const running = query({ prompt: "summarise the repo", options: options() });
    queries.push(running);
    for await (const message of running) messages.push(message);
    const result = messages.find((message) => message.type === "result") as {
      is_error: boolean;
      result: string;
    };
    expect(result.is_error).toBe(false);
    expect(result.result).toMatch(/Simulated reply .*\(api\)/);
    expect(requests().map((request) => request.billing)).toEqual(["subscription", "api"]);
  });

  test("a limit inside a tool loop goes on from where it stopped", async () => {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, auto_switch: true });
    simulator.enqueue({
      toolUse: { name: "Bash", input: { command: "echo tool-ran", description: "echo" } },
      billing: "subscription",
    });
    simulator.enqueue({ fault: "usage-limit", billing: "subscription" });
    const conversation = new Conversation(options({ allowedTools: ["Bash"] }));
    const result = await conversation.turn("run the tool");
    expect(result.is_error).toBe(false);
    const after = requests().filter((request) => request.billing === "api");
    expect(after).toHaveLength(1);
    // The API request carries the tool's result: the conversation went on, it did not start again.
    expect(JSON.stringify(after[0]?.body)).toContain("tool-ran");
    conversation.send(null);
  });

  test("the program's hooks go on working across the restart (its initialize is replayed to the new claude)", async () => {
    simulator.configure({ limitAfterRequests: 0 });
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, auto_switch: true });
    const prompts: string[] = [];
    const onPrompt = async (input: unknown) => {
      prompts.push(String((input as { prompt?: unknown }).prompt));
      return {};
    };
    const conversation = new Conversation(options({ hooks: { UserPromptSubmit: [{ hooks: [onPrompt] }] } }));
    const result = await conversation.turn("hello");
    expect(result.is_error).toBe(false);
    expect(resultText(result)).toMatch(/\(api\)/);
    // Once on the subscription's claude; the restarted one resumed a conversation that already held
    // "hello" (Claude records a prompt before sending it), so it was told to go on instead.
    expect(prompts).toEqual(["hello", "Continue where you left off."]);
    expect((await conversation.turn("and again")).is_error).toBe(false);
    expect(prompts.at(-1)).toBe("and again");
    conversation.send(null);
  });

  test("the model and permission mode the program set mid-session hold across the restart on the key", async () => {
    simulator.configure({ limitAfterRequests: 1 });
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, auto_switch: true });
    const conversation = new Conversation(options());
    expect((await conversation.turn("turn one")).is_error).toBe(false);
    await conversation.query.setModel("claude-haiku-4-5");
    await conversation.query.setPermissionMode("acceptEdits");
    const limited = await conversation.turn("turn two meets the limit");
    expect(limited.is_error).toBe(false);
    expect(resultText(limited)).toMatch(/\(api\)/);
    const model = (request: { body: unknown }) => (request.body as { model?: unknown }).model;
    // Before: the restarted claude went back to its launch model (and default permissions), on paid billing.
    const onTheKey = requests().filter((request) => request.billing === "api");
    expect(onTheKey.length).toBeGreaterThan(0);
    expect(new Set(onTheKey.map(model))).toEqual(new Set(["claude-haiku-4-5"]));
    expect((await conversation.turn("turn three")).is_error).toBe(false);
    const inits = conversation.messages.filter(
      (message) => message.type === "system" && message.subtype === "init",
    ) as { model?: string; permissionMode?: string }[];
    expect(inits.at(-1)).toMatchObject({ model: "claude-haiku-4-5", permissionMode: "acceptEdits" });
    // The replayed requests' answers were the wrapper's: the program saw no second one.
    expect(
      conversation.messages.filter((message) => message.type === "system" && message.subtype === "init"),
    ).toHaveLength(3);
    // Claude announces a permission mode it takes: the program heard it once, from its own request.
    expect(
      conversation.messages.filter((message) => message.type === "system" && message.subtype === "status"),
    ).toHaveLength(1);
    conversation.send(null);
  });

  test("an MCP server the program added mid-session (setMcpServers) is still there, and answers, after the restart on the key", async () => {
    simulator.configure({ limitAfterRequests: 1 });
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, auto_switch: true });
    const stderr: string[] = [];
    const conversation = new Conversation(
      options({ allowedTools: ["mcp__probe__ping"], stderr: (data: string) => stderr.push(data) }),
    );
    expect((await conversation.turn("turn one")).is_error).toBe(false);
    // In process: the restarted claude reaches it only through the program, over the relay.
    const probe = probeServer();
    expect((await conversation.query.setMcpServers({ probe })).added).toEqual(["probe"]);
    // On the key, Claude calls the server's tool; the request after it must carry the tool's answer.
    simulator.enqueue({ toolUse: { name: "mcp__probe__ping", input: {} }, billing: "api" });
    const limited = await conversation.turn("turn two meets the limit");
    expect(limited.is_error).toBe(false);
    expect(resultText(limited)).toMatch(/\(api\)/);
    // Claude 2.1.332 defers MCP tools (ToolSearch): a request names them in a system note, not in `tools`.
    const notes = (request: { body: unknown }, heading: string) =>
      (request.body as { messages: { content: unknown }[] }).messages
        .flatMap((message) => (Array.isArray(message.content) ? message.content : [message.content]))
        .map((block) => (typeof block === "string" ? block : (block as { text?: unknown }).text))
        .filter((text): text is string => typeof text === "string")
        .flatMap((text) => text.split("\n\n"))
        .filter((section) => section.includes(heading))
        .flatMap((section) => section.split("\n"));
    const announced = (request: { body: unknown }) =>
      notes(request, "deferred tools are now available").includes("mcp__probe__ping");
    const withdrawn = (request: { body: unknown }) =>
      notes(request, "deferred tools are no longer available").includes("mcp__probe__ping");
    // The refused request had the server: the subscription's claude took setMcpServers.
    const refused = requests()
      .filter((request) => request.billing === "subscription")
      .at(-1)!;
    expect(announced(refused)).toBe(true);
    // Before: the restarted claude started from its launch arguments, with no such server.
    const onTheKey = requests().filter((request) => request.billing === "api");
    expect(onTheKey.length).toBeGreaterThanOrEqual(2);
    for (const request of onTheKey) {
      expect(announced(request)).toBe(true);
      expect(withdrawn(request)).toBe(false);
    }
    // The restarted claude called the tool, and the program's in-process server answered it.
    const toolResults = (onTheKey.at(-1)!.body as { messages: { content: unknown }[] }).messages
      .flatMap((message) => (Array.isArray(message.content) ? message.content : []))
      .filter((block: { type?: string }) => block.type === "tool_result");
    expect(toolResults.at(-1)).toMatchObject({ content: [{ type: "text", text: "pong-from-probe" }] });
    expect(toolResults.at(-1)).not.toHaveProperty("is_error", true);
    const status = await conversation.query.mcpServerStatus();
    expect(status.find((server) => server.name === "probe")?.status).toBe("connected");
    expect((await conversation.turn("turn three")).is_error).toBe(false);
    expect(withdrawn(requests().at(-1)!)).toBe(false);
    // The replayed request was taken (nothing said of it on stderr), and its answer was not the program's.
    expect(stderr.join("")).not.toMatch(/did not take/);
    expect(
      conversation.messages.filter((message) => message.type === "system" && message.subtype === "init"),
    ).toHaveLength(3);
    conversation.send(null);
  });

  test("an MCP server the program turned off (toggleMcpServer) stays off after the restart on the key", async () => {
    simulator.configure({ limitAfterRequests: 1 });
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, auto_switch: true });
    const conversation = new Conversation(options({ allowedTools: ["mcp__probe__ping"] }));
    expect((await conversation.turn("turn one")).is_error).toBe(false);
    const probe = probeServer();
    await conversation.query.setMcpServers({ probe });
    await conversation.query.toggleMcpServer("probe", false);
    const statusOf = async () =>
      (await conversation.query.mcpServerStatus()).find((server) => server.name === "probe")?.status;
    expect(await statusOf()).toBe("disabled");
    const limited = await conversation.turn("turn two meets the limit");
    expect(resultText(limited)).toMatch(/\(api\)/);
    // Replayed in order: added, then turned off (only the add: it would be on again).
    expect(await statusOf()).toBe("disabled");
    conversation.send(null);
  });

  test("`use subscription` during a turn on the key: the switch waits for the turn's result, and the program gets it", async () => {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
    expect((await runFallback(sandbox, ["use", "api"])).code).toBe(0);
    const conversation = new Conversation(options());
    expect(resultText(await conversation.turn("turn one"))).toMatch(/\(api\)/);
    simulator.enqueue({ firstByteDelayMs: 3000, billing: "api" });
    const second = conversation.turn("turn two");
    await eventually(() => requests().length === 2, "turn two's request", 20_000);
    expect((await runFallback(sandbox, ["use", "subscription"])).code).toBe(0);
    // Before: Claude's Stop hook, which comes before the result, started the switch, and the
    // stopped Claude never wrote the result the program was waiting for.
    const answered = await second;
    expect(answered.is_error).toBe(false);
    expect(resultText(answered)).toMatch(/\(api\): turn two/);
    const third = await conversation.turn("turn three");
    expect(resultText(third)).toMatch(/\(subscription\): turn three/);
    conversation.send(null);
  });

  test("claude killed while the program's input is open: the wrapper ends too, so the program is not left waiting", async () => {
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
    const conversation = new Conversation(options());
    expect((await conversation.turn("hello")).is_error).toBe(false);
    const stateDir = join(sandbox.root, "fallback-home", "state");
    const [run] = listLiveRuns(stateDir);
    expect(run?.claudePid).toBeTypeOf("number");
    process.kill(run!.claudePid!, "SIGKILL");
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    // The program has not closed its input: before, the wrapper read it until it did.
    await eventually(() => !alive(run!.pid), "the wrapper to end", 20_000);
    expect(listLiveRuns(stateDir)).toEqual([]);
  });

  test("auto_switch off: the program sees Claude's own error result, unchanged", async () => {
    simulator.configure({ limitAfterRequests: 0 });
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY });
    const conversation = new Conversation(options());
    const result = await conversation.turn("hello");
    expect(result.is_error).toBe(true);
    expect(resultText(result)).toMatch(/hit your .*limit/);
    expect(requests().every((request) => request.billing === "subscription")).toBe(true);
    conversation.send(null);
  });

  test("a reached cap reaches the program as an error result that names the cap", async () => {
    simulator.configure({ usage: { inputTokens: 20_000, outputTokens: 2_000 } });
    await writeFallbackConfig(sandbox, { api_key: TEST_API_KEY, cost_limit_per_session: 0.01 });
    expect((await runFallback(sandbox, ["use", "api"])).code).toBe(0);
    const conversation = new Conversation(options());
    expect((await conversation.turn("first")).is_error).toBe(false);
    const refused = await conversation.turn("second");
    expect(refused.is_error).toBe(true);
    expect(resultText(refused)).toContain("per-session API spending cap of $0.01 is reached");
    conversation.send(null);
  });
});
